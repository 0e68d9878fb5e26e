"""Hard constraints: each returns the reason an option is excluded, naming the constraint.

An option is excluded when it breaks any constraint of the scenario's ``constraints`` section:
data classification and third-party processing or hosting, data residency, offline operation,
space and power on site (per site: with a second site each holds its own servers), the capex
budget and the maximum latency (for a hybrid, that of its slowest part serving any tokens).
Checks that cannot be made (a server build without a rack size, an in-house site without a
country) become notes instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..catalog import criteria_data as data
from .facts import OptionFacts, ceil_div, needs_internet

__all__ = ["check_option"]


def _kinds(f: OptionFacts) -> set[str]:
    return {p.kind for p in f.parts} | {f.kind} if f.parts else {f.kind}


def _residency(f: OptionFacts, c: Any) -> str | None:
    allowed = list(c.data_residency)
    if not allowed:
        return None
    where = ", ".join(allowed)
    if f.country is None:
        if f.kind == "in_house":
            return None  # noted by the caller: the business's own site is assumed to comply
        loc = data.location("api_provider", f.provider or "") if f.kind == "api" else None
        if loc is not None and loc.codes() & set(allowed):
            return None
        return (
            f"excluded: data_residency allows {where}; where {f.label} processes data is unknown "
            f"({f.country_basis})"
        )
    codes = {f.country.upper()}
    cloc = data.location("country", f.country)
    if cloc is not None:
        codes = cloc.codes()
    if codes & set(allowed):
        return None
    return (
        f"excluded: data_residency allows {where}; {f.label} processes data in {f.country} "
        f"({f.country_basis})"
    )


def check_option(
    f: OptionFacts, c: Any, settings: Any, latency: Mapping[str, Any] | None
) -> tuple[list[str], list[str]]:
    """(exclusion reasons, notes) of one option under the scenario's constraints ``c``.

    ``latency`` is the option's :func:`~.latency.option_latency` dict; a hybrid is checked against
    its slowest part serving any tokens, not the token-weighted mean.
    """
    reasons: list[str] = []
    notes: list[str] = []
    kinds = _kinds(f)
    processing, why_p = c.processing_allowed()
    hosting, why_h = c.hosting_allowed()
    if "api" in kinds and not processing:
        basis = (
            f"data_classification={c.data_classification} forbids third-party processing"
            if why_p.endswith("(default)")
            else "third_party_processing=false"
        )
        reasons.append(
            f"excluded: {basis}; {f.provider or 'the provider'} would process prompts and outputs "
            f"(constraints.third_party_processing)"
        )
    if "cloud" in kinds and not hosting:
        basis = (
            f"data_classification={c.data_classification} forbids third-party hosting"
            if why_h.endswith("(default)")
            else "third_party_hosting=false"
        )
        reasons.append(
            f"excluded: {basis}; the data would sit on hardware {f.provider or 'the provider'} operates "
            f"(constraints.third_party_hosting)"
        )
    for part in f.parts or [f]:  # a hybrid processes data wherever either of its parts does
        res = _residency(part, c)
        if res:
            reasons.append(res + (f" (part of {f.id})" if part is not f else ""))
        elif c.data_residency and part.kind == "in_house" and part.country is None:
            notes.append(
                "data_residency: criteria.site_country not given; your own site is assumed to comply"
            )
    users = getattr(settings, "users", "on_site")
    if c.offline and needs_internet(f, users):
        what = {
            "cloud": "cloud instances are reached over the internet",
            "api": "a managed API is reached over the internet",
        }.get(
            f.kind,
            "users reach it over an external link" + (" (colocation)" if f.hosting == "colocation" else ""),
        )
        reasons.append(f"excluded: offline=true (must keep working without internet access); {what}")
    owned = f.kind == "in_house" or (f.kind == "hybrid" and bool(f.parts) and f.parts[0].kind == "in_house")
    if owned and f.hosting != "colocation" and f.max_units:
        sites = 2 if f.second_site else 1
        n = ceil_div(f.max_units, sites)  # each site holds its own servers
        per = f" at each of {sites} sites" if sites > 1 else ""
        if c.site_power_kw is not None and f.server_max_power_kw is not None:
            kw = n * f.server_max_power_kw
            if kw > c.site_power_kw + 1e-9:
                reasons.append(
                    f"excluded: needs {n} servers x {f.server_max_power_kw:g} kW = {kw:,.1f} kW at full "
                    f"load{per}; site_power_kw = {c.site_power_kw:g}"
                )
        if c.site_rack_units is not None:
            if f.rack_units is None:
                notes.append("site_rack_units: the server build has no rack size in the catalog; not checked")
            elif n * f.rack_units > c.site_rack_units:
                reasons.append(
                    f"excluded: needs {n} servers x {f.rack_units} U = {n * f.rack_units} U of rack "
                    f"space{per}; site_rack_units = {c.site_rack_units}"
                )
    if c.capex_budget_usd is not None and f.upfront_usd > c.capex_budget_usd + 1e-6:
        reasons.append(
            f"excluded: upfront ${f.upfront_usd:,.0f} exceeds capex_budget_usd ${c.capex_budget_usd:,.0f}"
        )
    if c.max_latency_ms is not None:
        lat = latency or {}
        hybrid = "slowest_first_token_ms" in lat
        t = lat.get("slowest_first_token_ms") if hybrid else lat.get("first_token_ms")
        if t is None:
            notes.append("max_latency_ms: TTFT unknown for this option; not checked")
        elif t > c.max_latency_ms + 1e-9:
            via = (
                f" via {lat.get('slowest_part')}, its slowest part serving tokens "
                f"({float(lat.get('slowest_part_share') or 0.0):.1%} of them; token-weighted mean "
                f"{lat.get('first_token_ms') or 0.0:,.0f} ms)"
                if hybrid
                else ""
            )
            reasons.append(
                f"excluded: first token at the user in {t:,.0f} ms (round trip + TTFT){via} "
                f"exceeds max_latency_ms {c.max_latency_ms:g}"
            )
    return reasons, notes
