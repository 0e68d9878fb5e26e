"""Decision maps: which option is cheapest over a grid of two inputs.

``decision_map(scenario, x, y)`` evaluates the scenario at every cell of an ``x`` by ``y`` grid of two
inputs (any field an uncertainty input may vary: ``workload.requests_per_month``,
``finance.api_price_change_pct_per_year``, ``options.ID.usd_per_hour`` ...). The cells travel as the
engine's sample axis, so the whole grid is one vectorised evaluation (in chunks, as the Monte Carlo runs):
each cell re-plans its fleets on its own inputs, hybrids choose their base per cell. Options a hard
constraint excludes, or that cannot serve the point scenario, are not candidates.

Simplification, stated in the result: the map shows the cheapest option (cash-view TCO) per cell, not the
weighted recommendation (the criteria beyond cost are not re-scored per cell).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from .conventions import cheapest_with_ties
from .decision import as_scenario, compare, resolve_deployments
from .engine import OPTIMISE
from .errors import InputError
from .results import serving
from .risk import CHUNK, evaluate, normalise_path
from .scenario import Scenario

__all__ = ["MAX_MAP_CELLS", "Axis", "DecisionMap", "decision_map", "parse_axis"]

MAX_MAP_CELLS = 40_000  #: cells of one map (200 x 200); a 100 x 100 map costs about a 10,000-sample Monte Carlo
NOTE = ("cheapest option (cash-view TCO) per cell; the recommendation's criteria beyond cost are not re-scored "
        "per cell")


@dataclass(frozen=True)
class Axis:
    """One axis of a map: the input path and the values it takes."""

    path: str
    low: float
    high: float
    log: bool = False
    steps: int = 20

    def values(self) -> list[float]:
        if self.log:
            return [float(v) for v in np.geomspace(self.low, self.high, self.steps)]
        return [float(v) for v in np.linspace(self.low, self.high, self.steps)]


def parse_axis(spec: str, field: str) -> Axis:
    """``PATH=LOW:HIGH[:log][:N]``, e.g. ``workload.requests_per_month=1e5:1e8:log:30``."""
    allowed = "PATH=LOW:HIGH[:log][:N], e.g. workload.requests_per_month=1e5:1e8:log:30"
    path, eq, rng = spec.partition("=")
    parts = rng.split(":")
    if not eq or not path or len(parts) < 2 or len(parts) > 4:
        raise InputError(field, spec, allowed)
    log = "log" in parts[2:]
    rest = [p for p in parts[2:] if p != "log"]
    try:
        low, high = float(parts[0]), float(parts[1])
        steps = int(rest[0]) if rest else 20
    except ValueError:
        raise InputError(field, spec, allowed) from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high or (log and low <= 0):
        raise InputError(field, spec, "finite LOW < HIGH (LOW > 0 on a log axis)")
    if not 2 <= steps <= 200 or len(rest) > 1:
        raise InputError(field, spec, "N from 2 to 200 steps")
    return Axis(path.strip(), low, high, log, steps)


class DecisionMap(BaseModel):
    """The cheapest option in every cell of a two-input grid (rows follow ``y``, columns ``x``)."""

    scenario: str
    x_path: str
    y_path: str
    x_values: list[float]
    y_values: list[float]
    cheapest: list[list[str]] = Field(description="cheapest option id per cell, [row (y)][column (x)]")
    tco_usd: dict[str, list[list[float]]] = Field(description="cash-view TCO of every candidate per cell")
    share_of_cells: dict[str, float] = Field(description="share of the cells in which each option is cheapest")
    point: dict[str, float] = Field(description="the scenario's own value of each input, where it has one")
    candidates: list[str]
    currency: str = Field("USD", description="the currency of tco_usd and of any money axis (finance.currency)")
    note: str = NOTE

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _point_value(s: Scenario, path: str) -> float | None:
    section, _, key = path.partition(".")
    if section == "options" or "." in key:
        return None
    value = getattr(getattr(s, section), key, None)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def decision_map(scenario: Scenario | dict[str, Any] | str | Path, x: Axis, y: Axis) -> DecisionMap:
    """The cheapest option over the grid ``x`` by ``y`` (see the module docstring)."""
    s = as_scenario(scenario)
    cells = x.steps * y.steps
    if cells > MAX_MAP_CELLS:
        raise InputError("--x/--y", f"{x.steps} x {y.steps}", f"at most {MAX_MAP_CELLS:,} cells")
    xp, yp = normalise_path(s, x.path), normalise_path(s, y.path)
    if xp == yp:
        raise InputError("--y", y.path, "a different input from --x")
    point = compare(s, samples=0)
    candidates = [o.id for o in serving(point.options)]
    deployments = [d for d in resolve_deployments(s) if d.id in {o.id for o in point.options if o.feasible}]
    hybrids = {d.id: OPTIMISE for d in deployments if d.kind == "hybrid"}
    xs, ys = np.meshgrid(np.asarray(x.values()), np.asarray(y.values()))
    flat_x, flat_y = xs.ravel(), ys.ravel()
    tco = {i: np.empty(cells) for i in candidates}
    for a in range(0, cells, CHUNK):
        b = min(cells, a + CHUNK)
        ev = evaluate(s, deployments, hybrids, {xp: flat_x[a:b], yp: flat_y[a:b]}, b - a)
        for i in candidates:
            tco[i][a:b] = ev.tco[i]
    best = [cheapest_with_ties([(i, float(tco[i][c])) for i in candidates]) or "-" for c in range(cells)]
    grid = [best[r * x.steps:(r + 1) * x.steps] for r in range(y.steps)]
    share = {i: best.count(i) / cells for i in candidates}
    points = {p: v for p, v in ((x.path, _point_value(s, xp)), (y.path, _point_value(s, yp))) if v is not None}
    return DecisionMap(scenario=s.name, x_path=x.path, y_path=y.path, x_values=x.values(), y_values=y.values(),
                       cheapest=grid, tco_usd={i: v.reshape(y.steps, x.steps).tolist() for i, v in tco.items()},
                       share_of_cells=share, point=points, candidates=candidates, currency=s.finance.currency)
