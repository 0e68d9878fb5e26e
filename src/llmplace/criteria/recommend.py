"""The recommendation: winner and runner-up, three strongest reasons, risks, what would change it, a plan.

Reasons are the criteria where the winner gains most over the runner-up, weighted
(``share_c x (s_winner,c - s_runner,c)``); each quotes the number or answer behind its score.
Risks are the winner's weakest weighted criteria plus what the numbers flag (downtime cost, lead
time, capacity estimated rather than measured). What would change the winner comes from
:mod:`.change`, the plan from :mod:`.plan`.

Ranking: the higher weighted total, then the lower TCO, then the earlier option. A hybrid that is
structurally another eligible option (it buys no base, or its base serves no tokens: its overflow)
is named as that deployment and not ranked on its own; equal numbers alone never make two options
the same deployment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..catalog import criteria_data as data
from ..conventions import format_usd
from ..results import Availability, CriterionScore, Recommendation, Weights
from .change import would_change
from .facts import OptionFacts, twin_of
from .plan import action_plan
from .scores import ScoreContext
from .weights import ranking, sensitivity, tiebreak_keys, weighted_totals

__all__ = ["as_lines", "order", "recommend"]

MIN_GAIN = 0.005  #: weighted score points a criterion must add over the runner-up to count as a reason


def _label(c: str) -> str:
    return data.CRITERION_LABELS.get(c, c)


def order(
    facts: Sequence[OptionFacts], eligible: Sequence[str], totals: dict[str, float]
) -> tuple[list[str], dict[str, str]]:
    """Eligible options best first, and the hybrids that are structurally another eligible option.

    Such a twin (a hybrid that buys no base is its overflow) is not ranked on its own: it follows
    the option it duplicates.
    """
    by_id = {f.id: f for f in facts}
    twins = {o: t for o in eligible if (t := twin_of(by_id[o])) is not None and t in eligible and t != o}
    main = [o for o in eligible if o not in twins]
    ranked = ranking({o: totals[o] for o in main}, tiebreak_keys(facts, list(eligible)))
    out: list[str] = []
    for o in ranked:
        out.append(o)
        out += [t for t in eligible if twins.get(t) == o]
    return out, twins


def _twin_words(f: OptionFacts) -> str:
    if not any(f.units):
        return "it buys no base"
    if f.part_shares and f.part_shares[0] <= 0.0:
        return "its base serves no tokens"
    if f.part_shares and f.part_shares[-1] <= 0.0:
        return "its overflow serves no tokens and no standby is paid for (standby: none)"
    return "the same cost and tokens in every month, and no standby paid for"


def _reasons(w: str, r: str | None, sc: dict[str, dict[str, CriterionScore]], weights: Weights) -> list[str]:
    rows = []
    for c, share in weights.shares.items():
        sw = sc[w][c].score
        sr = sc[r][c].score if r else 0.0
        rows.append((share * (sw - sr), c, sw, sr))
    rows.sort(key=lambda x: -x[0])
    out = []
    picked = []
    for gain, c, sw, sr in rows[:3]:
        if r and gain < MIN_GAIN:
            break
        picked.append(c)
        vs = f"score {sw:.1f} vs {sr:.1f} for {r}" if r else f"score {sw:.1f}"
        out.append(f"{_label(c).capitalize()}: {sc[w][c].reason} ({vs}; weight {weights.shares[c]:.0%})")
    # fewer than three criteria set the winner apart: add its strongest weighted ones
    strong = sorted(
        (c for c in weights.shares if c not in picked and sc[w][c].score >= 7.0),
        key=lambda c: -weights.shares[c] * sc[w][c].score,
    )
    for c in strong[: 3 - len(out)]:
        tie = f", as good as {r}" if r and abs(sc[w][c].score - sc[r][c].score) < 1e-9 else ""
        out.append(
            f"{_label(c).capitalize()}: {sc[w][c].reason} (score {sc[w][c].score:.1f}{tie}; weight "
            f"{weights.shares[c]:.0%})"
        )
    return out


def _risks(
    f: OptionFacts,
    sc: dict[str, CriterionScore],
    weights: Weights,
    avail: Availability,
    used: set[str],
    ctx: ScoreContext,
) -> list[str]:
    out: list[str] = []
    weak = sorted(
        (c for c in sc if weights.shares.get(c, 0) >= 0.05 and c not in used),
        key=lambda c: (sc[c].score, -weights.shares[c]),
    )
    for c in weak[:2]:
        if sc[c].score < 7.5:
            out.append(
                f"Weak on {_label(c)}: {sc[c].reason} (score {sc[c].score:.1f}, weight "
                f"{weights.shares[c]:.0%})"
            )
    if avail.downtime_usd_per_year and "availability" not in weak[:2]:
        out.append(
            f"Downtime: {avail.downtime_hours_per_year:.1f} h/yr expected, about "
            f"{format_usd(avail.downtime_usd_per_year, cents_below=0)}/yr at "
            f"{format_usd(ctx.settings.downtime_usd_per_hour, cents_below=0)}/h in active hours"
        )
    if f.kind == "in_house" and "scalability" not in weak[:2]:
        weeks, src = ctx.lead_weeks(f)
        out.append(
            f"Growth beyond the {f.servers_text(f.max_units)} bought waits {weeks:g} weeks for delivery ({src})"
        )
    if f.capacity_source and f.capacity_source.startswith("sizing"):
        out.append(
            f"Capacity comes from the {f.capacity_source}, not a measurement: benchmark the model on the "
            f"hardware before committing"
        )
    out += [f"Note: {n}" for n in avail.notes]
    return out[:5]


def _named(reasons: list[str]) -> set[str]:
    """The criteria the reasons are about (each reason starts with its criterion's label)."""
    return {c for c in data.CRITERIA if any(data.CRITERION_LABELS[c].capitalize() + ":" in x for x in reasons)}


def _none_eligible(excluded: dict[str, list[str]]) -> Recommendation:
    why = "; ".join(f"{o}: {rs[0]}" for o, rs in excluded.items() if rs) or "no option can serve the workload"
    return Recommendation(
        option=None,
        summary=f"No option satisfies the constraints ({why}).",
        risks=["Relax a constraint or add an option that meets them."],
    )


def _summary(
    fw: OptionFacts,
    r: str | None,
    totals: dict[str, float],
    weights: Weights,
    eligible: list[OptionFacts],
    twin_words: list[str],
) -> str:
    """The winner and its score, the runner-up, the cheapest eligible option and the structural duplicates."""
    cheapest = min(eligible, key=lambda f: f.tco_usd)
    runner = f"; runner-up {r} at {totals[r]:.1f}" if r else "; the only eligible option"
    return (
        f"Recommended: {fw.label} ({fw.id}), weighted score {totals[fw.id]:.1f}/10 with the {weights.profile} "
        f"weights{runner}. Lowest TCO among eligible options: {cheapest.id} "
        f"({format_usd(cheapest.tco_usd, cents_below=0)} over {cheapest.horizon_months} months)."
        + "".join(f" {x}" for x in twin_words)
    )


def recommend(
    res: Any,
    facts: list[OptionFacts],
    eligible: list[str],
    sc: dict[str, dict[str, CriterionScore]],
    weights: Weights,
    ctx: ScoreContext,
    availability: dict[str, Availability],
    excluded: dict[str, list[str]],
) -> tuple[Recommendation, dict[str, float]]:
    """The recommendation among ``eligible`` option ids, and the weighted totals of every scored option."""
    flat = {o: {c: s.score for c, s in cs.items()} for o, cs in sc.items()}
    totals = weighted_totals(flat, weights.points)
    if not eligible:
        return _none_eligible(excluded), totals
    tco = {f.id: f.tco_usd for f in facts}
    ranked, twin_map = order(facts, eligible, totals)
    w = ranked[0]
    r = next((o for o in ranked[1:] if o not in twin_map), None)
    twins = [o for o in ranked if o in twin_map]
    eligible = [o for o in eligible if o not in twin_map]
    fw = next(f for f in facts if f.id == w)
    el_flat = {o: flat[o] for o in eligible}
    el_facts = [f for f in facts if f.id in eligible]
    sens = sensitivity(el_flat, weights.points, w, tiebreak_keys(el_facts, eligible)) if r else []
    reasons = _reasons(w, r, sc, weights)
    risks = _risks(fw, sc[w], weights, availability.get(w) or Availability(), _named(reasons), ctx)
    ex = {o: (rs, totals[o], tco[o]) for o, rs in excluded.items() if rs and o in totals}
    change, thresholds = would_change(res, el_facts, w, r, el_flat, weights, sens, ex)
    twin_words = [
        f"{o} is the same deployment as {twin_map[o]} ({_twin_words(next(f for f in facts if f.id == o))})."
        for o in twins
    ]
    return Recommendation(
        option=w,
        id=w,
        label=fw.label,
        runner_up=r,
        summary=_summary(fw, r, totals, weights, el_facts, twin_words),
        reasons=reasons,
        risks=risks,
        would_change_if=change,
        plan=action_plan(fw, res, w, r),
        sensitivity=sens,
        cost_thresholds=thresholds,
        same_as={o: twin_map[o] for o in twins},
    ), totals


def as_lines(result: Any) -> list[str]:
    """The recommendation of a comparison as plain text lines, for a terminal or a plain-text report."""
    rec = getattr(result, "recommendation", None)
    if rec is None:
        return []
    out = [rec.summary]  # 'Recommended: ...' (or why none is), said once
    for title, items in (
        ("Why", rec.reasons),
        ("Risks", rec.risks),
        ("Would change if", rec.would_change_if),
        ("Plan", rec.plan),
    ):
        if items:
            out.append(f"  {title}:")
            out += [f"   - {x}" for x in items]
    return out
