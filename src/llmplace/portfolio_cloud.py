"""Rented instances shared between the workloads of a portfolio: ``shared:<cloud option>``.

Each workload keeps its own sizing on the option's instance (its model, precision and latency give a replica's
rate and how many replicas one instance holds, so ``instance GPUs / replicas per instance`` GPUs per replica).
Month by month and hour by hour, each member needs ``r_w = ceil(rate_w / (replica rate_w x utilisation))``
replicas (its own busiest-hour count over its busiest bin, as its own fleet does); the replicas of all members
are packed first-fit decreasing into whole instances (:func:`~llmplace.packing.pack_servers`: a replica never
spans instances, never more instances than the members' own fleets). The packed counts are billed by the
option's own cloud cost function (:func:`~llmplace.costs.instance_flows`): the plan's price, always-on,
active-hours or autoscaled billing, reserved commitments charged for their whole term (also past the horizon),
storage, the support plan and one cloud team scaled with the GPUs rented, its ML engineering part counted once
per distinct model served (:func:`per_model_staff`).

Simplifications, stated in each plan's notes:

* where every member's hour-of-week timing is known (a ``shape`` preset, ``hourly_weights`` or a ``trace_csv``,
  :func:`~llmplace.demand.week_profile`), the fleet follows their coincident load hour by hour over a week (each
  member's busiest hours carry at least its busiest hour's replicas), and its hours with load are the real union;
* otherwise only each load-duration curve is known: the curves are aligned busiest hour with busiest hour (every
  member's peaks fall in the same hours), so the shared fleet's peak is never understated; and the hours with load
  (active-hours billing, the ``min_instances`` floor) of members of unknown timing are taken as not overlapping
  (their sum, at most the month's hours; active-hours billing never more instance-hours than separate fleets);
* warm-up of instance starts: with several members, each member's own fleet's starts are counted (what
  separate fleets would start, an upper bound for a fleet that grows once for all);
* egress: each member's traffic, as on its own (``egress_gb_per_month`` once per member).

Showback: the fleet's costs are shared by the GPU-hours of the replicas each member needs each hour.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .conventions import whole_units
from .costs import InstanceNeed, flows_for, instance_flows, instance_starts, kept_warm
from .costs.flows import Flows, warmup_hours
from .decision import resolve_deployments
from .demand import WEEK_HOURS, Load, demand_from_scenario, load_from_demand, week_profile
from .packing import SliceShape, cents_adding_up, packed_units
from .portfolio_mig import SharedMember, on_slices, slice_choice, slice_notes
from .results.portfolio import PortfolioPlan, Showback
from .scenario import CloudOption, Scenario
from .site import SiteValues, site_values

__all__ = ["CLOUD_NOTES", "CloudMember", "cloud_member", "cloud_shared_plan"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

CLOUD_NOTES = [
    "members' load-duration curves aligned busiest hour with busiest hour (their peaks coincide, so the shared "
    "fleet's peak is never understated; their hour-by-hour timing is not known)",
    "members' hour-of-week profiles are known (shape, hourly_weights or trace_csv): the shared fleet follows their "
    "coincident load hour by hour over a week",
    "warm-up: with several members, the starts of each member's own fleet are counted",
    "egress: each member's own traffic (egress_gb_per_month once per member)",
]


@dataclass(frozen=True)
class CloudMember(SharedMember):
    """One workload on a shared cloud option: its scenario, deployment (its own sizing on the instance) and load."""

    @property
    def option(self) -> CloudOption:
        assert isinstance(self.d.option, CloudOption)
        return self.d.option

    def fits(self) -> bool:
        """Whether a replica sits within one instance (a replica spread over instances is not packed)."""
        cap, inst = self.d.capacity, self.d.cloud
        return cap is not None and inst is not None and 1 <= cap.replicas_per_unit <= inst.gpu_count \
            and cap.gpus_per_replica <= inst.gpu_count

    def replica_tokens_per_s(self, sv: SiteValues) -> float:
        """Output tokens/s one replica serves (spot: after the interruption goodput, as on its own)."""
        assert self.d.capacity is not None
        goodput = sv["spot_interruption_goodput"] if self.option.plan == "spot" else 1.0
        return float(self.d.capacity.output_tokens_per_s * goodput)

    @cached_property
    def _alone_flows(self) -> Flows:
        return flows_for(self.d, self.s, self.load, site_values(self.s))

    @property
    def alone(self) -> tuple[float, IntArray]:
        """Its own option's cost on its own [USD over the horizon, cash view] and instances each month (computed
        once: every group a plan tries reads it)."""
        flows = self._alone_flows
        return float(np.sum(flows.monthly("cash"))), np.asarray(flows.units, dtype=np.int64).reshape(-1)

    @property
    def alone_staff_usd(self) -> float:
        """The staff its own option pays on its own [USD over the horizon]."""
        return staff_usd(self._alone_flows)

    def replicas(self, rate: Array, sv: SiteValues) -> IntArray:
        return whole_units(rate / (self.replica_tokens_per_s(sv) * self.option.target_utilisation))

    def placed_tokens_per_s(self, sv: SiteValues) -> float:
        """Output tokens/s of one placed replica (on its slice, or on whole GPUs)."""
        if self.slices is None:
            return self.replica_tokens_per_s(sv)
        return self.slices.output_tokens_per_s * self.replica_tokens_per_s(sv) / self.d.capacity.output_tokens_per_s \
            if self.d.capacity is not None else 0.0

    def placed(self, rate: Array, sv: SiteValues) -> IntArray:
        """Replicas it needs on the shared instances: whole-GPU replicas, or replicas on its slices."""
        return whole_units(rate / (self.placed_tokens_per_s(sv) * self.option.target_utilisation))

    def item(self, counts: IntArray) -> tuple[IntArray, int, SliceShape | None]:
        """What packing places: (counts, GPUs per replica, None), or (counts, 0, slice shape)."""
        return (counts, self.replica_gpus, None) if self.slices is None else (counts, 0, self.slices.shape)


def cloud_member(wid: str, s: Scenario, option_id: str) -> CloudMember:
    d = next(x for x in resolve_deployments(s) if x.id == option_id)
    member = CloudMember(wid, s, d, load_from_demand(demand_from_scenario(s), s.workload.cached_input_share))
    if not isinstance(d.option, CloudOption) or not d.option.mig_partitions or d.capacity is None:
        return member
    sv = site_values(s)
    goodput = member.replica_tokens_per_s(sv) / d.capacity.output_tokens_per_s
    slices = slice_choice(s, d, float(np.max(member.load.peak)), d.option.target_utilisation, goodput)
    return dataclasses.replace(member, slices=slices)


def _bin_hours(load: Load) -> Array:
    bins = load.rate.shape[-1]
    return np.asarray(np.broadcast_to(load.hours, load.rate.shape), dtype=float).reshape(-1, bins)[0]


def _merged_bins(members: list[CloudMember]) -> tuple[Array, list[IntArray]]:
    """Hours of each bin of the members' curves laid side by side (busiest first), and for each member the bin of
    its own curve each merged bin falls in."""
    ends = [np.cumsum(_bin_hours(m.load)) for m in members]
    edges = np.unique(np.round(np.concatenate(ends), 9))
    hours = np.diff(np.concatenate([[0.0], edges]))
    keep = hours > 1e-9
    edges, hours = edges[keep], hours[keep]
    mid = edges - hours / 2.0
    return hours, [np.minimum(np.searchsorted(e, mid), len(e) - 1) for e in ends]


def _member_replicas(m: CloudMember, where: IntArray, sv: SiteValues) -> IntArray:
    """Replicas the member needs in each month and merged bin; over its busiest bin, its busiest hour's."""
    per_bin = m.placed(m.load.rate[..., where], sv)
    peak = m.placed(m.load.peak, sv)
    return np.where(where == 0, np.maximum(per_bin, peak[..., None]), per_bin)


