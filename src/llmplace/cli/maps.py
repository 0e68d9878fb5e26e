"""`llmplace map`: which option is cheapest over a grid of two inputs, as a letter grid or JSON."""

from __future__ import annotations

from pathlib import Path

import typer

from . import _print_json as print_json
from . import app, guarded, out

__all__ = ["map_command", "render_grid"]

SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _short(v: float) -> str:
    return f"{v:.3g}"


def render_grid(m: object) -> list[str]:
    """The map as lines: one letter per cell (the cheapest option), y from high to low, then the legend."""
    from ..maps import DecisionMap

    assert isinstance(m, DecisionMap)
    letter = {oid: SYMBOLS[k % len(SYMBOLS)] for k, oid in enumerate(m.candidates)}
    width = max(len(_short(v)) for v in m.y_values)
    lines = [f"{m.scenario}: cheapest option by {m.y_path} (rows) and {m.x_path} (columns)"]
    for r in range(len(m.y_values) - 1, -1, -1):
        cells = " ".join(letter.get(c, ".") for c in m.cheapest[r])
        lines.append(f"{_short(m.y_values[r]).rjust(width)} | {cells}")
    lines.append(" " * width + " +-" + "-" * (2 * len(m.x_values) - 1))
    lines.append(" " * width + f"   {m.x_path}: {_short(m.x_values[0])} .. {_short(m.x_values[-1])} "
                 f"({len(m.x_values)} steps)")
    for oid in m.candidates:
        lines.append(f"  {letter[oid]} = {oid}: cheapest in {m.share_of_cells[oid]:.0%} of the cells")
    if m.point:
        lines.append("  the scenario's own values: " + ", ".join(f"{k} = {_short(v)}" for k, v in m.point.items()))
    if m.currency != "USD":
        lines.append(f"  money in {m.currency} (finance.currency), converted at the bundled reference rate")
    lines.append(f"  note: {m.note}")
    return lines


@app.command("map")
@guarded
def map_command(
    scenario: Path = typer.Argument(..., help="Scenario file (YAML or JSON)."),
    x: str = typer.Option(..., "--x", help="PATH=LOW:HIGH[:log][:N], e.g. workload.requests_per_month=1e5:1e8:log"),
    y: str = typer.Option(..., "--y", help="PATH=LOW:HIGH[:log][:N], e.g. finance.api_price_change_pct_per_year=-40:0"),
    as_json: bool = typer.Option(False, "--json", help="Print the map as JSON."),
) -> None:
    """Which option is cheapest over a grid of two inputs (a decision map).

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
