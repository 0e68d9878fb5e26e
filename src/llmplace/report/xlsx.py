"""The report as a workbook a finance team can audit: inputs with sources, monthly cash flows, sizing."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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


def _sheet(
    ws: Worksheet,
    head: list[str],
    rows: list[list[Any]],
    widths: dict[int, int] | None = None,
    usd_cols: set[int] | None = None,
    wrap_cols: set[int] | None = None,
) -> None:
    ws.append(head)
    for cell in ws[1]:
        cell.font = _HEAD
        cell.fill = _FILL
    for r in rows:
        ws.append([v if isinstance(v, (int, float, str)) or v is None else str(v) for v in r])
    ws.freeze_panes = "A2"
    for i, h in enumerate(head, start=1):
        w = (widths or {}).get(i) or min(60, max(10, len(str(h)) + 2))
        ws.column_dimensions[get_column_letter(i)].width = w
    for col in usd_cols or set():
        for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            row[0].number_format = _USD
    for col in wrap_cols or set():
        for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _optional_sheet(wb: Workbook, name: str, sec: dict[str, Any]) -> None:
    if not sec.get("computed"):
        return
    ws = wb.create_sheet(name)
    for t in sec.get("tables") or []:
        ws.append([t["title"]])
        ws.cell(ws.max_row, 1).font = _HEAD
        ws.append([str(c) for c in t["columns"]])
        for r in t["rows"]:
            ws.append([v if isinstance(v, (int, float, str)) or v is None else str(v) for v in r])
        ws.append([])


def _clean(x: Any) -> Any:
    """Text a worksheet can hold: control characters removed (they are illegal in xlsx cells)."""
    if isinstance(x, str):
        return ILLEGAL_CHARACTERS_RE.sub("", x)
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def _no_formulas(wb: Workbook) -> None:
    """Every cell holds data: a name such as ``=1+2`` from a scenario stays text, never a formula."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def render_xlsx(doc: dict[str, Any], c: dict[str, Any]) -> bytes:
    """The workbook's bytes (.xlsx)."""
    doc, c = _clean(doc), _clean(c)
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has one sheet
    ws.title = "Summary"
    s = c["summary"]
    conv = doc.get("convention") or {}
    ws.append(["Scenario", c["title"]])
    ws.append(["Generated", f"{c['generated_on']} by {c['generator']}"])
    ws.append(["Conventions", c["conventions"]])
    ws.append(["Hours per month", conv.get("hours_per_month")])
    ws.append(["Currency", conv.get("currency")])
    ws.append(["Horizon [months]", doc.get("horizon_months")])
    ws.append(["Cheapest (lowest TCO, cash view)", doc.get("cheapest")])
    ws.append(["Summary", s["headline"]])
    for p in s["paragraphs"]:
        ws.append(["", p])
    for key in ("reasons", "risks", "plan", "what_would_change"):
        for x in s.get(key) or []:
            ws.append([key.replace("_", " "), x])
    ws.append([])
    top = ws.max_row + 1
    head = [
        "option id",
        "option",
        "kind",
        "feasible",
        "units at peak",
        "upfront [USD]",
        "TCO [USD]",
        "NPV [USD]",
        "USD per Mtok",
        "TCO amortised [USD]",
        "capacity from / reason",
    ]
    ws.append(head)
    for cell in ws[top]:
        cell.font = _HEAD
        cell.fill = _FILL
    for o in c["options"]:
        ws.append(
            [
                o["id"],
                o["label"],
                o["kind"],
                o["feasible"],
                o["peak_units"],
                o["upfront_usd"],
                o["tco_usd"],
                o["npv_usd"],
                o["usd_per_mtok"],
                o["amortised_tco_usd"],
                o["capacity_from"] if o["feasible"] else o["infeasible_reason"],
            ]
        )
        for col in (6, 7, 8, 9, 10):
            ws.cell(ws.max_row, col).number_format = _USD
    for col, w in {1: 28, 2: 60, 3: 10, 4: 9, 5: 12, 6: 16, 7: 16, 8: 16, 9: 13, 10: 18, 11: 60}.items():
        ws.column_dimensions[get_column_letter(col)].width = w
    for row in ws.iter_rows(min_row=1, max_row=top - 1, min_col=1, max_col=1):
        row[0].font = _HEAD

    st = c["staleness"]
    stale = {r["item"]: r["age_days"] for r in st.get("stale") or []}
    _sheet(
        wb.create_sheet("Assumptions"),
        ["applies to", "name", "value", "unit", "as of", "source"],
        [[a["scope"], a["name"], a["value"], a["unit"], a["as_of"], a["source"]] for a in c["assumptions"]],
        {1: 24, 2: 34, 3: 14, 4: 16, 5: 22, 6: 100},
        wrap_cols={6},
    )
    _sheet(
        wb.create_sheet("Catalog rows"),
        [
            "catalog",
            "id",
            "as of",
            f"older than {st['max_age_days']} days on {st['today']}",
            "used by",
            "source",
        ],
        [
            [
                r["catalog"],
                r["id"],
                r["as_of"],
                f"yes ({stale[k]} days)" if (k := f"{r['catalog']}: {r['id']}") in stale else "no",
                ", ".join(r["used_by"]),
                r["source"],
            ]
            for r in c["catalog_rows"]
        ],
        {1: 10, 2: 30, 3: 24, 4: 22, 5: 30, 6: 100},
        wrap_cols={6},
    )

    if c.get("criteria_sources"):
        _sheet(
            wb.create_sheet("Criteria data"),
            ["table", "key", "as of", "source"],
            [[r.get("table"), r.get("key"), r.get("as_of"), r.get("source")] for r in c["criteria_sources"]],
            {1: 24, 2: 40, 3: 12, 4: 100},
            wrap_cols={4},
        )
    feasible = [o for o in doc.get("options") or [] if o.get("feasible") and o.get("monthly_by_category_usd")]
    cats: list[str] = []
    for o in feasible:
        cats += [k for k in o["monthly_by_category_usd"] if k not in cats]
    rows = []
    for o in feasible:
        by = o["monthly_by_category_usd"]
        for m in range(len(o.get("monthly_usd") or [])):
            vals = [by[k][m] if k in by else None for k in cats]
            rows.append([o["id"], m + 1, *vals, o["monthly_usd"][m]])
    _sheet(
        wb.create_sheet("Cash flows"),
        ["option id", "month", *[f"{k} [USD]" for k in cats], "total [USD]"],
        rows,
        {1: 26},
        usd_cols=set(range(3, len(cats) + 4)),
    )
    amort = []
    for o in feasible:
        a = o.get("amortised") or {}
        for m, v in enumerate(a.get("monthly_usd") or []):
            amort.append([o["id"], m + 1, v])
    _sheet(
        wb.create_sheet("Amortised"),
        ["option id", "month", "total, amortised view [USD]"],
        amort,
        {1: 26, 3: 26},
        usd_cols={3},
    )
    _sheet(
        wb.create_sheet("Break-even"),
        ["option a", "option b", "view", "month", "cheaper after"],
        [
            [b.get("a"), b.get("b"), b.get("view"), b.get("month"), b.get("cheaper_after")]
            for b in doc.get("break_even") or []
        ],
        {1: 26, 2: 26, 5: 26},
    )
    d = doc.get("demand") or {}
    tok = d.get("tokens_per_month") or []
    peak = d.get("peak_output_tokens_per_s") or []
    _sheet(
        wb.create_sheet("Demand"),
        ["month", "tokens (input + output)", "peak output tokens/s"],
        [[m + 1, tok[m], peak[m] if m < len(peak) else None] for m in range(len(tok))],
        {2: 24, 3: 22},
    )
    sz_keys = [
        "id",
        "kind",
        "feasible",
        "gpu",
        "gpus_per_replica",
        "replicas_per_unit",
        "first_month_units",
        "peak_units",
        "unit_kind",
        "peak_gpus_in_use",
        "output_tokens_per_s_per_replica",
        "peak_fleet_output_tokens_per_s",
        "peak_utilisation",
        "precision",
        "engine",
        "concurrency",
        "ttft_ms",
        "tpot_ms",
        "e2e_latency_s",
        "weights_gib",
        "capacity_source",
        "infeasible_reason",
    ]
    _sheet(
        wb.create_sheet("Sizing"),
        sz_keys,
        [[r.get(k) for k in sz_keys] for r in c["sizing"]],
        {1: 26, 21: 60},
    )
    _optional_sheet(wb, "Hybrid", c["hybrid"])
    _optional_sheet(wb, "Risk", c["risk"])
    _optional_sheet(wb, "Tornado", c["sensitivity"]["tornado"])
    _optional_sheet(wb, "Thresholds", c["sensitivity"]["thresholds"])
    _optional_sheet(wb, "Criteria", c["criteria"])
    _no_formulas(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
