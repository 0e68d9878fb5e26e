"""Expected downtime per option from component failure rates, repair times and provider SLAs.

Steady-state model: a component with ``lam`` failures a year and a mean time to repair ``mttr``
hours is down a share ``U = lam * mttr / (8760 + lam * mttr)`` of the time (MTTR / (MTBF + MTTR)).
Components in series fail the service when any fails, ``U = 1 - prod(1 - U_i)``; independent
redundant copies fail it only together, ``U = prod(U_i)``. A fleet of ``m`` identical units of
which ``n`` must be up is down with the binomial probability that fewer than ``n`` are up.
Expected downtime is ``U x 8,760`` hours a year.

* In-house: the server fleet (GPU failures x GPUs per server + host failures, each repaired in
  ``mttr`` hours; ``n_plus_one`` adds a spare server), site power (grid or a backed-up room, or the
  colocation facility), the site network and, when users off site reach servers on your own site,
  that site's own internet link (a colocation facility's carrier links are not modelled apart).
  ``second_site`` runs two independent sites, each able to carry the peak and each with its own
  link, so the link sits inside each site's figure.
* Cloud: the provider's published SLA. Several regions count as independent copies when each
  region's share of the instances carries the peak alone; a region (or a one-region fleet) counts
  as multi-zone when its instances survive the loss of one zone, else as single-zone. Spot instances
  add, in series, the reclaims the SLA does not cover: the published interruption-frequency band of
  their GPU and the hours to replacement capacity.
* Managed API: the provider's availability (its own row, else the default row).

* Hybrid: the overflow (elastic cloud or API) absorbs the load while the base is down, so both
  parts must be down together (independent failures assumed); with no base, the overflow alone.

The office internet link (users on site reaching a cloud, an API or a colocation facility over it)
is one link: in series with the whole service when every deployed part sits behind it, inside the
parts that use it otherwise.

The rates are in ``catalog/data/availability.csv`` with their sources. The fleet figure takes the
month with the largest expected shortfall at the peak, a conservative reading: off-peak hours
need fewer servers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from ..catalog import criteria_data as data
from ..errors import LlmplaceError
from ..results import Availability, AvailabilityComponent, SourceRef
from .facts import OptionFacts, availability_parts, ceil_div, link_role, worst_month

__all__ = [
    "HOURS_PER_YEAR",
    "downtime_hours",
    "fleet_unavailability",
    "option_availability",
    "parallel",
    "series",
    "spot_row",
    "unavailability",
]

HOURS_PER_YEAR = 8760.0


def unavailability(failures_per_year: float, mttr_hours: float) -> float:
    """Share of time down of one repairable component [0-1] (MTTR / (MTBF + MTTR))."""
    d = failures_per_year * mttr_hours
    return d / (HOURS_PER_YEAR + d)


def series(us: Iterable[float]) -> float:
    """Unavailability of components that all must work."""
    up = 1.0
    for u in us:
        up *= 1.0 - u
    return 1.0 - up


def parallel(us: Iterable[float]) -> float:
    """Unavailability of independent redundant copies (down only when all are down)."""
    out = 1.0
    for u in us:
        out *= u
    return out


def _pmf(n: int, k: int, p_up: float) -> float:
    """Binomial probability of exactly ``k`` of ``n`` units up, in log space (no overflow for big fleets)."""
    if p_up <= 0.0:
        return 1.0 if k == 0 else 0.0
    if p_up >= 1.0:
        return 1.0 if k == n else 0.0
    return math.exp(_log_pmf(n, k, p_up))


def _log_pmf(n: int, k: int, p_up: float) -> float:
    """Natural log of :func:`_pmf` for ``0 < p_up < 1`` (exact where the probability itself would underflow)."""
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + k * math.log(p_up) + (n - k) * math.log1p(-p_up))


def fleet_unavailability(units: int, needed: int, u: float) -> float:
    """Probability that fewer than ``needed`` of ``units`` identical, independent units are up."""
    if needed <= 0:
        return 0.0
    if units < needed:
        return 1.0
    p_up = 1.0 - u
    ok = sum(_pmf(units, k, p_up) for k in range(needed, units + 1))
    return max(0.0, 1.0 - ok)


#: the binomial terms of :func:`fleet_shortfall` are summed until the probability mass left is below this
SHORTFALL_MASS_TOL = 1e-12
_SHORTFALL_BLOCK = 1024  #: terms summed at a time (vectorised) before checking the mass left


def fleet_shortfall(units: int, needed: int, u: float) -> float:
    """Expected share of the needed capacity missing: ``E[max(0, needed - up)] / needed``.

    With ``up ~ Binomial(units, 1 - u)``. It equals :func:`fleet_unavailability` when one unit is
    needed; with more, losing one of ``n`` needed units counts as ``1/n`` of an outage.

    The states with fewer than ``needed`` up, ``k = needed - 1`` down to 0, are summed in vectorised blocks
    with the ratio of successive terms ``pmf(k - 1) / pmf(k) = k u / ((units - k + 1)(1 - u))``. Below the mode
    that ratio ``r`` only falls, so the mass left under ``k`` is at most ``pmf(k) r / (1 - r)``; the sum stops
    once that bound is below :data:`SHORTFALL_MASS_TOL` (1e-12). As the weight ``(needed - k) / needed``
    is at most 1, the share dropped is below 1e-12 too.
    """
    if needed <= 0:
        return 0.0
    p_up = 1.0 - u
    top = min(units, needed - 1)  # states with fewer than ``needed`` up: k = 0 .. top, short by needed - k
    if p_up <= 0.0 or p_up >= 1.0 or top < 0:
        miss = sum(_pmf(units, k, p_up) * (needed - k) for k in range(0, top + 1))
        return min(1.0, max(0.0, miss / needed))
    log_odds_down = math.log(u) - math.log(p_up)
    log_pmf, miss, k = _log_pmf(units, top, p_up), 0.0, top
    while k >= 0:
        ks = np.arange(k, max(k - _SHORTFALL_BLOCK, -1), -1, dtype=float)
        # log pmf(ks[j]) = log pmf(k) + sum of the log ratios from k down to ks[j]
        steps = np.log(ks[:-1]) - np.log(units - ks[:-1] + 1.0) + log_odds_down
        logs = log_pmf + np.concatenate(([0.0], np.cumsum(steps)))
        pmf = np.exp(logs)
        miss += float(np.sum(pmf * (needed - ks)))
        last = int(ks[-1])
        if last == 0:
            break
        ratio = last * u / ((units - last + 1.0) * p_up)  # pmf(last - 1) / pmf(last)
        log_pmf = float(logs[-1]) + math.log(ratio)
        if ratio < 1.0 and math.exp(log_pmf) / (1.0 - ratio) < SHORTFALL_MASS_TOL:
            break  # pmf(last - 1) / (1 - r) bounds all that is left
        k = last - 1
    return min(1.0, max(0.0, miss / needed))


def downtime_hours(u: float) -> float:
    """Expected hours down a year [h/yr]."""
    return u * HOURS_PER_YEAR


def _component(name: str, u: float, basis: str, ref: dict[str, str] | None) -> AvailabilityComponent:
    return AvailabilityComponent(
        name=name,
        unavailability=u,
        downtime_hours_per_year=round(downtime_hours(u), 4),
        basis=basis,
        source=None if ref is None else SourceRef.model_validate(ref),
    )


class _Core(NamedTuple):
    """One option's unavailability without the shared office link, its components and notes."""

    u: float
    components: list[AvailabilityComponent]
    notes: list[str]
    shared_link: bool  #: the users reach it over the office internet link (counted once, in series)


