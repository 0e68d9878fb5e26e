"""Weights: organisation-profile presets, custom weights, weighted totals and weight sensitivity.

Weights are points per criterion (``criteria_profiles.csv``; the scenario's ``criteria.weights``
replace the profile's points for the criteria they name). The weighted total of an option is the
weighted mean of its scores, ``T = sum(w_c s_c) / sum(w_c)``, so it stays on the 0-10 scale.

Raising one weight ``w_c`` (the others fixed) changes the gap between two options by
``dw x (s_a,c - s_b,c) / W`` in the un-normalised sums, so the option best on ``c`` never loses
ground to any other option, and its rank never falls.

Sensitivity: with the other weights fixed, ``T_o(w) = (A_o + w s_o) / (B + w)`` where ``A_o`` and
``B`` sum over the other criteria. The winner ``x`` and a challenger ``o`` tie where
``A_x + w s_x = A_o + w s_o``, a single root ``w* = (A_x - A_o) / (s_o - s_x)``; the nearest root
over all challengers (up or down, ``w* >= 0``) is how far that weight must move. Beyond the root the
challenger leads; at it they tie, and the tie-break (lower TCO, then the earlier option) decides.
A root at ``w* = 0`` reached by lowering the weight cannot be passed (weights are >= 0), so it
changes the winner only when the tie-break favours the challenger.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..catalog import criteria_data as data
from ..results import Weights, WeightSensitivity

__all__ = ["ranking", "resolve_weights", "sensitivity", "weighted_totals"]

TIE_DIGITS = 9  #: weighted totals equal to this many decimals tie (float noise is not a lead)


def resolve_weights(settings: Any) -> Weights:
    """The profile's points, with the scenario's custom weights applied, and their shares."""
    profile = getattr(settings, "profile", "balanced")
    points = data.profile_weights(profile)
    custom = dict(getattr(settings, "weights", {}) or {})
    points.update({k: float(v) for k, v in custom.items()})
    total = sum(points.values())
    if total <= 0:
        from ..errors import InputError

        raise InputError("criteria.weights", custom, "at least one criterion with a weight above 0")
    shares = {k: v / total for k, v in points.items()}
    src = f"criteria_profiles.csv profile {profile}" + (
        f"; scenario criteria.weights ({', '.join(custom)})" if custom else ""
    )
    return Weights(profile=profile, points=points, shares=shares, custom=sorted(custom), source=src)


def weighted_totals(
    scores: Mapping[str, Mapping[str, float]], points: Mapping[str, float]
) -> dict[str, float]:
    """Weighted mean score of each option (0-10). ``scores[option][criterion]``."""
    w = sum(points.values())
    return {o: sum(points[c] * s.get(c, 0.0) for c in points) / w for o, s in scores.items()}


def ranking(totals: Mapping[str, float], tiebreak: Mapping[str, Sequence[float]] | None = None) -> list[str]:
    """Options best first: the higher weighted total, then on a tie the smaller ``tiebreak`` key."""
    tb = tiebreak or {}
    return sorted(totals, key=lambda o: (-round(totals[o], TIE_DIGITS), tuple(tb.get(o, ()))))


def sensitivity(
    scores: Mapping[str, Mapping[str, float]],
    points: Mapping[str, float],
    winner: str,
    tiebreak: Mapping[str, Sequence[float]] | None = None,
) -> list[WeightSensitivity]:
    """For each criterion, the weight (others fixed) at which another option ties the winner.

    Only roots that change the winner are kept: a root at 0 reached by lowering the weight counts only
    when the ``tiebreak`` key (smaller wins; without one the winner keeps a tie) favours the challenger.
    """
    out = []
    others = [o for o in scores if o != winner]
    tb = tiebreak or {}

    def wins_tie(o: str) -> bool:
        return o in tb and winner in tb and tuple(tb[o]) < tuple(tb[winner])

    for c, wc in points.items():
        best: tuple[float, str, float, bool] | None = None  # (distance, challenger, threshold, raise)
        a_x = sum(points[k] * scores[winner].get(k, 0.0) for k in points if k != c)
        s_x = scores[winner].get(c, 0.0)
        for o in others:
            a_o = sum(points[k] * scores[o].get(k, 0.0) for k in points if k != c)
            s_o = scores[o].get(c, 0.0)
            if abs(s_o - s_x) < 1e-12:
                continue
            w_star = (a_x - a_o) / (s_o - s_x)
            if w_star < -1e-9:
                continue
            w_star = max(0.0, w_star)
            # the challenger overtakes on the far side of the root only if it moves the right way
            if (s_o > s_x and w_star < wc - 1e-9) or (s_o < s_x and w_star > wc + 1e-9):
                continue
            if s_o < s_x and w_star <= 1e-9 and not wins_tie(o):
                continue  # no weight below 0: they only tie, and the tie-break keeps the winner
            d = abs(w_star - wc)
            if best is None or d < best[0]:
                best = (d, o, w_star, s_o > s_x)
        if best is None:
            out.append(WeightSensitivity(criterion=c, points=wc))
            continue
        d, o, w_star, up = best
        rel = d / wc if wc > 0 else None  # a weight so small the ratio overflows has no meaningful one either
        out.append(
            WeightSensitivity(
                criterion=c,
                points=wc,
                threshold_points=w_star,
                direction="raise" if up else "lower",
                challenger=o,
                relative_change=rel if rel is not None and math.isfinite(rel) else None,
            )
        )
    return out
