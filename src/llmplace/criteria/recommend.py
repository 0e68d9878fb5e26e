"""The recommendation: winner and runner-up, three strongest reasons, risks, what would change it, a plan.

Reasons are the criteria where the winner gains most over the runner-up, weighted
(``share_c x (s_winner,c - s_runner,c)``); each quotes the number or answer behind its score.
Risks are the winner's weakest weighted criteria plus what the numbers flag (downtime cost, lead
time, capacity estimated rather than measured). "Would change if" lists the weights that need the
smallest move to change the winner (closed-form roots, see :mod:`.weights`), the cost change that
lets the runner-up win (found by bisection on its TCO, re-scoring the cost criteria each step),
the break-even month between the two, and constraints whose relaxation would bring back a better
scoring option. A quoted weight is rounded past its threshold in the direction of the move (up when
the weight must rise, down when it must fall), so re-running at the quoted value changes the winner;
a move that only reaches a tie the tie-break settles for the winner is not listed.

Ranking: the higher weighted total, then the lower TCO, then the earlier option. A hybrid that is
structurally another eligible option (it buys no base, or its base serves no tokens: its overflow)
is named as that deployment and not ranked on its own; equal numbers alone never make two options
the same deployment.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from ..catalog import criteria_data as data
from ..conventions import format_usd
from ..results import Availability, CostThreshold, CriterionScore, Recommendation, Weights, WeightSensitivity
from .facts import OptionFacts, twin_of
from .scores import SCORERS, ScoreContext
from .weights import TIE_DIGITS, ranking, sensitivity, weighted_totals

__all__ = ["as_lines", "beyond", "order", "recommend", "tco_threshold"]

_COST_CRITERIA = ("initial_cost", "total_cost")
MIN_GAIN = 0.005  #: weighted score points a criterion must add over the runner-up to count as a reason
QUOTE_DIGITS = 4  #: significant digits of a quoted weight threshold, rounded past it


def _label(c: str) -> str:
    return data.CRITERION_LABELS.get(c, c)


def _pct(x: float) -> str:
    return f"{x:.0%}" if abs(x) >= 0.01 else f"{x:.2%}"


def beyond(threshold: float, up: bool, digits: int = QUOTE_DIGITS) -> float:
    """``threshold`` rounded to ``digits`` significant digits in the direction of the move, strictly past it.

    Up when the weight must rise past the threshold, down when it must fall below it (never below 0),
    so that re-running at the quoted value changes the winner.
    """
    if threshold <= 0.0:
        return 10.0 ** -(digits - 1) if up else 0.0
    e = math.floor(math.log10(threshold)) - (digits - 1)
    step = 10.0**e
    nd = max(0, -e)
    q = round((math.ceil if up else math.floor)(threshold / step) * step, nd)
    if up and q <= threshold:
        q = round(q + step, nd)
    if not up and q >= threshold:
        q = round(q - step, nd)
    return max(0.0, q)


def _tiebreak(facts: Sequence[OptionFacts], ids: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Tie-break key per option: the lower TCO, then the earlier option in the comparison."""
    tco = {f.id: f.tco_usd for f in facts}
    return {o: (round(tco[o], 6), float(i)) for i, o in enumerate(ids)}


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
    ranked = ranking({o: totals[o] for o in main}, _tiebreak(facts, list(eligible)))
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
    return "its overflow serves no tokens and plays no standby role"


def _rescored(
    facts: list[OptionFacts], ctx: ScoreContext, scores: dict[str, dict[str, float]], tco: dict[str, float]
) -> dict[str, dict[str, float]]:
    """Scores with some options' TCO replaced; only the cost criteria depend on it."""
    moved = [dataclasses.replace(f, tco_usd=tco.get(f.id, f.tco_usd)) for f in facts]
    ctx2 = dataclasses.replace(ctx, reference=moved, sources=[])
    out = {o: dict(s) for o, s in scores.items()}
    for f in moved:
        for c in _COST_CRITERIA:
            out[f.id][c] = SCORERS[c](f, ctx2).score
    return out