def _link() -> tuple[float, data.AvailabilityRow]:
    row = data.availability_row("internet_link")
    return row.unavailability, row


def _servers(f: OptionFacts, sites: int) -> tuple[AvailabilityComponent, list[str]]:
    """The server fleet at one site, in its worst month at the peak, and a note when N+1 has no spare."""
    gpu, host = data.availability_row("gpu"), data.availability_row("server_host")
    down_h = f.gpu_count * (gpu.failures_per_year or 0) * (gpu.mttr_hours or 0) + (
        host.failures_per_year or 0
    ) * (host.mttr_hours or 0)
    u_server = down_h / (HOURS_PER_YEAR + down_h)
    month, units, needed = worst_month(
        f, sites, lambda n_units, n_need: fleet_shortfall(n_units, n_need, u_server)
    )
    spare = units - needed
    notes = []
    if f.n_plus_one and spare < 1:
        notes.append(
            f"n_plus_one is set but the fleet has no spare server in month {month + 1} "
            f"({units} servers for {needed} needed)"
        )
    basis = (
        f"{f.servers_text(units)} per site for {needed} needed at peak (month {month + 1}, {spare} spare; "
        f"capacity lost counted as a share of an outage); "
        f"each down {downtime_hours(u_server):.1f} h/yr = {f.gpu_count} GPUs x "
        f"{gpu.failures_per_year:g}/yr + host {host.failures_per_year:g}/yr, {gpu.mttr_hours:g} h repair"
    )
    return _component("servers", fleet_shortfall(units, needed, u_server), basis, gpu.ref()), notes


