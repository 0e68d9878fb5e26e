"""The report as a slide deck for the board meeting (python-pptx): six slides, every figure the result's own.

1. title (scenario, headline, conventions); 2. summary (one tile per recommended / cheapest / runner-up
option: upfront, TCO, $/Mtok, break-even, units; three reasons); 3. cumulative cost over time, a native
chart built from each option's monthly cumulative cash cost (no browser, no picture); 4. the options
table; 5. uncertainty (probability of being cheapest, TCO P10 to P90); 6. strategy and assumptions.
Every slide's footer gives the date range of the catalog data the result used.
"""

from __future__ import annotations

import io
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Inches, Pt

from ..results import CompareResult
from .board import TILE_COLUMNS, tile_cells
from .formatting import fmt_usd, short_label
from .model import ReportContent
from .tables import Table, options_table

__all__ = ["CHART_TITLE", "SLIDE_TITLES", "render_pptx"]

SLIDE_TITLES = ("Summary", "Cumulative cost over time", "Options", "Uncertainty", "Strategy and assumptions")
CHART_TITLE = "Cumulative cost, cash view [USD]"
_WIDE, _HIGH = Inches(13.333), Inches(7.5)  # 16:9
_MARGIN = Inches(0.5)
_BLANK = 6  # the default template's blank layout
_MAX_ROWS = 12  # table rows that fit one slide at 11 pt
_ASSUMPTIONS_SHOWN = 8


def _text(slide: Any, left: int, top: int, width: int, height: int, lines: list[str], size_pt: int = 14,
          bold_first: bool = False) -> Any:
    """A text box holding ``lines``, one paragraph each."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = line
        para.font.size = Pt(size_pt)
        para.font.bold = bold_first and i == 0
    return box


def _slide(prs: Any, title: str, footer: str) -> Any:
    """A blank slide with its title at the top and the data dates at the bottom."""
    slide = prs.slides.add_slide(prs.slide_layouts[_BLANK])
    _text(slide, _MARGIN, Inches(0.3), _WIDE - 2 * _MARGIN, Inches(0.8), [title], 28, bold_first=True)
    _text(slide, _MARGIN, _HIGH - Inches(0.5), _WIDE - 2 * _MARGIN, Inches(0.4), [footer], 10)
    return slide


def _table(slide: Any, t: Table, top: int, size_pt: int = 11, first_share: float = 0.0, left: int = _MARGIN,
           width: int = _WIDE - 2 * _MARGIN) -> Any:
    """A native table of ``t``'s first rows; the caption says how many were left out. ``first_share``: the
    first column's share of the width (the rest split evenly); 0: all columns even."""
    rows = t.rows[:_MAX_ROWS]
    shape = slide.shapes.add_table(len(rows) + 1, len(t.columns), left, top, width, Inches(0.35) * (len(rows) + 1))
    grid = shape.table
    if first_share and len(t.columns) > 1:
        grid.columns[0].width = int(width * first_share)
        for j in range(1, len(t.columns)):
            grid.columns[j].width = int(width * (1 - first_share) / (len(t.columns) - 1))
    for j, name in enumerate(t.columns):
        grid.cell(0, j).text = name
    for i, row in enumerate(rows, 1):
        for j, value in enumerate(row):
            grid.cell(i, j).text = "" if value is None else str(value)
    for cell in (grid.cell(i, j) for i in range(len(rows) + 1) for j in range(len(t.columns))):
        for para in cell.text_frame.paragraphs:
            para.font.size = Pt(size_pt)
    if len(t.rows) > len(rows):
        _text(slide, left, top + Inches(0.35) * (len(rows) + 1) + Inches(0.1), width, Inches(0.4),
              [f"{len(t.rows) - len(rows)} more rows in the full report"], 10)
    return shape


def _title_slide(prs: Any, c: ReportContent, footer: str) -> None:
    slide = _slide(prs, c.title, footer)
    lines = [c.summary.headline, f"Decision report, {c.generated_on}, {c.generator}", c.conventions]
    _text(slide, _MARGIN, Inches(2.0), _WIDE - 2 * _MARGIN, Inches(3.5), lines, 20, bold_first=True)


def _summary_slide(prs: Any, c: ReportContent, footer: str) -> None:
    s = c.summary
    slide = _slide(prs, SLIDE_TITLES[0], footer)
    tiles = s.tiles
    if tiles:
        rows = [[cells[1], cells[0], *cells[2:7]] for cells in (tile_cells(t) for t in tiles)]
        cols = [TILE_COLUMNS[1], TILE_COLUMNS[0], *TILE_COLUMNS[2:4], *TILE_COLUMNS[4:7]]
        cols[3] = f"TCO ({s.horizon_months} months)"
        _table(slide, Table(title="Key figures", columns=cols, rows=rows), Inches(1.2), 12, first_share=0.14)
    else:
        _text(slide, _MARGIN, Inches(1.2), Inches(12), Inches(0.5), ["No option meets the constraints."], 14)
    reasons = [f"{i}. {r}" for i, r in enumerate(s.key_reasons, 1)]
    _text(slide, _MARGIN, Inches(1.4) + Inches(0.35) * (len(tiles) + 1) + Inches(0.3), _WIDE - 2 * _MARGIN,
          Inches(3.5), ["Why", *reasons], 14, bold_first=True)


