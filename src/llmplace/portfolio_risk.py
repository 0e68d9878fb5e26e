"""Monte Carlo for portfolios: each workload's options sampled, then each plan's total and its chance of winning.

Each workload runs the single-workload Monte Carlo (:func:`llmplace.risk.run_monte_carlo`, the same engine,
inputs and in-house fleets bought on the forecast). Its uncertain inputs are drawn here, once for the portfolio:

* an input that moves the market or the business (prices, price trends, electricity, throughput, utilisation,
  staff, maintenance, colocation) is drawn once per sample and shared by every workload that uses it with the
  same distribution, so one sample is one state of the world for all of them;
* an input that moves one workload's own demand (every field it moves lies under ``workload.``) is drawn for
  each workload on its own: two teams' volumes are not assumed to move together.

Draws come from one generator seeded with ``seed``, in workload order and, within a workload, in the order
its single-workload run draws them; so a portfolio of one workload draws exactly what the single scenario
draws with the same seed, and its ranges are that scenario's.

A plan keeps its assignment in every sample (``mix`` is each workload on its point-cheapest option: no sample
re-chooses with hindsight). A plan's sample is the sum of its showback: a workload on its own option pays that
option's sampled TCO; the members of a shared fleet pay the plan's point cost of that fleet times the ratio of
their sampled to their point TCO on fleets of their own (the shared fleet is not re-packed per sample: a
simplification the result states).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .conventions import MAX_SAMPLE_CELLS, MAX_SAMPLES, MIN_SAMPLES, tied_shares
from .decision import resolve_deployments
from .errors import InputError
from .options import Deployment
from .results import CompareResult, Percentiles, serving
from .results.portfolio import PortfolioInput, PortfolioPlan, PortfolioResult, PortfolioUncertainty, WorkloadSummary
from .risk import UncertainSpec, run_monte_carlo, uncertain_inputs
from .scenario import Scenario
from .site import site_values

__all__ = ["METHOD", "check_samples", "plan_samples", "portfolio_draws", "with_ranges"]

Array = NDArray[np.float64]
METHOD = ("Monte Carlo through each workload's single-workload engine; market and business inputs drawn once per "
          "sample for every workload, each workload's own demand drawn on its own; a plan's sample is the sum of "
          "its showback, a shared fleet's cost scaled by its members' sampled over point cost on fleets of their "
          "own (the shared fleet is not re-packed per sample)")


def check_samples(scenarios: list[tuple[str, Scenario]], samples: int, seed: int) -> None:
    """The single-workload limits, the cells counted over every workload (each is sampled in turn)."""
    if not MIN_SAMPLES <= samples <= MAX_SAMPLES:
        raise InputError("samples", samples, f"a whole number from {MIN_SAMPLES:,} to {MAX_SAMPLES:,}")
    cells = sum(len(s.options) * s.finance.horizon_months for _, s in scenarios)
    if samples * cells > MAX_SAMPLE_CELLS:
        most = max(MAX_SAMPLE_CELLS // cells, MIN_SAMPLES)
        raise InputError("samples", samples, f"at most {most:,} samples for this portfolio (samples x options x "
                         f"months, summed over its {len(scenarios)} workloads, <= {MAX_SAMPLE_CELLS:,})")
    if seed < 0:
        raise InputError("seed", seed, "a whole number >= 0")


def _own_demand(spec: UncertainSpec) -> bool:
    """Whether an input moves only its workload's own demand (drawn per workload, not shared)."""
    return bool(spec.targets) and all(t.path.startswith("workload.") for t in spec.targets)


def portfolio_draws(specs: list[tuple[str, list[UncertainSpec]]], samples: int, seed: int
                    ) -> tuple[dict[str, dict[str, Array]], list[PortfolioInput]]:
    """Per workload, the values of its inputs by name; and each input as drawn (shared or per workload).

    One generator seeded with ``seed`` draws in workload order, then in each workload's spec order, a value
    for each input not drawn before with the same distribution (per workload for its own demand)."""
    rng = np.random.default_rng(seed)
    drawn: dict[str, tuple[UncertainSpec, Array, list[str]]] = {}
    per: dict[str, dict[str, Array]] = {}
    for wid, workload_specs in specs:
        per[wid] = {}
        for sp in workload_specs:
            key = f"{wid}/{sp.name}" if _own_demand(sp) else sp.name
            known = drawn.get(key)
            if known is not None and known[0].dist != sp.dist:
                key = f"{wid}/{sp.name}"  # a distribution of its own: drawn on its own
                known = drawn.get(key)
            if known is None:
                known = drawn[key] = (sp, sp.sample(rng, samples), [])
            known[2].append(wid)
            per[wid][sp.name] = known[1]
    inputs = [PortfolioInput(name=sp.name, label=sp.label, workloads=ws, shared=len(ws) > 1)
              for sp, _, ws in drawn.values()]
    return per, inputs


@dataclass(frozen=True)
class _Sampled:
    """One workload's sampled TCO per option, and its share of samples cheapest per candidate."""

    tco: dict[str, Array]
    probability_cheapest: dict[str, float]


def _workload_inputs(s: Scenario, result: CompareResult) -> tuple[list[UncertainSpec], list[Deployment]]:
    """A workload's uncertain inputs and costed deployments, as its single-workload Monte Carlo takes them (the
    options a hard constraint excludes are simulated, never ranked)."""
    ok = {o.id for o in result.options if o.feasible or (o.criteria is not None and o.criteria.excluded_by)}
    deps = [d for d in resolve_deployments(s) if d.id in ok]
    return uncertain_inputs(s, deps, site_values(s, warn=False)), deps


