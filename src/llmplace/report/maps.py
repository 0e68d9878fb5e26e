"""The decision map in the report: a heatmap of the recommended option per cell with both frontiers and the
scenario's own point (HTML), a summary table (Markdown), the two grids as a sheet (xlsx).

The map is content computed by :func:`llmplace.maps.decision_map`; nothing here computes a number beyond the
shares of cells it already holds.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping

import plotly.graph_objects as go

from ..results import DecisionMap, FrontierSegment
from .chart_style import OPTION_COLOURS, layout

__all__ = ["MAP_SECTION", "add_map_sheet", "map_caption", "map_figure", "map_markdown", "map_section_html"]

MAP_SECTION = ("map", "Decision map")
NONE_COLOUR = "#e6e6e6"  #: cells where no option is eligible


def _colours(m: DecisionMap, colours: Mapping[str, str] | None) -> dict[str, str]:
    given = colours or {}
    return {oid: given.get(oid, OPTION_COLOURS[k % len(OPTION_COLOURS)]) for k, oid in enumerate(m.candidates)}


def _lines(segments: list[FrontierSegment]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for s in segments:
        xs += [s.x0, s.x1, None]
        ys += [s.y0, s.y1, None]
    return xs, ys


def map_figure(m: DecisionMap, colours: Mapping[str, str] | None = None) -> go.Figure:
    """Recommended option per cell (categorical colours), the recommendation's frontier (solid), the cheapest
    option's frontier (dashed) and the scenario's own point (a star) where both its values are known."""
    col = _colours(m, colours)
    shown = [o for o in m.candidates if m.share_recommended.get(o, 0) > 0] or m.candidates[:1]
    codes = {oid: k for k, oid in enumerate(shown)}
    z = [[codes.get(c, -1) for c in row] for row in m.recommended]
    n = len(shown)
    scale: list[list[float | str]] = [[0.0, NONE_COLOUR], [1.0 / (n + 1), NONE_COLOUR]]
    for k, oid in enumerate(shown):
        scale += [[(k + 1) / (n + 1), col[oid]], [(k + 2) / (n + 1), col[oid]]]
    text = [[f"recommended: {r}<br>cheapest: {c}" for r, c in zip(rr, cr, strict=True)]
            for rr, cr in zip(m.recommended, m.cheapest, strict=True)]
    fig = go.Figure(go.Heatmap(x=m.x_values, y=m.y_values, z=z, zmin=-1.5, zmax=n - 0.5, colorscale=scale,
                               showscale=False, text=text, hovertemplate="%{text}<extra></extra>"))
    for oid in shown:  # legend entries for the categorical colours
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=oid,
                                 marker={"symbol": "square", "size": 12, "color": col[oid]}))
    for segs, name, dash in ((m.frontier_recommended, "recommendation changes", "solid"),
                             (m.frontier_cheapest, "cheapest changes", "dash")):
        if segs:
            xs, ys = _lines(segs)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, hoverinfo="skip",
                                     line={"color": "#111111" if dash == "solid" else "#555555", "width": 2,
                                           "dash": dash}))
    px, py = m.point.get(m.x_path), m.point.get(m.y_path)
    if px is not None and py is not None:
        fig.add_trace(go.Scatter(x=[px], y=[py], mode="markers", name="this scenario",
                                 marker={"symbol": "star", "size": 16, "color": "#ffffff",
                                         "line": {"color": "#111111", "width": 2}}))
    layout(fig, 460, xaxis_title=m.x_path, yaxis_title=m.y_path)
    fig.update_xaxes(type="log" if m.x_log else "linear", range=_range(m.x_edges, m.x_log))
    fig.update_yaxes(type="log" if m.y_log else "linear", range=_range(m.y_edges, m.y_log))
    return fig


def _range(edges: list[float], log: bool) -> list[float]:
    lo, hi = edges[0], edges[-1]
    return [math.log10(lo), math.log10(hi)] if log else [lo, hi]


def map_caption(m: DecisionMap) -> str:
    return (f"Recommended option in each of the {m.cells:,} cells of {m.x_path} by {m.y_path}; the solid line is "
            f"where the recommendation changes, the dashed one where the cheapest option changes; the star is this "
            f"scenario. Note: {m.note}.")


def _share_rows(m: DecisionMap) -> list[tuple[str, str, str]]:
    return [(oid, f"{m.share_of_cells[oid]:.0%}", f"{m.share_recommended[oid]:.0%}") for oid in m.candidates]


def map_section_html(m: DecisionMap) -> str:
    """The section's text below its chart: the axes and each option's share of the cells."""
    e = html.escape
    rows = "".join(f"<tr><td>{e(o)}</td><td class=\"num\">{c}</td><td class=\"num\">{r}</td></tr>"
                   for o, c, r in _share_rows(m))
    return (f'<p class="small">{e(m.x_path)}: {m.x_values[0]:,.4g} to {m.x_values[-1]:,.4g} '
            f'({len(m.x_values)} values{", log" if m.x_log else ""}); {e(m.y_path)}: {m.y_values[0]:,.4g} to '
            f'{m.y_values[-1]:,.4g} ({len(m.y_values)} values{", log" if m.y_log else ""}).</p>'
            '<div class="wide"><table><thead><tr><th>Option</th><th class="num">Cheapest in (share of cells)</th>'
            f'<th class="num">Recommended in (share of cells)</th></tr></thead><tbody>{rows}</tbody></table></div>')


def map_markdown(m: DecisionMap) -> str:
    """The map as Markdown: what it spans, each option's share of the cells, the note."""
    lines = ["## Decision map", "",
             f"{m.x_path} from {m.x_values[0]:,.4g} to {m.x_values[-1]:,.4g} ({len(m.x_values)} values"
             f"{', log' if m.x_log else ''}) by {m.y_path} from {m.y_values[0]:,.4g} to {m.y_values[-1]:,.4g} "
             f"({len(m.y_values)} values{', log' if m.y_log else ''}): {m.cells:,} cells.", "",
             "| Option | Cheapest in (share of cells) | Recommended in (share of cells) |", "| --- | ---: | ---: |"]
    lines += [f"| {o} | {c} | {r} |" for o, c, r in _share_rows(m)]
    lines += ["", f"_{m.note}. The HTML report draws the map; `llmplace map --json` gives every cell._", ""]
    return "\n".join(lines)


def add_map_sheet(workbook: bytes, m: DecisionMap) -> bytes:
    """The workbook with a "Decision map" sheet: the recommended and the cheapest option of every cell (rows:
    y from high to low, columns: x), as values."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(workbook))
    ws = wb.create_sheet("Decision map")
    ws.append([f"{m.scenario}: rows {m.y_path}, columns {m.x_path}"])
    ws.append([m.note])
    for title, grid in (("Recommended option", m.recommended), ("Cheapest option", m.cheapest)):
        ws.append([])
        ws.append([title, *m.x_values])
        for r in range(len(m.y_values) - 1, -1, -1):
            ws.append([m.y_values[r], *grid[r]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
