"""Rented instances: plan prices, always-on, active-hours or autoscaled billing, reserved commitments (charged
for their whole term, also past the horizon)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..conventions import SCENARIO_SOURCE, whole_units_float
from ..demand import Load
from ..options import Deployment
from ..results import Assumption
from ..scenario import CloudOption, Scenario
from ..site import SiteValues
from .flows import (
    COMMITMENT_REMAINING,
    Flows,
    _active_hours,
    _need,
    add,
    live_months,
    terminal_commitment,
    trend_of,
    warmup_hours,
)
from .lines import cloud_support_usd, support_note
from .staff import staff_for, staff_note

__all__ = ["RESERVATION_TERM_MONTHS", "FleetPlan", "InstanceNeed", "cloud_flows", "cloud_price_per_hour",
           "commitment_left_usd", "committed_instances", "fleet_plan", "instance_flows", "instance_starts", "kept_warm"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: the term each reserved plan commits an instance for [months]
RESERVATION_TERM_MONTHS = {"reserved_1y": 12, "reserved_3y": 36}


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


def kept_warm(min_instances: int, peak: Any) -> IntArray:
    """The minimum fleet kept running each month, (..., months): ``min_instances`` in the months the service is
    live (:func:`~llmplace.costs.flows.live_months`: from its first month with load to the end of the horizon,
    quiet months included), none before its first month with load."""
    return np.asarray(min_instances * live_months(peak), dtype=np.int64)


def _per_bin(opt: CloudOption, load: Load, per_inst: Any, peak_need: IntArray, kept: IntArray) -> Array:
    """Instances running in each bin of the load-duration curve, (..., months, bins), as whole units in floats:
    each bin's load at the target utilisation, at least ``kept`` (the month's minimum fleet) in each hour the
    load's shape has load; the busiest bin holds the exact peak."""
    step = opt.scale_step_instances
    if load.shared_curve:  # one curve for every month: bins sorted from the busiest down
        assert load.mean is not None and load.rel is not None
        rel = load.rel.reshape(-1)
        per_bin = np.multiply((load.mean / (per_inst * opt.target_utilisation))[..., None], rel)
        per_bin -= 1e-9
        np.ceil(per_bin, out=per_bin)
        if step > 1:
            per_bin = np.ceil(per_bin / step - 1e-9) * step
        np.maximum(per_bin, 0.0, out=per_bin)
        active: Any = rel > 0
    else:
        per_inst_b = per_inst[..., None] if np.ndim(per_inst) else per_inst
        tu: Any = opt.target_utilisation
        util_b = tu if np.ndim(tu) == 0 else tu[..., None]
        # no bin exceeds the month's peak, whose fleet was checked in range: whole units as floats, in place
        per_bin = whole_units_float(load.rate / (per_inst_b * util_b), step, in_place=True)
        active = load.active
    if opt.min_instances:
        np.maximum(per_bin, np.where(active, kept[..., None].astype(float), 0.0), out=per_bin)
    per_bin[..., 0] = np.maximum(per_bin[..., 0], peak_need)  # the busiest bin holds the exact peak
    return per_bin


def _billed(opt: CloudOption, load: Load, per_inst: Any, peak_need: IntArray, kept: IntArray
            ) -> tuple[Array, Any, Callable[[Load, Any], Any]]:
    """Instance-hours billed each month, the fleet at the busiest hour, and the instance-hours above a base (a
    function of the load and the base, so that a result kept in the load's memo holds no reference to the load).

    ``autoscaled``: the fleet follows each bin of the load-duration curve (:func:`_per_bin`);
    ``always_on`` / ``active_hours``: the peak fleet every hour or every active hour. The instance-hours above a
    base build the bins again when asked (only a reserved plan asks), so that no (months x bins) array is kept.
    """
    hours = load.hours
    if opt.billing == "autoscaled" and load.shared_curve:
        assert load.rel is not None
        h_vec = np.broadcast_to(hours.reshape(-1), load.rel.reshape(-1).shape)
        per_bin = _per_bin(opt, load, per_inst, peak_need, kept)
        inst_hours = per_bin @ h_vec
        fleet = per_bin[..., 0].astype(np.int64)

        def above_hours(of: Load, base: Any) -> Any:
            bins = _per_bin(opt, of, per_inst, peak_need, kept)
            return np.maximum(bins - np.asarray(base, dtype=float)[..., None], 0.0) @ h_vec

    elif opt.billing == "autoscaled":
        per_bin = _per_bin(opt, load, per_inst, peak_need, kept)
        inst_hours = np.einsum("...b,...b->...", per_bin, np.broadcast_to(hours, per_bin.shape))
        fleet = np.max(per_bin, axis=-1).astype(np.int64)

        def above_hours(of: Load, base: Any) -> Any:
            bins = _per_bin(opt, of, per_inst, peak_need, kept)
            return np.sum(np.maximum(bins - np.asarray(base)[..., None], 0) * hours, axis=-1)

    else:  # the peak fleet, every hour or every active hour: no per-bin arrays needed
        billed = np.sum(hours, axis=-1) if opt.billing == "always_on" else _active_hours(load)
        inst_hours = peak_need * billed
        fleet = peak_need

        def above_hours(of: Load, base: Any) -> Any:
            return np.maximum(peak_need - base, 0) * billed

    return inst_hours, fleet, above_hours


