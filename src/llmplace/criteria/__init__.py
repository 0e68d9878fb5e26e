"""Beyond cost: hard constraints, availability, latency, weighted criteria and the recommendation.

``evaluate(scenario, result)`` reads a cost comparison and returns an :class:`Evaluation`:

1. facts per option (units, categories, capacity and sizing, catalog rows; :mod:`.facts`);
2. availability (:mod:`.availability`) and latency (:mod:`.latency`) per option;
3. hard constraints (:mod:`.constraints`): excluded options keep a reason naming the constraint;
4. one 0-10 score per criterion with a one-line reason (:mod:`.scores`);
5. weights from the organisation profile and custom weights, weighted totals and weight
   sensitivity (:mod:`.weights`);
6. the recommendation (:mod:`.recommend`), what would change it (:mod:`.change`) and the plan (:mod:`.plan`).

The orchestrator (:func:`llmplace.compare`) calls ``evaluate`` and assembles the result from it:
each option's ``criteria``, excluded options marked infeasible, ``cheapest`` among the options left,
the ``recommendation`` and ``weights``. Nothing here changes the result it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..catalog import criteria_data as data
from ..errors import InputError, did_you_mean
from ..results import (
    CompareResult,
    CriterionScore,
    Evaluation,
    OptionCriteria,
    Recommendation,
    SourceRef,
    Weights,
    WeightSensitivity,
)
from ..scenario.criteria_settings import Answers, Constraints, CriteriaSettings
from .availability import option_availability
from .constraints import check_option
from .facts import OptionFacts, facts_before_costing, gather
from .latency import OptionLatency, option_latency
from .recommend import order, recommend
from .scores import ScoreContext, score_option
from .weights import resolve_weights

__all__ = [
    "bridge_candidates",
    "excluded_options",
    "CRITERIA",
    "Answers",
    "Constraints",
    "CriteriaSettings",
    "CriterionScore",
    "Evaluation",
    "LEFT_OUT_DEPRECATED",
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


class _Screen(NamedTuple):
    """Every option's facts, the feasible ones, their latency, and the hard constraints each breaks."""

    facts: list[OptionFacts]
    feasible: list[OptionFacts]
    latency: dict[str, OptionLatency]
    excluded: dict[str, list[str]]  #: option id -> exclusion reasons (empty: none)
    notes: dict[str, list[str]]  #: option id -> checks that could not be made


def _screen(scenario: Any, result: Any, c: Any, st: Any) -> _Screen:
    """Facts of every option, the feasible ones, their latency, and the hard constraints each breaks."""
    facts = gather(scenario, result)
    ttft_target = getattr(getattr(scenario, "latency", None), "ttft_ms", None)
    feasible = [f for f in facts if f.feasible]
    lat = {f.id: option_latency(f, st, ttft_target) for f in feasible}
    excluded: dict[str, list[str]] = {}
    notes: dict[str, list[str]] = {}
    for f in feasible:
        excluded[f.id], notes[f.id] = check_option(f, c, st, lat[f.id].estimate)
    _bridges_break(feasible, excluded)
    return _Screen(facts, feasible, lat, excluded, notes)


def _bridges_break(feasible: list[OptionFacts], excluded: dict[str, list[str]]) -> None:
    """An in-house option breaks what its bridge breaks while the bridge serves (before the first delivery)."""
    for f in feasible:
        if f.bridge is not None and excluded.get(f.bridge.id):
            excluded[f.id] += [f"{r} (via {f.bridge.id}, its bridge before the first delivery)"
                               for r in excluded[f.bridge.id]]


def bridge_candidates(scenario: Any, deployments: list[Any]) -> set[str]:
    """Ids of the api options that no hard constraint excludes on what is known before costing (who processes
    the data, where, internet access): an in-house option's default bridge is chosen among them."""
    c, st = _settings(scenario)
    out: set[str] = set()
    for d in deployments:
        if d.kind != "api" or d.infeasible_reason is not None or d.api is None:
            continue
        f = facts_before_costing(scenario, d.id, d.kind, d.label, d.option, d.api.provider)
        reasons, _ = check_option(f, c, st, None)
        if not reasons:
            out.add(d.id)
    return out


def excluded_options(scenario: Any, result: Any) -> dict[str, list[str]]:
    """Option ids that a hard constraint excludes, with the reasons (checked before any ranking)."""
    c, st = _settings(scenario)
    return {k: v for k, v in _screen(scenario, result, c, st).excluded.items() if v}


def _check_option_countries(st: Any, result: CompareResult) -> None:
    ids = {o.id for o in result.options}
    for oid in getattr(st, "option_countries", {}) or {}:
        if oid not in ids:
            raise InputError(f"criteria.option_countries.{oid}", oid, "an option id: " + ", ".join(sorted(ids)),
                             did_you_mean(oid, sorted(ids)))


def _spread_from_samples(result: CompareResult) -> dict[str, float] | None:
    """Each option's Monte Carlo TCO spread (P90 - P10) / P50 as a share, when the run sampled."""
    spread = {
        o.id: o.risk.tco_spread_pct / 100.0
        for o in result.options
        if o.risk is not None and o.risk.tco_spread_pct is not None
    }
    return spread or None