def _timings(members: list[CloudMember]) -> list[Array | None]:
    """Each member's load hour by hour over a week (None: its timing is not known); none looked up for one."""
    return [week_profile(m.s) if len(members) > 1 and m.load.mean is not None else None for m in members]


def _weekly(members: list[CloudMember], weeks: list[Array], sv: SiteValues) -> tuple[Array, list[IntArray], Any]:
    """Hours of each hour of the week in a month, the replicas each member needs in each month and hour of the
    week (its busiest hours carry at least its busiest hour's), and the hours with any load: the members' real
    coincident profile."""
    month_h = float(np.sum(_bin_hours(members[0].load)))
    hours = np.full(WEEK_HOURS, month_h / WEEK_HOURS)
    per = []
    for m, week in zip(members, weeks, strict=True):
        r = m.placed(np.asarray(m.load.mean, dtype=float)[..., None] * week, sv)
        busiest = week >= np.max(week)
        per.append(np.where(busiest, np.maximum(r, m.placed(m.load.peak, sv)[..., None]), r))
    return hours, per, np.broadcast_to(np.any([w > 0 for w in weeks], axis=0), per[0].shape)


def _own_active_hours(m: CloudMember) -> Array:
    return np.asarray(np.sum(np.where(m.load.active, m.load.hours, 0.0), axis=-1), dtype=float)


