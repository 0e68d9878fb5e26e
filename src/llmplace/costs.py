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
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import catalog
from .demand import Demand
from .finance import npv_timed, straight_line
from .options import SCENARIO_SOURCE, Deployment
from .results import Assumption
from .scenario import ApiOption, CloudOption, InHouseOption, Scenario

__all__ = [
    "CAPEX_CATEGORIES", "Flows", "Load", "SiteValues", "flows_for", "in_house_flows", "load_from_demand",
    "site_values", "trend", "planned_fleet", "lead_months", "add", "in_house_fleet", "cloud_flows", "api_flows",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
CAPEX_CATEGORIES = ("capex", "setup", "residual_credit")
DAYS_PER_MONTH = 365.0 / 12.0
DEFAULT_BATCH_DISCOUNT_PCT = 50.0  # batch APIs typically bill 50 % of the standard price (see options._api)


@dataclass
class Load:
    """What one deployment must serve: output-token rate per LDC bin, and the token mix.

    The rate [tokens/s] per bin is either given (``rate_given``, (months x bins)) or the product
    of a monthly mean over all hours ``mean`` and a relative curve ``rel`` shared by every month
    (and sample), which lets sums over bins collapse to closed forms. ``hours`` [h] per bin,
    ``peak`` the exact busiest-hour rate of each month [tokens/s].
    """

    hours: Array
    peak: Array
    total_per_output: Any
    cached_share: Any
    active: NDArray[np.bool_]
    rate_given: Array | None = None
    mean: Array | None = None
    rel: Array | None = None

    @cached_property
    def rate(self) -> Array:
        if self.rate_given is not None:
            return self.rate_given
        assert self.mean is not None and self.rel is not None
        return self.mean[..., None] * self.rel

    @property
    def shared_curve(self) -> bool:
        """One relative curve and one hour split for every month and sample."""
        return (self.rate_given is None and self.rel is not None
                and int(np.prod(self.rel.shape[:-1])) == 1 and int(np.prod(self.hours.shape[:-1])) == 1)

    @cached_property
    def output_tokens(self) -> Array:
        if self.shared_curve:
            assert self.mean is not None
            return self.mean * float(np.sum(self.hours)) * 3600.0
        return np.sum(self.rate * self.hours, axis=-1) * 3600.0

    @property
    def total_tokens(self) -> Array:
        return self.output_tokens * self.total_per_output

    def served_rate_hours(self, capacity: Array) -> Array:
        """Sum over bins of hours x min(rate, capacity) [tokens/s x h], for a capacity per month.

        With a shared curve this is ``mean x F(capacity / mean)`` where ``F(x) = sum(h_b min(rel_b, x))``
        is piecewise linear between the curve's values, so no (months x bins) array is built.
        """
        if not self.shared_curve:
            return np.sum(np.minimum(self.rate, capacity[..., None]) * self.hours, axis=-1)
        assert self.mean is not None and self.rel is not None
        rel = self.rel.reshape(-1)
        hrs = np.broadcast_to(self.hours.reshape(-1), rel.shape)
        order = np.argsort(rel)
        knots = np.concatenate([[0.0], rel[order]])
        h_sorted = hrs[order]
        below = np.concatenate([[0.0], np.cumsum(h_sorted * rel[order])])  # sum of h r for r <= knot
        above = np.concatenate([[np.sum(h_sorted)], np.sum(h_sorted) - np.cumsum(h_sorted)])  # hours with r > knot
        f_knots = below + knots * above
        mean = np.asarray(self.mean, dtype=float)
        x = np.where(mean > 0, capacity / np.where(mean > 0, mean, 1.0), 0.0)
        return np.where(mean > 0, mean * np.interp(x, knots, f_knots), 0.0)


def load_from_demand(dem: Demand, cached_share: Any) -> Load:
    share = np.asarray(dem.output_share, dtype=float)
    tot: Any = float(1.0 / share) if share.ndim == 0 else 1.0 / share
    return Load(hours=dem.bin_hours, peak=dem.peak_output_tokens_per_s, total_per_output=tot,
                cached_share=cached_share, active=dem.rel > 0, mean=dem.mean_output_tokens_per_s, rel=dem.rel)


@dataclass
class Flows:
    """Cash and amortised monthly amounts per category (arrays of length = horizon)."""

    cash: dict[str, Array]
    amortised: dict[str, Array]
    upfront_usd: Any
    units: IntArray
    served_tokens: Array
    unserved_tokens: Array
    utilisation: Array | None = None
    purchases: IntArray | None = None
    residual: Load | None = None
    overflow_served_tokens: Array | None = None
    notes: list[str] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    staff_fte: Array | None = None  #: staff the option is charged for each month [FTE]

    def monthly(self, view: str = "cash") -> Array:
        cats = self.cash if view == "cash" else self.amortised
        return add(*cats.values()) if cats else np.zeros_like(self.served_tokens)

    def start_of_month(self) -> Array:
        """Purchases and setup, paid when the month begins (cash view)."""
        parts = [self.cash[k] for k in ("capex", "setup") if k in self.cash]
        return add(*parts) if parts else np.zeros(np.shape(self.monthly("cash")))

    def npv(self, annual_pct: Any) -> Any:
        """NPV of the cash view: purchases at the start of their month, everything else at its end."""
        start = self.start_of_month()
        return npv_timed(start, self.monthly("cash") - start, annual_pct)

    def capex_opex(self) -> tuple[Array, Array]:
        """Totals over the horizon (one per sample): capex categories and the rest."""
        parts = [v for k, v in self.cash.items() if k in CAPEX_CATEGORIES]
        capex = np.sum(add(*parts), axis=-1) if parts else np.zeros(np.shape(self.monthly("cash"))[:-1])
        return capex, np.sum(self.monthly("cash"), axis=-1) - capex


@dataclass
class SiteValues:
    """Site and finance values after catalog defaults, each with its source."""

    values: dict[str, Any]
    sources: dict[str, tuple[str, str | None]]

    def __getitem__(self, key: str) -> Any:
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
            values[attr], sources[attr] = given, (SCENARIO_SOURCE, "scenario")
        else:
            row = defaults[key]
            values[attr], sources[attr] = row.value, (row.source, row.as_of)
    for key in _CATALOG_ONLY:
        row = defaults[key]
        values[key], sources[key] = row.value, (row.source, row.as_of)
    return SiteValues(values, sources)


def _shape(*arrays: Any) -> tuple[int, ...]:
    return np.broadcast_shapes(*(np.shape(a) for a in arrays))


def _col(a: Array, m: int) -> Array:
    """Month ``m`` of a (..., months) array, keeping the month axis (so samples broadcast)."""
    return a[..., m:m + 1]


def add(*parts: Any) -> Array:
    """Sum of arrays of broadcastable shapes."""
    out = np.zeros(_shape(*parts))
    for p in parts:
        out = out + p
    return out


def trend(pct_per_year: Any, months: int) -> Array:
    """Price multiplier of each month for a compound trend [%/year]; month 1 = 1.

    ``pct_per_year`` may be an array of samples of shape (samples, 1).
    """
    return (1.0 + np.asarray(pct_per_year, dtype=float) / 100.0) ** (np.arange(months, dtype=float) / 12.0)


def lead_months(weeks: float) -> int:
    """Procurement lead time in whole months (rounded up)."""
    return int(math.ceil(float(weeks) * 7.0 / DAYS_PER_MONTH - 1e-9))


def _need(peak: Any, per_unit_tokens_per_s: Any, utilisation: Any, step: int = 1) -> IntArray:
    units = np.ceil(np.asarray(peak) / (per_unit_tokens_per_s * utilisation) - 1e-9)
    if step > 1:
        units = np.ceil(units / step - 1e-9) * step
    return np.maximum(units, 0).astype(np.int64)


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


def _active_hours(load: Load) -> Array:
    return np.sum(np.where(load.active, load.hours, 0.0), axis=-1)


def in_house_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues, fleet: IntArray,
                   with_residual: bool = False) -> Flows:
    """Flows of an owned fleet (``fleet[..., m]`` serving servers) that serves ``load`` as far as it can."""
    opt = d.option
    assert isinstance(opt, InHouseOption) and d.server is not None and d.capacity is not None
    srv = d.server
    fin = s.finance
    horizon = fleet.shape[-1]
    per_server = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    spare = 1 if opt.n_plus_one else 0
    sites = 2 if opt.second_site else 1
    serving = fleet.astype(float)
    owned = ((fleet + spare) * sites).astype(np.int64)
    owned[fleet == 0] = 0

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
        end = m0 + life_m
        setup_cost[..., m0:m0 + 1] += n * setup
        if leasing:
            pay = price * lease_rate / (1 - (1 + lease_rate) ** -life_m) if lease_rate > 0 else price / life_m
            spread(lease, m0, n * pay)
        else:
            capex[..., m0:m0 + 1] += n * price
            spread(depreciation, m0, n * straight_line(price + setup, residual, life_m))
        m_end = int(np.ceil(end - 1e-9))  # the month the cohort is sold and replaced
        if m_end < horizon:
            if not leasing:
                credit[..., m_end:m_end + 1] -= n * residual  # sold at its residual value ...
            cohorts[..., m_end:m_end + 1] += n  # ... and replaced the same month
        elif fin.terminal_value == "book" and not leasing:  # still owned at the end: its book value
            used = min(1.0, (horizon - m0) / life_m)
            credit[..., horizon - 1:horizon] -= n * (price - (price - residual) * used)

    capacity = serving * per_server
    served_rh = load.served_rate_hours(capacity)  # output tokens/s x hours actually served
    safe_cap = np.where(capacity > 0, capacity, 1.0)
    active_h = _active_hours(load)
    util = np.where(capacity > 0, served_rh / safe_cap, 0.0) / np.where(active_h > 0, active_h, 1.0)
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
    staff = staff_fte * salary
    run_hours = _active_hours(load) if opt.power_off_when_idle else np.sum(load.hours, axis=-1)
    other = owned * opt.opex_usd_per_hour * run_hours

    running = {"power": power, "facility": facility, "maintenance": maintenance, "staff": staff,
               "other_opex": other, "lease": lease}
    cash = {"capex": capex, "setup": setup_cost, "residual_credit": credit, **running}
    amortised = {"depreciation": depreciation, **running}
    if leasing:  # nothing to depreciate: setup counts when it is paid in both views
        amortised["setup"] = setup_cost
    served_out = served_rh * 3600.0
    unserved_out = np.maximum(load.output_tokens - served_out, 0.0)
    residual = None
    if with_residual:
        resid_rate = load.rate - np.minimum(load.rate, capacity[..., None])
        residual = Load(rate_given=resid_rate, hours=load.hours, peak=np.maximum(load.peak - capacity, 0.0),
                        total_per_output=load.total_per_output, cached_share=load.cached_share, active=load.active)
    return Flows(
        cash={k: v for k, v in cash.items() if np.any(v)} or {"capex": capex},
        amortised={k: v for k, v in amortised.items() if np.any(v)} or {"depreciation": depreciation},
        upfront_usd=capex[..., 0] + setup_cost[..., 0],
        units=owned, served_tokens=served_out * load.total_per_output,
        unserved_tokens=unserved_out * load.total_per_output, utilisation=util, purchases=buys, residual=residual,
        staff_fte=staff_fte,
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


def _in_house(d: Deployment, s: Scenario, load: Load, sv: SiteValues, with_residual: bool = False) -> Flows:
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


def cloud_price_per_hour(d: Deployment, sv: SiteValues, plan: str | None = None,
                         option: CloudOption | None = None) -> tuple[Any, str]:
    """Instance price for a plan [USD/h] and where it comes from (``option``: in place of the deployment's)."""
    opt = option if option is not None else d.option
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
        f"on-demand x (1 - {float(np.mean(disc)):g} %) default discount; {sv.sources[key][0]}"


def cloud_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues, reserved: int | None = None,
                note: bool = True, option: CloudOption | None = None) -> Flows:
    """Flows of rented instances serving ``load``.

    ``reserved`` overrides the committed baseline; ``option`` replaces the deployment's option (a
    hybrid bills its parts with changed settings without touching the deployment); ``note`` adds the
    instance price to the returned assumptions.
    """
    opt = option if option is not None else d.option
    assert isinstance(opt, CloudOption) and d.cloud is not None and d.capacity is not None
    horizon = load.rate.shape[-2]
    goodput = sv["spot_interruption_goodput"] if opt.plan == "spot" else 1.0
    per_inst: Any = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s * goodput
    step = opt.scale_step_instances
    trend_c = trend(s.finance.cloud_price_change_pct_per_year, horizon)
    price, src = cloud_price_per_hour(d, sv, option=opt)
    noted = [Assumption(name=f"instance price ({opt.plan.replace('_', ' ')})", value=round(float(price), 4),
                        unit="USD/h", source=src, as_of=d.cloud.as_of)] if note and np.ndim(price) == 0 else []
    hours = load.hours
    peak_need = np.maximum(_need(load.peak, per_inst, opt.target_utilisation, step), opt.min_instances)
    month_hours = np.sum(hours, axis=-1)
    active_h = _active_hours(load)
    reserved_n = reserved if reserved is not None else opt.reserved_instances
    if opt.billing == "autoscaled" and load.shared_curve:
        # one curve for every month: bins sorted from the busiest down, so the first bin is the fleet
        assert load.mean is not None and load.rel is not None
        rel = load.rel.reshape(-1)
        h_vec = np.broadcast_to(hours.reshape(-1), rel.shape)
        per_bin = np.multiply((load.mean / (per_inst * opt.target_utilisation))[..., None], rel)
        per_bin -= 1e-9
        np.ceil(per_bin, out=per_bin)
        if step > 1:
            per_bin = np.ceil(per_bin / step - 1e-9) * step
        np.maximum(per_bin, 0.0, out=per_bin)
        if opt.min_instances:
            np.maximum(per_bin, np.where(rel > 0, float(opt.min_instances), 0.0), out=per_bin)
        per_bin[..., 0] = np.maximum(per_bin[..., 0], peak_need)  # the busiest bin holds the exact peak
        inst_hours = per_bin @ h_vec
        fleet = per_bin[..., 0].astype(np.int64)

        def above_hours(base: Any) -> Any:
            return np.maximum(per_bin - np.asarray(base, dtype=float)[..., None], 0.0) @ h_vec

    elif opt.billing == "autoscaled":
        per_inst_b = per_inst[..., None] if np.ndim(per_inst) else per_inst
        tu: Any = opt.target_utilisation
        util_b = tu if np.ndim(tu) == 0 else tu[..., None]
        per_bin = np.maximum(_need(load.rate, per_inst_b, util_b, step), np.where(load.active, opt.min_instances, 0))
        per_bin[..., 0] = np.maximum(per_bin[..., 0], peak_need)  # the busiest bin holds the exact peak
        inst_hours = np.sum(per_bin * hours, axis=-1)
        fleet = np.max(per_bin, axis=-1)

        def above_hours(base: Any) -> Any:
            return np.sum(np.maximum(per_bin - np.asarray(base)[..., None], 0) * hours, axis=-1)

    else:  # the peak fleet, every hour or every active hour: no per-bin arrays needed
        billed = month_hours if opt.billing == "always_on" else active_h
        inst_hours = peak_need * billed
        fleet = peak_need

        def above_hours(base: Any) -> Any:
            return np.maximum(peak_need - base, 0) * billed

    if opt.plan.startswith("reserved"):
        if reserved_n is None and opt.billing == "always_on":
            base: Any = peak_need
        elif reserved_n is not None:
            base = np.full(peak_need.shape, reserved_n)
        else:
            base = np.broadcast_to(peak_need[..., :1], peak_need.shape)  # month 1's peak fleet, committed
        od_price, _ = cloud_price_per_hour(d, sv, "on_demand", option=opt)
        compute = (base * month_hours * price + above_hours(base) * od_price) * trend_c
        fleet = np.maximum(base, fleet)
    else:
        compute = inst_hours * price * trend_c
    mean_inst = inst_hours / month_hours
    storage = mean_inst * opt.storage_gb * sv["storage_usd_per_gb_month"]
    egress = add(compute * 0.0, opt.egress_gb_per_month * sv["egress_usd_per_gb"])
    salary = sv["staff_loaded_usd_per_year"] / 12.0 * trend(s.finance.salary_growth_pct_per_year, horizon)
    fte = add(compute * 0.0, opt.staff_fte) if opt.staff_fte is not None \
        else fleet * 0.5 * sv["staff_fte_per_server"]
    staff = fte * salary
    cap_hours = inst_hours * per_inst  # output tokens/s x hours the fleet could carry
    util = np.where(cap_hours > 0, load.output_tokens / 3600.0 / np.where(cap_hours > 0, cap_hours, 1.0), 0.0)
    cats = {"compute": compute, "storage": storage, "egress": egress, "staff": staff}
    cats = {k: v for k, v in cats.items() if np.any(v)} or {"compute": compute}
    zeros = np.zeros(np.shape(compute))
    return Flows(cash=cats, amortised=dict(cats), upfront_usd=zeros[..., 0], units=fleet.astype(np.int64),
                 served_tokens=load.total_tokens + zeros, unserved_tokens=zeros, utilisation=util, assumptions=noted,
                 staff_fte=fte)