def _below_full_service(screen: _Screen, full_service: float) -> None:
    """Note the options that serve too little of the demand to be ranked."""
    if full_service <= 0:
        return
    for f in screen.feasible:
        share = getattr(f.result, "served_share", None) or 0.0
        if share < full_service:
            screen.notes[f.id].append(f"not ranked: serves {share:.1%} of demand (below {full_service:.1%})")


def _deprecated_last(screen: _Screen, result: CompareResult) -> tuple[dict[str, str], list[str]]:
    """Options using a deprecated catalog row: not ranked while another option is eligible (a note says so).

    Returns every deprecated option id with its reason, and the ids left out of the ranking for it.
    """
    deprecated = {o.id: o.deprecated for o in result.options if o.deprecated}
    candidates = [f.id for f in screen.feasible if _rankable(screen, f.id)]
    if all(oid in deprecated for oid in candidates):
        return deprecated, []
    left = [oid for oid in candidates if oid in deprecated]
    for oid in left:
        screen.notes[oid].append(f"not ranked: uses a deprecated offer ({deprecated[oid]}); it is ranked only when "
                                 "no other option is eligible")
    return deprecated, left


LEFT_OUT_DEPRECATED = "Left out of the ranking as deprecated (no longer sold)"


def _deprecation_words(rec: Recommendation, deprecated: dict[str, str], left: list[str]) -> Recommendation:
    """The recommendation with a warning line when it picks a deprecated offer, and the ones it left out named."""
    if rec.option is not None and rec.option in deprecated:
        risk = (f"Deprecated offer: {deprecated[rec.option]}. Recommended only because no option on sale is "
                "eligible: confirm it can still be bought or rented before committing")
        return rec.model_copy(update={"risks": [risk, *rec.risks]})
    if not left or rec.option is None:
        return rec
    words = f" {LEFT_OUT_DEPRECATED}: " + "; ".join(
        f"{oid} ({deprecated[oid]})" for oid in left) + "."
    return rec.model_copy(update={"summary": rec.summary + words})


def _rankable(screen: _Screen, oid: str) -> bool:
    return not screen.excluded[oid] and not any(n.startswith("not ranked") for n in screen.notes[oid])


def evaluate(
    scenario: Any, result: CompareResult, spread: Mapping[str, float] | None = None, full_service: float = 0.0
) -> Evaluation:
    """Constraints, availability, latency, scores, weights and the recommendation for a comparison.

    ``scenario`` is the validated :class:`~llmplace.Scenario`, ``result`` its ``CompareResult``.
    ``spread`` (optional) maps option ids to a Monte Carlo P10-P90 spread of TCO over its median;
    without it a Monte Carlo run's own spread is used, else cost predictability uses a documented
    deterministic proxy. Options that serve less than ``full_service`` of the demand are scored but
    not ranked.
    """
    c, st = _settings(scenario)
    _check_option_countries(st, result)
    if spread is None:
        spread = _spread_from_samples(result)
    screen = _screen(scenario, result, c, st)
    feasible = screen.feasible
    active_share = min(1.0, result.demand.active_hours_per_month / result.convention.hours_per_month)
    avail = {f.id: option_availability(f, st, active_share) for f in feasible}
    _below_full_service(screen, full_service)
    deprecated, left_out = _deprecated_last(screen, result)
    eligible = [f.id for f in feasible if _rankable(screen, f.id)]
    ctx = ScoreContext(
        reference=[f for f in feasible if f.id in eligible] or feasible,
        scenario=_View(scenario, c, st),
        availability=avail,
        latency={oid: x.estimate for oid, x in screen.latency.items()},
        spread=spread,
    )
    scores = {f.id: score_option(f, ctx) for f in feasible}
    weights = resolve_weights(st)
    rec, totals = recommend(result, screen.facts, eligible, scores, weights, ctx, avail, screen.excluded)
    rec = _deprecation_words(rec, deprecated, left_out)
    ranked, _ = order(screen.facts, eligible, totals)
    out = {
        f.id: OptionCriteria(
            eligible=f.id in eligible,
            excluded_by=screen.excluded[f.id],
            notes=screen.notes[f.id],
            scores=scores[f.id],
            weighted_total=round(totals[f.id], 4),
            rank=ranked.index(f.id) + 1 if f.id in ranked else None,
            availability=avail[f.id],
            latency=ctx.latency[f.id],
        )
        for f in feasible
    }
    sources = _dedupe(
        ctx.sources
        + [s for x in screen.latency.values() for s in x.sources]
        + [comp.source for a in avail.values() for comp in a.components if comp.source is not None]
    )
    return Evaluation(options=out, weights=weights, recommendation=rec, sources=sources)


class _View:
    """The scenario with defaults filled in for the two criteria sections (older scenario objects)."""

    def __init__(self, s: Any, c: Any, st: Any) -> None:
        self._s, self.constraints, self.criteria = s, c, st

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s, name)


def _dedupe(rows: list[SourceRef]) -> list[SourceRef]:
    """The rows in first-seen order, each once."""
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for r in rows:
        key = (r.table, r.key, r.source, r.as_of)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
