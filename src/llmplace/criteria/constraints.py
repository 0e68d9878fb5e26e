"""Hard constraints: each returns the reason an option is excluded, naming the constraint.

An option is excluded when it breaks any constraint of the scenario's ``constraints`` section:
data classification and third-party processing or hosting, data residency, offline operation,
space and power on site (per site: with a second site each holds its own servers), the capex
budget and the maximum latency (for a hybrid, that of its slowest part serving any tokens).
Checks that cannot be made (a server build without a rack size, an in-house site without a
country) become notes instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..catalog import criteria_data as data
from ..conventions import format_usd
from ..results import LatencyEstimate
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


@dataclass
class _Check:
    """One option under the constraints: what each check reads and what it finds."""

    f: OptionFacts
    c: Any
    settings: Any
    latency: LatencyEstimate | None
    reasons: list[str] = field(default_factory=list)  #: exclusions, each naming its constraint
    notes: list[str] = field(default_factory=list)  #: checks that could not be made


def _third_party_basis(c: Any, why: str, what: str) -> str:
    """The rule that forbids third-party ``what``: the classification's default or the explicit answer."""
    if why.endswith("(default)"):
        return f"data_classification={c.data_classification} forbids third-party {what}"
    return f"third_party_{what}=false"


def _processing(ck: _Check) -> None:
    allowed, why = ck.c.processing_allowed()
    if "api" in _kinds(ck.f) and not allowed:
        ck.reasons.append(
            f"excluded: {_third_party_basis(ck.c, why, 'processing')}; {ck.f.provider or 'the provider'} would "
            f"process prompts and outputs (constraints.third_party_processing)"
        )


def _hosting(ck: _Check) -> None:
    allowed, why = ck.c.hosting_allowed()
    if "cloud" in _kinds(ck.f) and not allowed:
        ck.reasons.append(
            f"excluded: {_third_party_basis(ck.c, why, 'hosting')}; the data would sit on hardware "
            f"{ck.f.provider or 'the provider'} operates (constraints.third_party_hosting)"
        )


def _data_residency(ck: _Check) -> None:
    for part in ck.f.parts or [ck.f]:  # a hybrid processes data wherever either of its parts does
        res = _residency(part, ck.c)
        if res:
            ck.reasons.append(res + (f" (part of {ck.f.id})" if part is not ck.f else ""))
        elif ck.c.data_residency and part.kind == "in_house" and part.country is None:
            ck.notes.append("data_residency: criteria.site_country not given; your own site is assumed to comply")


_OFFLINE_WHY = {
    "cloud": "cloud instances are reached over the internet",
    "api": "a managed API is reached over the internet",
}


def _offline(ck: _Check) -> None:
    f = ck.f
    if not ck.c.offline or not needs_internet(f, getattr(ck.settings, "users", "on_site")):
        return
    what = _OFFLINE_WHY.get(
        f.kind, "users reach it over an external link" + (" (colocation)" if f.hosting == "colocation" else "")
    )
    ck.reasons.append(f"excluded: offline=true (must keep working without internet access); {what}")


def _on_own_site(f: OptionFacts) -> bool:
    """Whether the option puts servers on the business's own site (not a colocation facility)."""
    owned = f.kind == "in_house" or (f.kind == "hybrid" and bool(f.parts) and f.parts[0].kind == "in_house")
    return owned and f.hosting != "colocation" and bool(f.max_units)


def _site_space(ck: _Check) -> None:
    """Power and rack space, per site: with a second site each holds its own servers."""
    f, c = ck.f, ck.c
    if not _on_own_site(f):
        return
    sites = 2 if f.second_site else 1
    n = ceil_div(f.max_units, sites)
    per = f" at each of {sites} sites" if sites > 1 else ""
    if c.site_power_kw is not None and f.server_max_power_kw is not None:
        kw = n * f.server_max_power_kw
        if kw > c.site_power_kw + 1e-9:
            ck.reasons.append(
                f"excluded: needs {n} servers x {f.server_max_power_kw:g} kW = {kw:,.1f} kW at full "
                f"load{per}; site_power_kw = {c.site_power_kw:g}"
            )
    if c.site_rack_units is None:
        return
    if f.rack_units is None:
        ck.notes.append("site_rack_units: the server build has no rack size in the catalog; not checked")
    elif n * f.rack_units > c.site_rack_units:
        ck.reasons.append(
            f"excluded: needs {n} servers x {f.rack_units} U = {n * f.rack_units} U of rack "
            f"space{per}; site_rack_units = {c.site_rack_units}"
        )


def _capex(ck: _Check) -> None:
    budget, upfront = ck.c.capex_budget_usd, ck.f.upfront_usd
    if budget is not None and upfront > budget + 1e-6:
        ck.reasons.append(f"excluded: upfront {format_usd(upfront, cents_below=0)} exceeds capex_budget_usd "
                              f"{format_usd(budget, cents_below=0)}")


def _via_slowest(lat: LatencyEstimate) -> str:
    """For a hybrid's estimate, which part the limit was checked against; nothing for a pure option."""
    if lat.slowest_part is None:
        return ""
    return (
        f" via {lat.slowest_part}, its slowest part serving tokens ({lat.slowest_part_share or 0.0:.1%} of "
        f"them; token-weighted mean {lat.first_token_ms or 0.0:,.0f} ms)"
    )


def _max_latency(ck: _Check) -> None:
    """A hybrid is held to its slowest part serving any tokens, not the token-weighted mean."""
    limit, lat = ck.c.max_latency_ms, ck.latency
    if limit is None:
        return
    t = None if lat is None else lat.first_token_ms if lat.slowest_part is None else lat.slowest_first_token_ms
    if lat is None or t is None:
        ck.notes.append("max_latency_ms: TTFT unknown for this option; not checked")
    elif t > limit + 1e-9:
        ck.reasons.append(
            f"excluded: first token at the user in {t:,.0f} ms (round trip + TTFT){_via_slowest(lat)} "
            f"exceeds max_latency_ms {limit:g}"
        )


#: the hard constraints in the order their reasons and notes are listed
_CHECKS: tuple[Callable[[_Check], None], ...] = (
    _processing,
    _hosting,
    _data_residency,
    _offline,
    _site_space,
    _capex,
    _max_latency,
)


def check_option(
    f: OptionFacts, c: Any, settings: Any, latency: LatencyEstimate | None
) -> tuple[list[str], list[str]]:
    """(exclusion reasons, notes) of one option under the scenario's constraints ``c``.

    ``latency`` is the option's estimate from :func:`~.latency.option_latency`; a hybrid is checked
    against its slowest part serving any tokens, not the token-weighted mean.
    """
    ck = _Check(f, c, settings, latency)
    for check in _CHECKS:
        check(ck)
    return ck.reasons, ck.notes