def _site_power(f: OptionFacts, settings: Any) -> AvailabilityComponent:
    """Power at the site: the colocation facility's, a backed-up room's or the grid's."""
    if f.hosting == "colocation":
        power, name = data.availability_row("colocation_facility"), "colocation facility (power, cooling)"
    elif getattr(settings, "site_backup_power", False):
        power, name = data.availability_row("power_backed"), "site power (UPS and generator)"
    else:
        power, name = data.availability_row("power_grid"), "site power (grid, no backup)"
    return _component(name, power.unavailability, power.component, power.ref())


def _in_house(f: OptionFacts, settings: Any) -> _Core:
    net = data.availability_row("site_network")
    users = getattr(settings, "users", "on_site")
    sites = 2 if f.second_site else 1
    servers, notes = _servers(f, sites)
    comps = [
        servers,
        _site_power(f, settings),
        _component(
            "site network",
            net.unavailability,
            f"{net.failures_per_year:g} failures/yr, {net.mttr_hours:g} h repair",
            net.ref(),
        ),
    ]
    if link_role(f, users) == "own":  # users off site reach each site over that site's own link
        u_link, link = _link()
        comps.append(
            _component(
                "site internet link" + (" (each site its own)" if sites == 2 else ""),
                u_link,
                f"SLA {link.availability_pct:g} %, between the users and the servers",
                link.ref(),
            )
        )
    u_site = series(c.unavailability for c in comps)
    shared = link_role(f, users) == "shared"
    if sites == 2:
        u_sites = parallel([u_site, u_site])
        comps.append(
            _component(
                "second site",
                u_sites - u_site,
                f"two independent sites: {downtime_hours(u_site):.2f} h/yr each, down together "
                f"{downtime_hours(u_sites):.4f} h/yr",
                None,
            )
        )
        return _Core(u_sites, comps, notes, shared)
    return _Core(u_site, comps, notes, shared)


def _survives_zone_loss(units: int, needed: int, zones: int) -> bool:
    """Whether ``units`` instances spread evenly over ``zones`` zones keep ``needed`` up when one zone fails."""
    return zones >= 2 and units - ceil_div(units, zones) >= needed


def _fix(need: int, zones: int) -> int:
    """Fewest instances that survive the loss of one of ``zones`` zones with ``need`` left up."""
    return next(k for k in range(need, need * zones + zones + 2) if _survives_zone_loss(k, need, zones))