def tco_threshold(
    facts: list[OptionFacts],
    ctx: ScoreContext,
    scores: dict[str, dict[str, float]],
    points: dict[str, float],
    mover: str,
    other: str,
    lo: float,
    hi: float,
) -> float | None:
    """Factor on ``mover``'s TCO in [lo, hi] at which ``mover`` and ``other`` tie (bisection), or None."""
    base = next(f.tco_usd for f in facts if f.id == mover)

    def gap(k: float) -> float:
        t = weighted_totals(_rescored(facts, ctx, scores, {mover: base * k}), points)
        return t[mover] - t[other]

    g_lo, g_hi = gap(lo), gap(hi)
    if g_lo == 0:
        return lo
    if (g_lo > 0) == (g_hi > 0):
        return None
    a, b = lo, hi
    for _ in range(60):
        m = 0.5 * (a + b)
        if (gap(m) > 0) == (g_lo > 0):
            a = m
        else:
            b = m
    return 0.5 * (a + b)


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
            f"Growth beyond the {f.max_units} server(s) bought waits {weeks:g} weeks for delivery ({src})"
        )
    if f.capacity_source and f.capacity_source.startswith("sizing"):
        out.append(
            f"Capacity comes from the {f.capacity_source}, not a measurement: benchmark the model on the "
            f"hardware before committing"
        )
    out += [f"Note: {n}" for n in avail.notes]
    return out[:5]


def _would_change(
    res: Any,
    facts: list[OptionFacts],
    ctx: ScoreContext,
    w: str,
    r: str | None,
    flat: dict[str, dict[str, float]],
    weights: Weights,
    sens: list[WeightSensitivity],
    excluded: dict[str, tuple[list[str], float, float]],
) -> tuple[list[str], list[CostThreshold]]:
    lines: list[str] = []
    thresholds: list[CostThreshold] = []
    moves = sorted(
        (s for s in sens if s.threshold_points is not None and s.relative_change is not None),
        key=lambda s: s.relative_change or 0.0,
    )
    tb = _tiebreak(facts, [f.id for f in facts])
    for s in moves:
        if len(lines) >= 3:
            break
        t = max(0.0, s.threshold_points or 0.0)
        up = s.direction == "raise"
        quoted = beyond(t, up)
        moved = dict(weights.points)
        moved[s.criterion] = quoted
        if sum(moved.values()) <= 0:
            continue
        new = ranking(weighted_totals(flat, moved), tb)[0]
        if new == w:
            continue  # the move does not change the winner (a tie the tie-break settles for the winner)
        verb = "rose" if up else "fell"
        if quoted == t:  # lowered to 0: a tie, which the tie-break gives to the challenger
            rule = "lower TCO" if tb[new][0] < tb[w][0] else "the same TCO, listed first"
            then = f"{new} would tie {w} and win the tie-break ({rule})"
        else:
            then = f"{new} would win (the two tie at {t:.6g} points)"
        lines.append(
            f"the weight of {_label(s.criterion)} {verb} from {s.points:g} to {quoted:g} points "
            f"(others fixed): {then}"
        )
    totals = weighted_totals(flat, weights.points)
    if r is not None:
        fr = next(f for f in facts if f.id == r)
        fw = next(f for f in facts if f.id == w)
        tied = round(totals[r], TIE_DIGITS) == round(totals[w], TIE_DIGITS)
        k = tco_threshold(facts, ctx, flat, weights.points, r, w, 0.01, 1.0)
        k2 = tco_threshold(facts, ctx, flat, weights.points, w, r, 1.0, 20.0)
        if tied:  # equal weighted scores: the tie-break alone keeps the winner
            rule = "lower TCO" if fw.tco_usd < fr.tco_usd - 1e-6 else "the same TCO, listed first"
            lines.append(
                f"{r} ties {w} on the weighted score ({totals[w]:.2f}); {w} ranks first only on the "
                f"tie-break ({rule})"
                + (f": any cut in {r}'s cost or rise in {w}'s would make {r} the winner" if k and k2 else "")
            )
        if k is not None and not tied:
            thresholds.append(CostThreshold(option=r, tco_factor=round(k, 4), tco_usd=round(fr.tco_usd * k, 2)))
            lines.append(
                f"{r} cost {_pct(1 - k)} less over the horizon "
                f"(TCO {format_usd(fr.tco_usd * k, cents_below=0)} instead of "
                f"{format_usd(fr.tco_usd, cents_below=0)}): it would overtake {w}"
            )
        elif k is None:
            lines.append(f"no cut in {r}'s cost alone would make it overtake {w} with these weights")
        if k2 is not None and not tied:
            thresholds.append(CostThreshold(option=w, tco_factor=round(k2, 4), tco_usd=round(fw.tco_usd * k2, 2)))
            lines.append(
                f"{w} cost {_pct(k2 - 1)} more than modelled "
                f"(TCO {format_usd(fw.tco_usd * k2, cents_below=0)}): {r} would win"
            )
        for b in getattr(res, "break_even", []) or []:
            if b.view == "cash" and {b.a, b.b} == {w, r}:
                if b.month is not None:
                    lines.append(
                        f"the horizon changed: {b.a} and {b.b} break even at month {b.month:.1f} "
                        f"(cash view); {b.cheaper_after} is cheaper after that"
                    )
                elif b.cheaper_after:
                    other = b.a if b.cheaper_after == b.b else b.b
                    lo, hi = sorted([fw.tco_usd, fr.tco_usd])
                    gap = (hi - lo) / lo if lo > 0 else 0.0
                    if gap < 0.005:
                        break  # practically the same cost: no cost fact worth stating
                    lines.append(
                        f"{b.cheaper_after} stays cheaper than {other} in every month of the "
                        f"{fw.horizon_months}-month horizon (TCO gap {gap:.0%}); no break-even"
                    )
                break
    fw_tco = next(f.tco_usd for f in facts if f.id == w)
    for oid, (why, total, tco) in sorted(excluded.items(), key=lambda kv: kv[1][2])[:2]:
        if total > totals[w] or tco < fw_tco:
            better = (
                f"would score {total:.1f} vs {totals[w]:.1f}"
                if total > totals[w]
                else f"costs {format_usd(tco, cents_below=0)} over the horizon, {_pct(1 - tco / fw_tco)} less than {w}"
            )
            lines.append(
                f"a constraint were relaxed: {oid} {better}; excluded now because "
                f"{why[0].removeprefix('excluded: ')}"
            )
    return lines, thresholds


