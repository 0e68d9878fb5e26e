"""Whether the strategy over time is the recommendation, scored on the same criteria as the single options.

A strategy runs two options one after the other, so the business lives with the weaknesses of both: each
criterion beyond cost takes the lowest score of the deployments it runs on (conservative; the reason names which):
both phases, and for a hybrid phase also its base's and its overflow's options, since the hybrid's own scores
describe the base it buys as a single option, which may be smaller than the base the strategy buys. The two
cost criteria are scored from the strategy's own figures with the single options' formulas
(:func:`.scores.total_cost_score`, :func:`.scores.initial_cost_score`) against the lowest TCO among the eligible
options and the strategy; the recommended option's two cost scores are scored again against that same
reference, so the two weighted totals (same weights) are on one basis.

The strategy replaces the recommended option when all of these hold:

1. no hard constraint excludes either phase;
2. its weighted total is higher than the recommended option's on that basis;
3. it costs at least :data:`~llmplace.conventions.STRATEGY_MIN_SAVING_SHARE` less than the recommended option
   (cash view over the horizon, the switch included);
4. after a Monte Carlo run, switching pays off in at least
   :data:`~llmplace.conventions.STRATEGY_MIN_PAYS_OFF_SHARE` of the samples.
"""

from __future__ import annotations

from ..catalog import criteria_data as data
from ..conventions import STRATEGY_MIN_PAYS_OFF_SHARE, STRATEGY_MIN_SAVING_SHARE, format_usd
from ..results import CompareResult, CriterionScore, OptionResult, Recommendation, StrategyResult
from .scores import initial_cost_score, total_cost_score
from .weights import weighted_totals

__all__ = ["BASIS", "choose_strategy", "strategy_scores"]

COST_CRITERIA = ("initial_cost", "total_cost")
BASIS = "each criterion beyond cost at the lowest score of the deployments it runs on"


def _cost_scores(tco_usd: float, upfront_usd: float, lowest_usd: float, horizon: int) -> dict[str, CriterionScore]:
    total = min(10.0, total_cost_score(tco_usd, lowest_usd))
    initial = min(10.0, initial_cost_score(upfront_usd, lowest_usd))
    return {
        "total_cost": CriterionScore(score=total, value=tco_usd, unit="USD", basis="10 x lowest TCO / TCO (cash view)",
                                     reason=f"TCO {format_usd(tco_usd, cents_below=0)} over {horizon} months, "
                                            f"{tco_usd / lowest_usd:.2f}x the lowest "
                                            f"({format_usd(lowest_usd, cents_below=0)})"),
        "initial_cost": CriterionScore(score=initial, value=upfront_usd, unit="USD",
                                       basis="10 / (1 + upfront / lowest TCO)",
                                       reason="no upfront cost" if upfront_usd <= 0 else
                                       f"upfront {format_usd(upfront_usd, cents_below=0)}"),
    }


def _phases(result: CompareResult, plan: StrategyResult) -> list[OptionResult]:
    """The options whose scores bound the strategy's: both phases, and a hybrid phase's base and overflow (the
    hybrid's own scores describe its single-option base, which may be smaller than the strategy's)."""
    out = [result.find(plan.first), result.find(plan.second)]
    hybrid = out[1].hybrid if out[1] is not None else None
    if hybrid is not None:
        out += [result.find(hybrid.base), result.find(hybrid.overflow)]
    return [o for o in out if o is not None and o.criteria is not None]


def _worse(phases: list[OptionResult], criterion: str) -> CriterionScore:
    phase = min(phases, key=lambda o: o.criteria.scores[criterion].score if o.criteria else 10.0)
    assert phase.criteria is not None
    worse = phase.criteria.scores[criterion]
    return worse.model_copy(update={"reason": f"{phase.id} (its weakest deployment here): {worse.reason}"})


def strategy_scores(result: CompareResult, plan: StrategyResult, lowest_usd: float) -> dict[str, CriterionScore]:
    """The strategy's score per criterion: the worst of its deployments beyond cost, its own figures for the cost
    criteria."""
    phases = _phases(result, plan)
    scores = {c: _worse(phases, c) for c in data.CRITERIA if c not in COST_CRITERIA}
    return {**scores, **_cost_scores(plan.tco_usd, plan.upfront_usd, lowest_usd, result.horizon_months)}


def _eligible(o: OptionResult | None) -> bool:
    return o is not None and o.feasible and o.criteria is not None and o.criteria.eligible


def _allowed(o: OptionResult | None) -> bool:
    """A phase no hard constraint excludes (an option left unranked for serving too little on its own, such as
    an in-house option without a bridge, serves fully as a second phase)."""
    return o is not None and o.feasible and o.criteria is not None and not o.criteria.excluded_by


