"""What would change the recommendation: weights, costs, the horizon and the constraints.

"Would change if" lists the weights that need the smallest move to change the winner (closed-form
roots, see :mod:`.weights`), the cost change that lets the runner-up win (found by bisection on its
TCO, re-scoring the cost criteria each step), the break-even month between the two, and constraints
whose relaxation would bring back a better scoring or cheaper option. A quoted weight is rounded
past its threshold in the direction of the move (up when the weight must rise, down when it must
fall), so re-running at the quoted value changes the winner; a move that only reaches a tie the
tie-break settles for the winner is not listed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from ..catalog import criteria_data as data
from ..conventions import format_usd
from ..results import CostThreshold, Weights, WeightSensitivity
from .facts import OptionFacts
from .scores import cost_scores
from .weights import TIE_DIGITS, ranking, tiebreak_keys, weighted_totals

__all__ = ["beyond", "tco_threshold", "would_change"]

QUOTE_DIGITS = 3  #: significant digits of a quoted weight threshold (a figure people read), rounded past it


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


def _gap_function(
    facts: list[OptionFacts],
    scores: dict[str, dict[str, float]],
    points: dict[str, float],
    mover: str,
    other: str,
) -> Callable[[float], float]:
    """Weighted total of ``mover`` minus that of ``other`` as a function of ``mover``'s TCO.

    Only the cost criteria depend on the TCO, through the lowest (and highest) TCO of the set, so
    every option's cost scores move; only the two options compared are re-scored, and the other
    options enter through their lowest and highest TCO alone. The same sums in the same order as
    :func:`~.weights.weighted_totals` over the re-scored set.
    """
    rest = [f.tco_usd for f in facts if f.id != mover]
    bounds = [min(rest), max(rest)] if rest else []
    fm = next(f for f in facts if f.id == mover)
    fo = next(f for f in facts if f.id == other)
    weight = sum(points.values())

    def total(f: OptionFacts, tco_usd: float, tcos: list[float]) -> float:
        cost = cost_scores(f.upfront_usd, tco_usd, tcos)
        s = scores[f.id]
        return sum(p * (cost[c] if c in cost else s.get(c, 0.0)) for c, p in points.items()) / weight

    def gap(mover_tco_usd: float) -> float:
        tcos = [*bounds, mover_tco_usd]
        return total(fm, mover_tco_usd, tcos) - total(fo, fo.tco_usd, tcos)

    return gap


def tco_threshold(
    facts: list[OptionFacts],
    scores: dict[str, dict[str, float]],
    points: dict[str, float],
    mover: str,
    other: str,
    lo: float,
    hi: float,
) -> float | None:
    """Factor on ``mover``'s TCO in [lo, hi] at which ``mover`` and ``other`` tie (bisection), or None."""
    base = next(f.tco_usd for f in facts if f.id == mover)
    at = _gap_function(facts, scores, points, mover, other)

    def gap(k: float) -> float:
        return at(base * k)

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


def _weight_move(
    s: WeightSensitivity,
    w: str,
    flat: dict[str, dict[str, float]],
    weights: Weights,
    tb: dict[str, tuple[float, float]],
) -> str | None:
    """The line for one weight moved past its threshold, or None when the move leaves ``w`` the winner."""
    t = max(0.0, s.threshold_points or 0.0)
    up = s.direction == "raise"
    quoted = beyond(t, up)
    moved = {**weights.points, s.criterion: quoted}
    if sum(moved.values()) <= 0:
        return None
    new = ranking(weighted_totals(flat, moved), tb)[0]
    if new == w:
        return None  # the move does not change the winner (a tie the tie-break settles for the winner)
    if quoted == t:  # lowered to 0: a tie, which the tie-break gives to the challenger
        rule = "lower TCO" if tb[new][0] < tb[w][0] else "the same TCO, listed first"
        then = f"{new} would tie {w} and win the tie-break ({rule})"
    else:
        then = f"{new} would win (the two tie at about {t:.1f} points)" if t >= 1 else f"{new} would win"
    label = data.CRITERION_LABELS.get(s.criterion, s.criterion)
    return (
        f"the weight of {label} {'rose' if up else 'fell'} from {s.points:g} to {quoted:g} points (others fixed): "
        f"{then}"
    )


def _weight_moves(
    facts: list[OptionFacts],
    w: str,
    flat: dict[str, dict[str, float]],
    weights: Weights,
    sens: list[WeightSensitivity],
) -> list[str]:
    """Up to three weight moves that change the winner, the smallest relative move first."""
    moves = sorted(
        (s for s in sens if s.threshold_points is not None and s.relative_change is not None),
        key=lambda s: s.relative_change or 0.0,
    )
    tb = tiebreak_keys(facts, [f.id for f in facts])
    lines: list[str] = []
    for s in moves:
        if len(lines) >= 3:
            break
        line = _weight_move(s, w, flat, weights, tb)
        if line is not None:
            lines.append(line)
    return lines


@dataclasses.dataclass
class _Pair:
    """The winner and the runner-up, with what the cost lines read."""

    fw: OptionFacts
    fr: OptionFacts
    totals: dict[str, float]
    k: float | None  #: factor on the runner-up's TCO at which it ties the winner
    k2: float | None  #: factor on the winner's TCO at which the runner-up ties it

    @property
    def tied(self) -> bool:
        """Equal weighted scores: the tie-break alone keeps the winner."""
        return round(self.totals[self.fr.id], TIE_DIGITS) == round(self.totals[self.fw.id], TIE_DIGITS)


