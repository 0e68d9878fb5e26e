"""The report as a workbook a finance team can audit: inputs with sources, monthly cash flows, sizing.

Every sheet writes a table built in :mod:`llmplace.report.tables`; this module only lays them out
(header style, column widths, money format of the columns in USD, wrapped source texts).
"""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..conventions import money_code, money_prefix
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
    key_figures,
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


def _money_format() -> str:
    """The number format of a money cell: the current currency's prefix ('"$"#,##0.00' in USD)."""
    return f'"{money_prefix()}"#,##0.00'


_PCT = "0.0%"
_NUM = "General"
_INT = "#,##0"
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
    """1-based columns whose unit is the money of the result (USD unless it says otherwise)."""
    return [i + 1 for i, unit in enumerate(t.units or []) if unit == money_code()]


def _sheet(ws: Worksheet, t: Table, widths: dict[int, int], wrap: set[int] | None = None) -> None:
    """A sheet holding one table: a styled, frozen header, numbers as numbers (money in USD), long texts wrapped."""
    _write_table(ws, t)
    ws.freeze_panes = "A2"
    _widths(ws, [t], widths)
    for col in wrap or set():
        for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _money_text() -> re.Pattern[str]:
    """An amount the report wrote as text in the current currency ('$1,234', '-€5')."""
    return re.compile(r"(-?)" + re.escape(money_prefix()) + r"(-?)([\d,]+(?:\.\d+)?)")


_PCT_TEXT = re.compile(r"(-?[\d,]+(?:\.\d+)?)%")
_NUM_TEXT = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _as_number(x: Cell) -> tuple[float, str] | None:
    """A number the report wrote as text ('$1,234', '-$5', '22%', '-9.52', '1,000'), with its number format."""
    if not isinstance(x, str):
        return None
    t = x.strip()
    if m := _money_text().fullmatch(t):
        sign = -1.0 if (m.group(1) or m.group(2)) else 1.0
        return sign * float(m.group(3).replace(",", "")), _money_format()
    if m := _PCT_TEXT.fullmatch(t):
        return float(m.group(1).replace(",", "")) / 100.0, _PCT
    if _NUM_TEXT.fullmatch(t):
        value = float(t.replace(",", ""))
        return value, _INT if value.is_integer() else _NUM
    return None


def _typed(v: Cell, usd: bool) -> tuple[Cell, str | None]:
    """A cell as the workbook stores it: numbers written as text turned back into numbers, with a format."""
    if isinstance(v, bool) or v is None:
        return v, None
    if isinstance(v, (int, float)):
        return v, _money_format() if usd else (_INT if float(v).is_integer() else _NUM)
    if v.strip() == "-":
        return None, None
    got = _as_number(v)
    return (got[0], _money_format() if usd else got[1]) if got else (v, None)


def _write_table(ws: Worksheet, t: Table) -> int:
    """Write a table (header row styled) at the sheet's end, numbers stored as numbers with a number format
    (money columns in USD); the header's row number."""
    usd = {i - 1 for i in _usd_columns(t)}
    _append(ws, list(t.columns))
    top = ws.max_row
    _head(ws, top)
    for r in t.rows:
        typed = [_typed(v, i in usd) for i, v in enumerate(r)]
        _append(ws, [v for v, _ in typed])
        for i, (_, fmt) in enumerate(typed):
            if fmt is not None:
                ws.cell(ws.max_row, i + 1).number_format = fmt
    return top


def _widths(ws: Worksheet, tables: list[Table], fixed: dict[int, int] | None = None) -> None:
    """Column widths from the longest text of each column (10 to 60 characters), unless fixed."""
    longest: dict[int, int] = {}
    for t in tables:
        for row in [t.columns, *t.text()]:
            for i, v in enumerate(row, start=1):
                longest[i] = max(longest.get(i, 0), len(str(v)))
    for i, n in longest.items():
        ws.column_dimensions[get_column_letter(i)].width = (fixed or {}).get(i) or min(60, max(10, n + 2))


def _sections_sheet(wb: Workbook, name: str, sec: Section[Any]) -> None:
    """A sheet of an optional section's tables, one under the other, numbers as numbers (none when the
    section was not computed); the first table's header row stays in view."""
    if not sec.computed:
        return
    ws = wb.create_sheet(name)
    for n, t in enumerate(sec.tables):
        _append(ws, [t.title])
        ws.cell(ws.max_row, 1).font = _HEAD
        top = _write_table(ws, t)
        if n == 0:
            ws.freeze_panes = f"A{top + 1}"
        ws.append([])
    _widths(ws, sec.tables)


