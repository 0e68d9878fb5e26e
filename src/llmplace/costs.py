"""Monthly cash flows by category for each deployment, in whole units of hardware.

Two views are produced side by side and always labelled:

* ``cash``: money leaving the business in the month it leaves (capex when bought, a residual or
  book-value credit when hardware leaves the fleet or the horizon ends);
* ``amortised``: capex spread as straight-line depreciation over the useful life.

Fleet cost and fleet capacity always describe the same fleet: the unit counts that set the cost
are the counts that set the capacity and the utilisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import catalog
from .demand import Demand
from .finance import straight_line
from .options import SCENARIO_SOURCE, Deployment, units_needed
from .scenario import ApiOption, CloudOption, InHouseOption, Scenario

__all__ = ["Flows", "flows_for", "SiteValues", "site_values"]

Array = NDArray[np.float64]


@dataclass
class Flows:
    """Cash and amortised monthly amounts per category (arrays of length = horizon)."""

    cash: dict[str, Array]
    amortised: dict[str, Array]
    upfront_usd: float
    units: NDArray[np.int64]
    served_tokens: Array
    utilisation: Array | None = None
    purchases: NDArray[np.int64] | None = None
    notes: list[str] = field(default_factory=list)

    def monthly(self, view: str = "cash") -> Array:
        cats = self.cash if view == "cash" else self.amortised
        return np.sum(list(cats.values()), axis=0) if cats else np.zeros_like(self.served_tokens)


@dataclass
class SiteValues:
    """Site and finance values after catalog defaults, each with its source."""

    values: dict[str, float]
    sources: dict[str, tuple[str, str | None]]

    def __getitem__(self, key: str) -> float:
        return self.values[key]


_SITE_KEYS: dict[str, tuple[str, str, str]] = {
    # scenario attribute path: (catalog key, unit, section)
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
_CATALOG_ONLY = {
    "reserved_1y_discount_pct": "%",
    "reserved_3y_discount_pct": "%",
    "spot_interruption_goodput": "ratio",
    "storage_usd_per_gb_month": "USD/GB/month",
    "egress_usd_per_gb": "USD/GB",
}


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


def _units(units: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.asarray(units, dtype=np.int64)


def _in_house(d: Deployment, s: Scenario, dem: Demand, sv: SiteValues) -> Flows:
    opt = d.option
    assert isinstance(opt, InHouseOption) and d.server is not None and d.capacity is not None
    srv = d.server
    horizon = len(dem.total_tokens)
    need = units_needed(dem.peak_output_tokens_per_s, d.capacity, opt.target_utilisation)
    if opt.servers is not None:
        fleet = np.full(horizon, opt.servers, dtype=np.int64)
    else:
        fleet = np.maximum.accumulate(np.maximum(need, 1)).astype(np.int64)  # servers are never sold early
    life_m = sv["useful_life_years"] * 12.0
    price = srv.purchase_usd
    residual = price * sv["residual_value_pct"] / 100.0
    setup = sv["setup_usd_per_server"]

    buys = np.diff(np.concatenate([[0], fleet])).clip(min=0)
    capex = np.zeros(horizon)
    credit = np.zeros(horizon)
    setup_cost = np.zeros(horizon)
    depreciation = np.zeros(horizon)
    # each purchase cohort is replaced at the end of its useful life (refresh) within the horizon
    cohorts: list[tuple[int, int]] = [(m, int(n)) for m, n in enumerate(buys) if n > 0]
    k = 0
    while k < len(cohorts):
        m0, n = cohorts[k]
        capex[m0] += n * price
        setup_cost[m0] += n * setup
        end = m0 + life_m
        last = min(horizon, int(np.ceil(end - 1e-9)))
        depreciation[m0:last] += n * straight_line(price + setup, residual, life_m)
        if end <= horizon - 1e-9:
            m_end = int(np.ceil(end - 1e-9))
            if m_end < horizon:
                credit[m_end] -= n * residual  # sold at its residual value ...
                cohorts.append((m_end, n))  # ... and replaced the same month
        elif s.finance.terminal_value == "book":
            age = horizon - m0
            book = price - (price - residual) * age / life_m
            credit[horizon - 1] -= n * book
        k += 1

    hours = dem.hours_per_month
    active = dem.active_hours_per_month
    capacity_out_per_s = fleet * d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    served = np.minimum(dem.output_tokens, capacity_out_per_s * active * 3600.0)
    util = np.clip(dem.average_output_tokens_per_s / capacity_out_per_s, 0.0, 1.0)
    idle_hours = 0.0 if opt.power_off_when_idle else hours - active
    kw_busy = srv.idle_power_kw + (srv.max_power_kw - srv.idle_power_kw) * util
    kwh = fleet * (kw_busy * active + srv.idle_power_kw * idle_hours)
    power = kwh * sv["pue"] * sv["electricity_usd_per_kwh"]
    if opt.hosting == "colocation":
        facility = fleet * srv.max_power_kw * sv["colocation_usd_per_kw_month"] + s.site.facility_usd_per_month
    else:
        facility = np.full(horizon, s.site.facility_usd_per_month)
    maintenance = fleet * price * sv["maintenance_pct_of_capex_per_year"] / 100.0 / 12.0
    fte = np.full(horizon, opt.staff_fte) if opt.staff_fte is not None else fleet * sv["staff_fte_per_server"]
    staff = fte * sv["staff_loaded_usd_per_year"] / 12.0
    run_hours = active if opt.power_off_when_idle else hours
    other = fleet * opt.opex_usd_per_hour * run_hours

    running = {"power": power, "facility": facility, "maintenance": maintenance, "staff": staff,
               "other_opex": other}
    cash = {"capex": capex, "setup": setup_cost, "residual_credit": credit, **running}
    amortised = {"depreciation": depreciation, **running}
    served_total = served / np.where(dem.output_tokens > 0, dem.output_tokens, 1.0) * dem.total_tokens
    notes = []
    if np.any(need > fleet):
        short = int(np.argmax(need > fleet)) + 1
        notes.append(f"demand needs {int(need.max())} servers; fixed fleet of {int(fleet[0])} falls short "
                     f"from month {short}")
    return Flows(cash={k: v for k, v in cash.items() if np.any(v)} or {"capex": capex},
                 amortised={k: v for k, v in amortised.items() if np.any(v)} or {"depreciation": depreciation},
                 upfront_usd=float(capex[0] + setup_cost[0]), units=_units(fleet),
                 served_tokens=served_total, utilisation=util, purchases=_units(buys), notes=notes)


def cloud_price_per_hour(d: Deployment, sv: SiteValues) -> tuple[float, str]:
    """Instance price for the option's plan [USD/h] and where it comes from."""
    opt = d.option
    assert isinstance(opt, CloudOption) and d.cloud is not None
    row = d.cloud
    if opt.usd_per_hour is not None and opt.instance is not None:
        return opt.usd_per_hour, SCENARIO_SOURCE
    if opt.instance is None:
        return row.on_demand_usd_per_hour, SCENARIO_SOURCE
    if opt.plan == "on_demand":
        return row.on_demand_usd_per_hour, row.source
    if opt.plan == "spot":
        if row.spot_usd_per_hour is None:
            return row.on_demand_usd_per_hour, f"{row.source} (no spot price listed: on-demand used)"
        return row.spot_usd_per_hour, row.source
    listed = row.reserved_1y_usd_per_hour if opt.plan == "reserved_1y" else row.reserved_3y_usd_per_hour
    if listed is not None:
        return listed, f"{row.reserved_basis or 'reserved price'}; {row.source}"
    key = "reserved_1y_discount_pct" if opt.plan == "reserved_1y" else "reserved_3y_discount_pct"
    disc = sv[key]
    src = sv.sources[key][0]
    return row.on_demand_usd_per_hour * (1 - disc / 100.0), f"on-demand x (1 - {disc:g} %) default discount; {src}"


