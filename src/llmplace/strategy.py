"""Strategies over time: start on an option paid as used, move to owned servers when the volume pays for it.

A strategy has two phases. The first is an API or rented cloud instances (on demand, spot, or reserved: a
reserved plan's reservations are paid to the end of their term when the strategy leaves it, a commitment being
charged in full): it serves months ``1 .. t - 1``. The second owns servers (an in-house option, or a hybrid whose
base is owned and whose overflow is paid as used) and serves from month ``t``, the switch month. Its
servers are ordered ``lead`` months ahead (the procurement lead time), at that month's price, so that they
serve from month ``t``; more are ordered ahead as the forecast grows.

The search is exhaustive over (first option, second option, switch month), so the cheapest two-phase
strategy it returns is exact for the options given; it is compared with the best single option. A hybrid
second phase may also grow its owned base in one step (``n1`` servers from the switch, ``n2 > n1`` from a later
month, each order one lead time ahead), searched exactly by :mod:`.strategy_steps`.

Costs, all cash view:

* the first phase: its own monthly costs in the months it serves (an option paid as used costs the same
  month by month whether or not it runs afterwards), plus ``cutover_parallel_months`` months of parallel
  running after the switch, while the new deployment takes the traffic over;
* the second phase: its flows over the horizon on the load of the months from the switch (nothing before;
  its purchases in the months they are ordered), with its own team from its first month in service;
* the switch: ``migration_engineering_fte_months`` of ML-engineer time at the catalog's loaded wage, and
  ``switch_data_gb`` of data moved out of the first phase at the internet egress rate (``egress_usd_per_gb``,
  the first-tier price), both paid in the switch month.

Simplifications, stated in the result: two phases only (no third, no step back); the second phase plans
its fleet on the forecast (an in-house fleet grows with it; a hybrid's base in at most one step, and not
when the base is so large that the hybrid search thins its sizes); a first phase paid as used owes nothing
when it stops, a reserved one its reservations' compute to the end of their terms (no early-termination refund
or resale of a reservation is counted; its staff and support plan stop with it); reserved instances are not a
second phase.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .costs import Flows, commitment_left_usd, flows_for, lead_time
from .costs.cloud import RESERVATION_TERM_MONTHS
from .demand import Load
from .engine import Run
from .errors import InputError
from .finance import npv_timed
from .hybrid import MAX_FULL_SEARCH, BaseSize, HybridSearch, base_sizes, hybrid_at, optimise, planned_rows
from .options import Deployment
from .results import StrategyBaseStep, StrategyPhase, StrategyResult
from .scenario import ApiOption, CloudOption, HybridOption, InHouseOption, Scenario
from .site import SiteValues
from .strategy_steps import best_step, step_flows, step_table

__all__ = ["SIMPLIFICATIONS", "best_strategy", "first_phase_options", "planned_strategy", "second_phase_options",
           "switch_months", "totals_by_switch_month"]

Array = NDArray[np.float64]

SIMPLIFICATIONS = (
    "two phases (an option paid as used, then owned servers or a hybrid with an owned base); no third phase",
    "the second phase plans its fleet on the forecast and orders its servers one lead time ahead; a hybrid's owned "
    "base grows in at most one step",
    "a first phase paid as used owes nothing when it stops; a reserved one pays its reservations to the end of their "
    "term (compute only, no early-termination refund); the data moved at the switch is one amount "
    "(site.switch_data_gb) at the first-tier internet egress rate",
)

#: said when a reserved first phase is left with reservations still owed and the tax shield is on
TAX_NOTE = ("the reservations owed after leaving a reserved first phase are counted before tax (no tax shield on "
            "them; a simplification that overstates the strategy's cost slightly)")


def first_phase_options(deployments: list[Deployment], eligible: Collection[str]) -> list[Deployment]:
    """The options a strategy may start on: eligible and feasible APIs and cloud instances (a reserved plan's
    reservations are paid to the end of their term when the strategy leaves it)."""
    return [d for d in deployments if d.id in eligible and d.infeasible_reason is None
            and isinstance(d.option, (ApiOption, CloudOption))]


def second_phase_options(deployments: list[Deployment], eligible: Collection[str]) -> list[Deployment]:
    """The options a strategy may move to: eligible, feasible, owning servers (in-house, or a hybrid on an owned
    base)."""
    out = []
    for d in deployments:
        if d.id not in eligible or d.infeasible_reason is not None:
            continue
        if isinstance(d.option, InHouseOption) or (
                isinstance(d.option, HybridOption) and d.parts is not None
                and isinstance(d.parts[0].option, InHouseOption)):
            out.append(d)
    return out


def _forecast(d: Deployment) -> Deployment:
    """The deployment planning its owned fleet on the forecast, with no bridge (the first phase bridges)."""
    if isinstance(d.option, InHouseOption):
        return replace(d, option=d.option.model_copy(update={"planning": "forecast", "bridge": None}), bridge=None)
    assert d.parts is not None
    base, over = d.parts
    return replace(d, parts=(_forecast(base), over))


def _rows(whole: Load, keep: Array) -> Load:
    """``whole`` in the months ``keep`` marks (one row per switch month), once per load and ``keep``
    (:mod:`llmplace.memo`): every second phase reads the same rows, so options with the same fleet share what
    their costing derives from them."""
    return whole.memo.get("in months", (keep, True), lambda: whole.in_months(keep))


def _batched_search(d: Deployment, s: Scenario, whole: Load, keep: Array, sv: SiteValues) -> HybridSearch | None:
    """The search over a hybrid's base sizes, batched over the switch months of ``keep``, that both
    :func:`_second_phase` and :func:`~llmplace.strategy_steps.step_table` run for a second phase (None where
    neither does: not a hybrid, or a base so large that each switch month is searched on its own)."""
    if not isinstance(d.option, HybridOption) or (np.ndim(keep) > 1 and _large_base(d, whole)):
        return None
    return optimise(d, s, _rows(whole, keep), sv)


def _second_phase(d: Deployment, s: Scenario, whole: Load, keep: Array, sv: SiteValues,
                  base_units: int | None = None, search: HybridSearch | None = None
                  ) -> tuple[Array, Array, Array, Array, Array]:
    """Cash, start-of-month cash, servers ordered and unserved tokens of the second phase on ``load``, each
    (rows, months): one row per switch month when ``load`` carries one; and a hybrid's base size per row (-1 for
    an in-house option). ``load`` is ``whole`` in the months ``keep`` marks (one row per switch month). A hybrid's
    base is optimised per row (``search``: that search, run already by :func:`_batched_search`), or fixed at
    ``base_units``."""
    load = _rows(whole, keep)
    if isinstance(d.option, HybridOption):
        if base_units is not None:
            flows: Sequence[Flows] = [hybrid_at(d, s, load, sv, base_units)]
            sizes: list[BaseSize] = [base_units]
            best: Any = 0
        elif np.ndim(keep) > 1 and _large_base(d, whole):  # each switch month its own point search
            return _per_row(d, s, whole, keep, sv)
        else:
            search = search if search is not None else optimise(d, s, load, sv)
            flows, sizes, best = search.flows, search.sizes, search.best
        rows = np.arange(np.shape(best)[-1]) if np.ndim(best) > 0 else 0
        parts = [(f.monthly("cash"), f.start_of_month(), f.purchases if f.purchases is not None else 0.0,
                  f.unserved_tokens) for f in flows]
        shape = np.broadcast_shapes(*(np.shape(np.asarray(x)) for p in parts for x in p))
        stacked = [np.stack([np.broadcast_to(np.asarray(p[k], dtype=float), shape) for p in parts]) for k in range(4)]
        chosen = np.asarray([int(n) if isinstance(n, int) else -1 for n in sizes])[best]
        return (*(a[best, rows] for a in stacked), np.broadcast_to(chosen, shape[:-1]))  # type: ignore[return-value]
    f = flows_for(d, s, load, sv)
    ordered = f.purchases if f.purchases is not None else np.zeros(1)
    shape = np.shape(f.monthly("cash"))
    return (*(np.broadcast_to(np.asarray(x, dtype=float), shape)  # type: ignore[return-value]
              for x in (f.monthly("cash"), f.start_of_month(), ordered, f.unserved_tokens)),
            np.full(shape[:-1], -1))


def _large_base(d: Deployment, load: Load) -> bool:
    """A base so large that the search thins its grid: the rows (switch months) would each refine a different
    bracket, so they are searched one by one instead of together."""
    ints = [n for n in base_sizes(d, load) if isinstance(n, int)]
    return bool(ints) and max(ints) > MAX_FULL_SEARCH


def _per_row(d: Deployment, s: Scenario, whole: Load, keep: Array, sv: SiteValues
             ) -> tuple[Array, Array, Array, Array, Array]:
    """:func:`_second_phase` of a hybrid, one point search (batched over base sizes) per row of ``keep``."""
    rows: list[tuple[Array, Array, Array, Array, int]] = []
    planned = planned_rows(d, s, whole.in_months(keep), sv) if "planned" in base_sizes(d, whole) else None
    for k, row in enumerate(keep):
        search = optimise(d, s, whole.in_months(row), sv, point=True, own_winner=False,
                          planned=planned[k] if planned is not None else None)
        k = int(search.best)
        f = search.flows[k]
        size = search.sizes[k]
        rows.append((np.asarray(f.monthly("cash"), dtype=float), np.asarray(f.start_of_month(), dtype=float),
                     np.asarray(f.purchases if f.purchases is not None else np.zeros_like(f.monthly("cash")),
                                dtype=float),
                     np.asarray(f.unserved_tokens, dtype=float), int(size) if isinstance(size, int) else -1))
    cash, start, ordered, unserved = (np.stack([r[k] for r in rows]).astype(float) for k in range(4))  # type: ignore[misc]
    return cash, start, ordered, unserved, np.asarray([r[4] for r in rows], dtype=float)


def _egress_usd(sv: SiteValues) -> Array:
    """Data moved out of the first phase at the switch [USD]: ``switch_data_gb`` x ``egress_usd_per_gb``."""
    return np.asarray(sv["switch_data_gb"], dtype=float) * np.asarray(sv["egress_usd_per_gb"], dtype=float)


def _switch_usd(sv: SiteValues) -> Array:
    """What the switch costs in its month [USD]: migration engineering plus the data egress; one value, or one per
    sample (a sampled wage), as a flat array."""
    usd = np.asarray(sv["migration_engineering_fte_months"], dtype=float) * np.asarray(
        sv["ml_engineer_loaded_usd_per_year"], dtype=float) / 12.0 + _egress_usd(sv)
    return usd.reshape(-1) if usd.size > 1 else usd.reshape(())


def _candidate_months(horizon: int, lead: int) -> range:
    """Switch months (0-based month index of the first month the second phase serves) worth trying."""
    return range(max(lead, 1), horizon)


def _lead(d: Deployment, sv: SiteValues) -> int:
    owned = d if isinstance(d.option, InHouseOption) else (d.parts[0] if d.parts else d)
    assert isinstance(owned.option, InHouseOption)
    return lead_time(owned.option, sv)[1]


def switch_months(second: Deployment, sv: SiteValues, horizon: int) -> Array:
    """The switch months (0-based index of the second phase's first month) a strategy moving to ``second`` may use:
    from its procurement lead time (servers ordered in month 1 at the earliest) to the last month."""
    return np.asarray(_candidate_months(horizon, _lead(second, sv)), dtype=np.int64)


def totals_by_switch_month(first_cash: Array, second: Deployment, s: Scenario, load: Load, sv: SiteValues,
                           starts: Array, base_units: int | None = None, first: Deployment | None = None) -> Array:
    """Cash-view TCO of the strategy (``first_cash`` (samples, months) of the first phase, then ``second``) for
    each sample and switch month in ``starts``: (samples, len(starts)); a month whose second phase cannot carry
    the load is ``inf``. The second phase is planned on each sample's own load (the cheapest switch month with
    hindsight of that sample); a hybrid keeps its base at ``base_units`` when given (as the Monte Carlo keeps
    hybrid bases at the point optimum)."""
    horizon = first_cash.shape[-1]
    months = np.arange(horizon)
    parallel = int(round(float(sv["cutover_parallel_months"])))
    planned = _forecast(second)
    out = np.empty(first_cash.shape[:-1] + (len(starts),))
    for k, t in enumerate(starts):
        keep = (months >= t).astype(float)
        cash2, _, _, unserved, _ = _second_phase(planned, s, load, keep, sv, base_units)
        demand = np.asarray(load.output_tokens, dtype=float) * keep * np.asarray(load.total_per_output, dtype=float)
        short = np.any(unserved > 1e-6 * demand + 1e-9, axis=-1)
        first_usd = np.sum(first_cash * (months < t + parallel), axis=-1)
        if first is not None and _reserved(first):  # its reservations run their term after it stops serving
            first_usd = first_usd + np.sum(commitment_left_usd(first, load, sv, int(t) + parallel), axis=-1)
        out[..., k] = np.where(short, np.inf, first_usd + np.sum(cash2, axis=-1) + _switch_usd(sv))
    return out


def best_strategy(s: Scenario, deployments: list[Deployment], sv: SiteValues, point: Run,
                  eligible: Collection[str], best_single: tuple[str, float] | None) -> StrategyResult | None:
    """The cheapest two-phase strategy (lowest cash-view TCO) over the eligible options, or None when the
    scenario offers no pair of a first and a second phase.

    Every switch month of a second phase is evaluated at once: the load of each candidate month is one row
    of a sampled run (the engine's sample axis), so each second phase costs one vectorised evaluation.
    """
    firsts = [d for d in first_phase_options(deployments, eligible) if d.id in point.outcomes]
    seconds = second_phase_options(deployments, eligible)
    if not firsts or not seconds:
        return None
    load, horizon = point.load, int(point.load.peak.shape[-1])
    parallel = int(round(float(sv["cutover_parallel_months"])))
    switch_usd, rate = float(_switch_usd(sv)), float(sv["discount_rate_pct_per_year"])
    months = np.arange(horizon)
    keep_first = [(months < t + parallel).astype(float) for t in range(horizon)]
    rows1 = {f.id: _first_rows(f, point, sv, parallel) for f in firsts}
    best: _Pick | None = None
    for second in seconds:
        starts = switch_months(second, sv, horizon)
        if not starts.size:
            continue
        keep = (months[None, :] >= starts[:, None]).astype(float)
        planned = _forecast(second)
        search = _batched_search(planned, s, load, keep, sv)
        cash2, start2, ordered, unserved, bases = _second_phase(planned, s, load, keep, sv, search=search)
        demand = np.asarray(load.output_tokens, dtype=float) * keep * np.asarray(load.total_per_output, dtype=float)
        ok = np.any(ordered > 0, axis=-1) & ~np.any(unserved > 1e-6 * demand + 1e-9, axis=-1)
        for first in firsts:
            out = point.outcomes[first.id]
            start1 = _start_of_month(out.flows, horizon)
            for row, t in enumerate(starts):
                if not ok[row]:
                    continue  # buys no servers (the first phase all along) or cannot carry the load from t
                tco = float(np.sum(rows1[first.id][t]) + np.sum(cash2[row])) + switch_usd
                if best is None or tco < best.tco - 1e-6:
                    best = _Pick(tco, first, second, int(t), rows1[first.id][t], cash2[row].copy(),
                                 start1 * keep_first[t] + start2[row], ordered[row].copy(), int(bases[row]))
        best = _grown(s, second, point, sv, starts, firsts, (keep_first, rows1), switch_usd, best, search)
    if best is None:
        return None
    return _result(s, best, point, sv, best_single, parallel, switch_usd, rate)


def _grown(s: Scenario, second: Deployment, point: Run, sv: SiteValues, starts: Array, firsts: list[Deployment],
           first_months: tuple[list[Array], dict[str, Array]], switch_usd: float, best: _Pick | None,
           search: HybridSearch | None = None) -> _Pick | None:
    """``best``, or a strategy on ``second`` whose owned base grows in a step (:mod:`.strategy_steps`) when one
    costs less (costed directly, its base month by month); ``search``: :func:`_batched_search` of ``second``."""
    planned = _forecast(second)
    table = step_table(planned, s, point.load, starts.astype(np.int64), sv, search)
    if table is None:
        return best
    horizon = int(point.load.peak.shape[-1])
    for first in firsts:
        out = point.outcomes[first.id]
        keep_first, rows1 = first_months[0], first_months[1][first.id]
        step = best_step(table, np.sum(rows1[table.starts], axis=-1) + switch_usd)
        if step is None or (best is not None and step.total_usd >= best.tco - 1e-6):
            continue
        cash2, start2, ordered, unserved = step_flows(planned, s, point.load, sv, step)
        tco = float(np.sum(rows1[step.t1]) + np.sum(cash2)) + switch_usd
        if np.sum(unserved) > 0 or (best is not None and tco >= best.tco - 1e-6):
            continue
        keep = keep_first[step.t1]
        best = _Pick(tco, first, second, step.t1, rows1[step.t1], cash2.copy(),
                     _start_of_month(out.flows, horizon) * keep + start2, ordered.copy(), step.n2,
                     steps=((step.n1, step.t1), (step.n2, step.t2)))
    return best


@dataclass(frozen=True)
class _Pick:
    """The cheapest (first, second, switch month) found so far, with its monthly cash by phase."""

    tco: float
    first: Deployment
    second: Deployment
    switch: int  #: 0-based index of the second phase's first month
    first_cash: Array
    second_cash: Array
    start_of_month: Array
    ordered: Array
    base_units: int  #: a hybrid's base size (-1: an in-house option); a base grown in a step: its final size
    steps: tuple[tuple[int, int], ...] = ()  #: a base grown in a step: (servers, 0-based first month) per step


def planned_strategy(s: Scenario, deployments: list[Deployment], sv: SiteValues, point: Run, plan_id: str,
                     first_id: str, second_id: str, start_month: int, best_single: tuple[str, float] | None,
                     where: str) -> StrategyResult:
    """A phased plan costed as written: ``first_id`` from month 1, ``second_id`` from ``start_month`` (its servers
    ordered one lead time ahead). ``where`` names the plan in errors (``phased[0]``)."""
    by_id = {d.id: d for d in deployments}
    first, second = by_id[first_id], by_id[second_id]
    for k, d in enumerate((first, second)):
        if d.infeasible_reason is not None or (k == 0 and d.id not in point.outcomes):
            raise InputError(f"{where}.phases[{k}].option", d.id, "a feasible option",
                             d.infeasible_reason or "it was not costed")
    horizon = int(point.load.peak.shape[-1])
    lead, t = _lead(second, sv), start_month - 1
    if t < max(lead, 1):
        raise InputError(f"{where}.phases[1].start_month", start_month,
                         f"a month from {max(lead, 1) + 1} to {horizon}: servers ordered in month 1 arrive after "
                         f"the {lead}-month lead time")
    months = np.arange(horizon)
    parallel = int(round(float(sv["cutover_parallel_months"])))
    keep_first = (months < t + parallel).astype(float)
    cash2, start2, ordered, unserved, bases = _second_phase(_forecast(second), s, point.load,
                                                            (months >= t).astype(float)[None, :], sv)
    out = point.outcomes[first.id]
    cash1 = _first_rows(first, point, sv, parallel)[t]
    switch_usd = float(_switch_usd(sv))
    tco = float(np.sum(cash1) + np.sum(cash2[0])) + switch_usd
    pick = _Pick(tco, first, second, t, cash1, cash2[0].copy(),
                 _start_of_month(out.flows, horizon) * keep_first + start2[0], ordered[0].copy(), int(bases[0]))
    result = _result(s, pick, point, sv, best_single, parallel, switch_usd, float(sv["discount_rate_pct_per_year"]),
                     searched=False)
    short = float(np.sum(unserved[0]))
    notes = [f"leaves {short:,.0f} tokens unserved after the switch"] if short > 0 else []
    return result.model_copy(update={"id": plan_id, "assumptions": [*notes, *result.assumptions]})


def _reserved(d: Deployment) -> bool:
    return isinstance(d.option, CloudOption) and d.option.plan in RESERVATION_TERM_MONTHS


def _first_rows(first: Deployment, point: Run, sv: SiteValues, parallel: int) -> Array:
    """The first phase's cash month by month for each switch month (one row per 0-based switch month): its own
    months until the cut-over ends and, for a reserved plan, what its reservations still cost after it (each runs
    its whole term: a commitment is paid in full)."""
    cash1 = np.asarray(point.outcomes[first.id].cash_usd, dtype=float)
    horizon = cash1.shape[-1]
    rows = cash1[None, :] * (np.arange(horizon)[None, :] < np.arange(horizon)[:, None] + parallel)
    if _reserved(first):
        rows = rows + commitment_left_usd(first, point.load, sv, np.arange(horizon) + parallel)
    return np.asarray(rows, dtype=float)


def _start_of_month(flows: Flows | None, horizon: int) -> Array:
    return np.asarray(flows.start_of_month(), dtype=float) if flows is not None else np.zeros(horizon)


def _result(s: Scenario, pick: _Pick, point: Run, sv: SiteValues, best_single: tuple[str, float] | None,
            parallel: int, switch_usd: float, rate: float, searched: bool = True) -> StrategyResult:
    t, ordered, horizon = pick.switch, pick.ordered, len(pick.first_cash)
    cash = pick.first_cash + pick.second_cash
    cash[t] += switch_usd
    npv = float(npv_timed(pick.start_of_month, cash - pick.start_of_month, rate))
    order_month = int(np.argmax(ordered > 0)) if ordered.size and np.any(ordered > 0) else None
    per_unit = pick.second.units_per_group  # servers per unit (> 1 where a replica spans several servers)
    first_order = int(ordered[order_month]) * per_unit if order_month is not None else 0
    tokens = np.asarray(point.demand.total_tokens, dtype=float)
    single_id, single_tco = best_single if best_single is not None else (None, None)
    saving = None if single_tco is None else float(single_tco - pick.tco)
    lead = _lead(pick.second, sv) if pick.steps else 0
    owed = float(np.sum(pick.first_cash[t + parallel:])) if _reserved(pick.first) else 0.0
    steps = [StrategyBaseStep(servers=n * per_unit, start_month=m + 1, order_month=m - lead + 1)
             for n, m in pick.steps]
    phases = [StrategyPhase(option=pick.first.id, kind=pick.first.kind, start_month=1,
                            end_month=min(t + parallel, horizon), tco_usd=float(np.sum(pick.first_cash))),
              StrategyPhase(option=pick.second.id, kind=pick.second.kind, start_month=t + 1, end_month=horizon,
                            tco_usd=float(np.sum(pick.second_cash)),
                            first_order_month=None if order_month is None else order_month + 1)]
    return StrategyResult(
        first=pick.first.id, second=pick.second.id, switch_month=t + 1, phases=phases,
        base_units=pick.base_units if pick.base_units >= 0 else None,
        order_month=None if order_month is None else order_month + 1, servers_first_order=first_order,
        tokens_per_month_at_switch=float(tokens[t]), tco_usd=pick.tco, npv_usd=npv,
        upfront_usd=float(pick.start_of_month[0]),
        usd_per_mtok=pick.tco / float(np.sum(tokens)) * 1e6 if np.sum(tokens) > 0 else None,
        monthly_cash_usd=[float(x) for x in cash],
        switch_cost_usd=switch_usd, switch_egress_usd=float(_egress_usd(sv)), parallel_months=parallel,
        best_single=single_id, best_single_tco_usd=single_tco, saving_usd=saving,
        pays_off=saving is not None and saving > 0,
        base_steps=steps, commitment_after_leaving_usd=owed,
        plain_words=_plain_words(pick.first, pick.second, t, order_month, first_order, float(tokens[t]), pick.tco,
                                 best_single, s.finance.currency, searched, _growth_words(steps), owed),
        assumptions=[*SIMPLIFICATIONS,
                     f"migration: {float(sv['migration_engineering_fte_months']):g} ML-engineer months "
                     f"({sv.sources['migration_engineering_fte_months'][0]})",
                     f"cut-over: {parallel} month(s) of both phases running "
                     f"({sv.sources['cutover_parallel_months'][0]})",
                     f"data egress at the switch: {float(sv['switch_data_gb']):,.0f} GB at "
                     f"{float(sv['egress_usd_per_gb']):.3g} {s.finance.currency}/GB "
                     f"({sv.sources['switch_data_gb'][0]}; "
                     f"{sv.sources['egress_usd_per_gb'][0]})",
                     *([TAX_NOTE] if s.finance.tax_shield and owed else [])],
    )


def _tokens(n: float) -> str:
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if n >= size:
            return f"{n / size:.3g} {word}"
    return f"{n:,.0f}"


def _money(x: float, currency: str) -> str:
    return f"{x:,.0f} {currency}"


def _growth_words(steps: list[StrategyBaseStep]) -> str | None:
    """A base grown in a step, e.g. "order 1 more server in month 40 so that the base is 3 servers from month 43"."""
    if len(steps) < 2:
        return None
    added = steps[1].servers - steps[0].servers
    return (f"order {added} more server{'s' if added != 1 else ''} in month {steps[1].order_month} so that the "
            f"base is {steps[1].servers} servers from month {steps[1].start_month}")


def _plain_words(first: Deployment, second: Deployment, t: int, order_month: int | None, servers: int,
                 tokens: float, tco: float, best_single: tuple[str, float] | None, currency: str,
                 searched: bool = True, growth: str | None = None, owed_usd: float = 0.0) -> str:
    """E.g. "Use the together API until month 14 (...); order 2 servers in month 11; from month 15 ..."."""
    owed = f", its reservations paid to the end of their term after it stops serving ({_money(owed_usd, currency)})"
    parts = [f"Use {first.label} until month {t} ({_tokens(tokens)} tokens a month when it switches)"
             + (owed if owed_usd > 0 else "")]
    if order_month is not None:
        parts.append(f"order {servers} server{'s' if servers != 1 else ''} in month {order_month + 1}")
    if isinstance(second.option, HybridOption) and second.parts is not None:
        parts.append(f"from month {t + 1} serve the base on {second.parts[0].label} and send peaks to "
                     f"{second.parts[1].label}")
    else:
        parts.append(f"from month {t + 1} serve everything on {second.label}")
    plan = "; ".join([*parts, *([growth] if growth else [])])
    if best_single is None:
        return f"{plan}. Total {_money(tco, currency)}."
    single_id, single_tco = best_single
    diff = single_tco - tco
    if diff > 0:
        return (f"{plan}. Total {_money(tco, currency)}, {_money(diff, currency)} ({diff / single_tco * 100:.0f} %) "
                f"less than the best single option, {single_id}.")
    if not searched:  # a plan the scenario wrote out: its cost, not a verdict on switching
        return (f"{plan}. Total {_money(tco, currency)}, {_money(-diff, currency)} more than the best single option, "
                f"{single_id}.")
    return (f"No switch pays off: the cheapest two-phase strategy ({plan[0].lower()}{plan[1:]}) costs "
            f"{_money(tco, currency)}, {_money(-diff, currency)} more than the best single option, {single_id}.")
