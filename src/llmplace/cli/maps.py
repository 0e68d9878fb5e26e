"""`llmplace map`: the cheapest and the recommended option over a grid of two inputs, as letter grids or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from . import _print_json as print_json
from . import app, guarded, out

if TYPE_CHECKING:
    from ..results import DecisionMap
    from ..scenario import Scenario

__all__ = ["map_command", "render_grid", "report_map"]

SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _short(v: float) -> str:
    return f"{v:.3g}"


def report_map(scenario: Scenario, map_x: str, map_y: str) -> DecisionMap | None:
    """The decision map `report --map-x/--map-y` asks for, or None without either; one without the other is an
    input error naming the missing option."""
    if not map_x and not map_y:
        return None
    if not map_x or not map_y:
        from ..errors import InputError

        missing = "--map-y" if map_x else "--map-x"
        raise InputError(missing, "", "PATH=LOW:HIGH[:log][:N]: a decision map needs both --map-x and --map-y")
    from ..maps import decision_map, parse_axis

    return decision_map(scenario, parse_axis(map_x, "--map-x"), parse_axis(map_y, "--map-y"))


def _letters(m: object, grid: list[list[str]], letter: dict[str, str], title: str) -> list[str]:
    from ..maps import DecisionMap

    assert isinstance(m, DecisionMap)
    width = max(len(_short(v)) for v in m.y_values)
    lines = [f"{m.scenario}: {title} by {m.y_path} (rows) and {m.x_path} (columns)"]
    for r in range(len(m.y_values) - 1, -1, -1):
        cells = " ".join(letter.get(c, ".") for c in grid[r])
        lines.append(f"{_short(m.y_values[r]).rjust(width)} | {cells}")
    lines.append(" " * width + " +-" + "-" * (2 * len(m.x_values) - 1))
    lines.append(" " * width + f"   {m.x_path}: {_short(m.x_values[0])} .. {_short(m.x_values[-1])} "
                 f"({len(m.x_values)} steps{', log' if m.x_log else ''})")
    return lines


def render_grid(m: object) -> list[str]:
    """The map as lines: the cheapest option per cell as letters (y from high to low), the recommended option
    the same way, then the legend (``.``: no eligible option)."""
    from ..maps import DecisionMap

    assert isinstance(m, DecisionMap)
    letter = {oid: SYMBOLS[k % len(SYMBOLS)] for k, oid in enumerate(m.candidates)}
    lines = _letters(m, m.cheapest, letter, "cheapest option")
    lines += [""] + _letters(m, m.recommended, letter, "recommended option (weighted criteria)")
    differ = sum(a != b for ra, rb in zip(m.cheapest, m.recommended, strict=True) for a, b in zip(ra, rb, strict=True))
    for oid in m.candidates:
        lines.append(f"  {letter[oid]} = {oid}: cheapest in {m.share_of_cells[oid]:.0%} of the cells, recommended in "
                     f"{m.share_recommended[oid]:.0%}")
    lines.append(f"  the recommendation differs from the cheapest in {differ / max(1, m.cells):.0%} of the cells; "
                 f"frontier edges: {len(m.frontier_cheapest)} (cheapest), {len(m.frontier_recommended)} (recommended)")
    if m.point:
        lines.append("  the scenario's own values: " + ", ".join(f"{k} = {_short(v)}" for k, v in m.point.items()))
    if m.currency != "USD":
        lines.append(f"  money in {m.currency} (finance.currency), converted at the bundled reference rate")
    lines.append(f"  note: {m.note}")
    lines += [f"  warning: {w}" for w in m.warnings]
    return lines


@app.command("map")
@guarded
def map_command(
    scenario: Path = typer.Argument(..., help="Scenario file (YAML or JSON)."),
    x: str = typer.Option(..., "--x", help="PATH=LOW:HIGH[:log][:N], e.g. workload.requests_per_month=1e5:1e8:log"),
    y: str = typer.Option(..., "--y", help="PATH=LOW:HIGH[:log][:N], e.g. finance.api_price_change_pct_per_year=-40:0"),
    as_json: bool = typer.Option(False, "--json", help="Print the map as JSON."),
) -> None:
    """The cheapest and the recommended option over a grid of two inputs (a decision map).

    Example: llmplace map examples/consumer-chat.yaml --x workload.requests_per_month=1e6:1e8:log --y
    workload.growth_pct_per_month=0:10
    """
    from ..maps import decision_map, parse_axis

    m = decision_map(scenario, parse_axis(x, "--x"), parse_axis(y, "--y"))
    if as_json:
        print_json(m.to_dict())
        return
    for line in render_grid(m):
        out.print(line, markup=False, highlight=False)
