"""Monthly cash flows by category for each deployment, in whole units of hardware.

Two views are produced side by side and always labelled:

* ``cash``: money leaving the business in the month it leaves (capex when bought, a residual or
  book-value credit when hardware leaves the fleet or the horizon ends);
* ``amortised``: capex spread as straight-line depreciation over the useful life.

Fleet cost and fleet capacity always describe the same fleet: the unit counts that set the cost
are the counts that set the capacity, the utilisation and the energy drawn.

Load is handed to the cost functions as a :class:`Load`: the output-token rate in each bin of each
month's load-duration curve (see :mod:`llmplace.demand`). A pure option serves the whole demand;
in a hybrid, the base serves what its capacity allows and the overflow serves the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import catalog
from .demand import Demand
from .finance import straight_line
from .options import SCENARIO_SOURCE, Deployment
from .scenario import ApiOption, CloudOption, InHouseOption, Scenario

__all__ = [
    "CAPEX_CATEGORIES", "Flows", "Load", "SiteValues", "flows_for", "in_house_flows", "load_from_demand",
    "site_values", "trend", "planned_fleet", "lead_months",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
CAPEX_CATEGORIES = ("capex", "setup", "residual_credit")
DAYS_PER_MONTH = 365.0 / 12.0
DEFAULT_BATCH_DISCOUNT_PCT = 50.0


@dataclass
class Load:
    """What one deployment must serve: output-token rate per LDC bin, and the token mix.

    ``rate`` [tokens/s] and ``hours`` [h] are (months x bins); ``peak`` is the exact busiest-hour
    rate of each month [tokens/s]; the other arrays are per month [tokens/month].
    """

    rate: Array
    hours: Array
    peak: Array
    total_per_output: float
    cached_share: float
    active: NDArray[np.bool_]

    @property
    def output_tokens(self) -> Array:
        return np.sum(self.rate * self.hours, axis=1) * 3600.0

    @property
    def total_tokens(self) -> Array:
        return self.output_tokens * self.total_per_output


def load_from_demand(dem: Demand, cached_share: float) -> Load:
    tot = float(dem.total_tokens[0] / dem.output_tokens[0]) if dem.output_tokens[0] > 0 else 1.0
    return Load(rate=dem.bin_output_tokens_per_s, hours=dem.bin_hours, peak=dem.peak_output_tokens_per_s,
                total_per_output=tot, cached_share=cached_share, active=dem.rel > 0)


@dataclass
class Flows:
    """Cash and amortised monthly amounts per category (arrays of length = horizon)."""

    cash: dict[str, Array]
    amortised: dict[str, Array]
    upfront_usd: float
    units: IntArray
    served_tokens: Array
    unserved_tokens: Array
    utilisation: Array | None = None
    purchases: IntArray | None = None
    residual: Load | None = None
    overflow_served_tokens: Array | None = None
    notes: list[str] = field(default_factory=list)

    def monthly(self, view: str = "cash") -> Array:
        cats = self.cash if view == "cash" else self.amortised
        return np.sum(list(cats.values()), axis=0) if cats else np.zeros_like(self.served_tokens)

    def capex_opex(self) -> tuple[float, float]:
        capex = float(sum(np.sum(v) for k, v in self.cash.items() if k in CAPEX_CATEGORIES))
        total = float(np.sum(self.monthly("cash")))
        return capex, total - capex


@dataclass
class SiteValues:
    """Site and finance values after catalog defaults, each with its source."""

    values: dict[str, float]
    sources: dict[str, tuple[str, str | None]]

    def __getitem__(self, key: str) -> float:
        return self.values[key]


_SITE_KEYS: dict[str, tuple[str, str, str]] = {
    # scenario attribute: (catalog key, unit, section)
    "electricity_usd_per_kwh": ("electricity_usd_per_kwh", "USD/kWh", "site"),
    "pue": ("pue", "ratio", "site"),
    "colocation_usd_per_kw_month": ("colocation_usd_per_kw_month", "USD/kW/month", "site"),
    "maintenance_pct_of_capex_per_year": ("maintenance_pct_of_capex_per_year", "%/year", "site"),
    "staff_loaded_usd_per_year": ("sysadmin_loaded_usd_per_year", "USD/year", "site"),
    "staff_fte_per_server": ("staff_fte_per_server", "FTE", "site"),
    "setup_usd_per_server": ("setup_usd_per_server", "USD", "site"),
    "discount_rate_pct_per_year": ("discount_rate_pct_per_year", "%/year", "finance"),
    "useful_life_years": ("useful_life_years", "years", "finance"),
    "residual_value_pct": ("residual_value_pct", "% of capex", "finance"),
}
_CATALOG_ONLY = (
    "reserved_1y_discount_pct", "reserved_3y_discount_pct", "spot_interruption_goodput", "storage_usd_per_gb_month",
    "egress_usd_per_gb", "procurement_lead_time_weeks",
)


def site_values(s: Scenario) -> SiteValues:
    """Resolve every site/finance value: the scenario's if given, else the dated catalog default."""
    values: dict[str, float] = {}
    sources: dict[str, tuple[str, str | None]] = {}
    defaults = catalog.site_defaults()
    for attr, (key, _unit, section) in _SITE_KEYS.items():
        given = getattr(s.site if section == "site" else s.finance, attr)
        if given is not None:
            values[attr], sources[attr] = float(given), (SCENARIO_SOURCE, "scenario")
        else:
            row = defaults[key]
            values[attr], sources[attr] = row.value, (row.source, row.as_of)
    for key in _CATALOG_ONLY:
        row = defaults[key]
        values[key], sources[key] = row.value, (row.source, row.as_of)
    return SiteValues(values, sources)


