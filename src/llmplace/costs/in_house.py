"""Owned servers: procurement plan, purchases and refresh, sale at market prices, power, facility, maintenance,
staff, lease (charged in full when it outlives the horizon)."""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..demand import Load
from ..finance import straight_line
from ..options import Deployment
from ..results import Assumption
from ..scenario import InHouseOption, Scenario
from ..site import RESALE_AGES_MONTHS, SiteValues
from .flows import (
    COMMITMENT_REMAINING,
    Flows,
    _active_hours,
    _col,
    _need,
    _shape,
    add,
    lead_months,
    terminal_commitment,
    trend_of,
    warmup_hours,
)
from .lines import (
    gpu_replacements_usd,
    in_house_notes,
    in_warranty,
    licence_exempt,
    maintenance_usd,
    software_licences_usd,
)
from .staff import Staff, staff_for, staff_note

__all__ = ["in_house_fleet", "in_house_flows", "in_house_planned", "lead_time", "planned_fleet"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


def planned_fleet(need: IntArray, need_with_headroom: IntArray, planning: str, lead: int) -> IntArray:
    """Servers in service each month under a procurement plan (never sold early).

    The first servers are ordered at the start of month 1 and serve from month ``lead + 1``; before
    that the fleet is empty. ``forecast``: later orders are placed ``lead`` months ahead from the
    forecast, so servers arrive when needed. ``reactive``: the first order carries month 1's peak
    (plus headroom); at the start of each month the planner compares the month's known peak (plus
    headroom) with the servers installed or on order and orders the difference, which arrives
    ``lead`` months later; until then the excess demand goes unserved. Orders that would arrive after
    the horizon are left out. Arrays may carry a leading sample axis; months are the last axis.
    """
    horizon = need.shape[-1]
    if planning == "forecast":  # at least one server from the first month with load (none before it)
        started = np.maximum.accumulate(need > 0, axis=-1)
        fleet = np.maximum.accumulate(np.where(started, np.maximum(need, 1), 0), axis=-1).astype(np.int64)
        fleet[..., :lead] = 0
        return fleet
    fleet = np.zeros(need.shape, dtype=np.int64)
    arrivals = np.zeros(need.shape[:-1] + (horizon + lead + 1,), dtype=np.int64)
    arrivals[..., lead] = np.maximum(need_with_headroom[..., 0], 1)  # the first order, placed at the start
    installed = np.zeros(need.shape[:-1], dtype=np.int64)
    on_order = arrivals[..., lead].copy()
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


class _Cohorts:
    """Monthly series of an owned fleet's cohorts: purchases (or leases), setup, sale credits, depreciation.

    A cohort is bought (or leased) at the start of month ``m0`` and retired at the end of its useful
    life, when a replacement is bought (refresh); a lease runs for the useful life.
    """

    def __init__(self, shape: tuple[int, ...], life_m: float, sv: SiteValues) -> None:
        self.horizon, self.life_m, self.sv = shape[-1], life_m, sv
        self.full = int(np.floor(life_m + 1e-9))
        self.part = life_m - self.full  # a life of 13.2 months: 13 full months and 0.2 of the 14th
        self.series = {k: np.zeros(shape) for k in _OWNERSHIP}
        self.after = np.zeros(shape[:-1] + (self.full + 1,))  # lease payments due after the horizon

    def spread(self, key: str, m0: int, amount: Any, owed_after: bool = False) -> None:
        """Book ``amount`` a month over the life from month ``m0`` (the partial month pro rata); with
        ``owed_after`` the months past the horizon go to :attr:`after`."""
        h, end, series = self.horizon, m0 + self.full, self.series[key]
        series[..., m0:min(h, end)] += amount
        if owed_after and end > h:
            self.after[..., max(m0, h) - h:end - h] += amount
        if self.part > 1e-9 and end < h:
            series[..., end:end + 1] += amount * self.part
        elif self.part > 1e-9 and owed_after:
            self.after[..., end - h:end - h + 1] += amount * self.part

    def sell(self, how: str, n: Array, price: Array, residual: Array, m0: int, m_end: int) -> None:
        """Credit a bought cohort leaving the fleet: retired at refresh (``m_end``) or still owned at the horizon.

        ``none``: no credit. ``resale``: the market resale curve at its age, as ``resale_proceeds``.
        ``book``: ``residual`` at refresh, straight-line book value at the horizon, as ``residual_credit``.
        """
        h = self.horizon
        if how == "none":
            return
        month = m_end if m_end < h else h - 1
        if how == "resale":
            age = min(m_end, h) - m0
            self.series["resale_proceeds"][..., month:month + 1] -= n * price * self.sv.resale_pct(age) / 100.0
            return
        used = min(1.0, (h - m0) / self.life_m)
        value = residual if m_end < h else price - (price - residual) * used
        self.series["residual_credit"][..., month:month + 1] -= n * value


def _months_with_any(units: IntArray) -> list[int]:
    """The months (last axis) in which any sample has units, as a sorted list (a valid min-heap)."""
    lead_axes = tuple(range(units.ndim - 1))
    return [int(m) for m in np.flatnonzero(np.any(units != 0, axis=lead_axes))]


_OWNERSHIP = ("capex", "network_storage", "setup", "residual_credit", "resale_proceeds", "depreciation", "lease")


def _ownership(d: Deployment, s: Scenario, sv: SiteValues, owned: IntArray, lead: int
               ) -> tuple[dict[str, Array], IntArray, Array, Array]:
    """Purchases, setup, refresh at the end of the useful life, sale credits, depreciation or lease payments.

    Returns the series by category (capex, network_storage, setup, residual_credit, resale_proceeds,
    depreciation, lease), the servers ordered each month, the lease payments owed after the horizon and
    the servers entering service each month (new or replacing a retired cohort). A server is paid when
    it is ordered, ``lead`` months before it enters service (at that month's price); setup, depreciation
    and a lease start when it enters service. Each cohort is replaced at the end of its useful life (the
    replacement ordered ahead so that it serves from then); what a retired cohort, or one still owned
    at the horizon, brings back follows ``finance.terminal_value`` (see :meth:`_Cohorts.sell`).
    """
    opt, srv, fin = d.option, d.server, s.finance
    assert isinstance(opt, InHouseOption) and srv is not None
    horizon = owned.shape[-1]
    life_m = float(sv["useful_life_years"]) * 12.0
    hw = trend_of(sv, sv["hardware_price_change_pct_per_year"], horizon)
    residual_pct = sv["residual_value_pct"] / 100.0
    setup = setup_per_server(srv.max_power_kw, sv)
    network_share = sv["network_storage_pct_of_server_price"] / 100.0
    buys = np.diff(owned, axis=-1, prepend=0).clip(min=0).astype(np.int64)
    shape = _shape(buys, hw, np.asarray(srv.purchase_usd, dtype=float), np.asarray(residual_pct, dtype=float),
                   np.asarray(setup, dtype=float))
    c = _Cohorts(shape, life_m, sv)
    leasing = opt.acquisition == "lease"
    lease_rate = (1 + opt.lease_rate_pct_per_year / 100.0) ** (1 / 12) - 1
    cohorts = np.broadcast_to(buys, shape).astype(float).copy()  # purchases plus refresh replacements
    due = _months_with_any(buys)  # the months a cohort enters service: purchases, then each refresh (a min-heap)
    while due:  # each cohort is replaced at the end of its useful life (refresh)
        m0 = heapq.heappop(due)
        n = _col(cohorts, m0)
        if (due and due[0] == m0) or not n.any():
            continue
        ordered = max(m0 - lead, 0)
        price = srv.purchase_usd * _col(hw, ordered)
        residual = price * residual_pct
        c.series["setup"][..., m0:m0 + 1] += n * setup
        c.series["network_storage"][..., ordered:ordered + 1] += n * price * network_share
        if leasing:
            pay = price * lease_rate / (1 - (1 + lease_rate) ** -life_m) if lease_rate > 0 else price / life_m
            c.spread("lease", m0, n * pay, owed_after=True)
        else:
            c.series["capex"][..., ordered:ordered + 1] += n * price
            c.spread("depreciation", m0, n * straight_line(price * (1 + network_share) + setup, residual, life_m))
        m_end = int(np.ceil(m0 + life_m - 1e-9))  # the month the cohort is retired and replaced
        if m_end < horizon:
            cohorts[..., m_end:m_end + 1] += n
            heapq.heappush(due, m_end)
        if not leasing:
            c.sell(fin.terminal_value, n, price, residual, m0, m_end)
    orders = np.zeros_like(buys)  # servers ordered (and paid) each month
    if lead < horizon:
        orders[..., :horizon - lead] = buys[..., lead:]
    return c.series, orders, c.after, cohorts


def setup_per_server(max_power_kw: Any, sv: SiteValues) -> Any:
    """Installation of one server [USD]: the scenario's flat amount, else ``setup_usd_per_kw`` x its max power."""
    flat = sv.values.get("setup_usd_per_server")
    return flat if flat is not None else sv["setup_usd_per_kw"] * max_power_kw


def _upkeep(d: Deployment, sv: SiteValues, owned: IntArray, entries: Array) -> dict[str, Array]:
    """Maintenance once each server's included warranty ends, GPUs replaced when they fail out of warranty, and
    per-GPU software subscriptions (less those bundled with the GPUs), per month [USD]."""
    srv = d.server
    assert srv is not None
    covered = in_warranty(entries, sv["hardware_warranty_years"])
    bundled = in_warranty(entries, licence_exempt(srv.gpu)) if licence_exempt(srv.gpu) else 0.0 * covered
    price = srv.purchase_usd
    return {
        "maintenance": maintenance_usd(owned, covered, price, sv["maintenance_pct_of_capex_per_year"]),
        "gpu_replacements": gpu_replacements_usd(owned, covered, srv.gpu_count, price,
                                                 sv["gpu_share_of_server_price_pct"], sv["gpu_annual_failure_rate"]),
        "software_licences": software_licences_usd(owned, bundled, srv.gpu_count,
                                                   sv["software_licence_usd_per_gpu_year"]),
    }


def _running(d: Deployment, s: Scenario, load: Load, sv: SiteValues, owned: IntArray, serving: Array,
             served_rh: Array, entries: Array) -> tuple[dict[str, Array], Staff]:
    """Power (idle draw plus the load-proportional part, standby servers idle), facility, maintenance, staff and
    other running costs per month, and the staff charged (the in-house team while servers are owned, and the
    variable part for the GPUs owned)."""
    opt, srv, fin = d.option, d.server, s.finance
    assert isinstance(opt, InHouseOption) and srv is not None and d.capacity is not None
    horizon = owned.shape[-1]
    per_server = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    capacity = serving * per_server
    idle_kw, max_kw = srv.idle_power_kw, srv.max_power_kw
    powered_h = _powered_hours(opt, load, sv)
    # energy of the serving fleet: idle draw in every powered hour plus the load-proportional part
    kwh_serving = serving * (idle_kw * powered_h) + (max_kw - idle_kw) * np.where(capacity > 0, served_rh, 0.0) \
        / per_server
    kwh_standby = idle_kw * powered_h * (owned - serving)
    elec = sv["electricity_usd_per_kwh"] * trend_of(sv, fin.electricity_price_change_pct_per_year, horizon)
    power = (kwh_serving + kwh_standby) * sv["pue"] * elec
    in_use = owned > 0
    if opt.hosting == "colocation":
        facility = owned * max_kw * sv["colocation_usd_per_kw_month"] + s.site.facility_usd_per_month * in_use
    else:
        facility = add(owned * 0.0, s.site.facility_usd_per_month) * in_use
    team = staff_for("in_house", owned * srv.gpu_count, in_use, opt.staff_fte, s, sv, horizon)
    return {"power": power, "facility": facility, **_upkeep(d, sv, owned, entries), "staff": team.usd(),
            "other_opex": owned * opt.opex_usd_per_hour * powered_h}, team


def _powered_hours(opt: InHouseOption, load: Load, sv: SiteValues) -> Array:
    """Hours a month each server is on: every hour, or with ``power_off_when_idle`` the hours with load plus a
    warm-up (boot, model load) at idle power each time an idle period ends."""
    if not opt.power_off_when_idle:
        return np.asarray(np.sum(load.hours, axis=-1), dtype=float)
    warm, _, _ = warmup_hours(opt, sv)
    idle_ends = load.rises.from_idle() if load.rises is not None else 0.0
    return np.asarray(_active_hours(load) + warm * idle_ends, dtype=float)


def in_house_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues, fleet: IntArray,
                   with_residual: bool = False, residual: bool = True, shared: bool = False) -> Flows:
    """Flows of an owned fleet (``fleet[..., m]`` serving servers) that serves ``load`` as far as it can.

    No server serves before the first delivery (month ``lead + 1``, see :func:`lead_time`): the fleet is
    empty until then.
    With ``with_residual`` (the base of a hybrid) the fleet carries at most ``target_utilisation`` of its
    capacity, as the pure option plans it, and the load above that is returned as ``Flows.residual`` for
    the overflow (``residual=False``: capped the same way, without building the load above the cap).
    A pure fleet that falls short carries up to its full capacity and reports the rest unserved.
    ``shared``: the load this fleet serves and the load above it are looked up in the load's memo (the pure
    option, whose copies at other prices carry the same capacity; not a hybrid's search over base sizes, whose
    sizes each carry another and would only fill the memo).
    """
    opt = d.option
    assert isinstance(opt, InHouseOption) and d.server is not None and d.capacity is not None
    _, lead, _ = lead_time(opt, sv)
    fleet = np.array(fleet, dtype=np.int64)
    fleet[..., :lead] = 0
    per_server = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    serving = fleet.astype(float)
    owned = ((fleet + (1 if opt.n_plus_one else 0)) * (2 if opt.second_site else 1)).astype(np.int64)
    owned[fleet == 0] = 0
    own, orders, after, entries = _ownership(d, s, sv, owned, lead)
    capacity = serving * per_server
    carried = capacity * opt.target_utilisation if with_residual else capacity  # what the fleet may carry
    served_rh = _from_load(load, "served", carried, shared)  # output tokens/s x hours actually served
    active_h = _active_hours(load)
    util = np.where(capacity > 0, served_rh / np.where(capacity > 0, capacity, 1.0), 0.0) \
        / np.where(active_h > 0, active_h, 1.0)
    running, team = _running(d, s, load, sv, owned, serving, served_rh, entries)
    running["lease"] = own["lease"]
    cash = {k: own[k] for k in ("capex", "network_storage", "setup", "residual_credit", "resale_proceeds")} | running
    owed = bool(np.any(after))
    if owed:  # lease payments still due after the horizon: charged in full in the last month
        cash[COMMITMENT_REMAINING] = terminal_commitment(after, owned.shape[-1])
    amortised = {"depreciation": own["depreciation"], **running}
    if opt.acquisition == "lease":  # nothing to depreciate: setup counts when it is paid in both views
        amortised["setup"] = own["setup"]
        amortised["network_storage"] = own["network_storage"]
    served_out = served_rh * 3600.0
    return Flows(
        cash={k: v for k, v in cash.items() if np.any(v)} or {"capex": own["capex"]},
        amortised={k: v for k, v in amortised.items() if np.any(v)} or {"depreciation": own["depreciation"]},
        upfront_usd=own["capex"][..., 0] + own["network_storage"][..., 0] + own["setup"][..., 0],
        units=owned, served_tokens=served_out * load.total_per_output,
        unserved_tokens=np.maximum(load.output_tokens - served_out, 0.0) * load.total_per_output,
        utilisation=util, purchases=orders,
        residual=_from_load(load, "above", carried, shared) if with_residual and residual else None,
        staff_fte=team.fte(), staff=team, after_horizon=after if owed else None, first_service=lead,
        assumptions=[*_cash_view_rows(s, sv, after, opt.acquisition == "lease"),
                     staff_note("in_house", sv, opt.staff_fte),
                     *in_house_notes(sv, d.server.gpu, setup_per_server(d.server.max_power_kw, sv),
                                     d.server.max_power_kw)],
    )


