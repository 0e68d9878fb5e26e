"""The workbook a finance team audits: numbers stored as numbers, totals as formulas that add up to the
reported TCO, frozen headers, set column widths, the summary first.

No spreadsheet engine is installed here, so the formulas are evaluated by the small reader below: it
knows the only two forms the workbook writes, ``=SUM(C2:C37)`` and ``='Cash flows'!L38``, and fails
on anything else. The expected TCOs are the comparison result's own (the cost engine's), not the
workbook's.
"""

from __future__ import annotations

import io
import re
from functools import cache

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.workbook.workbook import Workbook

import llmplace
from llmplace.report import render
from llmplace.results import CompareResult

from .conftest import EXAMPLES

_SUM = re.compile(r"=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)")
_REF = re.compile(r"='([^']+)'!([A-Z]+)(\d+)")
_NUMBER_AS_TEXT = re.compile(r"-?\$?-?\d[\d,]*(\.\d+)?%?")


@cache
def _result(stem: str) -> CompareResult:
    return llmplace.compare(next(p for p in EXAMPLES if p.stem == stem), samples=300, seed=3)


@cache
def _book(stem: str) -> Workbook:
    data = render(_result(stem), "xlsx")
    assert isinstance(data, bytes)
    return load_workbook(io.BytesIO(data))


def _value(wb: Workbook, sheet: str, col: str, row: int) -> float:
    """A cell's value, its formula evaluated (SUM over a range, or a reference to another sheet's cell)."""
    v = wb[sheet][f"{col}{row}"].value
    if not (isinstance(v, str) and v.startswith("=")):
        return float(v or 0.0)
    if m := _REF.fullmatch(v):
        return _value(wb, m.group(1), m.group(2), int(m.group(3)))
    m = _SUM.fullmatch(v)
    assert m is not None, f"a formula this reader does not know: {v}"
    c0, c1 = column_index_from_string(m.group(1)), column_index_from_string(m.group(3))
    return sum(_value(wb, sheet, wb[sheet].cell(1, c).column_letter, r)
               for c in range(c0, c1 + 1) for r in range(int(m.group(2)), int(m.group(4)) + 1))


@pytest.mark.parametrize("stem", [p.stem for p in EXAMPLES])
def test_summary_formulas_recompute_the_tco(stem):
    """Each option's 'TCO from the cash flows' is a formula over the Cash flows sheet (sums of its monthly
    totals); evaluated, it equals the TCO the cost engine reported."""
    r, wb = _result(stem), _book(stem)
    ws = wb["Summary"]
    header = next(row for row in ws.iter_rows(values_only=True) if row[0] == "option id")
    top = next(i for i, row in enumerate(ws.iter_rows(values_only=True), start=1) if row[0] == "option id")
    check = header.index("TCO from the cash flows [USD]")
    checked = 0
    for n in range(top + 1, ws.max_row + 1):
        oid, cell = ws.cell(n, 1).value, ws.cell(n, check + 1)
        o = r.find(oid)
        if o is None or not o.feasible:
            continue
        assert isinstance(cell.value, str) and cell.value.startswith("='Cash flows'!"), cell.value
        assert _value(wb, "Summary", cell.column_letter, n) == pytest.approx(o.tco_usd, rel=1e-9, abs=1e-6)
        checked += 1
    assert checked == sum(1 for o in r.options if o.feasible)


def test_tco_rows_add_up_by_category_to_the_tco():
    """Each option's TCO row sums every category over the months (formulas); the categories add up to the
    total column's sum, which is the TCO the cost engine reported."""
    r, wb = _result("internal-assistant-70b"), _book("internal-assistant-70b")
    ws = wb["Cash flows"]
    last = ws.cell(1, ws.max_column).column_letter
    rows = [n for n in range(2, ws.max_row + 1) if ws.cell(n, 2).value == "TCO"]
    assert len(rows) == sum(1 for o in r.options if o.feasible)
    for n in rows:
        o = r.find(ws.cell(n, 1).value)
        assert o is not None
        by_category = sum(_value(wb, "Cash flows", ws.cell(1, c).column_letter, n) for c in range(3, ws.max_column))
        assert by_category == pytest.approx(o.tco_usd, rel=1e-9)
        assert _value(wb, "Cash flows", last, n) == pytest.approx(o.tco_usd, rel=1e-9)


@pytest.mark.parametrize("sheet", ["Assumptions", "Risk", "Tornado", "Criteria", "Hybrid", "Summary"])
def test_numbers_are_stored_as_numbers(sheet):
    """Tornado, Risk, Assumptions and Criteria stored '$244,093', '-9.52', '5%' as text: a finance team
    could not add them up. No cell may hold a number written as text."""
    ws = _book("internal-assistant-70b")[sheet]
    as_text = [c.coordinate + "=" + c.value for row in ws.iter_rows() for c in row
               if isinstance(c.value, str) and _NUMBER_AS_TEXT.fullmatch(c.value.strip())]
    assert not as_text, as_text[:5]


def test_money_and_shares_carry_number_formats():
    ws = _book("internal-assistant-70b")["Tornado"]
    header = next(i for i, row in enumerate(ws.iter_rows(values_only=True), start=1) if row[0] == "input")
    swing = ws.cell(header + 1, 7)
    assert isinstance(swing.value, (int, float)) and swing.value > 0 and "$" in swing.number_format
    crit = _book("internal-assistant-70b")["Criteria"]
    weight = crit.cell(3, 2)
    assert isinstance(weight.value, float) and weight.value < 1 and "%" in weight.number_format


def test_summary_first_headers_frozen_and_columns_sized():
    wb = _book("internal-assistant-70b")
    assert wb.sheetnames[0] == "Summary"
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None, ws.title
        assert (ws.column_dimensions["A"].width or 0) >= 10, ws.title