def trend(pct_per_year: float, months: int) -> Array:
    """Price multiplier of each month for a compound trend [%/year]; month 1 = 1."""
    return (1.0 + pct_per_year / 100.0) ** (np.arange(months, dtype=float) / 12.0)


def lead_months(weeks: float) -> int:
    """Procurement lead time in whole months (rounded up)."""
    return int(math.ceil(weeks * 7.0 / DAYS_PER_MONTH - 1e-9))


def _need(peak: Array, per_unit_tokens_per_s: float, utilisation: float, step: int = 1) -> IntArray:
    units = np.ceil(np.asarray(peak) / (per_unit_tokens_per_s * utilisation) - 1e-9)
    if step > 1:
        units = np.ceil(units / step - 1e-9) * step
    return np.maximum(units, 0).astype(np.int64)


def planned_fleet(need: IntArray, need_with_headroom: IntArray, planning: str, lead: int) -> IntArray:
    """Servers in service each month under a procurement plan (never sold early).

    ``forecast``: orders are placed ``lead`` months ahead from the forecast, so servers arrive when
    needed. ``reactive``: at the start of each month the planner compares the month's known peak
    (plus headroom) with the servers installed or on order and orders the difference, which
    arrives ``lead`` months later; until then the excess demand goes unserved.
    """
    horizon = len(need)
    if planning == "forecast":
        return np.maximum.accumulate(np.maximum(need, 1)).astype(np.int64)
    fleet = np.zeros(horizon, dtype=np.int64)
    arrivals = np.zeros(horizon + lead + 1, dtype=np.int64)
    installed = max(int(need_with_headroom[0]), 1)  # the fleet in place at go-live
    on_order = 0
    for m in range(horizon):
        installed += int(arrivals[m])
        on_order -= int(arrivals[m])
        want = int(need_with_headroom[m])
        if want > installed + on_order:
            n = want - installed - on_order
            if lead == 0:
                installed += n
            else:
                arrivals[m + lead] += n
                on_order += n
        fleet[m] = installed
    return fleet


def _serve(load: Load, capacity: Array) -> tuple[Array, Array]:
    """Rate served per bin and the residual (unserved) rate, for a capacity per month [tokens/s]."""
    served = np.minimum(load.rate, capacity[:, None])
    return served, load.rate - served


