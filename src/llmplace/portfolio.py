"""Portfolios: several workloads, each compared on its own, and in-house or cloud fleets shared between them.

``compare_portfolio(portfolio)`` runs :func:`llmplace.decision.compare` once per workload (each with its
own model, latency and constraints: a portfolio of one workload is the single-workload comparison), then
builds the plans that serve every workload:

* ``mix``: each workload on its own cheapest eligible option (a managed API for one, owned servers for
  another: per-workload routing);
* ``shared:<option>``: one in-house or cloud option serving the workloads it is eligible for on one fleet (all
  of them, or the cheapest group of two or more when few are eligible), the others on their own cheapest option.
  A cloud option's shared fleet packs replicas into rented instances: :mod:`llmplace.portfolio_cloud`.

A shared fleet, month by month: each member needs ``r_w = ceil(peak_w / (replica rate_w x utilisation))``
replicas of its model (where every member's hour-of-week timing is known, the fleet is sized for the busiest hour
of their coincident week instead: :func:`_coincident`); a replica takes ``gpus per server / replicas per server``
GPUs of its own option's sizing and never spans servers; replicas are packed first-fit decreasing into servers
(:func:`pack_servers`, never more servers than the members' own fleets, see its docstring), and the
option's procurement plan (forecast or reactive, headroom, lead time) orders the packed need. The fleet's
costs (purchase, setup, network, idle power, facility, maintenance, licences, the platform team counted
once, its ML engineering part once per distinct model served, and its variable part for the shared GPUs) are
the option's own cost functions on that fleet. Each
member adds the power its own load draws above idle and what it pays outside the fleet (its bridge before
the first delivery).

Showback: the fleet's costs are shared by the GPU-hours of the replicas each member needs; the power of
its load and its bridge are its own; a workload off the shared fleet pays its own option. Shares are
rounded to the cent so that they add up to the plan's total.

MIG-style partitions: on an option with ``mig_partitions: true``, a member whose replica takes one GPU may run
on slices of it (:mod:`llmplace.portfolio_mig`); the GPUs its slices fill are one-GPU items of the packing.

Simplifications, stated in the result's notes: point values unless ``samples`` is given (then Monte Carlo
ranges, see :mod:`llmplace.portfolio_risk`); whole GPUs
per replica unless the option allows MIG partitions; hybrids, fixed fleets, servers switched off when idle
and the tax shield are not shared (those workloads stay on their own options).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .conventions import FULL_SERVICE_SHARE, cheapest_with_ties, whole_units
from .costs import flows_for, in_house_fleet, in_house_flows, in_house_planned, lead_time, planned_fleet
from .decision import compare, resolve_deployments
from .demand import demand_from_scenario, load_from_demand, week_profile
from .errors import InputError
from .packing import SliceShape, pack_servers, packed_units
from .packing import cents_adding_up as _cents
from .portfolio_cloud import (
    CLOUD_NOTES,
    cloud_member,
    cloud_shared_plan,
    models_served,
    per_model_staff,
    saving_split,
    staff_usd,
    team_note,
)
from .portfolio_mig import SharedMember, on_slices, slice_choice, slice_notes
from .portfolio_risk import check_samples, with_ranges
from .results import CompareResult, SiteAssumption
from .results.portfolio import (
    PortfolioCatalogRow,
    PortfolioPlan,
    PortfolioResult,
    Showback,
    WorkloadOption,
    WorkloadSummary,
)
from .scenario import CloudOption, InHouseOption, Scenario
from .scenario.portfolio import Portfolio, load_portfolio, parse_portfolio
from .site import site_values

__all__ = ["compare_portfolio", "pack_servers"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
MIX = "mix"
MAX_SUBSET_SEARCH = 6  #: eligible workloads up to which every group of two or more is tried on a shared option
POINT_NOTE = "point values only: no Monte Carlo ranges for portfolio plans"
NOTES = [
    POINT_NOTE,
    "whole GPUs per replica, unless a shared option sets mig_partitions: then a one-GPU replica may run on a MIG "
    "slice (its plan's notes name the profile)",
    "in-house and cloud options are shared; API and hybrid options serve each workload on its own",
    "a workload off the shared fleet pays its own option's team, as in its own comparison (two workloads on "
    "the same API each count that API's integration team)",
    "capex_budget_usd is checked per workload on its own option, not on a shared fleet's upfront spend",
]


@dataclass(frozen=True)
class _Member(SharedMember):
    """One workload on a shared in-house option: its scenario, deployment and load."""

    def placed(self, peak: Array) -> IntArray:
        """Replicas it needs on the shared fleet: whole-GPU replicas, or replicas on its slices."""
        if self.slices is None:
            return self.replicas(peak)
        opt = self.d.option
        assert isinstance(opt, InHouseOption)
        return whole_units(peak / (self.slices.output_tokens_per_s * opt.target_utilisation))

    def item(self, peak: Array) -> tuple[IntArray, int, SliceShape | None]:
        """What packing places: (counts, GPUs per replica, None), or (counts, 0, slice shape)."""
        return (self.placed(peak), self.replica_gpus, None) if self.slices is None else \
            (self.placed(peak), 0, self.slices.shape)

    def fits(self) -> bool:
        """Whether a replica sits within one server (a replica spread over servers is not packed)."""
        cap, srv = self.d.capacity, self.d.server
        return cap is not None and srv is not None and 1 <= cap.replicas_per_unit <= srv.gpu_count \
            and cap.gpus_per_replica <= srv.gpu_count

    def replicas(self, peak: Array) -> IntArray:
        opt, cap = self.d.option, self.d.capacity
        assert isinstance(opt, InHouseOption) and cap is not None
        return whole_units(peak / (cap.output_tokens_per_s * opt.target_utilisation))


def _member(wid: str, s: Scenario, option_id: str) -> _Member:
    d = next(x for x in resolve_deployments(s) if x.id == option_id)
    load = load_from_demand(demand_from_scenario(s), s.workload.cached_input_share)
    opt = d.option
    slices = slice_choice(s, d, float(np.max(load.peak)), opt.target_utilisation) \
        if isinstance(opt, InHouseOption) else None
    return _Member(wid, s, d, load, slices)


def _shareable(s: Scenario, opt: Any) -> str | None:
    """Why an option cannot be shared (None: it can)."""
    if isinstance(opt, CloudOption):
        return "the tax shield is not modelled for shared fleets" if s.finance.tax_shield else None
    if not isinstance(opt, InHouseOption):
        return "not an in-house or cloud option"
    if opt.servers is not None:
        return "a fixed fleet (servers) is not shared"
    if opt.power_off_when_idle:
        return "servers switched off when idle are not shared"
    if s.finance.tax_shield:
        return "the tax shield is not modelled for shared fleets"
    return None


def _packed_need(members: list[_Member], head: bool) -> tuple[IntArray, IntArray]:
    """Servers the members need together each month (packed), and on fleets of their own (summed)."""
    opt = members[0].d.option
    assert isinstance(opt, InHouseOption) and members[0].d.server is not None
    factor = 1 + opt.headroom_pct / 100.0 if head else 1.0
    gpus = members[0].d.server.gpu_count
    weekly = _coincident(members, factor, gpus)
    packed = packed_units([m.item(m.load.peak * factor) for m in members], gpus) if weekly is None else weekly
    own = sum(whole_units(m.replicas(m.load.peak * factor) / (gpus // m.replica_gpus)) for m in members)
    return np.minimum(packed, own), np.asarray(own, dtype=np.int64)


def _coincident(members: list[_Member], factor: float, gpus: int) -> IntArray | None:
    """Servers the members need together each month at their real coincident busiest hour, where every member's
    hour-of-week timing is known (:func:`~llmplace.demand.week_profile`; each member's busiest hours carry at least
    its busiest hour's replicas); None otherwise (their peaks are then taken to coincide)."""
    weeks = [week_profile(m.s) if m.load.mean is not None else None for m in members]
    if len(members) < 2 or any(w is None for w in weeks):
        return None
    items = []
    for m, week in zip(members, weeks, strict=True):
        assert week is not None
        r = m.placed(np.asarray(m.load.mean, dtype=float)[..., None] * week * factor)
        r = np.where(week >= np.max(week), np.maximum(r, m.placed(m.load.peak * factor)[..., None]), r)
        items.append((r, m.replica_gpus, None) if m.slices is None else (r, 0, m.slices.shape))
    return np.asarray(np.max(packed_units(items, gpus), axis=-1), dtype=np.int64)


def _cash(flows: Any) -> Array:
    return np.asarray(flows.monthly("cash"), dtype=float)


def _power(flows: Any) -> Array:
    return np.asarray(flows.cash.get("power", 0.0), dtype=float)


def _shared_plan(option_id: str, members: list[_Member], others: dict[str, tuple[str, float]],
                 tokens: dict[str, float]) -> PortfolioPlan:
    """One in-house option serving ``members`` on one packed fleet; ``others`` on their own (option, TCO)."""
    first = members[0]
    opt = first.d.option
    assert isinstance(opt, InHouseOption)
    sv = site_values(first.s)
    need, own = _packed_need(members, head=False)
    head, _ = _packed_need(members, head=True)
    _, lead, _ = lead_time(opt, sv)
    fleet = planned_fleet(need, head, opt.planning, lead)
    idle = in_house_flows(first.d, first.s, first.load.in_months(np.zeros(need.shape)), sv, fleet, True, False)
    per_model = per_model_staff(idle, [m.s for m in members])
    pool = float(np.sum(_cash(idle))) + per_model
    own_usd, gpu_h, separate, sep_servers = {}, {}, 0.0, np.zeros(need.shape, dtype=np.int64)
    staff_saving = -staff_usd(idle) - per_model
    for m in members:
        alone_flows = flows_for(m.d, m.s, m.load, sv)
        alone = _cash(alone_flows)
        planned = in_house_planned(m.d, m.s, m.load, sv, with_residual=True, residual=False)
        on_shared = in_house_flows(m.d, m.s, m.load, sv, fleet, True, False)
        # its load's power above idle on the shared fleet, and what it pays outside the fleet (its bridge)
        own_usd[m.id] = float(np.sum(_power(on_shared) - _power(idle)) + np.sum(alone - _cash(planned)))
        staff_saving += staff_usd(planned)  # its bridge's staff is its own on both sides
        gpu_h[m.id] = float(np.sum(m.placed(m.load.peak)[lead:] * m.gpu_share)) * m.s.finance.hours_per_month
        separate += float(np.sum(alone))
        sep_servers = sep_servers + in_house_fleet(m.d, m.s, m.load, sv)[0]
    total_gh = sum(gpu_h.values())
    shares = {k: (v / total_gh if total_gh > 0 else 1 / len(members)) for k, v in gpu_h.items()}
    fleet_total = pool + sum(own_usd.values())
    rows = [Showback(workload=m.id, option=option_id, usd=0.0, gpu_hours=round(gpu_h[m.id], 3), tokens=tokens[m.id],
                     basis=f"{shares[m.id]:.1%} of the shared fleet by GPU-hours{on_slices(m)}, plus its own load's "
                           "power and bridge") for m in members]
    usd = _cents(fleet_total, [pool * shares[m.id] + own_usd[m.id] for m in members])
    rows = [r.model_copy(update={"usd": u}) for r, u in zip(rows, usd, strict=True)]
    rows += [Showback(workload=w, option=o, usd=round(t, 2), tokens=tokens[w], basis="its own option")
             for w, (o, t) in others.items()]
    total = round(fleet_total, 2) + sum(round(t, 2) for _, t in others.values())
    reason = _site_space(members, np.asarray(idle.units))
    return PortfolioPlan(
        id=f"shared:{option_id}", kind="shared", shared_option=option_id, members=[m.id for m in members],
        tco_usd=round(total, 2), separate_tco_usd=round(separate + sum(t for _, t in others.values()), 2),
        shared_servers=[int(x) for x in np.asarray(fleet)], separate_servers=[int(x) for x in sep_servers],
        showback=rows, infeasible_reason=reason, models_served=models_served([m.s for m in members]),
        **saving_split(separate - fleet_total, staff_saving),
        notes=[f"packed need {int(need.max())} servers at peak against {int(own.max())} on separate fleets; "
               f"{team_note('in_house', [m.s for m in members])}", *_peak_note(members), *slice_notes(members)])


def _peak_note(members: list[_Member]) -> list[str]:
    if len(members) < 2:
        return []
    if all(week_profile(m.s) is not None for m in members):
        return [CLOUD_NOTES[1].replace("shared fleet follows", "shared fleet is sized for")]
    return ["members' busiest hours taken to coincide (their hour-by-hour timing is not known)"]


def _best_shared(option_id: str, members: Sequence[Any], mix: PortfolioPlan, tokens: dict[str, float],
                 plan_for: Callable[..., PortfolioPlan] | None = None) -> PortfolioPlan:
    """The cheapest plan sharing ``option_id``: every eligible workload on it, or (up to
    :data:`MAX_SUBSET_SEARCH` eligible ones) the cheapest group of two or more, the others on their own
    cheapest option. The group of all comes first, so a tie keeps everyone on the shared fleet. ``plan_for``
    prices one group (default: an in-house fleet, :func:`_shared_plan`)."""
    plan_for = plan_for or _shared_plan
    groups = [list(members)]
    if len(members) <= MAX_SUBSET_SEARCH:
        groups += [list(g) for k in range(len(members) - 1, 1, -1) for g in itertools.combinations(members, k)]
    best: PortfolioPlan | None = None
    for group in groups:
        ids = {m.id for m in group}
        others = {r.workload: (r.option, r.usd) for r in mix.showback if r.workload not in ids}
        plan = plan_for(option_id, group, others, tokens)
        if best is None or (best.infeasible_reason is not None and plan.infeasible_reason is None) or \
                (plan.infeasible_reason is None and plan.tco_usd < best.tco_usd - 0.005):
            best = plan
    assert best is not None
    if len(best.members) < len(members):
        left = ", ".join(m.id for m in members if m.id not in best.members)
        best.notes.append(f"cheaper with {left} on its own cheapest option than on the shared fleet")
    return best


def _site_space(members: list[_Member], owned: IntArray) -> str | None:
    """Why the shared fleet does not fit the site (None: it does): its servers on the business's own site at
    full load against the strictest ``site_power_kw`` and ``site_rack_units`` of its members (the same rule
    as one workload's constraint, per site with a second site)."""
    opt, srv = members[0].d.option, members[0].d.server
    assert isinstance(opt, InHouseOption) and srv is not None
    if opt.hosting == "colocation":
        return None
    sites = 2 if opt.second_site else 1
    n = -(-int(np.max(owned, initial=0)) // sites)
    power = [m.s.constraints.site_power_kw for m in members if m.s.constraints.site_power_kw is not None]
    if power and n * srv.max_power_kw > min(power) + 1e-9:
        return (f"the shared fleet needs {n} servers x {srv.max_power_kw:g} kW = {n * srv.max_power_kw:,.1f} kW "
                f"per site; site_power_kw = {min(power):g}")
    racks = [m.s.constraints.site_rack_units for m in members if m.s.constraints.site_rack_units is not None]
    rack = opt.overrides.get("rack_units", srv.rack_units)
    if racks and rack is not None and n * int(rack) > min(racks):
        return f"the shared fleet needs {n} servers x {rack} U per site; site_rack_units = {min(racks)}"
    return None


def _summary(wid: str, s: Scenario, r: CompareResult) -> WorkloadSummary:
    opts = [WorkloadOption(option=o.id, kind=o.kind, feasible=o.feasible, tco_usd=o.tco_usd if o.feasible else None,
                           infeasible_reason=o.infeasible_reason, served_share=o.served_share) for o in r.options]
    return WorkloadSummary(id=wid, model=s.model.name, tokens_total=float(sum(r.demand.tokens_per_month)),
                           cheapest=r.cheapest, options=opts)


def _sources(results: dict[str, CompareResult]) -> tuple[list[PortfolioCatalogRow], list[SiteAssumption]]:
    """The catalog rows each workload's options used, once each with their users (``workload/option``), and the
    site and finance values, once per distinct value."""
    rows: dict[tuple[str, str], PortfolioCatalogRow] = {}
    site: dict[tuple[str, float], SiteAssumption] = {}
    for wid, r in results.items():
        for o in r.options:
            for ref in o.catalog_rows:
                row = rows.setdefault((ref.catalog, ref.id), PortfolioCatalogRow(
                    catalog=ref.catalog, id=ref.id, as_of=ref.as_of, source=ref.source, used_by=[]))
                if f"{wid}/{o.id}" not in row.used_by:
                    row.used_by.append(f"{wid}/{o.id}")
        for a in r.assumptions:
            site.setdefault((a.name, a.value), a)
    return list(rows.values()), list(site.values())


def _mix(summaries: list[WorkloadSummary]) -> PortfolioPlan | None:
    """Each workload on its own cheapest eligible option (None when one has none)."""
    rows = []
    for w in summaries:
        best = next((o for o in w.options if o.option == w.cheapest), None)
        if best is None or best.tco_usd is None:
            return None
        rows.append(Showback(workload=w.id, option=best.option, usd=round(best.tco_usd, 2), tokens=w.tokens_total,
                             basis="its own cheapest eligible option"))
    return PortfolioPlan(id=MIX, kind=MIX, tco_usd=round(sum(r.usd for r in rows), 2), showback=rows)


def _eligible(w: WorkloadSummary, option_id: str) -> bool:
    """The option serves the workload on its own, as its comparison counts an answer: feasible, and serving the
    whole demand (owned servers without a bridge leave the months before delivery unserved: not an answer)."""
    return any(o.option == option_id and o.feasible and (o.served_share or 0.0) >= FULL_SERVICE_SHARE
               for o in w.options)


def _compare_one(p: Portfolio, i: int) -> CompareResult:
    """Workload ``i``'s comparison (point values); bad input names the workload it was found in and the field
    where the file writes it (``workloads[i].model.name`` for a workload's own model)."""
    wid, s = p.scenarios[i]
    try:
        return compare(s, samples=0)
    except InputError as exc:
        where = f"in workload {wid}"
        raise InputError(p.field_of(i, exc.field), exc.value, exc.allowed,
                         f"{exc.detail}; {where}" if exc.detail else where) from None


def _as_portfolio(portfolio: Portfolio | dict[str, Any] | str | Path) -> Portfolio:
    if isinstance(portfolio, (str, Path)):
        return load_portfolio(portfolio)
    if isinstance(portfolio, dict):
        return parse_portfolio(portfolio)
    return portfolio


def compare_portfolio(portfolio: Portfolio | dict[str, Any] | str | Path, samples: int = 0,
                      seed: int | None = None, progress: Callable[[int, int], None] | None = None
                      ) -> PortfolioResult:
    """Compare a portfolio (a :class:`Portfolio`, a parsed document or a file path): every workload on its
    own, each in-house option shared by the workloads it is eligible for, and the cheapest plan. With
    ``samples``, Monte Carlo ranges per option and plan (:mod:`llmplace.portfolio_risk`); ``seed`` defaults to
    the first workload's ``uncertainty.seed``; ``progress(done, total)`` is called after each chunk of draws,
    counted over every workload (as :func:`~llmplace.decision.compare` calls it; it may raise to stop)."""
    p = _as_portfolio(portfolio)
    if samples:
        check_samples(p.scenarios, samples, p.scenarios[0][1].uncertainty.seed if seed is None else seed)
    results = {wid: _compare_one(p, i) for i, (wid, _) in enumerate(p.scenarios)}
    scen = dict(p.scenarios)
    summaries = [_summary(wid, scen[wid], results[wid]) for wid in scen]
    mix = _mix(summaries)
    plans = [mix] if mix is not None else []
    notes = [n for n in NOTES if not (samples and n == POINT_NOTE)] + \
        ([] if mix is not None else ["a workload has no eligible option: no plan serves all"])
    wid0, first = p.scenarios[0]
    tokens = {w.id: w.tokens_total for w in summaries}
    skipped: dict[str, list[str]] = {}
    for o in results[wid0].options:
        index = o.footprint.option_index if o.footprint is not None else None
        opt = first.options[index] if index is not None else None
        members = [w for w in summaries if _eligible(w, o.id)]
        why = _shareable(first, opt)
        if mix is None or len(members) < 2 or why is not None:
            if mix is not None and len(members) >= 2 and why is not None and isinstance(opt, (InHouseOption,
                                                                                             CloudOption)):
                skipped.setdefault(why, []).append(o.id)
            continue
        cloud = isinstance(opt, CloudOption)
        build: Callable[[str, Scenario, str], Any] = cloud_member if cloud else _member
        on_fleet = [m for w in members if (m := build(w.id, scen[w.id], o.id)).fits()]
        if len(on_fleet) >= 2:
            plans.append(_best_shared(o.id, on_fleet, mix, tokens, cloud_shared_plan if cloud else None))
    notes += [f"no shared plan for {', '.join(ids)}: {why}" for why, ids in skipped.items()]
    fin = first.finance
    answers = [(x.id, x.tco_usd) for x in plans if x.infeasible_reason is None]
    rows, site = _sources(results)
    out = PortfolioResult(name=p.name, horizon_months=fin.horizon_months, currency=fin.currency,
                          workloads=summaries, plans=plans, cheapest_plan=cheapest_with_ties(answers), notes=notes,
                          catalog_rows=rows, assumptions=site)
    if not samples:
        return out
    return with_ranges(out, p.scenarios, results, samples, first.uncertainty.seed if seed is None else seed,
                       progress)