def _active_hours(members: list[CloudMember], weeks: list[Array | None], month_h: float) -> Array:
    """Hours with load each month where some members' timing is not known: the union of the known weeks' hours
    plus each other member's own hours with load, as if they never overlapped, at most the month's hours."""
    known = [w for w in weeks if w is not None]
    total: Any = month_h * float(np.mean(np.any([w > 0 for w in known], axis=0))) if known else 0.0
    for m, w in zip(members, weeks, strict=True):
        total = total + (_own_active_hours(m) if w is None else 0.0)
    return np.minimum(total, month_h)


def shared_instance_need(members: list[CloudMember], sv: SiteValues) -> tuple[InstanceNeed, dict[str, float]]:
    """The shared fleet the option bills, and each member's GPU-hours of replicas over the horizon."""
    opt = members[0].option
    assert members[0].d.cloud is not None
    gpus = members[0].d.cloud.gpu_count
    step = opt.scale_step_instances
    weeks = _timings(members)
    known = all(w is not None for w in weeks)
    if known:
        hours, per, active = _weekly(members, [w for w in weeks if w is not None], sv)
    else:
        hours, where = _merged_bins(members)
        per = [_member_replicas(m, w, sv) for m, w in zip(members, where, strict=True)]
        # hours with load by the shape of each curve, as a workload's own fleet counts them
        active = np.any([np.broadcast_to(m.load.active[..., w], per[0].shape)
                         for m, w in zip(members, where, strict=True)], axis=0)
    counts = np.asarray(whole_units(packed_units([m.item(r) for m, r in zip(members, per, strict=True)], gpus), step),
                        dtype=float)
    # the minimum fleet from the first month any member has load to the end of the horizon, as a workload's own fleet
    kept = kept_warm(opt.min_instances, np.sum([m.load.peak for m in members], axis=0))
    if opt.min_instances:
        counts = np.maximum(counts, np.where(active, kept[..., None].astype(float), 0.0))
    month_hours = np.full(counts.shape[0], float(np.sum(hours)))
    binned_h = np.sum(np.where(active, hours, 0.0), axis=-1)
    active_h = binned_h if known or len(members) == 1 else _active_hours(members, weeks, float(np.sum(hours)))
    if known:
        peak_need = np.maximum(np.max(counts, axis=-1), kept).astype(np.int64)
    else:
        peak_need = np.maximum(whole_units(packed_units([m.item(m.placed(m.load.peak, sv)) for m in members], gpus),
                                           step), kept)
    own_h = sum(_own_fleet(m, sv) * _own_active_hours(m) for m in members) if len(members) > 1 else None
    inst_hours, fleet, above = _billing(opt, counts, hours, (active_h, active_h - binned_h, own_h), peak_need,
                                        (month_hours, kept.astype(float)))
    inst_hours, above = _with_warm_up(members, sv, peak_need, inst_hours, above)
    gpu_h = {m.id: float(np.sum(r * m.gpu_share * hours)) for m, r in zip(members, per, strict=True)}
    cap = sum(np.sum(r * m.placed_tokens_per_s(sv) * hours, axis=-1) for m, r in zip(members, per, strict=True))
    need = InstanceNeed(inst_hours=inst_hours, fleet=fleet, peak_need=peak_need, above_hours=above,
                        month_hours=month_hours, capacity_token_hours=np.asarray(cap, dtype=float),
                        output_tokens=np.sum([m.load.output_tokens for m in members], axis=0),
                        served_tokens=np.sum([m.load.total_tokens for m in members], axis=0))
    return need, gpu_h