def _from_load(load: Load, what: str, carried: Array, shared: bool) -> Any:
    """The output-token hours a fleet carrying ``carried`` [tokens/s] a month serves of ``load`` (``served``), or
    the load above it (``above``); with ``shared``, once per load and capacity (:mod:`llmplace.memo`): the same
    for every option whose fleet carries the same capacity, such as the same servers at other prices."""
    def compute() -> Any:
        return load.served_rate_hours(carried) if what == "served" else load.above(carried)

    return load.memo.get(what, (carried,), compute) if shared else compute()


def _cash_view_rows(s: Scenario, sv: SiteValues, after: Array, leasing: bool) -> list[Assumption]:
    """What the cash view counts for the servers when they leave the fleet, or a lease that outlives the horizon."""
    name = "cash view: hardware at refresh and at the horizon"
    how = s.finance.terminal_value
    if leasing:
        owed = float(np.mean(np.sum(after, axis=-1)))
        return [Assumption(name="cash view: commitment after the horizon", value=round(owed, 2), unit=sv.currency,
                           source="lease payments still owed for the rest of each lease term (the useful life), "
                                  "charged in the last month; NPV discounts each payment when it falls due")]
    if how == "resale":
        key = f"resale_pct_at_{RESALE_AGES_MONTHS[0]}_months"
        curve = ", ".join(f"{float(sv[f'resale_pct_at_{a}_months']):g} % at {a} months" for a in RESALE_AGES_MONTHS)
        return [Assumption(name=name, value=f"sold at the market resale curve by age ({curve} of the purchase "
                                            "price): resale_proceeds", unit="", source=sv.sources[key][0],
                           as_of=sv.sources[key][1])]
    if how == "book":
        return [Assumption(name=name, value="straight-line book value at the horizon and residual_value_pct at "
                                            "refresh: residual_credit (a non-cash convention, not a sale)",
                           unit="", source="finance.terminal_value: book")]
    return [Assumption(name=name, value="no sale: servers retired at refresh or still owned at the horizon are "
                                        "credited nothing", unit="",
                       source="finance.terminal_value: none (default; resale sells them at the catalog's market "
                              "resale curve)")]


