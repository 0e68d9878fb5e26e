"""Which inputs swing the answer (tornado) and where it flips (switching thresholds), through the engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..conventions import argmin_tied
from ..engine import OPTIMISE, forecast_fleets
from ..hybrid import BaseSize
from ..options import Deployment
from ..results import ThresholdFlip, ThresholdStays, TornadoRow
from ..scenario import Scenario
from ..site import site_values
from .inputs import UncertainSpec, point_values
from .montecarlo import Evaluation, evaluate

__all__ = ["thresholds", "tornado"]

Array = NDArray[np.float64]


def tornado(s: Scenario, deployments: list[Deployment], hybrid_units: Mapping[str, BaseSize],
            specs: list[UncertainSpec], best: str, second: str) -> list[TornadoRow]:
    """Swing each input from its P10 to its P90 with the others at their median; effect on the gap
    ``tco(second) - tco(best)`` between the two cheapest options, largest swing first. In-house fleets stay
    as bought on the forecast (as in the Monte Carlo)."""
    if not specs:
        return []
    meds = {sp.name: sp.quantiles([0.5])[0] for sp in specs}
    q = {sp.name: sp.quantiles([0.1, 0.9]) for sp in specs}
    n = 1 + 2 * len(specs)
    values: dict[str, Any] = {}
    for k, sp in enumerate(specs):
        col = np.full(n, meds[sp.name])
        col[1 + 2 * k] = q[sp.name][0]
        col[2 + 2 * k] = q[sp.name][1]
        for t in sp.targets:
            values[t.path] = t.value(col)
    ev = evaluate(s, deployments, hybrid_units, values, n, forecast_fleets(s, deployments, site_values(s, warn=False)))
    gap = ev.tco[second] - ev.tco[best]
    rows = []
    for k, sp in enumerate(specs):
        lo, hi = gap[1 + 2 * k], gap[2 + 2 * k]
        rows.append(TornadoRow(input=sp.name, label=sp.label, low_value=q[sp.name][0], high_value=q[sp.name][1],
                               median_value=meds[sp.name], unit=sp.unit, gap_at_low_usd=float(lo),
                               gap_at_high_usd=float(hi), swing_usd=float(abs(hi - lo)),
                               gap_at_median_usd=float(gap[0]), between=[best, second]))
    return sorted(rows, key=lambda r: -r.swing_usd)


def _cheapest(ev: Evaluation, candidates: list[str]) -> NDArray[np.int64]:
    return argmin_tied(np.vstack([ev.tco[i] for i in candidates]))


Runner = Callable[[Array], NDArray[np.int64]]


def _refine(run: Runner, a: float, b: float, wa: int, grid: int, rounds: int) -> tuple[float, float]:
    """Narrow the bracket [a, b] in which the cheapest changes away from ``wa``."""
    for _ in range(rounds):
        sub = np.linspace(a, b, grid)
        ws = run(sub)
        k = int(np.argmax(ws != wa)) if np.any(ws != wa) else grid - 1
        a, b = sub[max(k - 1, 0)], sub[k]
    return float(a), float(b)


def _flip(sp: UncertainSpec, run: Runner, candidates: list[str], bracket: tuple[float, float], wa: int,
          point_win: int, grid: int, rounds: int) -> ThresholdFlip:
    a, b = _refine(run, bracket[0], bracket[1], wa, grid, rounds)
    x = 0.5 * (a + b)
    w_lo, w_hi = run(np.array([a, b]))
    direction = "above" if candidates[int(w_hi)] != candidates[int(point_win)] or b > sp.point else "below"
    winner = candidates[int(w_hi)] if direction == "above" else candidates[int(w_lo)]
    loser = candidates[int(w_lo)] if direction == "above" else candidates[int(w_hi)]
    changes = {t.path: float(t.value(x)) for t in sp.targets}
    return ThresholdFlip(
        input=sp.name, label=sp.label, value=float(x), unit=sp.unit, direction=direction, cheapest_beyond=winner,
        cheapest_before=loser, scenario_changes=changes, bracket=[float(a), float(b)],
        statement=f"{winner} becomes cheapest {direction} {_fmt(x)} {sp.unit} for {sp.label}"
                  + (f" ({_changes_text(changes)})" if sp.default else ""))


def _nearest_flips(flips: NDArray[np.int64], xs: Array, point: float) -> list[int]:
    """The flip nearest the point value on each side."""
    below = [int(f) for f in flips if xs[f + 1] <= point]
    above = [int(f) for f in flips if xs[f] >= point]
    chosen = ([below[-1]] if below else []) + ([above[0]] if above else [])
    return chosen or [int(flips[0])]


def _grids_at_once(s: Scenario, deployments: list[Deployment], specs: list[UncertainSpec], candidates: list[str],
                   base: dict[str, Any], grid: int) -> dict[str, tuple[NDArray[np.int64], int]] | None:
    """The cheapest option on each input's grid and at its point value (others at their point values), for every
    input in one engine run: one block of rows per input, each row its own scenario. Only without hybrids to
    re-optimise (their search grid spans the rows run together); None when a point value is not one number."""
    if any(np.ndim(v) for v in base.values()):
        return None
    ranged = [sp for sp in specs if sp.support()[1] > sp.support()[0]]
    blocks = [np.append(np.linspace(*sp.support(), grid), sp.point) for sp in ranged]
    rows = sum(len(b) for b in blocks)
    values: dict[str, Any] = {path: np.full(rows, float(v)) for path, v in base.items()}
    at = 0
    for sp, block in zip(ranged, blocks, strict=True):
        for t in sp.targets:
            values[t.path][at:at + len(block)] = t.value(block)
        at += len(block)
    wins = _cheapest(evaluate(s, deployments, {}, values, rows), candidates) if rows else np.zeros(0, dtype=np.int64)
    out, at = {}, 0
    for sp, block in zip(ranged, blocks, strict=True):
        out[sp.name] = (wins[at:at + grid], int(wins[at + grid]))
        at += len(block)
    return out


def thresholds(s: Scenario, deployments: list[Deployment], hybrid_units: Mapping[str, BaseSize],
               specs: list[UncertainSpec], candidates: list[str], grid: int = 33,
               rounds: int = 3, at_once: bool = True) -> list[ThresholdFlip | ThresholdStays]:
    """For each uncertain input (others at their point values): where within its range the cheapest
    option changes, found by bracketing on a grid and refining the bracket; or that it does not flip.
    Hybrids are re-optimised at every value, as a deterministic re-run would choose their base. Without hybrids
    (and with ``at_once``) every input's grid runs in one engine call (:func:`_grids_at_once`)."""
    if len(candidates) < 2:
        return []
    units = {k: OPTIMISE for k in hybrid_units}
    base = point_values(specs)
    batched = _grids_at_once(s, deployments, specs, candidates, base, grid) if at_once and not units else None
    out: list[ThresholdFlip | ThresholdStays] = []
    for sp in specs:
        lo, hi = sp.support()
        if hi <= lo:
            continue

        def run(xs: Array, sp: UncertainSpec = sp) -> NDArray[np.int64]:
            values = dict(base)
            for t in sp.targets:
                values[t.path] = t.value(xs)
            return _cheapest(evaluate(s, deployments, units, values, len(xs)), candidates)

        xs = np.linspace(lo, hi, grid)
        win, point_win = batched[sp.name] if batched is not None else (run(xs), int(run(np.array([sp.point]))[0]))
        flips = np.nonzero(win[1:] != win[:-1])[0]
        if flips.size == 0:
            stays = candidates[int(win[0])]
            out.append(ThresholdStays(input=sp.name, label=sp.label, range=[lo, hi], cheapest=stays,
                                      statement=f"{stays} stays cheapest for {sp.label} from {_fmt(lo)} to "
                                                f"{_fmt(hi)} {sp.unit}"))
            continue
        for f in _nearest_flips(flips, xs, sp.point):
            out.append(_flip(sp, run, candidates, (float(xs[f]), float(xs[f + 1])), int(win[f]), point_win,
                             grid, rounds))
    return out


def _fmt(x: float) -> str:
    ax = abs(x)
    if ax >= 1e6:
        return f"{x:,.3g}"
    if ax >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _changes_text(changes: dict[str, float]) -> str:
    items = list(changes.items())
    text = ", ".join(f"{p} = {_fmt(v)}" for p, v in items[:2])
    return text + (f", and {len(items) - 2} more" if len(items) > 2 else "")
