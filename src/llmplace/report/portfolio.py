"""The report of a portfolio: each workload's options, then the plans that serve every workload with
each workload's showback, in JSON, Markdown or one self-contained HTML page.

The figures are those of :func:`llmplace.compare_portfolio` (its ``compare --json`` document) in the cash view,
with Monte Carlo ranges when it was sampled; the cost per million tokens of a showback row is its charge over the
tokens the workload serves over the horizon. The catalog rows and site values every workload's options used are
listed with their sources and dates (prices older than the staleness limit marked), then the simplifications
the result states. The workbook (xlsx) is :mod:`.portfolio_xlsx`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass, field

from ..conventions import STALE_AFTER_DAYS, format_usd
from ..errors import InputError
from ..results import Percentiles
from ..results.portfolio import PortfolioPlan, PortfolioResult, WorkloadSummary
from .model import StaleItem
from .provenance import ages, parse_as_of

__all__ = ["PORTFOLIO_FORMATS", "portfolio_document", "render_portfolio", "stale_text"]

#: the report formats a portfolio is written in (the others read one workload)
PORTFOLIO_FORMATS = ("html", "md", "json", "xlsx")


@dataclass
class _Table:
    title: str
    columns: list[str]
    numeric: frozenset[int]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class _Part:
    """A heading, its paragraphs, its tables and its list items."""

    heading: str
    level: int = 2
    text: list[str] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)
    items: list[str] = field(default_factory=list)




def _per_mtok(usd: float, tokens: float) -> str:
    return format_usd(usd / tokens * 1e6, cents_below=1e9) if tokens > 0 else "-"


def _range(r: Percentiles | None) -> str:
    return "-" if r is None else f"{format_usd(r.p10)} to {format_usd(r.p90)}"


def _chance(p: float | None) -> str:
    return "-" if p is None else f"{p:.0%}"


def _workload(w: WorkloadSummary, ranged: bool) -> _Table:
    extra = ["TCO P10 to P90", "P(cheapest)"] if ranged else []
    t = _Table(f"{w.id} ({w.model}): {w.tokens_total / 1e6:,.0f} million tokens over the horizon",
               ["option", "kind", "TCO", *extra, "per Mtok", "note"], frozenset(range(2, 4 + len(extra))))
    for o in w.options:
        mark = " (cheapest)" if o.option == w.cheapest else ""
        cost = o.tco_usd if o.feasible else None
        t.rows.append([o.option + mark, o.kind, format_usd(cost),
                       *([_range(o.tco_range_usd), _chance(o.probability_cheapest)] if ranged else []),
                       _per_mtok(cost, w.tokens_total) if cost is not None else "-",
                       o.note])
    return t


def _plans_table(r: PortfolioResult) -> _Table:
    extra = ["total P10 to P90", "P(cheapest)"] if r.uncertainty is not None else []
    t = _Table("Plans for every workload", ["plan", "total", *extra, "separate fleets", "saving", "of which staff",
                                            "of which packing", "status"], frozenset(range(1, 6 + len(extra))))
    for p in r.plans:
        sep = p.separate_tco_usd
        saving = format_usd(sep - p.tco_usd) if sep is not None else "-"
        status = f"no answer: {p.infeasible_reason}" if p.infeasible_reason else \
            ("cheapest" if p.id == r.cheapest_plan else "")
        t.rows.append([p.id, format_usd(p.tco_usd), *([_range(p.tco_range_usd), _chance(p.probability_cheapest)]
                                                      if extra else []), format_usd(sep), saving,
                       format_usd(p.staff_saving_usd), format_usd(p.packing_saving_usd), status])
    return t


def stale_text(catalog: str, key: str, as_of: str | None, today: dt.date) -> str:
    """'' when the value is fresh or does not age; else how old it is or that it carries no date (the rule of
    the single-workload report: :func:`llmplace.report.provenance.staleness`)."""
    if not ages(StaleItem(item=f"{catalog}: {key}", as_of=as_of, used_by=[])):
        return ""
    d = parse_as_of(as_of)
    if d is None:
        return "undated"
    days = (today - d).days
    return f"stale: {days:,} days old" if days > STALE_AFTER_DAYS else ""


def _sources(r: PortfolioResult, today: dt.date) -> _Part:
    rows = _Table("Catalog rows the options used", ["catalog", "row", "as of", "check", "used by (workload/option)",
                                                   "source"], frozenset())
    rows.rows = [[c.catalog, c.id, c.as_of, stale_text(c.catalog, c.id, c.as_of, today), ", ".join(c.used_by),
                  c.source] for c in r.catalog_rows]
    site = _Table("Site and finance values", ["name", "value", "as of", "check", "source"], frozenset({1}))
    site.rows = [[a.name, f"{a.value:g}", a.as_of or "-", stale_text("default", a.name, a.as_of, today), a.source]
                 for a in r.assumptions]
    return _Part("Sources and dates", 2, [f"Prices older than {STALE_AFTER_DAYS} days on {today.isoformat()} are "
                                          "marked stale; datasheets and model configurations do not age."],
                 [rows, site])


def _showback(p: PortfolioPlan) -> _Part:
    t = _Table(f"{p.id}: showback per workload", ["workload", "served by", "showback", "GPU-hours", "per Mtok",
                                                  "basis"], frozenset({2, 3, 4}))
    for s in p.showback:
        hours = f"{s.gpu_hours:,.0f}" if s.gpu_hours is not None else "-"
        t.rows.append([s.workload, s.option, format_usd(s.usd), hours, _per_mtok(s.usd, s.tokens), s.basis])
    text = [f"Members on the shared fleet: {', '.join(p.members)}."] if p.members else []
    if p.shared_servers:
        unit = "Instances rented" if p.shared_unit == "instance" else "Servers in service"
        text.append(f"{unit}: at most {max(p.shared_servers)} shared against "
                    f"{max(p.separate_servers or [0])} on separate fleets.")
    return _Part(f"Plan {p.id}", 3, text, [t], list(p.notes))


def _parts(r: PortfolioResult, today: dt.date) -> list[_Part]:
    head = _Part(f"Portfolio report: {r.name}", 1, [
        f"{len(r.workloads)} workloads over {r.horizon_months} months, cash view, {r.currency}; "
        f"prepared {today.isoformat()}.",
        f"Cheapest plan: {r.cheapest_plan}." if r.cheapest_plan else "No plan serves every workload.",
        "Point values only: no Monte Carlo ranges." if r.uncertainty is None else
        f"Monte Carlo: {r.uncertainty.samples:,} samples, seed {r.uncertainty.seed}; {r.uncertainty.method}."])
    work = _Part("Each workload on its own", 2, ["Each option's total cost of ownership for the workload alone, "
                                                 "under its own constraints."],
                 [_workload(w, r.uncertainty is not None) for w in r.workloads])
    plans = _Part("Plans", 2, ["Each plan serves every workload; its total is the sum of the showback."],
                  [_plans_table(r)])
    simple = _Part("Simplifications", 2, items=list(r.notes))
    return [head, work, plans, *[_showback(p) for p in r.plans], _sources(r, today), simple]


def _md_cell(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("<", "\\<").replace("[", "\\[").replace("\n", " ")


def _md_table(t: _Table) -> list[str]:
    sep = ["---:" if i in t.numeric else "---" for i in range(len(t.columns))]
    lines = [f"**{_md_cell(t.title)}**", "", "| " + " | ".join(t.columns) + " |", "| " + " | ".join(sep) + " |"]
    return lines + ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in t.rows] + [""]


def _markdown(parts: list[_Part]) -> str:
    out: list[str] = []
    for p in parts:
        out += ["#" * p.level + " " + _md_cell(p.heading), ""]
        out += [line for s in p.text for line in (_md_cell(s), "")]
        for t in p.tables:
            out += _md_table(t)
        out += [f"- {_md_cell(i)}" for i in p.items] + ([""] if p.items else [])
    return "\n".join(out)


def _html_table(t: _Table) -> str:
    def cell(tag: str, i: int, s: str) -> str:
        return f'<{tag}{" class=num" if i in t.numeric else ""}>{html.escape(s)}</{tag}>'

    head = "".join(cell("th", i, c) for i, c in enumerate(t.columns))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in t.rows)
    return (f"<table><caption>{html.escape(t.title)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


_CSS = ("body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;font-weight:600;padding:.3rem 0}"
        "th,td{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}.num{text-align:right}")


def _html(parts: list[_Part], title: str) -> str:
    body: list[str] = []
    for p in parts:
        body.append(f"<h{p.level}>{html.escape(p.heading)}</h{p.level}>")
        body += [f"<p>{html.escape(s)}</p>" for s in p.text]
        body += [_html_table(t) for t in p.tables]
        if p.items:
            body.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in p.items) + "</ul>")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n")


def portfolio_document(result: PortfolioResult, fmt: str, today: dt.date | None = None) -> bytes:
    """The portfolio report in ``fmt`` as bytes: the workbook for xlsx, else :func:`render_portfolio` in UTF-8."""
    if fmt == "xlsx":
        from .portfolio_xlsx import render_portfolio_xlsx

        return render_portfolio_xlsx(result, today or dt.date.today())
    return render_portfolio(result, fmt, today).encode("utf-8")


def render_portfolio(result: PortfolioResult, fmt: str, today: dt.date | None = None) -> str:
    """The portfolio report in ``fmt``: json (the ``compare --json`` document), md or html (the workbook:
    :func:`portfolio_document`)."""
    if fmt not in PORTFOLIO_FORMATS or fmt == "xlsx":
        raise InputError("--format", fmt, f"{', '.join(PORTFOLIO_FORMATS)} for a portfolio (the other formats read "
                         "one workload)")
    if fmt == "json":
        return json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"
    parts = _parts(result, today or dt.date.today())
    return _markdown(parts) if fmt == "md" else _html(parts, f"Portfolio report: {result.name}")