def choose_strategy(result: CompareResult, plan: StrategyResult) -> tuple[StrategyResult, Recommendation | None]:
    """``plan`` with its scores and weighted total, and the recommendation naming it when it wins (else None)."""
    rec, weights = result.recommendation, result.weights
    winner = result.find(rec.option) if rec is not None else None
    first, second = result.find(plan.first), result.find(plan.second)
    if rec is None or weights is None or winner is None or not (_allowed(first) and _allowed(second)):
        return plan, None
    assert winner.criteria is not None
    eligible = [o.tco_usd for o in result.options if _eligible(o)]
    lowest = min([*eligible, plan.tco_usd])
    if lowest <= 0:
        return plan, None
    scores = strategy_scores(result, plan, lowest)
    winner_scores = {**winner.criteria.scores,
                     **_cost_scores(winner.tco_usd, winner.upfront_usd, lowest, result.horizon_months)}
    flat = {k: {c: x.score for c, x in v.items()} for k, v in (("strategy", scores), ("winner", winner_scores))}
    totals = weighted_totals(flat, weights.points)
    saving = winner.tco_usd - plan.tco_usd
    why_not = _why_not(plan, winner, totals, saving)
    wins = not why_not
    plan = plan.model_copy(update={"scores": scores, "weighted_total": round(totals["strategy"], 4),
                                   "recommended": wins, "not_recommended_because": "; ".join(why_not) or None})
    if not wins:
        return plan, None
    return plan, _recommendation(result, plan, rec, winner, totals, saving)


def _why_not(plan: StrategyResult, winner: OptionResult, totals: dict[str, float], saving: float) -> list[str]:
    """The conditions the strategy misses to replace the recommended option, in words (empty: it wins)."""
    out = []
    if totals["strategy"] <= totals["winner"]:
        out.append(f"its weighted score {totals['strategy']:.2f} is not above {totals['winner']:.2f} for "
                   f"{winner.id} on the same basis ({BASIS})")
    if saving < 0:
        out.append(f"it costs {-saving / winner.tco_usd:.1%} more than {winner.id}")
    elif saving < STRATEGY_MIN_SAVING_SHARE * winner.tco_usd:
        out.append(f"it saves {saving / winner.tco_usd:.1%} of {winner.id}'s TCO, under the "
                   f"{STRATEGY_MIN_SAVING_SHARE:.0%} a switch must save")
    p = plan.probability_pays_off
    if p is not None and p < STRATEGY_MIN_PAYS_OFF_SHARE:
        out.append(f"switching pays off in only {p:.0%} of the Monte Carlo samples (at least "
                   f"{STRATEGY_MIN_PAYS_OFF_SHARE:.0%} needed)")
    return out


def _recommendation(result: CompareResult, plan: StrategyResult, rec: Recommendation, winner: OptionResult,
                    totals: dict[str, float], saving: float) -> Recommendation:
    assert result.weights is not None
    first, second = result.find(plan.first), result.find(plan.second)
    assert first is not None and second is not None
    horizon, share = result.horizon_months, saving / winner.tco_usd
    label = f"{first.label} until month {plan.switch_month - 1}, then {second.label}"
    summary = (f"Recommended: a strategy over time, {plan.first} until month {plan.switch_month - 1} then "
               f"{plan.second} from month {plan.switch_month}: weighted score {totals['strategy']:.1f}/10 with the "
               f"{result.weights.profile} weights ({BASIS}) against {totals['winner']:.1f} for the best single "
               f"option, {winner.id}, on the same basis; it costs {format_usd(plan.tco_usd, cents_below=0)} over "
               f"{horizon} months, {format_usd(saving, cents_below=0)} ({share:.0%}) less than {winner.id}.")
    reasons = [f"Total cost: {format_usd(plan.tco_usd, cents_below=0)} over {horizon} months against "
               f"{format_usd(winner.tco_usd, cents_below=0)} for {winner.id}, the switch "
               f"({format_usd(plan.switch_cost_usd, cents_below=0)}) and {plan.parallel_months} month(s) of "
               f"parallel running included",
               f"The switch pays off from about {plan.tokens_per_month_at_switch / 1e9:,.2f} billion tokens a month "
               f"(month {plan.switch_month})"]
    if plan.probability_pays_off is not None:
        spread = ("" if plan.switch_month_p10 is None or plan.switch_month_p90 is None else
                  f"; the cheapest switch month falls between month {plan.switch_month_p10:.0f} (P10) and "
                  f"{plan.switch_month_p90:.0f} (P90)")
        reasons.append(f"Under uncertainty switching in month {plan.switch_month} pays off in "
                       f"{plan.probability_pays_off:.0%} of the samples{spread}")
    weak = sorted((c for c, x in plan.scores.items() if x.score < 7.5 and result.weights.shares.get(c, 0) >= 0.05),
                  key=lambda c: plan.scores[c].score)
    risks = [f"Weak on {data.CRITERION_LABELS.get(c, c)}: {plan.scores[c].reason} (score "
             f"{plan.scores[c].score:.1f})" for c in weak[:2]]
    if plan.order_month is not None:
        risks.append(f"The servers must be ordered in month {plan.order_month} to serve from month "
                     f"{plan.switch_month} (procurement lead time); a late order keeps paying {plan.first}")
    change = [f"the saving fell below {STRATEGY_MIN_SAVING_SHARE:.0%} of {winner.id}'s TCO (below "
              f"{format_usd(STRATEGY_MIN_SAVING_SHARE * winner.tco_usd, cents_below=0)}): {winner.id} alone "
              f"would be recommended"]
    plan_lines = [f"Over time: {plan.plain_words}", *(rec.plan if rec.option == plan.first else [])]
    return Recommendation(option=plan.first, kind="strategy", id=f"{plan.first} -> {plan.second}", label=label,
                          runner_up=winner.id, summary=summary, reasons=reasons, risks=risks,
                          would_change_if=change, plan=plan_lines, same_as=rec.same_as)