def _chart_slide(prs: Any, result: CompareResult, footer: str) -> None:
    slide = _slide(prs, SLIDE_TITLES[1], footer)
    shown = [o for o in result.options if o.feasible and o.cumulative_usd]
    if not shown:
        _text(slide, _MARGIN, Inches(1.2), Inches(12), Inches(0.5), ["No eligible option: nothing to plot."], 14)
        return
    data = CategoryChartData()
    data.categories = list(range(1, result.horizon_months + 1))
    for o in shown:
        data.add_series(short_label(o.label or o.id), o.cumulative_usd)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE, _MARGIN, Inches(1.1), _WIDE - 2 * _MARGIN, Inches(5.7), data)
    chart = frame.chart
    chart.has_title = True
    chart.chart_title.text_frame.text = CHART_TITLE
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.category_axis.has_title = True
    chart.category_axis.axis_title.text_frame.text = "month"
    chart.value_axis.tick_labels.number_format = '"$"#,##0'
    chart.value_axis.tick_labels.number_format_is_linked = False


def _uncertainty_table(result: CompareResult) -> Table:
    """Each eligible option with Monte Carlo ranges, cheapest first: P(cheapest) and TCO P10, P50, P90."""
    rows: list[list[Any]] = []
    for o in sorted((o for o in result.options if o.feasible), key=lambda o: o.tco_usd):
        if o.risk is None:
            continue
        r = o.risk
        p = "-" if r.probability_cheapest is None else f"{r.probability_cheapest:.0%}"
        rows.append([short_label(o.label or o.id, 60), p, fmt_usd(r.tco_usd.p10), fmt_usd(r.tco_usd.p50),
                     fmt_usd(r.tco_usd.p90)])
    return Table(title="Ranges", columns=["option", "P(cheapest)", "TCO P10", "TCO P50", "TCO P90"], rows=rows)


def _uncertainty_slide(prs: Any, result: CompareResult, footer: str) -> None:
    slide = _slide(prs, SLIDE_TITLES[3], footer)
    risk = result.risk
    if risk is None:
        _text(slide, _MARGIN, Inches(1.2), _WIDE - 2 * _MARGIN, Inches(1.0),
              ["No Monte Carlo run for this report (samples 0): the figures are single estimates."], 16)
        return
    _text(slide, _MARGIN, Inches(1.2), _WIDE - 2 * _MARGIN, Inches(0.6),
          [f"Monte Carlo: {risk.samples:,} draws, seed {risk.seed}; TCO over {result.horizon_months} months."], 16)
    _table(slide, _uncertainty_table(result), Inches(1.9), 13, first_share=0.4)
    if result.thresholds:
        _text(slide, _MARGIN, Inches(5.2), _WIDE - 2 * _MARGIN, Inches(1.6),
              [th.statement for th in result.thresholds[:3]], 12)


def _strategy_slide(prs: Any, result: CompareResult, c: ReportContent, footer: str) -> None:
    """Left: the strategy over time, the plan, the main risks and what would change the answer; right: the
    first assumptions with their dates; below: the counting conventions."""
    slide = _slide(prs, SLIDE_TITLES[4], footer)
    s = c.summary
    plans = [f"Strategy over time: {result.strategy.plain_words}"] if result.strategy is not None else []
    plans += [f"Phased plan {p.id}: {p.plain_words}" for p in result.phased]
    lines = [*(plans or ["No phased strategy beats the single options."]), *s.plan[:2], *s.risks[:2],
             *s.what_would_change[:2]]
    half = (_WIDE - 2 * _MARGIN - Inches(0.3)) // 2
    _text(slide, _MARGIN, Inches(1.1), half, Inches(4.9), lines, 11)
    rows: list[list[Any]] = [[a.name, f"{a.value:,}" if isinstance(a.value, float | int) else a.value, a.unit,
                              a.as_of or "-"] for a in c.assumptions[:_ASSUMPTIONS_SHOWN]]
    if len(c.assumptions) > _ASSUMPTIONS_SHOWN:
        rows.append([f"{len(c.assumptions) - _ASSUMPTIONS_SHOWN} more, with sources, in the full report", "", "",
                     ""])
    t = Table(title="Assumptions", columns=["assumption", "value", "unit", "as of"], rows=rows)
    _table(slide, t, Inches(1.1), 10, first_share=0.5, left=_MARGIN + half + Inches(0.3), width=half)
    _text(slide, _MARGIN, Inches(6.1), _WIDE - 2 * _MARGIN, Inches(0.8), [c.conventions], 9)


def render_pptx(result: CompareResult, c: ReportContent) -> bytes:
    """The deck as the bytes of a .pptx file."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = _WIDE, _HIGH
    dates = c.summary.data_dates
    footer = f"{c.title}: {dates.text if dates is not None else 'no dated catalog data'} {c.generator}."
    _title_slide(prs, c, footer)
    _summary_slide(prs, c, footer)
    _chart_slide(prs, result, footer)
    slide = _slide(prs, SLIDE_TITLES[2], footer)
    full = options_table(c)  # the capacity column's sources stay in the full report
    shown = Table(title=full.title, columns=full.columns[:-1], rows=[[short_label(str(r[0]), 90), *r[1:-1]]
                                                                     for r in full.rows])
    _table(slide, shown, Inches(1.2), 11, first_share=0.34)
    _uncertainty_slide(prs, result, footer)
    _strategy_slide(prs, result, c, footer)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
