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

from collections.abc import Callable
from typing import Any, NamedTuple

from ..catalog import criteria_data as data
from ..results import LatencyEstimate, SourceRef
from .facts import OptionFacts

__all__ = ["OptionLatency", "network_path", "option_latency"]

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


class OptionLatency(NamedTuple):
    """One option's latency estimate and the data rows it rests on."""

    estimate: LatencyEstimate
    sources: list[SourceRef]


class _ServerTime(NamedTuple):
    """Time to first token and per output token at the server [ms], where they come from, and its rows."""

    ttft_ms: float | None
    tpot_ms: float | None
    basis: str
    sources: list[SourceRef]


def _modelled(f: OptionFacts, ttft_target_ms: float | None) -> _ServerTime | None:
    """From the sizing estimate attached to the option, under load."""
    sz = f.sizing
    if sz is None or sz.ttft_ms is None:
        return None
    tpot = float(sz.tpot_ms) if sz.tpot_ms is not None else None
    conc = sz.concurrency if sz.concurrency is not None else "?"
    return _ServerTime(float(sz.ttft_ms), tpot, f"modelled under load (concurrency {conc}, {sz.engine})", [])


def _published(f: OptionFacts, ttft_target_ms: float | None) -> _ServerTime | None:
    """A managed API's published TTFT benchmark (``option_facts.csv``); an API without one is not modelled."""
    if f.kind != "api":
        return None
    fact = data.fact("api_ttft_ms", f"api:{f.provider}", "api")
    if fact is None:
        return _ServerTime(None, None, "", [])
    ref = SourceRef.model_validate(fact.ref())
    return _ServerTime(fact.value, None, f"published benchmark for {fact.applies_to}", [ref])


def _target(f: OptionFacts, ttft_target_ms: float | None) -> _ServerTime | None:
    """No model: the scenario's TTFT target stands in as the bound."""
    if ttft_target_ms is None:
        return None
    basis = "not modelled (measured throughput given): the scenario's TTFT target is used as the bound"
    return _ServerTime(float(ttft_target_ms), None, basis, [])


#: where the server-side times come from, tried in order; the first that answers wins
_SERVER_TIME: tuple[Callable[[OptionFacts, float | None], _ServerTime | None], ...] = (_modelled, _published, _target)


def _server_time(f: OptionFacts, ttft_target_ms: float | None) -> _ServerTime:
    for source in _SERVER_TIME:
        found = source(f, ttft_target_ms)
        if found is not None:
            return found
    return _ServerTime(None, None, "", [])


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _pure_latency(f: OptionFacts, settings: Any, ttft_target_ms: float | None) -> OptionLatency:
    path, where = network_path(f, settings)
    rtt, ref = data.rtt_ms(path)
    server = _server_time(f, ttft_target_ms)
    estimate = LatencyEstimate(
        path=path,
        path_words=_PATH_WORDS.get(path, path),
        where=where,
        rtt_ms=rtt,
        ttft_ms=_round(server.ttft_ms),
        tpot_ms=_round(server.tpot_ms),
        first_token_ms=None if server.ttft_ms is None else round(rtt + server.ttft_ms, 2),
        basis=server.basis or "TTFT unknown",
    )
    return OptionLatency(estimate, [SourceRef.model_validate(ref), *server.sources])


def _token_shares(f: OptionFacts, n: int) -> list[float]:
    """Share of the tokens each of a hybrid's ``n`` parts serves; with no base bought, all go to the overflow."""
    if not any(f.units) and n > 1:
        return [0.0] * (n - 1) + [1.0]
    return f.part_shares or [1.0 / n] * n


def _slowest(f: OptionFacts, parts: list[LatencyEstimate], shares: list[float]) -> dict[str, Any]:
    """The slowest part serving any tokens: the one the latency constraint holds for."""
    serving = [i for i in range(len(parts)) if shares[i] > 0.0] or list(range(len(parts)))
    known = all(parts[i].first_token_ms is not None for i in serving)
    slow = max(serving, key=lambda i: parts[i].first_token_ms or 0.0)
    return {
        "slowest_first_token_ms": parts[slow].first_token_ms if known else None,
        "slowest_part": f.parts[slow].id,
        "slowest_part_share": round(shares[slow] / (sum(shares) or 1.0), 6),
    }


def _weighted(values: list[float | None], shares: list[float]) -> float | None:
    """Mean of the parts' values weighted by their token shares; None when any part's is unknown."""
    nums = [v for v in values if v is not None]
    if len(nums) < len(values):
        return None
    return round(sum(sh * v for sh, v in zip(shares, nums, strict=False)) / (sum(shares) or 1.0), 2)


def _hybrid_latency(f: OptionFacts, settings: Any, ttft_target_ms: float | None) -> OptionLatency:
    found = [option_latency(p, settings, ttft_target_ms) for p in f.parts]
    parts = [x.estimate for x in found]
    shares = _token_shares(f, len(parts))
    main = found[max(range(len(parts)), key=lambda i: shares[i])]
    worst = _slowest(f, parts, shares)
    if any(p.first_token_ms is None for p in parts):
        basis = "hybrid: the part serving most tokens"
        return OptionLatency(main.estimate.model_copy(update={**worst, "basis": basis}), main.sources)
    mean = main.estimate.model_copy(update={
        "rtt_ms": _weighted([p.rtt_ms for p in parts], shares),
        "ttft_ms": _weighted([p.ttft_ms for p in parts], shares),
        "tpot_ms": _weighted([p.tpot_ms for p in parts], shares),
        "first_token_ms": _weighted([p.first_token_ms for p in parts], shares),
        **worst,
        "path_words": " / ".join(p.path_words for p in parts),
        "basis": "hybrid: mean of its parts weighted by the share of tokens each serves",
    })
    return OptionLatency(mean, [s for x in found for s in x.sources])


def option_latency(f: OptionFacts, settings: Any, ttft_target_ms: float | None = None) -> OptionLatency:
    """Round trip, TTFT, TPOT and first-token time at the user for one option [ms], with the rows they rest on."""
    if f.kind == "hybrid" and f.parts:
        return _hybrid_latency(f, settings, ttft_target_ms)
    return _pure_latency(f, settings, ttft_target_ms)
