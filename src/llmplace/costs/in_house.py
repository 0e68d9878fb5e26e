"""Owned servers: procurement plan, purchases and refresh, power, facility, maintenance, staff, lease."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..demand import Load
from ..finance import straight_line
from ..options import Deployment
from ..scenario import InHouseOption, Scenario
from ..site import SiteValues
from .flows import Flows, _active_hours, _col, _need, _shape, add, lead_months, trend

__all__ = ["in_house_fleet", "in_house_flows", "in_house_planned", "planned_fleet"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


def planned_fleet(need: IntArray, need_with_headroom: IntArray, planning: str, lead: int) -> IntArray:
    """Servers in service each month under a procurement plan (never sold early).

    ``forecast``: orders are placed ``lead`` months ahead from the forecast, so servers arrive when
    needed. ``reactive``: at the start of each month the planner compares the month's known peak
    (plus headroom) with the servers installed or on order and orders the difference, which
    arrives ``lead`` months later; until then the excess demand goes unserved. Arrays may carry a
    leading sample axis; months are the last axis.
    """
    if planning == "forecast":
        return np.maximum.accumulate(np.maximum(need, 1), axis=-1).astype(np.int64)
    horizon = need.shape[-1]
    fleet = np.zeros(need.shape, dtype=np.int64)
    arrivals = np.zeros(need.shape[:-1] + (horizon + lead + 1,), dtype=np.int64)
    installed = np.maximum(need_with_headroom[..., 0], 1).astype(np.int64)  # the fleet in place at go-live
    on_order = np.zeros_like(installed)
    for m in range(horizon):
        installed = installed + arrivals[..., m]
        on_order = on_order - arrivals[..., m]
        short = np.maximum(need_with_headroom[..., m] - installed - on_order, 0)
        if lead == 0:
            installed = installed + short
        else:
            arrivals[..., m + lead] += short
            on_order = on_order + short
        fleet[..., m] = installed
    return fleet




def _ownership(d: Deployment, s: Scenario, sv: SiteValues, owned: IntArray) -> tuple[dict[str, Array], IntArray]:
    """Purchases, setup, refresh at the end of the useful life, residual credits, depreciation or lease payments.

    Returns the series by category (capex, setup, residual_credit, depreciation, lease) and the servers bought
    each month. Each cohort is replaced at the end of its useful life and sold at its residual value; one still
    owned at the horizon is credited at its book value when ``finance.terminal_value`` is ``book``.
    """
    opt, srv, fin = d.option, d.server, s.finance
    assert isinstance(opt, InHouseOption) and srv is not None
    horizon = owned.shape[-1]
    life_m = float(sv["useful_life_years"]) * 12.0
    hw = trend(fin.hardware_price_change_pct_per_year, horizon)
    residual_pct = sv["residual_value_pct"] / 100.0
    setup = sv["setup_usd_per_server"]
    buys = np.diff(owned, axis=-1, prepend=0).clip(min=0).astype(np.int64)
    shape = _shape(buys, hw, np.asarray(srv.purchase_usd, dtype=float), np.asarray(residual_pct, dtype=float),
                   np.asarray(setup, dtype=float))
    capex, credit, setup_cost, depreciation, lease = (np.zeros(shape) for _ in range(5))
    leasing = opt.acquisition == "lease"
    lease_rate = (1 + opt.lease_rate_pct_per_year / 100.0) ** (1 / 12) - 1
    full_months = int(np.floor(life_m + 1e-9))
    part = life_m - full_months  # a life of 13.2 months: 13 full months and 0.2 of the 14th
    cohorts = np.broadcast_to(buys, shape).astype(float).copy()  # purchases plus refresh replacements

    def spread(series: Array, m0: int, amount: Any) -> None:
        """Book ``amount`` a month over the life starting in month ``m0`` (the partial month pro rata)."""
        series[..., m0:min(horizon, m0 + full_months)] += amount
        if part > 1e-9 and m0 + full_months < horizon:
            series[..., m0 + full_months:m0 + full_months + 1] += amount * part

    for m0 in range(horizon):  # each cohort is replaced at the end of its useful life (refresh)
        n = _col(cohorts, m0)
        if not np.any(n):
            continue
        price = srv.purchase_usd * _col(hw, m0)
        residual = price * residual_pct
        setup_cost[..., m0:m0 + 1] += n * setup
        if leasing:
            pay = price * lease_rate / (1 - (1 + lease_rate) ** -life_m) if lease_rate > 0 else price / life_m
            spread(lease, m0, n * pay)
        else:
            capex[..., m0:m0 + 1] += n * price
            spread(depreciation, m0, n * straight_line(price + setup, residual, life_m))
        m_end = int(np.ceil(m0 + life_m - 1e-9))  # the month the cohort is sold and replaced
        if m_end < horizon:
            if not leasing:
                credit[..., m_end:m_end + 1] -= n * residual  # sold at its residual value ...
            cohorts[..., m_end:m_end + 1] += n  # ... and replaced the same month
        elif fin.terminal_value == "book" and not leasing:  # still owned at the end: its book value
            used = min(1.0, (horizon - m0) / life_m)
            credit[..., horizon - 1:horizon] -= n * (price - (price - residual) * used)
    return {"capex": capex, "setup": setup_cost, "residual_credit": credit, "depreciation": depreciation,
            "lease": lease}, buys


def _running(d: Deployment, s: Scenario, load: Load, sv: SiteValues, owned: IntArray, serving: Array,
             served_rh: Array) -> tuple[dict[str, Array], Array]:
    """Power (idle draw plus the load-proportional part, standby servers idle), facility, maintenance, staff and
    other running costs per month, and the staff charged [FTE]."""
    opt, srv, fin = d.option, d.server, s.finance
    assert isinstance(opt, InHouseOption) and srv is not None and d.capacity is not None
    horizon = owned.shape[-1]
    per_server = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    capacity = serving * per_server
    active_h = _active_hours(load)
    idle_kw, max_kw = srv.idle_power_kw, srv.max_power_kw
    powered_h = np.sum(load.hours, axis=-1) if not opt.power_off_when_idle else active_h
    # energy of the serving fleet: idle draw in every powered hour plus the load-proportional part
    kwh_serving = serving * (idle_kw * powered_h) + (max_kw - idle_kw) * np.where(capacity > 0, served_rh, 0.0) \
        / per_server
    kwh_standby = idle_kw * powered_h * (owned - serving)
    elec = sv["electricity_usd_per_kwh"] * trend(fin.electricity_price_change_pct_per_year, horizon)
    power = (kwh_serving + kwh_standby) * sv["pue"] * elec
    in_use = owned > 0
    if opt.hosting == "colocation":
        facility = owned * max_kw * sv["colocation_usd_per_kw_month"] + s.site.facility_usd_per_month * in_use
    else:
        facility = add(owned * 0.0, s.site.facility_usd_per_month) * in_use
    maintenance = owned * srv.purchase_usd * sv["maintenance_pct_of_capex_per_year"] / 100.0 / 12.0
    salary = sv["staff_loaded_usd_per_year"] / 12.0 * trend(fin.salary_growth_pct_per_year, horizon)
    fte = add(owned * 0.0, opt.staff_fte) if opt.staff_fte is not None else owned * sv["staff_fte_per_server"]
    staff_fte = fte * in_use
    run_hours = active_h if opt.power_off_when_idle else np.sum(load.hours, axis=-1)
    return {"power": power, "facility": facility, "maintenance": maintenance, "staff": staff_fte * salary,
            "other_opex": owned * opt.opex_usd_per_hour * run_hours}, staff_fte


def in_house_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues, fleet: IntArray,
                   with_residual: bool = False) -> Flows:
    """Flows of an owned fleet (``fleet[..., m]`` serving servers) that serves ``load`` as far as it can.

    With ``with_residual`` the load the fleet cannot carry is returned as ``Flows.residual`` (for a hybrid).
    """
    opt = d.option
    assert isinstance(opt, InHouseOption) and d.server is not None and d.capacity is not None
    per_server = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    serving = fleet.astype(float)
    owned = ((fleet + (1 if opt.n_plus_one else 0)) * (2 if opt.second_site else 1)).astype(np.int64)
    owned[fleet == 0] = 0
    own, buys = _ownership(d, s, sv, owned)
    capacity = serving * per_server
    served_rh = load.served_rate_hours(capacity)  # output tokens/s x hours actually served
    active_h = _active_hours(load)
    util = np.where(capacity > 0, served_rh / np.where(capacity > 0, capacity, 1.0), 0.0) \
        / np.where(active_h > 0, active_h, 1.0)
    running, staff_fte = _running(d, s, load, sv, owned, serving, served_rh)
    running["lease"] = own["lease"]
    cash = {"capex": own["capex"], "setup": own["setup"], "residual_credit": own["residual_credit"], **running}
    amortised = {"depreciation": own["depreciation"], **running}
    if opt.acquisition == "lease":  # nothing to depreciate: setup counts when it is paid in both views
        amortised["setup"] = own["setup"]
    served_out = served_rh * 3600.0
    residual = None
    if with_residual:
        residual = Load(rate_given=load.rate - np.minimum(load.rate, capacity[..., None]), hours=load.hours,
                        peak=np.maximum(load.peak - capacity, 0.0), total_per_output=load.total_per_output,
                        cached_share=load.cached_share, active=load.active)
    return Flows(
        cash={k: v for k, v in cash.items() if np.any(v)} or {"capex": own["capex"]},
        amortised={k: v for k, v in amortised.items() if np.any(v)} or {"depreciation": own["depreciation"]},
        upfront_usd=own["capex"][..., 0] + own["setup"][..., 0],
        units=owned, served_tokens=served_out * load.total_per_output,
        unserved_tokens=np.maximum(load.output_tokens - served_out, 0.0) * load.total_per_output,
        utilisation=util, purchases=buys, residual=residual, staff_fte=staff_fte,
    )


def in_house_fleet(d: Deployment, s: Scenario, load: Load, sv: SiteValues) -> tuple[IntArray, IntArray, float, int]:
    """The fleet the option's procurement plan puts in service, the fleet the load needs, and the lead time."""
    opt = d.option
    assert isinstance(opt, InHouseOption) and d.capacity is not None
    per_server = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    need = _need(load.peak, per_server, opt.target_utilisation)
    weeks = opt.lead_time_weeks if opt.lead_time_weeks is not None else float(sv["procurement_lead_time_weeks"])
    lead = lead_months(weeks)
    if opt.servers is not None:
        return np.full(need.shape, opt.servers, dtype=np.int64), need, weeks, lead
    headroom = _need(load.peak * (1 + opt.headroom_pct / 100.0), per_server, opt.target_utilisation)
    return planned_fleet(need, headroom, opt.planning, lead), need, weeks, lead


def in_house_planned(d: Deployment, s: Scenario, load: Load, sv: SiteValues, with_residual: bool = False) -> Flows:
    """Flows of the fleet the option's own procurement plan puts in service (notes where it falls short)."""
    opt = d.option
    assert isinstance(opt, InHouseOption)
    fleet, need, weeks, lead = in_house_fleet(d, s, load, sv)
    f = in_house_flows(d, s, load, sv, fleet, with_residual)
    if need.ndim == 1 and np.any(need > fleet):
        first = int(np.argmax(need > fleet)) + 1
        why = f"fixed at {opt.servers} servers" if opt.servers is not None else \
            f"{opt.planning} planning with a {weeks:g}-week lead time ({lead} months)"
        f.notes.append(f"peak demand needs {int(need.max())} servers; the fleet falls short from month {first} "
                       f"({why})")
    return f