def _own_fleet(m: CloudMember, sv: SiteValues) -> IntArray:
    """Instances the member's own fleet holds at its busiest hour each month (as its own option sizes it)."""
    opt = m.option
    assert m.d.capacity is not None
    per_inst = m.d.capacity.replicas_per_unit * m.replica_tokens_per_s(sv)
    return np.maximum(whole_units(m.load.peak / (per_inst * opt.target_utilisation), opt.scale_step_instances),
                      kept_warm(opt.min_instances, m.load.peak))


def _billing(opt: CloudOption, counts: Array, hours: Array, active: tuple[Array, Array, Any], peak_need: IntArray,
             month_floor: tuple[Array, Array]) -> tuple[Array, Any, Any]:
    """Instance-hours billed each month, the fleet at the busiest hour, and the instance-hours above a base (the
    option's billing, as :func:`llmplace.costs.cloud_flows` applies it to one workload).

    ``active``: the hours with load each month, those of them the bins do not show (members whose hours are not
    known to overlap: the min_instances floor is billed in them too), and the instance-hours of the members' own
    fleets billed by their own hours with load (a shared fleet is never billed longer than they are)."""
    active_h, unbinned_h, own_inst_h = active
    month_hours, floor = month_floor  # the min_instances kept warm each month (none before the first load)
    if opt.billing == "autoscaled":
        def above_auto(base: Any) -> Any:
            b = np.asarray(base, dtype=float)
            return np.maximum(counts - b[..., None], 0.0) @ hours + np.maximum(floor - b, 0.0) * unbinned_h

        return counts @ hours + floor * unbinned_h, np.max(counts, axis=-1).astype(np.int64), above_auto
    billed = month_hours if opt.billing == "always_on" else active_h + 0.0 * month_hours
    if own_inst_h is not None and opt.billing == "active_hours":
        billed = np.minimum(billed, own_inst_h / np.maximum(peak_need, 1))

    def above_peak(base: Any) -> Any:
        return np.maximum(peak_need - base, 0) * billed

    return peak_need * billed, peak_need, above_peak


def _with_warm_up(members: list[CloudMember], sv: SiteValues, peak_need: IntArray, inst_hours: Array,
                  above: Any) -> tuple[Array, Any]:
    """Warm-up hours of instance starts added: one member's exactly as on its own; several members' as the sum
    of their own fleets' starts (see the module's notes)."""
    opt = members[0].option
    if opt.billing == "always_on":
        return inst_hours, above
    warm_h, _, _ = warmup_hours(opt, sv)
    own = []
    for m in members:
        assert m.d.capacity is not None
        per_inst = m.d.capacity.replicas_per_unit * m.replica_tokens_per_s(sv)
        own.append(instance_starts(opt, m.load, per_inst, peak_need if len(members) == 1 else _own_fleet(m, sv)))
    if len(members) == 1:
        starts = own[0]
    else:
        started = sum(f(0) for f in own)

        def starts(base: Any) -> Any:
            return started

    def with_starts(base: Any) -> Any:
        return above(base) + warm_h * starts(base)

    return inst_hours + warm_h * starts(0), with_starts