@dataclass(frozen=True)
class FleetPlan:
    """What a rented fleet following ``load`` runs, whatever it is paid: the minimum kept warm and the peak need
    each month, instance-hours billed before warm-ups, the fleet at the busiest hour, the instance-hours above a
    base (given the load again: nothing here refers to the load, whose memo keeps it), and the instances started
    (above a base; ``started``: all of them). It depends on the load, the capacity per instance and the fleet
    policy alone (:func:`fleet_plan`), never on a price."""

    kept: IntArray
    peak_need: IntArray
    inst_hours: Array
    fleet: Array
    above_hours: Callable[[Load, Any], Any]
    starts: Callable[[Any], Array]
    started: Array


def fleet_plan(opt: CloudOption, load: Load, per_inst: Any) -> FleetPlan:
    """The :class:`FleetPlan` of ``opt``'s fleet serving ``load`` at ``per_inst`` output tokens/s an instance,
    computed once per load for each distinct capacity and fleet policy (billing, target utilisation, scale step,
    minimum fleet) and shared by the options that have them (the same instance at other prices, plans or
    providers): see :mod:`llmplace.memo`."""
    def compute() -> FleetPlan:
        kept = kept_warm(opt.min_instances, load.peak)
        peak_need = np.maximum(_need(load.peak, per_inst, opt.target_utilisation, opt.scale_step_instances), kept)
        inst_hours, fleet, above_hours = _billed(opt, load, per_inst, peak_need, kept)
        starts = instance_starts(opt, load, per_inst, peak_need)
        return FleetPlan(kept=kept, peak_need=peak_need, inst_hours=inst_hours, fleet=fleet,
                         above_hours=above_hours, starts=starts, started=starts(0))

    policy = (opt.billing, opt.target_utilisation, opt.scale_step_instances, opt.min_instances)
    return load.memo.get("cloud fleet", (per_inst, *policy), compute)


def committed_instances(need: Any, term: int) -> tuple[Array, Array]:
    """Instances under commitment each month, and those still committed in each month after the horizon.

    Each month the instances ``need`` asks for beyond those already committed are reserved for ``term``
    months from that month; a reservation that expires while still needed is renewed for a whole term.
    A commitment runs its term even when the need falls. Months are the last axis of ``need``; the
    second array covers months H+1 .. H+term.
    """
    need = np.asarray(need, dtype=float)
    horizon = need.shape[-1]
    expiring = np.zeros(need.shape[:-1] + (horizon + term,))  # instances whose term ends before month m
    active = np.zeros(need.shape[:-1])
    committed = np.zeros(need.shape)
    for m in range(horizon):
        active = active - expiring[..., m]
        new = np.maximum(need[..., m] - active, 0.0)
        active = active + new
        expiring[..., m + term] += new
        committed[..., m] = active
    after = active[..., None] - np.cumsum(expiring[..., horizon:], axis=-1)
    return committed, np.maximum(after, 0.0)


def _reserved(d: Deployment, sv: SiteValues, opt: CloudOption, base: Any, month_hours: Array, price: Any,
              trend_c: Array, above_hours: Callable[[Any], Any]) -> tuple[Array, Array, Array]:
    """Reserved plan: compute of the committed instances (on-demand above them), the committed fleet and the
    payments the commitments still owe after the horizon (at the last month's rate, one month each)."""
    committed, after_n = committed_instances(base, RESERVATION_TERM_MONTHS[opt.plan])
    od_price, _ = cloud_price_per_hour(d, sv, "on_demand", option=opt)
    compute = (committed * month_hours * price + above_hours(committed) * od_price) * trend_c
    last_rate = np.asarray(price * month_hours[..., -1:] * trend_c[..., -1:], dtype=float)
    return compute, committed, after_n * last_rate