def _tie_line(p: _Pair) -> str:
    w, r = p.fw.id, p.fr.id
    rule = "lower TCO" if p.fw.tco_usd < p.fr.tco_usd - 1e-6 else "the same TCO, listed first"
    tail = f": any cut in {r}'s cost or rise in {w}'s would make {r} the winner" if p.k and p.k2 else ""
    return (
        f"{r} ties {w} on the weighted score ({p.totals[w]:.2f}); {w} ranks first only on the tie-break ({rule})"
        + tail
    )


def _cost_moves(p: _Pair) -> tuple[list[str], list[CostThreshold]]:
    """The cut in the runner-up's cost, and the rise in the winner's, that would change places."""
    w, r, fw, fr = p.fw.id, p.fr.id, p.fw, p.fr
    if p.tied:
        return [_tie_line(p)] + ([] if p.k is not None else [_no_cut_line(w, r)]), []
    lines: list[str] = []
    thresholds: list[CostThreshold] = []
    if p.k is None:
        lines.append(_no_cut_line(w, r))
    else:
        thresholds.append(CostThreshold(option=r, tco_factor=round(p.k, 4), tco_usd=round(fr.tco_usd * p.k, 2)))
        lines.append(
            f"{r} cost {_pct(1 - p.k)} less over the horizon (TCO {format_usd(fr.tco_usd * p.k, cents_below=0)} "
            f"instead of {format_usd(fr.tco_usd, cents_below=0)}): it would overtake {w}"
        )
    if p.k2 is not None:
        thresholds.append(CostThreshold(option=w, tco_factor=round(p.k2, 4), tco_usd=round(fw.tco_usd * p.k2, 2)))
        lines.append(
            f"{w} cost {_pct(p.k2 - 1)} more than modelled (TCO {format_usd(fw.tco_usd * p.k2, cents_below=0)}): "
            f"{r} would win"
        )
    return lines, thresholds


def _no_cut_line(w: str, r: str) -> str:
    return f"no cut in {r}'s cost alone would make it overtake {w} with these weights"


def _break_even_line(res: Any, fw: OptionFacts, fr: OptionFacts) -> str | None:
    """The cash break-even between the two, or that one stays cheaper over the horizon; None if neither."""
    b = next(
        (b for b in getattr(res, "break_even", []) or [] if b.view == "cash" and {b.a, b.b} == {fw.id, fr.id}), None
    )
    if b is None:
        return None
    if b.month is not None:
        return (
            f"the horizon changed: {b.a} and {b.b} break even at month {b.month:.1f} (cash view); "
            f"{b.cheaper_after} is cheaper after that"
        )
    if not b.cheaper_after:
        return None
    other = b.a if b.cheaper_after == b.b else b.b
    lo, hi = sorted([fw.tco_usd, fr.tco_usd])
    gap = (hi - lo) / lo if lo > 0 else 0.0
    if gap < 0.005:
        return None  # practically the same cost: no cost fact worth stating
    return (
        f"{b.cheaper_after} stays cheaper than {other} in every month of the {fw.horizon_months}-month horizon "
        f"(TCO gap {gap:.0%}); no break-even"
    )


def _relaxed(excluded: dict[str, tuple[list[str], float, float]], fw: OptionFacts, total_w: float) -> list[str]:
    """Excluded options (the two cheapest) that would score higher or cost less than the winner."""
    lines = []
    for oid, (why, total, tco) in sorted(excluded.items(), key=lambda kv: kv[1][2])[:2]:
        if total > total_w:
            better = f"would score {total:.1f} vs {total_w:.1f}"
        elif tco < fw.tco_usd:
            better = (
                f"costs {format_usd(tco, cents_below=0)} over the horizon, {_pct(1 - tco / fw.tco_usd)} less "
                f"than {fw.id}"
            )
        else:
            continue
        lines.append(
            f"a constraint were relaxed: {oid} {better}; excluded now because {why[0].removeprefix('excluded: ')}"
        )
    return lines


def would_change(
    res: Any,
    facts: list[OptionFacts],
    w: str,
    r: str | None,
    flat: dict[str, dict[str, float]],
    weights: Weights,
    sens: list[WeightSensitivity],
    excluded: dict[str, tuple[list[str], float, float]],
) -> tuple[list[str], list[CostThreshold]]:
    """What would change the winner: weight moves, cost moves, the break-even, relaxed constraints."""
    lines = _weight_moves(facts, w, flat, weights, sens)
    thresholds: list[CostThreshold] = []
    totals = weighted_totals(flat, weights.points)
    fw = next(f for f in facts if f.id == w)
    if r is not None:
        pair = _Pair(
            fw=fw,
            fr=next(f for f in facts if f.id == r),
            totals=totals,
            k=tco_threshold(facts, flat, weights.points, r, w, 0.01, 1.0),
            k2=tco_threshold(facts, flat, weights.points, w, r, 1.0, 20.0),
        )
        cost_lines, thresholds = _cost_moves(pair)
        lines += cost_lines
        lines += [x for x in [_break_even_line(res, fw, pair.fr)] if x is not None]
    return lines + _relaxed(excluded, fw, totals[w]), thresholds
