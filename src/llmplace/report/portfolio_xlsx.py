"""The portfolio report as a workbook: plans, showback, one sheet per workload, the sources and the notes.

Amounts are numbers in the portfolio's currency (cash view, over the horizon), shares are percentages, the
catalog rows carry their dates and sources; the layout (header style, money format, widths) is that of the
single-workload workbook (:mod:`.xlsx`).
"""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import Workbook

from ..catalog.fx import money_prefix
from ..conventions import money_code, money_in
from ..results import Percentiles
from ..results.portfolio import PortfolioResult, WorkloadSummary
from .portfolio import stale_text
from .tables import Cell, Table
from .xlsx import _sheet

__all__ = ["FIXED_SHEETS", "render_portfolio_xlsx"]

FIXED_SHEETS = ("Plans", "Showback", "Catalog rows", "Site values", "Notes")  #: workload sheets come after Showback
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_SHEET_CHARS = 31  # Excel's limit on a sheet's name


def _pct(p: float | None) -> Cell:
    return None if p is None else f"{p:.1%}"  # read back as a number with a percent format


def _ranges(r: Percentiles | None, chance: float | None) -> list[Cell]:
    return [None, None, None, _pct(chance)] if r is None else [r.p10, r.p50, r.p90, _pct(chance)]


def _money_units(columns: list[str], money: set[int]) -> list[str]:
    return [money_code() if i in money else "" for i in range(len(columns))]


def _plans(r: PortfolioResult) -> Table:
    ranged = r.uncertainty is not None
    cols = ["plan", "kind", "total", *(["total P10", "total P50", "total P90", "P(cheapest)"] if ranged else []),
            "separate fleets", "saving", "members", "status"]
    rows: list[list[Cell]] = []
    for p in r.plans:
        sep = p.separate_tco_usd
        status = f"no answer: {p.infeasible_reason}" if p.infeasible_reason else \
            ("cheapest" if p.id == r.cheapest_plan else "")
        rows.append([p.id, p.kind, p.tco_usd, *(_ranges(p.tco_range_usd, p.probability_cheapest) if ranged else []),
                     sep, None if sep is None else round(sep - p.tco_usd, 2), ", ".join(p.members), status])
    money = {2, 3, 4, 5, 7, 8} if ranged else {2, 3, 4}
    return Table(title="Plans", columns=cols, rows=rows, units=_money_units(cols, money))


def _showback(r: PortfolioResult) -> Table:
    cols = ["plan", "workload", "served by", "showback", "GPU-hours", "tokens", "per Mtok", "basis"]
    rows: list[list[Cell]] = [[p.id, s.workload, s.option, s.usd, s.gpu_hours, s.tokens,
                               round(s.usd / s.tokens * 1e6, 4) if s.tokens > 0 else None, s.basis]
                              for p in r.plans for s in p.showback]
    return Table(title="Showback", columns=cols, rows=rows, units=_money_units(cols, {3, 6}))


def _workload(w: WorkloadSummary, ranged: bool) -> Table:
    cols = ["option", "kind", "feasible", "TCO", *(["TCO P10", "TCO P50", "TCO P90", "P(cheapest)"] if ranged else []),
            "per Mtok", "cheapest", "note"]
    rows: list[list[Cell]] = []
    for o in w.options:
        cost = o.tco_usd if o.feasible else None
        per = round(cost / w.tokens_total * 1e6, 4) if cost is not None and w.tokens_total > 0 else None
        rows.append([o.option, o.kind, o.feasible, cost,
                     *(_ranges(o.tco_range_usd, o.probability_cheapest) if ranged else []), per,
                     o.option == w.cheapest, "" if o.feasible else f"out: {o.infeasible_reason or ''}"])
    money = {3, 4, 5, 6, 8} if ranged else {3, 4}
    return Table(title=w.id, columns=cols, rows=rows, units=_money_units(cols, money))


def _sources(r: PortfolioResult, today: dt.date) -> tuple[Table, Table]:
    rows: list[list[Cell]] = [[c.catalog, c.id, c.as_of, stale_text(c.catalog, c.id, c.as_of, today),
                               ", ".join(c.used_by), c.source] for c in r.catalog_rows]
    catalog = Table(title="Catalog rows", columns=["catalog", "row", "as of", "check", "used by", "source"],
                    rows=rows)
    site: list[list[Cell]] = [[a.name, a.value, a.as_of, stale_text("default", a.name, a.as_of, today), a.source]
                              for a in r.assumptions]
    return catalog, Table(title="Site values", columns=["name", "value", "as of", "check", "source"], rows=site)


def _notes(r: PortfolioResult) -> Table:
    rows: list[list[Cell]] = [["portfolio", r.name], ["horizon (months)", r.horizon_months],
                              ["currency", r.currency], ["view", "cash"], ["cheapest plan", r.cheapest_plan]]
    if r.uncertainty is not None:
        rows += [["Monte Carlo samples", r.uncertainty.samples], ["seed", r.uncertainty.seed],
                 ["method", r.uncertainty.method],
                 ["drawn once for every workload", ", ".join(i.label for i in r.uncertainty.inputs if i.shared)]]
    notes: list[list[Cell]] = [["note", n] for n in r.notes]
    rows += notes + [[f"note ({p.id})", n] for p in r.plans for n in p.notes]
    return Table(title="Notes", columns=["item", "value"], rows=rows)


def _sheet_names(ids: list[str]) -> list[str]:
    """A sheet name per workload id: Excel's forbidden characters replaced, 31 characters at most, unique (and
    never one of the fixed sheets)."""
    taken = {s.lower() for s in FIXED_SHEETS}
    out = []
    for wid in ids:
        base = _BAD_SHEET_CHARS.sub("_", wid).strip("'")[:_SHEET_CHARS] or "workload"
        name, k = base, 2
        while name.lower() in taken:
            name = f"{base[:_SHEET_CHARS - len(str(k)) - 1]}~{k}"
            k += 1
        taken.add(name.lower())
        out.append(name)
    return out


def render_portfolio_xlsx(result: PortfolioResult, today: dt.date) -> bytes:
    """The workbook: Plans, Showback, one sheet per workload, Catalog rows, Site values, Notes."""
    with money_in(result.currency, money_prefix(result.currency)):
        ranged = result.uncertainty is not None
        catalog, site = _sources(result, today)
        tables = [("Plans", _plans(result)), ("Showback", _showback(result))]
        names = _sheet_names([w.id for w in result.workloads])
        tables += [(n, _workload(w, ranged)) for n, w in zip(names, result.workloads, strict=True)]
        tables += [("Catalog rows", catalog), ("Site values", site), ("Notes", _notes(result))]
        wb = Workbook()
        wb.remove(wb.active)
        for name, table in tables:
            wrap = {len(table.columns)} if name in ("Showback", "Catalog rows", "Site values", "Notes") else set()
            _sheet(wb.create_sheet(name), table, {}, wrap)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