def api_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues) -> Flows:
    """Flows of a per-token API serving ``load``."""
    assert d.api is not None and isinstance(d.option, ApiOption)
    a, opt = d.api, d.option
    horizon = load.rate.shape[-2]
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
    zeros = np.zeros(_shape(*cats.values()))
    fte = zeros + (opt.staff_fte or 0.0)
    if opt.staff_fte:
        salary = sv["staff_loaded_usd_per_year"] / 12.0 * trend(s.finance.salary_growth_pct_per_year, horizon)
        cats["staff"] = fte * salary
    cats = {k: v for k, v in cats.items() if np.any(v)} or {"output_tokens": cats["output_tokens"]}
    return Flows(cash=cats, amortised=dict(cats), upfront_usd=zeros[..., 0], units=zeros.astype(np.int64),
                 served_tokens=load.total_tokens + zeros, unserved_tokens=zeros, staff_fte=fte)


def flows_for(d: Deployment, s: Scenario, load: Load, sv: SiteValues) -> Flows:
    """Monthly flows of one resolved, feasible deployment serving ``load`` on its own."""
    if isinstance(d.option, InHouseOption):
        return _in_house(d, s, load, sv)
    if isinstance(d.option, CloudOption):
        return cloud_flows(d, s, load, sv)
    return api_flows(d, s, load, sv)


def as_float_list(a: Any) -> list[float]:
    return [float(x) for x in np.asarray(a, dtype=float)]