def _no_formulas(wb: Workbook, ours: set[tuple[str, str]]) -> None:
    """Every cell holds data except the totals written here (``ours``: sheet, cell): a name such as ``=1+2``
    from a scenario stays text, never a formula."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and (ws.title, cell.coordinate) not in ours:
                    cell.data_type = "s"


def _cash_flow_sheet(ws: Worksheet, t: Table, ours: set[tuple[str, str]]) -> dict[str, str]:
    """Monthly cash flows by option and category (the engine's numbers), and a TCO row per option whose cells
    are formulas summing its months; the TCO cell of each option (for the summary's check column)."""
    last = get_column_letter(len(t.columns))
    _append(ws, list(t.columns))
    _head(ws, 1)
    ws.freeze_panes = "C2"
    tco: dict[str, str] = {}
    rows = list(t.rows)
    for n, r in enumerate(rows):
        if n == 0 or r[0] != rows[n - 1][0]:
            first = ws.max_row + 1
        _append(ws, r)
        if n + 1 == len(rows) or rows[n + 1][0] != r[0]:
            end = ws.max_row
            cols = [get_column_letter(i) for i in range(3, len(t.columns) + 1)]
            _append(ws, [r[0], "TCO", *[f"=SUM({c}{first}:{c}{end})" for c in cols]])
            ours.update((ws.title, f"{c}{ws.max_row}") for c in cols)
            for cell in ws[ws.max_row]:
                cell.font = _HEAD
            tco[str(r[0])] = f"{last}{ws.max_row}"
    for row in ws.iter_rows(min_row=2, min_col=3):
        for cell in row:
            cell.number_format = _money_format()
    _widths(ws, [t], {1: 26})
    return tco


_OPTION_WIDTHS = {1: 28, 2: 60, 3: 10, 4: 9, 5: 12, 6: 16, 7: 16, 8: 16, 9: 13, 10: 18, 11: 60}


def _summary_sheet(ws: Worksheet, result: CompareResult, c: ReportContent, tco: dict[str, str],
                   ours: set[tuple[str, str]]) -> None:
    """The facts (label column in bold), the key figures, then the options table with a column that adds up
    each option's TCO from the Cash flows sheet (a formula: it must equal the TCO column)."""
    ws.title = "Summary"
    for r in summary_facts(result, c).rows:
        _append(ws, r)
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, min_col=1, max_col=1):
        row[0].font = _HEAD
    ws.freeze_panes = "A2"
    if c.summary.tiles:
        ws.append([])
        _write_table(ws, key_figures(c))
    ws.append([])
    options = workbook_options(c)
    check = f"TCO from the cash flows [{money_code()}]"
    top = _write_table(ws, options.model_copy(update={"columns": [*options.columns, check]}))
    col = get_column_letter(len(options.columns) + 1)
    for n, o in enumerate(c.options, start=top + 1):
        if o.id in tco:
            ws[f"{col}{n}"] = f"='Cash flows'!{tco[o.id]}"
            ws[f"{col}{n}"].number_format = _money_format()
            ours.add((ws.title, f"{col}{n}"))
    for i, w in {**_OPTION_WIDTHS, len(options.columns) + 1: 18}.items():
        ws.column_dimensions[get_column_letter(i)].width = w


def render_xlsx(result: CompareResult, c: ReportContent) -> bytes:
    """The workbook's bytes (.xlsx)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has one sheet
    ours: set[tuple[str, str]] = set()
    flows = wb.create_sheet("Cash flows")
    tco = _cash_flow_sheet(flows, cash_flows(result), ours)
    _summary_sheet(ws, result, c, tco, ours)
    _sheet(wb.create_sheet("Assumptions"), workbook_assumptions(c), {1: 24, 2: 34, 3: 14, 4: 16, 5: 22, 6: 100},
           wrap={6})
    _sheet(wb.create_sheet("Catalog rows"), workbook_catalog(c), {1: 10, 2: 30, 3: 24, 4: 22, 5: 30, 6: 100},
           wrap={6})
    crit = criteria_sources_table(c)
    if crit is not None:
        _sheet(wb.create_sheet("Criteria data"), crit, {1: 24, 2: 40, 3: 12, 4: 100}, wrap={4})
    wb.move_sheet(flows, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index("Cash flows"))
    _sheet(wb.create_sheet("Amortised"), amortised_flows(result), {1: 26, 3: 26})
    _sheet(wb.create_sheet("Break-even"), break_even_pairs(result), {1: 26, 2: 26, 5: 26})
    _sheet(wb.create_sheet("Demand"), demand_by_month(result), {2: 24, 3: 22})
    _sheet(wb.create_sheet("Sizing"), workbook_sizing(c), {1: 26, 21: 60})
    sens = c.sensitivity
    for name, sec in (("Hybrid", c.hybrid), ("Risk", c.risk), ("Tornado", sens.tornado),
                      ("Thresholds", sens.thresholds), ("Criteria", c.criteria)):
        _sections_sheet(wb, name, sec)
    _no_formulas(wb, ours)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