def spot_row(gpu: str | None) -> data.AvailabilityRow:
    """The spot-interruption row for a GPU (``cloud_spot:<gpu>``), else the default ``cloud_spot`` row."""
    try:
        return data.availability_row(f"cloud_spot:{gpu}")
    except LlmplaceError:
        return data.availability_row("cloud_spot")


def _cloud(f: OptionFacts, settings: Any) -> _Core:
    """The provider's SLA figure (:func:`_cloud_sla`); spot instances add their reclaims in series.

    The SLA does not cover a spot instance the provider takes back. Its interruption rate (the band of the
    provider's published frequency of interruption, a share of instances reclaimed a month, times 12) and the
    time to get replacement capacity and reload the model give a steady-state unavailability. Reclaims hit a
    fleet together (the capacity is wanted elsewhere), so the figure applies to the fleet, not per instance.
    """
    core = _cloud_sla(f, settings)
    if f.plan != "spot":
        return core
    row = spot_row(f.gpu)
    u = row.unavailability
    basis = (f"spot reclaims: {row.failures_per_year:g} a year {row.unit}, {row.mttr_hours:g} h to "
             "replacement capacity and a reloaded model; reclaims taken as hitting the whole fleet at once")
    comp = _component("spot interruptions", u, basis, row.ref())
    return _Core(series([core.u, u]), [*core.components, comp], core.notes, core.shared_link)