def cloud_shared_plan(option_id: str, members: list[CloudMember], others: dict[str, tuple[str, float]],
                      tokens: dict[str, float]) -> PortfolioPlan:
    """One cloud option serving ``members`` on one fleet of packed instances; ``others`` on their own (option,
    TCO)."""
    first = members[0]
    sv = site_values(first.s)
    need, gpu_h = shared_instance_need(members, sv)
    opt = first.option.model_copy(update={"egress_gb_per_month": first.option.egress_gb_per_month * len(members)})
    flows = instance_flows(first.d, first.s, sv, need, note=False, option=opt)
    per_model = per_model_staff(flows, [m.s for m in members])
    fleet_total = float(np.sum(flows.monthly("cash"))) + per_model
    separate = 0.0
    own_units = np.zeros(need.month_hours.shape, dtype=np.int64)
    for m in members:
        own_usd, units = m.alone
        separate += own_usd
        own_units = own_units + units
    split = saving_split(separate - fleet_total, sum(m.alone_staff_usd for m in members) -
                         staff_usd(flows) - per_model)
    total_gh = sum(gpu_h.values())
    shares = {k: (v / total_gh if total_gh > 0 else 1 / len(members)) for k, v in gpu_h.items()}
    usd = cents_adding_up(fleet_total, [fleet_total * shares[m.id] for m in members])
    rows = [Showback(workload=m.id, option=option_id, usd=u, gpu_hours=round(gpu_h[m.id], 3), tokens=tokens[m.id],
                     basis=f"{shares[m.id]:.1%} of the shared instances by GPU-hours{on_slices(m)}")
            for m, u in zip(members, usd, strict=True)]
    rows += [Showback(workload=w, option=o, usd=round(t, 2), tokens=tokens[w], basis="its own option")
             for w, (o, t) in others.items()]
    total = round(fleet_total, 2) + sum(round(t, 2) for _, t in others.values())
    units = np.asarray(flows.units, dtype=np.int64).reshape(-1)
    return PortfolioPlan(
        id=f"shared:{option_id}", kind="shared", shared_option=option_id, shared_unit="instance",
        members=[m.id for m in members], tco_usd=round(total, 2),
        separate_tco_usd=round(separate + sum(t for _, t in others.values()), 2),
        shared_servers=[int(x) for x in units], separate_servers=[int(x) for x in own_units.reshape(-1)],
        showback=rows, models_served=models_served([m.s for m in members]), **split,
        notes=[f"packed need {int(np.max(need.peak_need))} instances at peak against {int(np.max(own_units))} on "
               f"separate fleets; {team_note('cloud', [m.s for m in members])}", *_timing_notes(members),
               *CLOUD_NOTES[2:], *slice_notes(members)])


def models_served(scenarios: list[Scenario]) -> int:
    """Distinct models a shared fleet serves (by name and precision: each is deployed and maintained apart)."""
    return len({(s.model.name, s.model.precision) for s in scenarios})


def per_model_staff(flows: Flows, scenarios: list[Scenario]) -> float:
    """The fixed team's per-model part (its ML engineers, :meth:`~llmplace.costs.staff.Staff.model_usd`) once more
    for each distinct model after the first [USD over the horizon]: one platform, one serving team per model."""
    extra = models_served(scenarios) - 1
    return float(np.sum(flows.staff.model_usd())) * extra if extra > 0 and flows.staff is not None else 0.0


def staff_usd(flows: Flows) -> float:
    return float(np.sum(flows.cash.get("staff", 0.0)))


def saving_split(saving_usd: float, staff_saving_usd: float) -> dict[str, float]:
    """The saving against separate fleets split into its staff part and the rest (packing: hardware, instances,
    running costs)."""
    return {"staff_saving_usd": round(staff_saving_usd, 2) + 0.0,
            "packing_saving_usd": round(saving_usd - staff_saving_usd, 2) + 0.0}


def team_note(kind: str, scenarios: list[Scenario]) -> str:
    label = {"cloud": "cloud", "in_house": "platform"}[kind]
    return (f"one {label} team, its ML engineering part ({kind}_team_ml_engineer_fte, or that share of staff_fte) "
            f"counted once per distinct model served ({models_served(scenarios)})")


def _timing_notes(members: list[CloudMember]) -> list[str]:
    """How the members' hours were laid together: their real coincident week, or their curves aligned (and, for
    hours with load, those of unknown timing taken as never overlapping)."""
    weeks = _timings(members)
    if len(members) > 1 and all(w is not None for w in weeks):
        return [CLOUD_NOTES[1]]
    unknown = [m.id for m, w in zip(members, weeks, strict=True) if w is None]
    opt = members[0].option
    if len(members) == 1 or (opt.billing != "active_hours" and not opt.min_instances):
        return [CLOUD_NOTES[0]]
    return [CLOUD_NOTES[0], f"hours with load (active-hours billing, min_instances): the timing of "
            f"{', '.join(unknown)} is not known, so its hours with load are taken as not overlapping the others' "
            "(their sum, at most the month's hours; never more instance-hours than separate fleets)"]