def _committed_base(opt: CloudOption, peak_need: Any, reserved_n: int | None) -> Any:
    """The instances a reserved plan commits to each month: its peak need (always on), a fixed count, or the peak
    fleet of its launch month (the first it needs instances, month 1 for a service live from the start), committed
    from that month to the end of the horizon (none before; a quiet end of the horizon is an off-season, not a
    retirement: the scenario has no end of service)."""
    if reserved_n is None and opt.billing == "always_on":
        return peak_need
    if reserved_n is not None:
        return np.full(np.shape(peak_need), reserved_n)
    need = np.asarray(peak_need)
    launch = np.argmax(need > 0, axis=-1)[..., None]  # 0 when it never needs any: nothing committed then
    return np.take_along_axis(need, launch, axis=-1) * live_months(need)


def commitment_left_usd(d: Deployment, load: Load, sv: SiteValues, leave: Any) -> Array:
    """What a reserved option's reservations still cost, month by month, once it stops serving at month ``leave``
    (0-based, the first month it no longer serves): each reservation made before then runs its whole term
    (nothing is renewed or newly reserved after it), billed each month at the plan's rate as
    :func:`cloud_flows` bills it; the months after the horizon are summed into the last month. Compute only:
    the staff and support plan of idle reservations are not charged. (..., months), zero before ``leave``; an
    array of months gives one row per month on a leading axis (a point load)."""
    opt = d.option
    assert isinstance(opt, CloudOption) and opt.plan in RESERVATION_TERM_MONTHS and d.capacity is not None
    horizon = load.rate.shape[-2]
    per_inst: Any = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s
    peak_need = np.maximum(_need(load.peak, per_inst, opt.target_utilisation, opt.scale_step_instances),
                           kept_warm(opt.min_instances, load.peak))
    months = np.arange(horizon)
    leave = np.asarray(leave)[..., None] if np.ndim(leave) else leave
    need = np.where(months < leave, _committed_base(opt, peak_need, opt.reserved_instances), 0.0)
    committed, after_n = committed_instances(need, RESERVATION_TERM_MONTHS[opt.plan])
    price, _ = cloud_price_per_hour(d, sv, option=opt)
    trend_c = trend_of(sv, sv["cloud_price_change_pct_per_year"], horizon)
    month_hours = np.sum(load.hours, axis=-1)
    owed = committed * month_hours * price * trend_c * (months >= leave)
    last_rate = np.asarray(price * month_hours[..., -1:] * trend_c[..., -1:], dtype=float)
    return np.asarray(owed + terminal_commitment(after_n * last_rate, horizon), dtype=float)


def _price_row(opt: CloudOption, price: float, source: str, as_of: str, currency: str) -> Assumption:
    return Assumption(name=f"instance price ({opt.plan.replace('_', ' ')})", value=round(price, 4),
                      unit=f"{currency}/h", source=source, as_of=as_of)


@dataclass(frozen=True)
class InstanceNeed:
    """The instances a rented fleet runs, however they were counted (one workload's load, or replicas of several
    workloads packed into shared instances): billed instance-hours each month [h] (warm-up included), the fleet
    at the busiest hour, the peak need before commitments, the instance-hours above a committed base, the hours
    in each month [h], output tokens the fleet could carry [tokens/s x h] and the tokens it serves a month."""

    inst_hours: Array
    fleet: Array
    peak_need: IntArray
    above_hours: Callable[[Any], Any]
    month_hours: Array
    capacity_token_hours: Array
    output_tokens: Array
    served_tokens: Array


def cloud_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues, reserved: int | None = None,
                note: bool = True, option: CloudOption | None = None) -> Flows:
    """Flows of rented instances serving ``load``.

    ``reserved`` overrides the committed baseline; ``option`` replaces the deployment's option (a
    hybrid bills its parts with changed settings without touching the deployment); ``note`` adds the
    instance price to the returned assumptions.
    """
    opt = option if option is not None else d.option
    assert isinstance(opt, CloudOption) and d.cloud is not None and d.capacity is not None
    goodput = sv["spot_interruption_goodput"] if opt.plan == "spot" else 1.0
    per_inst: Any = d.capacity.replicas_per_unit * d.capacity.output_tokens_per_s * goodput
    plan = fleet_plan(opt, load, per_inst)
    inst_hours, above_hours, warm_rows = _warm_up(opt, sv, plan, load)
    need = InstanceNeed(inst_hours=inst_hours, fleet=plan.fleet, peak_need=plan.peak_need, above_hours=above_hours,
                        month_hours=np.sum(load.hours, axis=-1), capacity_token_hours=inst_hours * per_inst,
                        output_tokens=load.output_tokens, served_tokens=load.total_tokens)
    rows = warm_rows + (_kept_note(opt.min_instances, load.peak) if note else [])
    return instance_flows(d, s, sv, need, reserved=reserved, note=note, option=opt, extra_notes=rows)


