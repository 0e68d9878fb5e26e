"""The map's orchestrator: the scenario's own comparison, every cell through the engine, the answers, the
frontiers, assembled into a :class:`~llmplace.results.DecisionMap`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from ..criteria.cells import option_constants
from ..decision import as_scenario, compare, resolve_deployments
from ..engine import OPTIMISE
from ..errors import InputError
from ..results import CompareResult, DecisionMap
from ..risk import normalise_path
from ..scenario import Scenario
from ..site import site_values
from .axes import Axis
from .cells import evaluate_cells
from .frontier import frontier
from .rescore import RESCORED, Answers, answers

__all__ = ["MAX_MAP_CELLS", "NOTE", "decision_map"]

MAX_MAP_CELLS = 40_000  #: cells of one map (200 x 200); a 100 x 100 map costs about a 10,000-sample Monte Carlo
NOTE = ("each cell re-plans fleets and hybrid bases on its own inputs; the recommendation re-scores total cost, "
        "initial cost, cost predictability (deterministic proxy) and maintenance burden per cell (a hybrid: the "
        "first two), every other criterion keeps its score at the scenario's own point; options that cannot "
        "serve the scenario's own point are left out")


def _target(s: Scenario, path: str) -> tuple[BaseModel, str, str]:
    """The model a normalised path writes into (a scenario section or one option), the field, the section."""
    m = re.fullmatch(r"options\[(\d+)\]\.(.+)", path)
    if m:
        return s.options[int(m.group(1))], m.group(2), "options"
    section, _, key = path.partition(".")
    return getattr(s, section), key, section


def _point_value(s: Scenario, path: str) -> float | None:
    """The scenario's own value of an input: as written, else (finance, site) its catalog default."""
    model, key, section = _target(s, path)
    if "." in key:
        return None
    value = getattr(model, key, None)
    if value is None and section in ("finance", "site"):
        value = site_values(s, warn=False).values.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _check_bounds(s: Scenario, path: str, axis: Axis) -> None:
    """Both ends of an axis must be values the field itself accepts (a negative volume is no cell)."""
    model, key, _ = _target(s, path)
    if "." in key:
        return
    for value in (axis.low, axis.high):
        try:
            type(model).model_validate({**model.model_dump(exclude_unset=True), key: value})
        except ValidationError as exc:
            raise InputError(axis.path, value, f"a value the field accepts ({exc.errors()[0]['msg']})") from None


def _grid(index: np.ndarray, ids: list[str], rows: int, cols: int) -> list[list[str]]:
    names = [ids[int(k)] if k >= 0 else "-" for k in index]
    return [names[r * cols:(r + 1) * cols] for r in range(rows)]


def _share(grid: list[list[str]], ids: list[str]) -> dict[str, float]:
    flat = [c for row in grid for c in row]
    return {i: flat.count(i) / len(flat) for i in ids}


def _totals(ans: Answers, rows: int, cols: int) -> dict[str, list[list[float | None]]]:
    out: dict[str, list[list[float | None]]] = {}
    for k, oid in enumerate(ans.ids):
        grid = np.round(ans.totals[k], 6).reshape(rows, cols).tolist()
        out[oid] = [[None if math.isnan(v) else v for v in row] for row in grid]  # not eligible: null
    return out


def _note(ans: Answers, point: CompareResult) -> tuple[str, list[str]]:
    """The map's note with the deprecated options it kept out named, and a warning per deprecated winner."""
    why = {o.id: o.deprecated for o in point.options if o.deprecated}
    note = NOTE
    if ans.kept_out:
        note += ("; deprecated offers (no longer sold) are left out of the recommendation wherever an option on "
                 "sale is eligible: " + ", ".join(f"{i} ({why[i]})" for i in ans.kept_out))
    warnings = [f"{i} uses a deprecated offer ({why[i]}) and is recommended in some cells only because no option "
                "on sale is eligible there: confirm it can still be bought or rented" for i in ans.only_choice]
    return note, warnings


def _check(s: Scenario, x: Axis, y: Axis) -> tuple[str, str]:
    if x.steps * y.steps > MAX_MAP_CELLS:
        raise InputError("--x/--y", f"{x.steps} x {y.steps}", f"at most {MAX_MAP_CELLS:,} cells")
    xp, yp = normalise_path(s, x.path), normalise_path(s, y.path)
    if xp == yp:
        raise InputError("--y", y.path, "a different input from --x")
    _check_bounds(s, xp, x)
    _check_bounds(s, yp, y)
    return xp, yp


def decision_map(scenario: Scenario | dict[str, Any] | str | Path, x: Axis, y: Axis,
                 progress: Callable[[int, int], None] | None = None) -> DecisionMap:
    """The cheapest and the recommended option over the grid ``x`` by ``y`` (see the package docstring);
    ``progress(done, total)`` is called after each chunk of cells (:func:`.cells.evaluate_cells`)."""
    s = as_scenario(scenario)
    xp, yp = _check(s, x, y)
    point = compare(s, samples=0)
    ids = [o.id for o in point.options if o.criteria is not None]
    deployments = [d for d in resolve_deployments(s) if d.id in ids]
    if not ids:
        raise InputError("options", [o.id for o in point.options], "at least one option that can serve the scenario")
    hybrids = {d.id: OPTIMISE for d in deployments if d.kind == "hybrid"}
    xs, ys = np.meshgrid(np.asarray(x.values()), np.asarray(y.values()))
    demand_axis = next((p for p in (xp, yp) if p.startswith("workload.")), None)
    money = evaluate_cells(s, deployments, hybrids, {xp: xs.ravel(), yp: ys.ravel()}, group_by=demand_axis,
                           progress=progress)
    budget = s.constraints.capex_budget_usd if s.constraints is not None else None
    ans = answers(point, ids, money, option_constants(s, point), budget)
    rows, cols = y.steps, x.steps
    cheapest, recommended = _grid(ans.cheapest, ids, rows, cols), _grid(ans.recommended, ids, rows, cols)
    xe, ye = x.edges(), y.edges()
    note, warnings = _note(ans, point)
    points = {p: v for p, v in ((x.path, _point_value(s, xp)), (y.path, _point_value(s, yp))) if v is not None}
    return DecisionMap(
        scenario=s.name, x_path=x.path, y_path=y.path, x_log=x.log, y_log=y.log, x_values=x.values(),
        y_values=y.values(), x_edges=xe, y_edges=ye, cheapest=cheapest, recommended=recommended,
        tco_usd={i: money.tco[i].reshape(rows, cols).tolist() for i in ids}, weighted_total=_totals(ans, rows, cols),
        share_of_cells=_share(cheapest, ids), share_recommended=_share(recommended, ids),
        frontier_cheapest=frontier(cheapest, xe, ye), frontier_recommended=frontier(recommended, xe, ye),
        point=points, candidates=ids, rescored=list(RESCORED), currency=s.finance.currency, note=note,
        warnings=warnings)