def in_house_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues, fleet: IntArray,
                   purchases_exclude_refresh: bool = True) -> Flows:
    """Flows of an owned fleet (``fleet[m]`` serving servers) that serves ``load`` as far as it can."""
    opt = d.option
    assert isinstance(opt, InHouseOption) and d.server is not None and d.capacity is not None
    srv = d.server
    fin = s.finance
    horizon = len(fleet)
    per_server = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    spare = 1 if opt.n_plus_one else 0
    sites = 2 if opt.second_site else 1
    serving = fleet.astype(float)
    owned = ((fleet + spare) * sites).astype(np.int64)
    owned[fleet == 0] = 0

    life_m = sv["useful_life_years"] * 12.0
    hw = trend(fin.hardware_price_change_pct_per_year, horizon)
    residual_pct = sv["residual_value_pct"] / 100.0
    setup = sv["setup_usd_per_server"]
    buys = np.diff(np.concatenate([[0], owned])).clip(min=0).astype(np.int64)
    capex = np.zeros(horizon)
    credit = np.zeros(horizon)
    setup_cost = np.zeros(horizon)
    depreciation = np.zeros(horizon)
    lease = np.zeros(horizon)
    leasing = opt.acquisition == "lease"
    lease_rate = (1 + opt.lease_rate_pct_per_year / 100.0) ** (1 / 12) - 1
    cohorts: list[tuple[int, int]] = [(m, int(n)) for m, n in enumerate(buys) if n > 0]
    k = 0
    while k < len(cohorts):  # each cohort is replaced at the end of its useful life (refresh)
        m0, n = cohorts[k]
        price = srv.purchase_usd * hw[m0]
        residual = price * residual_pct
        end = m0 + life_m
        last = min(horizon, int(np.ceil(end - 1e-9)))
        setup_cost[m0] += n * setup
        if leasing:
            pay = price * lease_rate / (1 - (1 + lease_rate) ** -life_m) if lease_rate > 0 else price / life_m
            lease[m0:last] += n * pay
        else:
            capex[m0] += n * price
            depreciation[m0:last] += n * straight_line(price + setup, residual, life_m)
        if end <= horizon - 1e-9:
            m_end = int(np.ceil(end - 1e-9))
            if m_end < horizon:
                if not leasing:
                    credit[m_end] -= n * residual  # sold at its residual value ...
                cohorts.append((m_end, n))  # ... and replaced the same month
        elif fin.terminal_value == "book" and not leasing:
            credit[horizon - 1] -= n * (price - (price - residual) * (horizon - m0) / life_m)
        k += 1

    capacity = serving * per_server
    served_rate, resid_rate = _serve(load, capacity)
    util_bins = np.where(capacity[:, None] > 0, served_rate / np.where(capacity[:, None] > 0, capacity[:, None], 1),
                         0.0)
    active_h = np.sum(np.where(load.active, load.hours, 0.0), axis=1)
    util = np.sum(util_bins * load.hours, axis=1) / np.where(active_h > 0, active_h, 1.0)
    idle_kw, max_kw = srv.idle_power_kw, srv.max_power_kw
    on_kw = np.where(load.active, idle_kw, 0.0 if opt.power_off_when_idle else idle_kw)
    kwh_serving = np.sum(load.hours * np.where(load.active | (not opt.power_off_when_idle),
                                               idle_kw + (max_kw - idle_kw) * util_bins, 0.0), axis=1) * serving
    kwh_standby = np.sum(load.hours * on_kw, axis=1) * (owned - serving)
    elec = sv["electricity_usd_per_kwh"] * trend(fin.electricity_price_change_pct_per_year, horizon)
    power = (kwh_serving + kwh_standby) * sv["pue"] * elec
    if opt.hosting == "colocation":
        facility = owned * max_kw * sv["colocation_usd_per_kw_month"] + s.site.facility_usd_per_month
    else:
        facility = np.full(horizon, s.site.facility_usd_per_month) * (owned > 0)
    maintenance = owned * srv.purchase_usd * sv["maintenance_pct_of_capex_per_year"] / 100.0 / 12.0
    salary = sv["staff_loaded_usd_per_year"] / 12.0 * trend(fin.salary_growth_pct_per_year, horizon)
    fte = np.full(horizon, opt.staff_fte) if opt.staff_fte is not None else owned * sv["staff_fte_per_server"]
    staff = fte * salary * (owned > 0)
    run_hours = np.sum(np.where(load.active, load.hours, 0.0), axis=1) if opt.power_off_when_idle \
        else np.sum(load.hours, axis=1)
    other = owned * opt.opex_usd_per_hour * run_hours

    running = {"power": power, "facility": facility, "maintenance": maintenance, "staff": staff,
               "other_opex": other, "lease": lease}
    cash = {"capex": capex, "setup": setup_cost, "residual_credit": credit, **running}
    amortised = {"depreciation": depreciation, **running}
    if leasing:  # nothing to depreciate: setup counts when it is paid in both views
        amortised["setup"] = setup_cost
    served_out = np.sum(served_rate * load.hours, axis=1) * 3600.0
    unserved_out = np.sum(resid_rate * load.hours, axis=1) * 3600.0
    residual = Load(rate=resid_rate, hours=load.hours, peak=np.maximum(load.peak - capacity, 0.0),
                    total_per_output=load.total_per_output, cached_share=load.cached_share, active=load.active)
    return Flows(
        cash={k: v for k, v in cash.items() if np.any(v)} or {"capex": capex},
        amortised={k: v for k, v in amortised.items() if np.any(v)} or {"depreciation": depreciation},
        upfront_usd=float(capex[0] + setup_cost[0]),
        units=owned, served_tokens=served_out * load.total_per_output,
        unserved_tokens=unserved_out * load.total_per_output, utilisation=util, purchases=buys, residual=residual,
    )