def instance_flows(d: Deployment, s: Scenario, sv: SiteValues, need: InstanceNeed, reserved: int | None = None,
                   note: bool = True, option: CloudOption | None = None,
                   extra_notes: list[Assumption] | None = None) -> Flows:
    """Flows of the rented fleet ``need`` describes, at the option's plan: compute (reserved commitments for
    their whole term, on-demand above them), storage, egress, the support plan and the cloud team."""
    opt = option if option is not None else d.option
    assert isinstance(opt, CloudOption) and d.cloud is not None
    horizon = np.shape(need.inst_hours)[-1]
    trend_c = trend_of(sv, sv["cloud_price_change_pct_per_year"], horizon)
    price, src = cloud_price_per_hour(d, sv, option=opt)
    noted = [_price_row(opt, float(price), src, d.cloud.as_of, sv.currency)] if note and np.ndim(price) == 0 else []
    noted += (extra_notes or []) if note else []
    reserved_n = reserved if reserved is not None else opt.reserved_instances
    inst_hours, fleet, month_hours = need.inst_hours, need.fleet, need.month_hours
    after = None
    committed: Any = 0.0
    if opt.plan.startswith("reserved"):
        base = _committed_base(opt, need.peak_need, reserved_n)
        compute, committed, after = _reserved(d, sv, opt, base, month_hours, price, trend_c, need.above_hours)
        fleet = np.maximum(committed, fleet).astype(np.int64)
        if note and np.ndim(price) == 0:
            noted += [_commitment_note(opt, after, sv.currency)] + _early_note(reserved_n, need, compute, sv.currency)
    else:
        compute = inst_hours * price * trend_c
    mean_inst = inst_hours / month_hours
    storage = mean_inst * opt.storage_gb * sv["block_storage_usd_per_gb_month"]
    egress = add(compute * 0.0, opt.egress_gb_per_month * sv["egress_usd_per_gb"]) * (inst_hours > 0)
    held = np.maximum(mean_inst, committed)  # instances in use on average; committed ones all month
    team = staff_for("cloud", held * d.cloud.gpu_count, held > 0, opt.staff_fte, s, sv, horizon)
    if note:
        noted += [staff_note("cloud", sv, opt.staff_fte), support_note(sv)]
    cap_hours = need.capacity_token_hours
    util = np.where(cap_hours > 0, need.output_tokens / 3600.0 / np.where(cap_hours > 0, cap_hours, 1.0), 0.0)
    cats = {"compute": compute, "storage": storage, "egress": egress,
            "support_plan": cloud_support_usd(add(compute, storage, egress), sv), "staff": team.usd()}
    cats = {k: v for k, v in cats.items() if np.any(v)} or {"compute": compute}
    amortised = dict(cats)  # each month's own share of a commitment; nothing after the horizon
    owed = after is not None and bool(np.any(after))
    if owed:
        assert after is not None
        cats[COMMITMENT_REMAINING] = terminal_commitment(after, horizon)
    zeros = np.zeros(np.shape(compute))
    return Flows(cash=cats, amortised=amortised, upfront_usd=zeros[..., 0], units=fleet.astype(np.int64),
                 served_tokens=need.served_tokens + zeros, unserved_tokens=zeros, utilisation=util, assumptions=noted,
                 staff_fte=team.fte(), staff=team, after_horizon=after if owed else None)


def instance_starts(opt: CloudOption, load: Load, per_inst: Any, peak_need: IntArray) -> Callable[[Any], Array]:
    """Instances started each month, counting only those above a base (committed instances run anyway).

    ``always_on``: none. ``active_hours``: the peak fleet each time an idle period ends. ``autoscaled``: at each
    rise of the load, the instances the fleet grows by (see :class:`~llmplace.demand.Rises`).
    """
    rises = load.rises
    if rises is None or opt.billing == "always_on":
        return lambda base: np.zeros(np.shape(peak_need))
    if opt.billing == "active_hours":
        idle_ends = rises.from_idle()
        return lambda base: np.maximum(peak_need - np.asarray(base), 0) * idle_ends
    per_b = per_inst[..., None] if np.ndim(per_inst) else per_inst
    tu: Any = opt.target_utilisation
    util_b = tu if np.ndim(tu) == 0 else tu[..., None]

    per_unit = per_b * util_b

    def fleet(rate: Array) -> Array:  # a rise never exceeds the month's peak, whose fleet was checked in range
        need = whole_units_float(rate / per_unit, opt.scale_step_instances, in_place=True)
        if opt.min_instances:
            np.maximum(need, np.where(rate > 0, float(opt.min_instances), 0.0), out=need)
        return need

    return lambda base: rises.starts(fleet, base)


