"""Latency seen by the users: network round trip to the option plus the modelled TTFT and TPOT.

``first_token_ms = rtt_ms + ttft_ms``. The round trip comes from ``network_rtt.csv`` by path
(site network, metro link to a colocation facility, same cloud region, same continent, another
continent); TTFT and TPOT come from the sizing estimate attached to the option (at the concurrency
that meets the scenario's targets, i.e. under load), or for a managed API from ``option_facts.csv``.

A hybrid's ``first_token_ms`` is the mean of its parts weighted by the share of tokens each serves
(what the latency score uses); ``slowest_first_token_ms`` is that of its slowest part serving any
tokens (what ``constraints.max_latency_ms`` is checked against).
"""

from __future__ import annotations

from typing import Any

from ..catalog import criteria_data as data
from .facts import OptionFacts

__all__ = ["network_path", "option_latency"]

_PATH_WORDS = {
    "lan": "the site network",
    "metro": "a metro link to the colocation facility",
    "cloud_same_region": "the cloud region's network",
    "same_area": "the internet, same continent",
    "intercontinental": "the internet, another continent",
}


def _area(country: str | None) -> str | None:
    if not country:
        return None
    loc = data.location("country", country)
    return loc.area if loc else None


def _option_area(f: OptionFacts, settings: Any) -> str | None:
    if f.kind == "api" and not f.country and f.provider:
        loc = data.location("api_provider", f.provider)
        return loc.area if loc else None
    return _area(f.country) or (
        _area(getattr(settings, "site_country", None)) if f.kind == "in_house" else None
    )


def network_path(f: OptionFacts, settings: Any) -> tuple[str, str]:
    """The network path from the users to the option, and why."""
    users = getattr(settings, "users", "on_site")
    ua = _area(getattr(settings, "users_country", None))
    oa = _option_area(f, settings)
    far = ua is not None and oa is not None and ua != oa
    where = f"users {users.replace('_', ' ')}" + (f" ({ua} -> {oa})" if far else "")
    if f.kind == "in_house" and not far:
        if users == "on_site":
            return ("metro" if f.hosting == "colocation" else "lan"), where
        return "same_area", where
    if f.kind == "cloud" and users == "cloud" and not far:
        return "cloud_same_region", where
    return ("intercontinental" if far else "same_area"), where


def option_latency(f: OptionFacts, settings: Any, ttft_target_ms: float | None = None) -> dict[str, Any]:
    """Round trip, TTFT, TPOT and first-token time at the user for one option [ms]."""
    if f.kind == "hybrid" and f.parts:
        parts = [option_latency(p, settings, ttft_target_ms) for p in f.parts]
        shares = f.part_shares or [1.0 / len(parts)] * len(parts)
        if not any(f.units) and len(parts) > 1:  # no base bought: every token goes to the overflow
            shares = [0.0] * (len(parts) - 1) + [1.0]
        main = parts[max(range(len(parts)), key=lambda i: shares[i])]
        # the constraint holds for every token: the slowest part that serves any of them
        serving = [i for i in range(len(parts)) if shares[i] > 0.0] or list(range(len(parts)))
        known = all(parts[i].get("first_token_ms") is not None for i in serving)
        slow = max(serving, key=lambda i: parts[i].get("first_token_ms") or 0.0)
        worst = {
            "slowest_first_token_ms": parts[slow]["first_token_ms"] if known else None,
            "slowest_part": f.parts[slow].id,
            "slowest_part_share": round(shares[slow] / (sum(shares) or 1.0), 6),
        }
        if any(p.get("first_token_ms") is None for p in parts):
            return {**main, **worst, "basis": "hybrid: the part serving most tokens"}
        tot = sum(shares) or 1.0

        def mean(key: str) -> float | None:
            vals = [p.get(key) for p in parts]
            if any(v is None for v in vals):
                return None
            nums = [float(v) for v in vals if v is not None]
            return round(sum(sh * v for sh, v in zip(shares, nums, strict=False)) / tot, 2)

        return {
            **main,
            "rtt_ms": mean("rtt_ms"),
            "ttft_ms": mean("ttft_ms"),
            "tpot_ms": mean("tpot_ms"),
            "first_token_ms": mean("first_token_ms"),
            **worst,
            "path_words": " / ".join(p["path_words"] for p in parts),
            "basis": "hybrid: mean of its parts weighted by the share of tokens each serves",
            "sources": [s for p in parts for s in p["sources"]],
        }
    path, where = network_path(f, settings)
    rtt, ref = data.rtt_ms(path)
    ttft = tpot = None
    basis = ""
    sources = [ref]
    if f.sizing is not None and f.sizing.ttft_ms is not None:
        ttft = float(f.sizing.ttft_ms)
        tpot = float(f.sizing.tpot_ms) if f.sizing.tpot_ms is not None else None
        conc, engine = (f.sizing.concurrency if f.sizing.concurrency is not None else "?"), f.sizing.engine
        basis = f"modelled under load (concurrency {conc}, {engine})"
    elif f.kind == "api":
        fact = data.fact("api_ttft_ms", f"api:{f.provider}", "api")
        if fact is not None:
            ttft = fact.value
            basis = f"published benchmark for {fact.applies_to}"
            sources.append(fact.ref())
    elif ttft_target_ms is not None:
        ttft = float(ttft_target_ms)
        basis = "not modelled (measured throughput given): the scenario's TTFT target is used as the bound"
    return {
        "path": path,
        "path_words": _PATH_WORDS.get(path, path),
        "where": where,
        "rtt_ms": rtt,
        "ttft_ms": None if ttft is None else round(ttft, 2),
        "tpot_ms": None if tpot is None else round(tpot, 2),
        "first_token_ms": None if ttft is None else round(rtt + ttft, 2),
        "basis": basis or "TTFT unknown",
        "sources": sources,
    }