def _sample_workload(s: Scenario, result: CompareResult, specs: list[UncertainSpec], deps: list[Deployment],
                     draws: Mapping[str, Array], samples: int, seed: int,
                     progress: Callable[[int, int], None] | None = None) -> _Sampled:
    """The single-workload Monte Carlo of one workload on given draws (break-evens are not sampled); ``progress``
    is called after each chunk, as :func:`~llmplace.risk.run_monte_carlo` calls it."""
    ids = {d.id for d in deps}
    units = {o.id: o.hybrid.base_units for o in result.options if o.hybrid and o.id in ids}
    candidates = [o.id for o in serving(result.options)]  # excluded options are no longer feasible here
    mc = run_monte_carlo(s, deps, units, specs, candidates, samples, seed, progress, leaders=frozenset(),
                         draws=draws)
    return _Sampled(tco=mc.tco, probability_cheapest=mc.probability_cheapest())


def _pct(a: Array) -> Percentiles:
    p10, p50, p90 = np.percentile(a, [10, 50, 90])
    return Percentiles(p10=float(p10), p50=float(p50), p90=float(p90), mean=float(np.mean(a)))


def plan_samples(plan: PortfolioPlan, point: Mapping[str, Mapping[str, float]],
                 sampled: Mapping[str, Mapping[str, Array]], samples: int) -> Array:
    """A plan's total per sample [currency]: each workload off the shared fleet at its option's sampled TCO; the
    shared fleet's point cost (its members' showback) times the ratio of its members' sampled to point TCO on
    fleets of their own (see the module docstring)."""
    total = np.zeros(samples)
    members = [w for w in plan.members if plan.shared_option is not None]
    for row in plan.showback:
        if row.workload not in members:
            total += sampled[row.workload][row.option]
    if members:
        opt = str(plan.shared_option)
        fleet_usd = sum(r.usd for r in plan.showback if r.workload in members)
        alone_point = sum(point[w][opt] for w in members)
        alone = np.sum([sampled[w][opt] for w in members], axis=0)
        total += fleet_usd * alone / alone_point if alone_point else fleet_usd
    return total


def _with_workload_ranges(w: WorkloadSummary, run: _Sampled) -> WorkloadSummary:
    opts = [o.model_copy(update={"tco_range_usd": _pct(run.tco[o.option]) if o.feasible else None,
                                 "probability_cheapest": run.probability_cheapest.get(o.option)}) for o in w.options]
    return w.model_copy(update={"options": opts})


def _counted(progress: Callable[[int, int], None] | None, k: int, workloads: int, samples: int
             ) -> Callable[[int, int], None] | None:
    """``progress`` for workload ``k``'s draws, counted over the draws of every workload in turn."""
    if progress is None:
        return None
    report = progress
    return lambda done, _total: report(k * samples + done, workloads * samples)


def with_ranges(result: PortfolioResult, scenarios: list[tuple[str, Scenario]], results: Mapping[str, CompareResult],
                samples: int, seed: int, progress: Callable[[int, int], None] | None = None) -> PortfolioResult:
    """``result`` with Monte Carlo ranges: per workload option, per plan (P10/P50/P90 and the chance of being the
    cheapest plan), and how the inputs were drawn. ``progress(done, total)`` is called after each chunk of draws,
    counted over every workload (a front end's cancel callback raises in it to stop at the next chunk)."""
    check_samples(scenarios, samples, seed)
    prepared = {wid: _workload_inputs(s, results[wid]) for wid, s in scenarios}
    draws, inputs = portfolio_draws([(wid, prepared[wid][0]) for wid, _ in scenarios], samples, seed)
    runs = {wid: _sample_workload(s, results[wid], *prepared[wid], draws[wid], samples, seed,
                                  _counted(progress, k, len(scenarios), samples))
            for k, (wid, s) in enumerate(scenarios)}
    point = {w.id: {o.option: o.tco_usd for o in w.options if o.tco_usd is not None} for w in result.workloads}
    totals = {p.id: plan_samples(p, point, {w: r.tco for w, r in runs.items()}, samples) for p in result.plans}
    ranked = [p.id for p in result.plans if p.infeasible_reason is None]
    shares = tied_shares(np.vstack([totals[i] for i in ranked])) if ranked else np.zeros((0, samples))
    chance = {i: float(np.mean(shares[k])) for k, i in enumerate(ranked)}
    plans = [p.model_copy(update={"tco_range_usd": _pct(totals[p.id]) if p.infeasible_reason is None else None,
                                  "probability_cheapest": chance.get(p.id)}) for p in result.plans]
    workloads = [_with_workload_ranges(w, runs[w.id]) for w in result.workloads]
    notes = result.notes + ["Monte Carlo: a shared fleet's sampled cost moves with its members' fleets of their own "
                            "(it is not re-packed per sample); each workload's own demand varies on its own; every "
                            "plan keeps its assignment in each sample (mix: each workload on its point-cheapest "
                            "option, not re-chosen with hindsight)"]
    return result.model_copy(update={
        "plans": plans, "workloads": workloads, "notes": notes,
        "uncertainty": PortfolioUncertainty(samples=samples, seed=seed, inputs=inputs, method=METHOD)})