def _in_house(d: Deployment, s: Scenario, load: Load, sv: SiteValues) -> Flows:
    opt = d.option
    assert isinstance(opt, InHouseOption) and d.capacity is not None
    per_server = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    need = _need(load.peak, per_server, opt.target_utilisation)
    weeks = opt.lead_time_weeks if opt.lead_time_weeks is not None else sv["procurement_lead_time_weeks"]
    lead = lead_months(weeks)
    if opt.servers is not None:
        fleet = np.full(len(need), opt.servers, dtype=np.int64)
    else:
        headroom = _need(load.peak * (1 + opt.headroom_pct / 100.0), per_server, opt.target_utilisation)
        fleet = planned_fleet(need, headroom, opt.planning, lead)
    f = in_house_flows(d, s, load, sv, fleet)
    if np.any(need > fleet):
        first = int(np.argmax(need > fleet)) + 1
        why = f"fixed at {opt.servers} servers" if opt.servers is not None else \
            f"{opt.planning} planning with a {weeks:g}-week lead time ({lead} months)"
        f.notes.append(f"peak demand needs {int(need.max())} servers; the fleet falls short from month {first} "
                       f"({why})")
    return f


def cloud_price_per_hour(d: Deployment, sv: SiteValues, plan: str | None = None) -> tuple[float, str]:
    """Instance price for a plan [USD/h] and where it comes from."""
    opt = d.option
    assert isinstance(opt, CloudOption) and d.cloud is not None
    row = d.cloud
    plan = plan or opt.plan
    if opt.usd_per_hour is not None and (plan == opt.plan or opt.instance is None):
        return opt.usd_per_hour, SCENARIO_SOURCE
    if plan == "on_demand":
        return row.on_demand_usd_per_hour, row.source
    if plan == "spot":
        if row.spot_usd_per_hour is None:
            return row.on_demand_usd_per_hour, f"{row.source} (no spot price listed: on-demand used)"
        return row.spot_usd_per_hour, row.source
    listed = row.reserved_1y_usd_per_hour if plan == "reserved_1y" else row.reserved_3y_usd_per_hour
    if listed is not None:
        return listed, f"{row.reserved_basis or 'reserved price'}; {row.source}"
    key = "reserved_1y_discount_pct" if plan == "reserved_1y" else "reserved_3y_discount_pct"
    disc = sv[key]
    return row.on_demand_usd_per_hour * (1 - disc / 100.0), \
        f"on-demand x (1 - {disc:g} %) default discount; {sv.sources[key][0]}"


