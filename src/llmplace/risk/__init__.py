"""Uncertainty: Monte Carlo ranges, cost predictability, tornado and switching thresholds.

Uncertain inputs come from the scenario (inline distributions or ``uncertainty.inputs``) and,
unless ``uncertainty.defaults`` is off, from the documented defaults in the catalog's
``uncertainty_defaults.csv`` (:mod:`.inputs`). Every sample goes through the same engine as the
point run (:mod:`.montecarlo`); the tornado and thresholds re-run it on chosen values
(:mod:`.sensitivity`). Sizing stays at the point values; its uncertainty enters as the
``throughput`` multiplier. :func:`assess_risk` is what :func:`llmplace.compare` calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..conventions import SAMPLED_BREAK_EVEN_LEADERS
from ..hybrid import BaseSize
from ..options import Deployment
from ..results import (
    CompareResult,
    OptionRisk,
    RiskSummary,
    SampleArrays,
    ThresholdFlip,
    ThresholdStays,
    TornadoRow,
    serving,
)
from ..scenario import Scenario
from ..site import SiteValues
from .inputs import Target, UncertainSpec, apply_values, capacity_context, normalise_path, set_path, uncertain_inputs
from .montecarlo import CHUNK, Evaluation, MonteCarlo, break_even_pairs, evaluate, run_monte_carlo
from .sensitivity import thresholds, tornado

__all__ = [
    "CHUNK", "Evaluation", "MonteCarlo", "RiskAssessment", "Target", "UncertainSpec", "apply_values", "assess_risk",
    "break_even_pairs",
    "capacity_context", "evaluate", "normalise_path", "run_monte_carlo", "set_path", "thresholds", "tornado",
    "uncertain_inputs",
]

METHOD = ("Monte Carlo through the deterministic cost engine; sizing at point values, its uncertainty as the "
          "throughput multiplier; hybrid base sizes fixed at the deterministic optimum; in-house fleets (forecast "
          "planning or a fixed size) bought once on the forecast, idle servers paid and what they cannot carry at "
          "their target utilisation bought from the option's bridge (or unserved without one)")


@dataclass(frozen=True)
class RiskAssessment:
    """Everything the uncertainty step adds to a comparison."""

    options: dict[str, OptionRisk]
    summary: RiskSummary
    tornado: list[TornadoRow] | None
    thresholds: list[ThresholdFlip | ThresholdStays]
    samples: SampleArrays


def _tornado_pair(result: CompareResult, candidates: list[str]) -> tuple[str, str] | None:
    """The cheapest candidate and the runner-up for the tornado: a genuinely different plan (not a hybrid
    that degenerates to a pure part) whose cost differs (two APIs at one price leave no gap to explain)."""
    distinct = [o for o in sorted(result.options, key=lambda o: o.tco_usd) if o.id in candidates and not (
        o.hybrid and o.hybrid.share_served_by_base in (0.0, 1.0))]
    if not distinct:
        return None
    best = distinct[0]
    others = [o for o in distinct[1:] if abs(o.tco_usd - best.tco_usd) > 1e-6 * max(abs(best.tco_usd), 1.0)]
    return (best.id, others[0].id) if others else None


def _leaders(result: CompareResult, candidates: list[str]) -> set[str]:
    """The cheapest candidates by the point run's TCO (first listed on a tie), whose break-evens are sampled."""
    ranked = sorted((o for o in result.options if o.id in candidates), key=lambda o: o.tco_usd)
    return {o.id for o in ranked[:SAMPLED_BREAK_EVEN_LEADERS]}


def assess_risk(result: CompareResult, s: Scenario, deployments: list[Deployment], sv: SiteValues, samples: int,
                seed: int, progress: Callable[[int, int], None] | None = None,
                excluded: set[str] | None = None, all_break_evens: bool = False) -> RiskAssessment:
    """Monte Carlo, tornado and thresholds for a point comparison; options in ``excluded`` are simulated
    but never ranked. Break-even ranges are sampled for the pairs that include one of the
    :data:`~llmplace.conventions.SAMPLED_BREAK_EVEN_LEADERS` cheapest candidates (every pair with
    ``all_break_evens``)."""
    ok = {o.id for o in result.options if o.feasible}
    deps = [d for d in deployments if d.id in ok]
    units: dict[str, BaseSize] = {o.id: o.hybrid.base_units for o in result.options if o.hybrid and o.id in ok}
    # in result order, so near-ties resolve as the deterministic `cheapest` does
    candidates = [o.id for o in serving(result.options) if o.id not in (excluded or set())]
    specs = uncertain_inputs(s, deps, sv)
    mc = run_monte_carlo(s, deps, units, specs, candidates, samples, seed, progress,
                         None if all_break_evens else _leaders(result, candidates))
    pair = _tornado_pair(result, candidates)
    cheapest = mc.probability_cheapest()
    return RiskAssessment(
        options={o.id: mc.risk(o.id, cheapest) for o in result.options if o.id in mc.tco},
        summary=RiskSummary(samples=samples, seed=seed, inputs=[sp.describe() for sp in specs],
                            probability_cheapest=cheapest, method=METHOD),
        tornado=tornado(s, deps, units, specs, *pair) if pair else None,
        thresholds=thresholds(s, deps, units, specs, candidates),
        samples=mc.arrays(),
    )