def _cloud(d: Deployment, s: Scenario, dem: Demand, sv: SiteValues) -> Flows:
    opt = d.option
    assert isinstance(opt, CloudOption) and d.cloud is not None and d.capacity is not None
    horizon = len(dem.total_tokens)
    goodput = sv["spot_interruption_goodput"] if opt.plan == "spot" else 1.0
    need = units_needed(dem.peak_output_tokens_per_s, d.capacity, opt.target_utilisation, goodput)
    fleet = np.maximum(need, opt.min_instances).astype(np.int64)
    price, src = cloud_price_per_hour(d, sv)
    d.note(f"instance price ({opt.plan.replace('_', ' ')})", round(price, 4), "USD/h", src, d.cloud.as_of)
    billed = dem.hours_per_month if opt.billing == "always_on" else dem.active_hours_per_month
    compute = fleet * billed * price
    storage = fleet * opt.storage_gb * sv["storage_usd_per_gb_month"]
    egress = np.full(horizon, opt.egress_gb_per_month * sv["egress_usd_per_gb"])
    fte = np.full(horizon, opt.staff_fte) if opt.staff_fte is not None else fleet * 0.5 * sv["staff_fte_per_server"]
    staff = fte * sv["staff_loaded_usd_per_year"] / 12.0
    cap = fleet * d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s * goodput
    util = np.clip(dem.average_output_tokens_per_s / np.where(cap > 0, cap, 1.0), 0.0, 1.0)
    served_out = np.minimum(dem.output_tokens, cap * dem.active_hours_per_month * 3600.0)
    served = served_out / np.where(dem.output_tokens > 0, dem.output_tokens, 1.0) * dem.total_tokens
    cats = {"compute": compute, "storage": storage, "egress": egress, "staff": staff}
    cats = {k: v for k, v in cats.items() if np.any(v)} or {"compute": compute}
    return Flows(cash=cats, amortised=dict(cats), upfront_usd=0.0, units=_units(fleet), served_tokens=served,
                 utilisation=util)


def _api(d: Deployment, dem: Demand) -> Flows:
    assert d.api is not None
    a = d.api
    cached_price = a.cached_input_usd_per_mtok if a.cached_input_usd_per_mtok is not None else a.input_usd_per_mtok
    inp = (dem.input_tokens - dem.cached_input_tokens) * a.input_usd_per_mtok / 1e6
    cached = dem.cached_input_tokens * cached_price / 1e6
    out = dem.output_tokens * a.output_usd_per_mtok / 1e6
    opt = d.option
    staff = np.zeros_like(inp)
    if opt.staff_fte:
        staff += opt.staff_fte * catalog.site_default("sysadmin_loaded_usd_per_year") / 12.0
    cats = {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": out, "staff": staff}
    cats = {k: v for k, v in cats.items() if np.any(v)} or {"output_tokens": out}
    return Flows(cash=cats, amortised=dict(cats), upfront_usd=0.0, units=np.zeros(len(inp), dtype=np.int64),
                 served_tokens=dem.total_tokens.copy())


def flows_for(d: Deployment, s: Scenario, dem: Demand, sv: SiteValues) -> Flows:
    """Monthly flows of one resolved, feasible deployment."""
    if isinstance(d.option, InHouseOption):
        return _in_house(d, s, dem, sv)
    if isinstance(d.option, CloudOption):
        return _cloud(d, s, dem, sv)
    assert isinstance(d.option, ApiOption)
    return _api(d, dem)


def as_float_list(a: Any) -> list[float]:
    return [float(x) for x in np.asarray(a, dtype=float)]