def _cloud_sla(f: OptionFacts, settings: Any) -> _Core:
    """Cloud SLA figure by how the fleet is spread over zones and regions.

    Several regions count as independent copies only when each region's share of the instances
    carries the peak alone; each region then counts as multi-zone only when its own share survives
    the loss of one zone. Otherwise the whole fleet counts as multi-zone when it survives the loss
    of any one zone or region, else as a single-zone deployment.
    """
    single, multi = data.availability_row("cloud_single_zone"), data.availability_row("cloud_multi_zone")
    shared = link_role(f, getattr(settings, "users", "on_site")) == "shared"
    zones, regions = max(1, f.zones), max(1, f.regions)
    months = list(zip(f.units, f.needed or [0] * len(f.units), strict=False))
    need_max = max([n for _, n in months] + [1])
    notes: list[str] = []
    if regions >= 2 and months and all(u // regions >= n for u, n in months):
        zone_ok = all(_survives_zone_loss(u // regions, n, zones) for u, n in months)
        row = multi if zone_ok else single
        if zones >= 2 and not zone_ok:
            notes.append(
                f"each region's instances cannot survive losing one of its {zones} zones with the {need_max} "
                f"needed left; set min_instances to {regions * _fix(need_max, zones)} for zone redundancy "
                f"in every region (one-zone figure used per region)"
            )
        per = min(u // regions for u, _ in months)
        u = parallel([row.unavailability] * regions)
        basis = (
            f"{regions} independent regions, each carrying the load alone ({per} instance(s) each for "
            f"{need_max} needed), each at SLA {row.availability_pct:g} % "
            f"({'spread over ' + str(zones) + ' zones' if zone_ok else 'one zone'})"
        )
        return _Core(u, [_component("cloud instances", u, basis, row.ref())], notes, shared)
    if regions >= 2:
        notes.append(
            f"instances spread over {regions} regions but one region's share is fewer than the {need_max} "
            f"needed; set min_instances to {regions * need_max} for region redundancy"
        )
    domains = zones * regions
    what = "zones" if regions == 1 else "zones/regions"
    ok = bool(months) and all(_survives_zone_loss(u, n, domains) for u, n in months)
    if domains >= 2 and not ok:
        notes.append(
            f"instances spread over {domains} {what} but losing one leaves fewer than the "
            f"{need_max} needed; set min_instances to {_fix(need_max, domains)} for zone redundancy "
            f"(single-zone figure used)"
        )
    if not ok:
        u = single.unavailability
        comp = _component("cloud instances (one zone)", u, f"SLA {single.availability_pct:g} %", single.ref())
        return _Core(u, [comp], notes, shared)
    u = multi.unavailability
    basis = f"the fleet survives the loss of one of {domains} {what}, SLA {multi.availability_pct:g} %"
    return _Core(u, [_component("cloud instances", u, basis, multi.ref())], notes, shared)


def _api(f: OptionFacts, settings: Any) -> _Core:
    try:
        row = data.availability_row(f"api_provider:{f.provider}")
    except LlmplaceError:  # no row for this provider: the default row applies
        row = data.availability_row("api_provider")
    u = row.unavailability
    comp = _component(f"{f.provider} API", u, f"availability {row.availability_pct:g} %", row.ref())
    return _Core(u, [comp], [], link_role(f, getattr(settings, "users", "on_site")) == "shared")


def _core(f: OptionFacts, settings: Any) -> _Core | None:
    """Unavailability of the option itself; an office link shared by all its parts is left to the caller."""
    if f.kind == "in_house":
        return _in_house(f, settings)
    if f.kind == "cloud":
        return _cloud(f, settings)
    if f.kind == "api":
        return _api(f, settings)
    parts = availability_parts(f)
    if len(parts) == 1 and len(f.parts) > 1:  # no base bought, or an unpaid standby: one part alone
        core = _core(parts[0], settings)
        if core is None:
            return None
        why = "hybrid with no base units: the overflow alone" if parts[0] is f.parts[-1] else \
            "hybrid with standby: none: the base alone (no standby is paid for to carry its load when it is down)"
        return core._replace(notes=core.notes + [why])
    cores = [_core(p, settings) for p in parts]
    if not parts or any(c is None for c in cores):
        return None
    got = [c for c in cores if c is not None]
    if all(c.shared_link for c in got):  # one office link in front of both parts: counted once, in series
        us = [c.u for c in got]
        extra = ""
        shared = True
    else:  # the office link sits in front of some parts only: inside those parts
        u_link, _ = _link()
        us = [series([c.u, u_link]) if c.shared_link else c.u for c in got]
        extra = " + the office internet link"
        shared = False
    comps = [
        _component(
            f"{p.id} alone",
            u,
            "part of the hybrid: "
            + ", ".join(x.name for x in c.components)
            + (extra if c.shared_link else ""),
            None,
        )
        for p, u, c in zip(parts, us, got, strict=False)
    ]
    return _Core(
        parallel(us),
        comps,
        [n for c in got for n in c.notes]
        + [
            "hybrid: the overflow absorbs the load while the base is down, so the service "
            "is down only when both parts are (independent failures assumed)"
        ],
        shared,
    )


def option_availability(f: OptionFacts, settings: Any, active_share: float = 1.0) -> Availability:
    """Expected downtime of one option, its components and, if priced, its yearly cost.

    ``settings`` is the scenario's ``criteria`` section (users, backup power, downtime cost);
    ``active_share`` is the share of hours with traffic, so only downtime in them is priced.
    """
    core = _core(f, settings)
    if core is None:
        return Availability(modelled=False, notes=[f"availability is not modelled for kind {f.kind!r}"])
    u, comps, notes = core.u, list(core.components), list(core.notes)
    if core.shared_link:  # the users on site reach the service over the office link: in series
        u_link, link = _link()
        comps.append(
            _component(
                "site internet link",
                u_link,
                f"SLA {link.availability_pct:g} %, the office link the users on site reach the service over",
                link.ref(),
            )
        )
        u = series([u, u_link])
    hours = downtime_hours(u)
    cost_h = getattr(settings, "downtime_usd_per_hour", None)
    return Availability(
        modelled=True,
        unavailability=u,
        availability_pct=round(100.0 * (1.0 - u), 5),
        downtime_hours_per_year=round(hours, 4),
        downtime_active_hours_per_year=round(hours * active_share, 4),
        active_share=round(active_share, 4),
        downtime_usd_per_year=None if cost_h is None else round(hours * active_share * cost_h, 2),
        components=comps,
        notes=notes,
    )