def cloud_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues, reserved: int | None = None,
                note: bool = True) -> Flows:
    """Flows of rented instances serving ``load``; ``reserved`` overrides the committed baseline."""
    opt = d.option
    assert isinstance(opt, CloudOption) and d.cloud is not None and d.capacity is not None
    horizon = load.rate.shape[0]
    goodput = sv["spot_interruption_goodput"] if opt.plan == "spot" else 1.0
    per_inst = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s * goodput
    step = opt.scale_step_instances
    trend_c = trend(s.finance.cloud_price_change_pct_per_year, horizon)
    price, src = cloud_price_per_hour(d, sv)
    if note:
        d.note(f"instance price ({opt.plan.replace('_', ' ')})", round(price, 4), "USD/h", src, d.cloud.as_of)
    hours = load.hours
    peak_need = np.maximum(_need(load.peak, per_inst, opt.target_utilisation, step), opt.min_instances)
    if opt.billing == "autoscaled":
        per_bin = np.maximum(_need(load.rate, per_inst, opt.target_utilisation, step),
                             np.where(load.active, opt.min_instances, 0))
        per_bin[:, 0] = np.maximum(per_bin[:, 0], peak_need)  # the busiest bin holds the exact peak
    elif opt.billing == "active_hours":
        per_bin = np.where(load.active, peak_need[:, None], 0)
    else:
        per_bin = np.broadcast_to(peak_need[:, None], hours.shape).copy()
    reserved_n = reserved if reserved is not None else opt.reserved_instances
    if opt.plan.startswith("reserved"):
        base = peak_need if reserved_n is None and opt.billing == "always_on" else (
            np.full(horizon, reserved_n if reserved_n is not None else int(np.min(per_bin[0]))))
        od_price, _ = cloud_price_per_hour(d, sv, "on_demand")
        reserved_cost = base * np.sum(hours, axis=1) * price
        above = np.maximum(per_bin - base[:, None], 0)
        compute = (reserved_cost + np.sum(above * hours, axis=1) * od_price) * trend_c
        fleet = np.maximum(base, np.max(per_bin, axis=1))
    else:
        compute = np.sum(per_bin * hours, axis=1) * price * trend_c
        fleet = np.max(per_bin, axis=1)
    mean_inst = np.sum(per_bin * hours, axis=1) / np.sum(hours, axis=1)
    storage = mean_inst * opt.storage_gb * sv["storage_usd_per_gb_month"]
    egress = np.full(horizon, opt.egress_gb_per_month * sv["egress_usd_per_gb"])
    salary = sv["staff_loaded_usd_per_year"] / 12.0 * trend(s.finance.salary_growth_pct_per_year, horizon)
    fte = np.full(horizon, opt.staff_fte) if opt.staff_fte is not None \
        else fleet * 0.5 * sv["staff_fte_per_server"]
    staff = fte * salary
    cap_bins = per_bin * per_inst
    util_bins = np.where(cap_bins > 0, np.minimum(load.rate / np.where(cap_bins > 0, cap_bins, 1), 1.0), 0.0)
    active_h = np.sum(np.where(load.active, hours, 0.0), axis=1)
    util = np.sum(util_bins * hours, axis=1) / np.where(active_h > 0, active_h, 1.0)
    cats = {"compute": compute, "storage": storage, "egress": egress, "staff": staff}
    cats = {k: v for k, v in cats.items() if np.any(v)} or {"compute": compute}
    return Flows(cash=cats, amortised=dict(cats), upfront_usd=0.0, units=fleet.astype(np.int64),
                 served_tokens=load.total_tokens, unserved_tokens=np.zeros(horizon), utilisation=util)


def api_flows(d: Deployment, s: Scenario, load: Load) -> Flows:
    """Flows of a per-token API serving ``load``."""
    assert d.api is not None and isinstance(d.option, ApiOption)
    a, opt = d.api, d.option
    horizon = load.rate.shape[0]
    out_tok = load.output_tokens
    in_tok = out_tok * (load.total_per_output - 1.0)
    cached_tok = in_tok * load.cached_share
    disc = opt.batch_discount_pct if opt.batch_discount_pct is not None else (
        a.batch_discount_pct if a.batch_discount_pct is not None else DEFAULT_BATCH_DISCOUNT_PCT)
    factor = (1.0 - opt.batch_share * disc / 100.0) * trend(s.finance.api_price_change_pct_per_year, horizon)
    cached_price = a.cached_input_usd_per_mtok if a.cached_input_usd_per_mtok is not None else a.input_usd_per_mtok
    cats = {
        "input_tokens": (in_tok - cached_tok) * a.input_usd_per_mtok / 1e6 * factor,
        "cached_input_tokens": cached_tok * cached_price / 1e6 * factor,
        "output_tokens": out_tok * a.output_usd_per_mtok / 1e6 * factor,
    }
    if opt.staff_fte:
        cats["staff"] = np.full(horizon, opt.staff_fte * catalog.site_default("sysadmin_loaded_usd_per_year") / 12.0)
    cats = {k: v for k, v in cats.items() if np.any(v)} or {"output_tokens": cats["output_tokens"]}
    return Flows(cash=cats, amortised=dict(cats), upfront_usd=0.0, units=np.zeros(horizon, dtype=np.int64),
                 served_tokens=load.total_tokens, unserved_tokens=np.zeros(horizon))


def flows_for(d: Deployment, s: Scenario, load: Load, sv: SiteValues) -> Flows:
    """Monthly flows of one resolved, feasible deployment serving ``load`` on its own."""
    if isinstance(d.option, InHouseOption):
        return _in_house(d, s, load, sv)
    if isinstance(d.option, CloudOption):
        return cloud_flows(d, s, load, sv)
    return api_flows(d, s, load)


def as_float_list(a: Any) -> list[float]:
    return [float(x) for x in np.asarray(a, dtype=float)]
