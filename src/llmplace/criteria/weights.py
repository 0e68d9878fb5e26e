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
over all challengers (up or down, ``w* >= 0``) is how far that weight must move.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import data
from .model import Weights, WeightSensitivity

__all__ = ["resolve_weights", "sensitivity", "weighted_totals"]


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


def sensitivity(
    scores: Mapping[str, Mapping[str, float]], points: Mapping[str, float], winner: str
) -> list[WeightSensitivity]:
    """For each criterion, the weight (others fixed) at which another option ties the winner."""
    out = []
    others = [o for o in scores if o != winner]
    for c, wc in points.items():
        best: tuple[float, str, float] | None = None  # (distance, challenger, threshold)
        a_x = sum(points[k] * scores[winner].get(k, 0.0) for k in points if k != c)
        s_x = scores[winner].get(c, 0.0)
        for o in others:
            a_o = sum(points[k] * scores[o].get(k, 0.0) for k in points if k != c)
            s_o = scores[o].get(c, 0.0)
            if abs(s_o - s_x) < 1e-12:
                continue
            w_star = (a_x - a_o) / (s_o - s_x)
            if w_star < 0:
                continue
            # the challenger overtakes on the far side of the root only if it moves the right way
            if (s_o > s_x and w_star < wc - 1e-9) or (s_o < s_x and w_star > wc + 1e-9):
                continue
            d = abs(w_star - wc)
            if best is None or d < best[0]:
                best = (d, o, w_star)
        if best is None:
            out.append(WeightSensitivity(criterion=c, points=wc))
            continue
        d, o, w_star = best
        out.append(
            WeightSensitivity(
                criterion=c,
                points=wc,
                threshold_points=w_star,
                direction="raise" if w_star > wc else "lower",
                challenger=o,
                relative_change=(d / wc) if wc > 0 else None,
            )
        )
    return out