def lead_time(opt: InHouseOption, sv: SiteValues) -> tuple[float, int, str]:
    """Procurement lead time [weeks], the whole months before the first servers serve, and the source."""
    if opt.lead_time_weeks is not None:
        return float(opt.lead_time_weeks), lead_months(opt.lead_time_weeks), "lead_time_weeks in the scenario"
    weeks = float(sv["procurement_lead_time_weeks"])
    as_of = sv.sources["procurement_lead_time_weeks"][1]
    return weeks, lead_months(weeks), f"site.csv procurement_lead_time_weeks ({as_of})"


def in_house_fleet(d: Deployment, s: Scenario, load: Load, sv: SiteValues) -> tuple[IntArray, IntArray, float, int]:
    """The fleet the option's procurement plan puts in service, the fleet the load needs, and the lead time."""
    opt = d.option
    assert isinstance(opt, InHouseOption) and d.capacity is not None
    per_server = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    need = _need(load.peak, per_server, opt.target_utilisation)
    weeks, lead, _ = lead_time(opt, sv)
    if opt.servers is not None:
        fleet = np.full(need.shape, opt.servers, dtype=np.int64)
        fleet[..., :lead] = 0
        return fleet, need, weeks, lead
    headroom = _need(load.peak * (1 + opt.headroom_pct / 100.0), per_server, opt.target_utilisation)
    return planned_fleet(need, headroom, opt.planning, lead), need, weeks, lead


