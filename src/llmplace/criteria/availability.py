"""Expected downtime per option from component failure rates, repair times and provider SLAs.

Steady-state model: a component with ``lam`` failures a year and a mean time to repair ``mttr``
hours is down a share ``U = lam * mttr / (8760 + lam * mttr)`` of the time (MTTR / (MTBF + MTTR)).
Components in series fail the service when any fails, ``U = 1 - prod(1 - U_i)``; independent
redundant copies fail it only together, ``U = prod(U_i)``. A fleet of ``m`` identical units of
which ``n`` must be up is down with the binomial probability that fewer than ``n`` are up.
Expected downtime is ``U x 8,760`` hours a year.

* In-house: the server fleet (GPU failures x GPUs per server + host failures, each repaired in
  ``mttr`` hours; ``n_plus_one`` adds a spare server), site power (grid or a backed-up room, or the
  colocation facility), the site network and, where it sits in the path, the site's internet link.
  ``second_site`` runs two independent sites, each able to carry the peak.
* Cloud: the provider's published SLA, single-zone or multi-zone (when the fleet survives the loss
  of one zone); several regions are treated as independent.
* Managed API: the provider's availability (its own row, else the default row).

* Hybrid: the overflow (elastic cloud or API) absorbs the load while the base is down, so both
  parts must be down together (independent failures assumed); with no base, the overflow alone.

The rates are in ``catalog/data/availability.csv`` with their sources. The fleet figure takes the
month with the largest expected shortfall at the peak, a conservative reading: off-peak hours
need fewer servers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..errors import LlmplaceError
from . import data
from .facts import OptionFacts, ceil_div, site_link_in_path, worst_month

__all__ = [
    "HOURS_PER_YEAR",
    "downtime_hours",
    "fleet_unavailability",
    "option_availability",
    "parallel",
    "series",
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
    log = (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
           + k * math.log(p_up) + (n - k) * math.log1p(-p_up))
    return math.exp(log)


def fleet_unavailability(units: int, needed: int, u: float) -> float:
    """Probability that fewer than ``needed`` of ``units`` identical, independent units are up."""
    if needed <= 0:
        return 0.0
    if units < needed:
        return 1.0
    p_up = 1.0 - u
    ok = sum(_pmf(units, k, p_up) for k in range(needed, units + 1))
    return max(0.0, 1.0 - ok)


def fleet_shortfall(units: int, needed: int, u: float) -> float:
    """Expected share of the needed capacity missing: ``E[max(0, needed - up)] / needed``.

    With ``up ~ Binomial(units, 1 - u)``. It equals :func:`fleet_unavailability` when one unit is
    needed; with more, losing one of ``n`` needed units counts as ``1/n`` of an outage.
    """
    if needed <= 0:
        return 0.0
    p_up = 1.0 - u
    miss = sum(_pmf(units, k, p_up) * (needed - k) for k in range(0, min(units, needed)))
    return max(0.0, (miss + max(0, needed - units)) / needed) if units < needed else max(0.0, miss / needed)


def downtime_hours(u: float) -> float:
    """Expected hours down a year [h/yr]."""
    return u * HOURS_PER_YEAR


def _component(name: str, u: float, basis: str, ref: dict[str, str] | None) -> dict[str, Any]:
    return {
        "name": name,
        "unavailability": u,
        "downtime_hours_per_year": round(downtime_hours(u), 4),
        "basis": basis,
        "source": ref,
    }


def _in_house(f: OptionFacts, settings: Any) -> tuple[float, list[dict[str, Any]], list[str]]:
    gpu, host, net = (
        data.availability_row("gpu"),
        data.availability_row("server_host"),
        data.availability_row("site_network"),
    )
    down_h = f.gpu_count * (gpu.failures_per_year or 0) * (gpu.mttr_hours or 0) + (
        host.failures_per_year or 0
    ) * (host.mttr_hours or 0)
    u_server = down_h / (HOURS_PER_YEAR + down_h)
    sites = 2 if f.second_site else 1
    month, units, needed = worst_month(
        f, sites, lambda n_units, n_need: fleet_shortfall(n_units, n_need, u_server)
    )
    spare = units - needed
    u_fleet = fleet_shortfall(units, needed, u_server)
    notes = []
    if f.n_plus_one and spare < 1:
        notes.append(
            f"n_plus_one is set but the fleet has no spare server in month {month + 1} "
            f"({units} servers for {needed} needed)"
        )
    fleet_basis = (
        f"{units} server(s) per site for {needed} needed at peak (month {month + 1}, {spare} spare; "
        f"capacity lost counted as a share of an outage); "
        f"each down {downtime_hours(u_server):.1f} h/yr = {f.gpu_count} GPUs x "
        f"{gpu.failures_per_year:g}/yr + host {host.failures_per_year:g}/yr, {gpu.mttr_hours:g} h repair"
    )
    if f.hosting == "colocation":
        power = data.availability_row("colocation_facility")
        power_name = "colocation facility (power, cooling)"
    elif getattr(settings, "site_backup_power", False):
        power = data.availability_row("power_backed")
        power_name = "site power (UPS and generator)"
    else:
        power = data.availability_row("power_grid")
        power_name = "site power (grid, no backup)"
    u_net = net.unavailability
    comps = [
        _component("servers", u_fleet, fleet_basis, gpu.ref()),
        _component(power_name, power.unavailability, power.component, power.ref()),
        _component(
            "site network",
            u_net,
            f"{net.failures_per_year:g} failures/yr, {net.mttr_hours:g} h repair",
            net.ref(),
        ),
    ]
    u_site = series([u_fleet, power.unavailability, u_net])
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
        return u_sites, comps, notes
    return u_site, comps, notes


def _cloud(f: OptionFacts) -> tuple[float, list[dict[str, Any]], list[str]]:
    single, multi = data.availability_row("cloud_single_zone"), data.availability_row("cloud_multi_zone")
    domains = max(1, f.zones) * max(1, f.regions)
    notes: list[str] = []
    ok = domains >= 2
    if ok:
        for units_m, n in zip(f.units, f.needed or [0] * len(f.units), strict=False):
            if units_m - ceil_div(units_m, domains) < n:
                ok = False
                need_max = max(f.needed or [1])
                fix = next(
                    k
                    for k in range(need_max, 10 * need_max + domains + 2)
                    if k - ceil_div(k, domains) >= need_max
                )
                notes.append(
                    f"instances spread over {domains} zones/regions but losing one leaves fewer than the "
                    f"{n} needed; set min_instances to {fix} for zone redundancy (single-zone figure used)"
                )
                break
    if not ok:
        u = single.unavailability
        comp = _component("cloud instances (one zone)", u, f"SLA {single.availability_pct:g} %", single.ref())
        return u, [comp], notes
    u_region = multi.unavailability if f.zones >= 2 else single.unavailability
    row = multi if f.zones >= 2 else single
    if f.regions >= 2:
        u = parallel([u_region] * f.regions)
        basis = f"{f.regions} independent regions at SLA {row.availability_pct:g} % each"
    else:
        u = u_region
        basis = f"{f.zones} zones, SLA {row.availability_pct:g} %"
    return u, [_component("cloud instances", u, basis, row.ref())], notes


def _api(f: OptionFacts) -> tuple[float, list[dict[str, Any]], list[str]]:
    try:
        row = data.availability_row(f"api_provider:{f.provider}")
    except LlmplaceError:  # no row for this provider: the default row applies
        row = data.availability_row("api_provider")
    u = row.unavailability
    return u, [_component(f"{f.provider} API", u, f"availability {row.availability_pct:g} %", row.ref())], []


def _core(f: OptionFacts, settings: Any) -> tuple[float, list[dict[str, Any]], list[str]] | None:
    """Unavailability of the option itself, without the site internet link."""
    if f.kind == "in_house":
        return _in_house(f, settings)
    if f.kind == "cloud":
        return _cloud(f)
    if f.kind == "api":
        return _api(f)
    if f.parts and not any(f.units) and len(f.parts) > 1:
        core = _core(f.parts[-1], settings)  # no base bought: the hybrid is its overflow alone
        if core is None:
            return None
        return core[0], core[1], core[2] + ["hybrid with no base units: the overflow alone"]
    cores = [_core(p, settings) for p in f.parts]
    if not f.parts or any(c is None for c in cores):
        return None
    us = [c[0] for c in cores if c is not None]
    comps = [
        _component(f"{p.id} alone", u, "part of the hybrid: " + ", ".join(x["name"] for x in c[1]), None)
        for p, u, c in zip(f.parts, us, cores, strict=False)
        if c is not None
    ]
    return (
        parallel(us),
        comps,
        [
            "hybrid: the overflow absorbs the load while the base is down, so the service "
            "is down only when both parts are (independent failures assumed)"
        ],
    )


def option_availability(f: OptionFacts, settings: Any, active_share: float = 1.0) -> dict[str, Any]:
    """Expected downtime of one option, its components and, if priced, its yearly cost.

    ``settings`` is the scenario's ``criteria`` section (users, backup power, downtime cost);
    ``active_share`` is the share of hours with traffic, so only downtime in them is priced.
    """
    core = _core(f, settings)
    if core is None:
        return {"modelled": False, "notes": [f"availability is not modelled for kind {f.kind!r}"]}
    u, comps, notes = core
    if site_link_in_path(f, getattr(settings, "users", "on_site")):
        link = data.availability_row("internet_link")
        comps.append(
            _component(
                "site internet link", link.unavailability, f"SLA {link.availability_pct:g} %", link.ref()
            )
        )
        u = series([u, link.unavailability])
    hours = downtime_hours(u)
    cost_h = getattr(settings, "downtime_usd_per_hour", None)
    return {
        "modelled": True,
        "unavailability": u,
        "availability_pct": round(100.0 * (1.0 - u), 5),
        "downtime_hours_per_year": round(hours, 4),
        "downtime_active_hours_per_year": round(hours * active_share, 4),
        "active_share": round(active_share, 4),
        "downtime_usd_per_year": None if cost_h is None else round(hours * active_share * cost_h, 2),
        "components": comps,
        "notes": notes,
    }