def _warm_up(opt: CloudOption, sv: SiteValues, plan: FleetPlan, load: Load
             ) -> tuple[Array, Callable[[Any], Any], list[Assumption]]:
    """Billed instance-hours with the warm-up of every instance start added, likewise above a base, and the
    assumption rows (none for always_on billing)."""
    if opt.billing == "always_on":
        return plan.inst_hours, partial(plan.above_hours, load), []
    hours, src, as_of = warmup_hours(opt, sv)

    def above(base: Any) -> Any:
        return plan.above_hours(load, base) + hours * plan.starts(base)

    rows = [Assumption(name="warm-up per instance start", value=round(hours * 60.0, 4), unit="minutes billed",
                       source=src, as_of=as_of),
            Assumption(name="instance starts a month (mean over the horizon)",
                       value=round(float(np.mean(plan.started)), 2),
                       unit="starts", source=f"billing: {opt.billing}: " + (
                           "the peak fleet starts after each idle period" if opt.billing == "active_hours"
                           else "instances added at each rise of the hourly load"))]
    return plan.inst_hours + hours * plan.started, above, rows


def _months(first: int, last: int) -> str:
    """Months ``first`` to ``last`` (1-based) in words."""
    return f"month {first}" if first == last else f"months {first}-{last}"


def _kept_note(min_instances: int, peak: Any) -> list[Assumption]:
    """The row saying in which months ``min_instances`` is kept warm, when some month has no load (otherwise it is
    every month, as the option's settings say)."""
    has_load = np.any(np.asarray(peak) > 0, axis=tuple(range(np.ndim(peak) - 1)))
    if not min_instances or np.all(has_load) or not np.any(has_load):
        return []
    horizon = len(has_load)
    first = int(np.argmax(has_load)) + 1
    quiet = int(np.sum(~has_load[first - 1:]))
    parts = [f"kept in the hours with load of {_months(first, horizon)} (from the first month with load to the end "
             "of the horizon" + (f"; its {quiet} quiet month{'s' if quiet > 1 else ''} included: an off-season of a "
                                 "live service keeps its minimum warm, and the scenario has no end of service)"
                                 if quiet else ")")]
    parts += [f"none in {_months(1, first - 1)} (before the first month with load)"] if first > 1 else []
    return [Assumption(name="minimum fleet kept warm (min_instances)", value=min_instances, unit="instances",
                       source="; ".join(parts))]


def _early_note(reserved_n: int | None, need: InstanceNeed, compute: Array, currency: str) -> list[Assumption]:
    """The row saying that a fixed ``reserved_instances`` is committed (and charged in full) from month 1, in the
    months before the first month with load too; none when the load starts in month 1 or never comes."""
    has_load = np.any(np.asarray(need.output_tokens) > 0, axis=tuple(range(np.ndim(need.output_tokens) - 1)))
    early = int(np.argmax(has_load)) if np.any(has_load) else 0
    if not reserved_n or not early:
        return []
    usd = float(np.sum(np.mean(np.asarray(compute)[..., :early], axis=tuple(range(np.ndim(compute) - 1)))))
    return [Assumption(name="reserved_instances committed before the first month with load", value=round(usd, 2),
                       unit=currency, source=f"reserved_instances {reserved_n} committed from month 1, {early} "
                       f"month{'s' if early > 1 else ''} before the first month with load ({usd:,.2f} {currency} "
                       "of compute charged in full: a reservation is paid whether or not it serves)")]


def _commitment_note(opt: CloudOption, after: Array, currency: str) -> Assumption:
    term = RESERVATION_TERM_MONTHS[opt.plan]
    return Assumption(name="cash view: commitment after the horizon", value=round(float(np.sum(after)), 2),
                      unit=currency, source=f"the unexpired months of each {term}-month reservation (renewed in whole "
                                         "terms) at the last month's rate, charged in the last month; NPV "
                                         "discounts each month when it falls due")