def in_house_planned(d: Deployment, s: Scenario, load: Load, sv: SiteValues, with_residual: bool = False,
                     residual: bool = True, fleet: IntArray | None = None, shared: bool = False) -> Flows:
    """Flows of the fleet the option's own procurement plan puts in service (notes where it falls short after the
    first delivery, and when the first servers serve); ``with_residual``, ``residual`` and ``shared`` as in
    :func:`in_house_flows`.

    ``fleet`` (servers in service each month) replaces the plan: the fleet bought on the forecast, run against a
    sampled ``load`` that may need more (a shortfall) or less (idle servers, still paid).
    """
    opt = d.option
    assert isinstance(opt, InHouseOption)
    if fleet is None:
        fleet, need, weeks, lead = in_house_fleet(d, s, load, sv)
    else:
        assert d.capacity is not None
        need = _need(load.peak, d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s, opt.target_utilisation)
        weeks, lead, _ = lead_time(opt, sv)
    f = in_house_flows(d, s, load, sv, fleet, with_residual, residual, shared)
    short = (need > fleet)[..., lead:]
    if need.ndim == 1 and np.any(short):
        first = int(np.argmax(short)) + lead + 1
        why = f"fixed at {opt.servers} servers" if opt.servers is not None else \
            f"{opt.planning} planning with a {weeks:g}-week lead time ({lead} months)"
        f.notes.append(f"peak demand needs {int(need.max())} servers; the fleet falls short from month {first} "
                       f"({why})")
    return f
