"""The report as a workbook a finance team can audit: inputs with sources, monthly cash flows, sizing.

Every sheet writes a table built in :mod:`llmplace.report.tables`; this module only lays them out
(header style, column widths, money format of the columns in USD, wrapped source texts).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..results import CompareResult
from .model import ReportContent, Section
from .tables import (
    Cell,
    Table,
    amortised_flows,
    break_even_pairs,
    cash_flows,
    criteria_sources_table,
    demand_by_month,
    summary_facts,
    workbook_assumptions,
    workbook_catalog,
    workbook_options,
    workbook_sizing,
)

__all__ = ["render_xlsx", "SHEETS"]

SHEETS = (
    "Summary",
    "Assumptions",
    "Catalog rows",
    "Cash flows",
    "Amortised",
    "Break-even",
    "Demand",
    "Sizing",
)
_USD = '"$"#,##0.00'
_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDE6F0")


def _clean(x: Cell) -> Cell:
    """Text a worksheet can hold: control characters removed (they are illegal in xlsx cells)."""
    return ILLEGAL_CHARACTERS_RE.sub("", x) if isinstance(x, str) else x


def _append(ws: Worksheet, row: list[Cell]) -> None:
    ws.append([_clean(v) for v in row])


def _head(ws: Worksheet, row: int) -> None:
    for cell in ws[row]:
        cell.font = _HEAD
        cell.fill = _FILL


def _usd_columns(t: Table) -> list[int]:
    """1-based columns whose unit is USD."""
    return [i + 1 for i, unit in enumerate(t.units or []) if unit == "USD"]


def _sheet(ws: Worksheet, t: Table, widths: dict[int, int], wrap: set[int] | None = None) -> None:
    """A sheet holding one table: a styled, frozen header, money in USD format, long texts wrapped."""
    _append(ws, list(t.columns))
    _head(ws, 1)
    for r in t.rows:
        _append(ws, r)
    ws.freeze_panes = "A2"
    for i, h in enumerate(t.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(i) or min(60, max(10, len(h) + 2))
    for col in _usd_columns(t):
        for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            row[0].number_format = _USD
    for col in wrap or set():
        for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _sections_sheet(wb: Workbook, name: str, sec: Section[Any]) -> None:
    """A sheet of an optional section's tables, one under the other (none when the section was not computed)."""
    if not sec.computed:
        return
    ws = wb.create_sheet(name)
    for t in sec.tables:
        _append(ws, [t.title])
        ws.cell(ws.max_row, 1).font = _HEAD
        _append(ws, list(t.columns))
        for r in t.rows:
            _append(ws, r)
        ws.append([])


def _no_formulas(wb: Workbook) -> None:
    """Every cell holds data: a name such as ``=1+2`` from a scenario stays text, never a formula."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


_OPTION_WIDTHS = {1: 28, 2: 60, 3: 10, 4: 9, 5: 12, 6: 16, 7: 16, 8: 16, 9: 13, 10: 18, 11: 60}


def _summary_sheet(ws: Worksheet, result: CompareResult, c: ReportContent) -> None:
    """The facts, label column in bold, then the options table under its own header."""
    ws.title = "Summary"
    for r in summary_facts(result, c).rows:
        _append(ws, r)
    ws.append([])
    top = ws.max_row + 1
    options = workbook_options(c)
    _append(ws, list(options.columns))
    _head(ws, top)
    for r in options.rows:
        _append(ws, r)
        for col in _usd_columns(options):
            ws.cell(ws.max_row, col).number_format = _USD
    for col, w in _OPTION_WIDTHS.items():
        ws.column_dimensions[get_column_letter(col)].width = w
    for row in ws.iter_rows(min_row=1, max_row=top - 1, min_col=1, max_col=1):
        row[0].font = _HEAD


def render_xlsx(result: CompareResult, c: ReportContent) -> bytes:
    """The workbook's bytes (.xlsx)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has one sheet
    _summary_sheet(ws, result, c)
    _sheet(wb.create_sheet("Assumptions"), workbook_assumptions(c), {1: 24, 2: 34, 3: 14, 4: 16, 5: 22, 6: 100},
           wrap={6})
    _sheet(wb.create_sheet("Catalog rows"), workbook_catalog(c), {1: 10, 2: 30, 3: 24, 4: 22, 5: 30, 6: 100},
           wrap={6})
    crit = criteria_sources_table(c)
    if crit is not None:
        _sheet(wb.create_sheet("Criteria data"), crit, {1: 24, 2: 40, 3: 12, 4: 100}, wrap={4})
    _sheet(wb.create_sheet("Cash flows"), cash_flows(result), {1: 26})
    _sheet(wb.create_sheet("Amortised"), amortised_flows(result), {1: 26, 3: 26})
    _sheet(wb.create_sheet("Break-even"), break_even_pairs(result), {1: 26, 2: 26, 5: 26})
    _sheet(wb.create_sheet("Demand"), demand_by_month(result), {2: 24, 3: 22})
    _sheet(wb.create_sheet("Sizing"), workbook_sizing(c), {1: 26, 21: 60})
    sens = c.sensitivity
    for name, sec in (("Hybrid", c.hybrid), ("Risk", c.risk), ("Tornado", sens.tornado),
                      ("Thresholds", sens.thresholds), ("Criteria", c.criteria)):
        _sections_sheet(wb, name, sec)
    _no_formulas(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
