"""Beyond cost: hard constraints, availability, latency, weighted criteria and the recommendation.

``evaluate(scenario, result)`` reads a cost comparison and returns an :class:`Evaluation`:

1. facts per option (units, categories, capacity and sizing, catalog rows; :mod:`.facts`);
2. availability (:mod:`.availability`) and latency (:mod:`.latency`) per option;
3. hard constraints (:mod:`.constraints`): excluded options keep a reason naming the constraint;
4. one 0-10 score per criterion with a one-line reason (:mod:`.scores`);
5. weights from the organisation profile and custom weights, weighted totals and weight
   sensitivity (:mod:`.weights`);
6. the recommendation (:mod:`.recommend`).

The orchestrator (:func:`llmplace.compare`) calls ``evaluate`` and assembles the result from it:
each option's ``criteria``, excluded options marked infeasible, ``cheapest`` among the options left,
the ``recommendation`` and ``weights``. Nothing here changes the result it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..catalog import criteria_data as data
from ..errors import InputError
from ..results import (
    Availability,
    CompareResult,
    CriterionScore,
    Evaluation,
    LatencyEstimate,
    OptionCriteria,
    Recommendation,
    SourceRef,
    Weights,
    WeightSensitivity,
)
from ..scenario.criteria_settings import Answers, Constraints, CriteriaSettings
from .availability import option_availability
from .constraints import check_option
from .facts import gather
from .latency import option_latency
from .recommend import order, recommend
from .scores import ScoreContext, score_option
from .weights import resolve_weights

__all__ = [
    "excluded_options",
    "CRITERIA",
    "Answers",
    "Constraints",
    "CriteriaSettings",
    "CriterionScore",
    "Evaluation",
    "OptionCriteria",
    "Recommendation",
    "WeightSensitivity",
    "Weights",
    "evaluate",
]

CRITERIA = data.CRITERIA


def _settings(s: Any) -> tuple[Any, Any]:
    c = getattr(s, "constraints", None) or Constraints()
    st = getattr(s, "criteria", None) or CriteriaSettings()
    return c, st


def _screen(scenario: Any, result: Any, c: Any, st: Any) -> tuple[Any, Any, Any, dict[str, list[str]], Any]:
    """Facts of every option, the feasible ones, their latency, and the hard constraints each breaks."""
    facts = gather(scenario, result)
    ttft_target = getattr(getattr(scenario, "latency", None), "ttft_ms", None)
    feasible = [f for f in facts if f.feasible]
    lat = {f.id: option_latency(f, st, ttft_target) for f in feasible}
    excluded: dict[str, list[str]] = {}
    notes: dict[str, list[str]] = {}
    for f in feasible:
        excluded[f.id], notes[f.id] = check_option(f, c, st, lat[f.id])
    return facts, feasible, lat, excluded, notes


def excluded_options(scenario: Any, result: Any) -> dict[str, list[str]]:
    """Option ids that a hard constraint excludes, with the reasons (checked before any ranking)."""
    c, st = _settings(scenario)
    _, _, _, excluded, _ = _screen(scenario, result, c, st)
    return {k: v for k, v in excluded.items() if v}


def _check_option_countries(st: Any, result: CompareResult) -> None:
    ids = {o.id for o in result.options}
    for oid in getattr(st, "option_countries", {}) or {}:
        if oid not in ids:
            raise InputError(f"criteria.option_countries.{oid}", oid, "an option id: " + ", ".join(sorted(ids)))


def evaluate(
    scenario: Any, result: CompareResult, spread: Mapping[str, float] | None = None, full_service: float = 0.0
) -> Evaluation:
    """Constraints, availability, latency, scores, weights and the recommendation for a comparison.

    ``scenario`` is the validated :class:`~llmplace.Scenario`, ``result`` its ``CompareResult``.
    ``spread`` (optional) maps option ids to a Monte Carlo P10-P90 spread of TCO over its median;
    without it cost predictability uses a documented deterministic proxy. Options that serve less
    than ``full_service`` of the demand are scored but not ranked.
    """
    c, st = _settings(scenario)
    _check_option_countries(st, result)
    if spread is None:  # a Monte Carlo run gives each option's TCO spread (P90 - P10) / P50 in percent
        spread = {
            o.id: o.risk.tco_spread_pct / 100.0
            for o in result.options
            if o.risk is not None and o.risk.tco_spread_pct is not None
        } or None
    facts, feasible, lat, excluded, notes = _screen(scenario, result, c, st)
    conv_hours = result.convention.hours_per_month
    active_share = min(1.0, result.demand.active_hours_per_month / conv_hours)
    avail = {f.id: option_availability(f, st, active_share) for f in feasible}
    for f in feasible:
        share = getattr(f.result, "served_share", None)
        if full_service > 0 and (share or 0.0) < full_service:
            notes[f.id].append(f"not ranked: serves {share or 0.0:.1%} of demand (below {full_service:.1%})")
    eligible = [
        f for f in feasible if not excluded[f.id] and not any(n.startswith("not ranked") for n in notes[f.id])
    ]
    ctx = ScoreContext(
        reference=eligible or feasible,
        scenario=_View(scenario, c, st),
        availability=avail,
        latency=lat,
        spread=spread,
    )
    scores = {f.id: score_option(f, ctx) for f in feasible}
    weights = resolve_weights(st)
    rec, totals = recommend(result, facts, [f.id for f in eligible], scores, weights, ctx, avail, excluded)
    ranked, _ = order(facts, [f.id for f in eligible], totals)
    out: dict[str, OptionCriteria] = {}
    for f in feasible:
        lat_public = {k: v for k, v in lat[f.id].items() if k != "sources"}
        out[f.id] = OptionCriteria(
            eligible=f in eligible,
            excluded_by=excluded[f.id],
            notes=notes[f.id],
            scores=scores[f.id],
            weighted_total=round(totals[f.id], 4),
            rank=ranked.index(f.id) + 1 if f.id in ranked else None,
            availability=Availability.model_validate(avail[f.id]),
            latency=LatencyEstimate.model_validate(lat_public),
        )
    sources = _dedupe(
        ctx.sources
        + [s for v in lat.values() for s in v.get("sources", [])]
        + [comp["source"] for a in avail.values() for comp in a.get("components", []) if comp.get("source")]
    )
    return Evaluation(options=out, weights=weights, recommendation=rec,
                      sources=[SourceRef.model_validate(s) for s in sources])


class _View:
    """The scenario with defaults filled in for the two criteria sections (older scenario objects)."""

    def __init__(self, s: Any, c: Any, st: Any) -> None:
        self._s, self.constraints, self.criteria = s, c, st

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s, name)


def _dedupe(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[tuple[tuple[str, str], ...]] = set()
    out = []
    for r in rows:
        key = tuple(sorted(r.items()))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