def _plan(f: OptionFacts, res: Any, w: str, r: str | None) -> list[str]:
    out: list[str] = []
    h = f.horizon_months
    grow = next((m for m in range(1, len(f.units)) if f.units[m] > f.units[m - 1]), None)
    if f.kind == "in_house":
        if f.n_plus_one and f.second_site:
            extra = " split over two sites (one spare at each site, N+1)"
        elif f.n_plus_one:
            extra = " (one of them a spare, N+1)"
        else:
            extra = " split over two sites" if f.second_site else ""
        out.append(
            f"Buy {f.units[0]} x {f.label}{extra}: {format_usd(f.upfront_usd, cents_below=0)} upfront; "
            f"{f.staff_fte:.2f} FTE to run them"
        )
    elif f.kind == "cloud":
        plan = (f.plan or "on_demand").replace("_", " ")
        out.append(f"Rent {f.units[0]} x {f.label}" + ("" if plan in f.label else f" ({plan})"))
    elif f.kind == "api":
        mon = f.result.monthly_usd
        out.append(
            f"Use {f.label} at ${f.usd_per_mtok or 0:,.2f}/Mtok: about {format_usd(mon[0], cents_below=0)} in month 1, "
            f"{format_usd(mon[-1], cents_below=0)} in month {h}"
        )
    else:
        hp = f.result.hybrid
        if f.parts and hp is not None:
            base, over = f.parts[0], f.parts[-1]
            verb = "Buy" if base.kind == "in_house" else "Reserve"
            n = hp.base_units
            n = n if isinstance(n, int) else (f.units[0] if f.units else "the planned")
            if not any(f.units):
                return [
                    f"The optimiser buys no base: use {over.label} alone, paid as used",
                    f"Revisit in month {min(12, h)}: when volume grows, a base of owned servers may pay off",
                ]
            kind = hp.base_unit_kind or "units"
            if n == 1 and kind.endswith("s"):
                kind = kind[:-1]
            out.append(
                f"{verb} {n} {kind} of {base.label} "
                f"({format_usd(f.upfront_usd, cents_below=0)} upfront) for the base load, serving "
                f"{hp.share_served_by_base:.1%} of tokens"
            )
            share_over = hp.share_served_by_overflow
            if share_over >= 0.001:
                out.append(
                    f"Send the rest ({share_over:.1%} of tokens, the peaks) to {over.label}, paid as used"
                )
            else:
                out.append(
                    f"Keep {over.label} ready as standby: the base carries the forecast load, the overflow "
                    f"takes over during outages and unexpected peaks, paid only when used"
                )
        out += [f"Note: {n}" for n in getattr(f.result, "notes", [])[:2]]
    if grow is not None and f.units:
        top, top_m = max(f.units), f.units.index(max(f.units)) + 1
        later = f" and {top} by month {top_m}" if top_m > grow + 1 else ""
        out.append(f"Grow to {f.units[grow]} units in month {grow + 1}{later} as demand grows")
    revisit = grow + 1 if grow is not None else None
    for b in getattr(res, "break_even", []) or []:
        if b.view == "cash" and r is not None and {b.a, b.b} == {w, r} and b.month is not None:
            revisit = min(revisit or h, int(b.month) + 1)
    if f.kind == "cloud" and f.plan and f.plan.startswith("reserved"):
        revisit = min(revisit or h, 12 if f.plan == "reserved_1y" else 36)
    out.append(
        f"Revisit in month {revisit or min(12, h)}: "
        + (
            "when capacity must grow or the break-even with the runner-up passes"
            if revisit
            else "prices and models change fast; re-run the comparison yearly"
        )
    )
    return out


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
        why = (
            "; ".join(f"{o}: {rs[0]}" for o, rs in excluded.items() if rs)
            or "no option can serve the workload"
        )
        return Recommendation(
            option=None,
            summary=f"No option satisfies the constraints ({why}).",
            risks=["Relax a constraint or add an option that meets them."],
        ), totals
    tco = {f.id: f.tco_usd for f in facts}
    ranked, twin_map = order(facts, eligible, totals)
    w = ranked[0]
    rest = [o for o in ranked[1:] if o not in twin_map]
    r = rest[0] if rest else None
    twins = [o for o in ranked if o in twin_map]
    eligible = [o for o in eligible if o not in twin_map]
    fw = next(f for f in facts if f.id == w)
    el_flat = {o: flat[o] for o in eligible}
    el_facts = [f for f in facts if f.id in eligible]
    sens = sensitivity(el_flat, weights.points, w, _tiebreak(el_facts, eligible)) if r else []
    reasons = _reasons(w, r, sc, weights)
    used = {
        c for c in data.CRITERIA if any(data.CRITERION_LABELS[c].capitalize() + ":" in x for x in reasons)
    }
    risks = _risks(fw, sc[w], weights, availability.get(w) or Availability(), used, ctx)
    ex = {o: (rs, totals[o], tco[o]) for o, rs in excluded.items() if rs and o in totals}
    change, thresholds = _would_change(res, el_facts, ctx, w, r, el_flat, weights, sens, ex)
    cheapest = min(el_facts, key=lambda f: f.tco_usd)
    summary = (
        f"Recommended: {fw.label} ({w}), weighted score {totals[w]:.1f}/10 with the {weights.profile} "
        f"weights"
        + (f"; runner-up {r} at {totals[r]:.1f}" if r else "; the only eligible option")
        + f". Lowest TCO among eligible options: {cheapest.id} ({format_usd(cheapest.tco_usd, cents_below=0)} over "
        f"{cheapest.horizon_months} months)."
        + "".join(
            f" {o} is the same deployment as {twin_map[o]} ({_twin_words(next(f for f in facts if f.id == o))})."
            for o in twins
        )
    )
    return Recommendation(
        option=w,
        label=fw.label,
        runner_up=r,
        summary=summary,
        reasons=reasons,
        risks=risks,
        would_change_if=change,
        plan=_plan(fw, res, w, r),
        sensitivity=sens,
        cost_thresholds=thresholds,
    ), totals


def as_lines(result: Any) -> list[str]:
    """The recommendation of a comparison as plain text lines, for a terminal or a plain-text report."""
    rec = getattr(result, "recommendation", None)
    if rec is None:
        return []
    out = [f"Recommendation: {rec.summary}"]
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
