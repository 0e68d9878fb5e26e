"""The self-contained HTML report: one file, plotly.js embedded once, no request leaves the page."""

from __future__ import annotations

import html
import re
from typing import Any

from .charts import Chart
from .formatting import fmt_number, fmt_usd
from .model import KpiTile, ReportContent, Section, Staleness
from .tables import (
    Table,
    assumptions_table,
    break_even_table,
    catalog_table,
    categories_by_option,
    criteria_sources_table,
    cumulative_table,
    options_table,
    sizing_grid,
    sizing_notes,
    yearly_table,
)

__all__ = ["render_board_page", "render_html"]

_URL = re.compile(r"https?://[^\s;,)]+")

CSS = """
:root { --ink: #1b1f24; --muted: #5a6270; --line: #dde1e6; --accent: #1f4e79; --warn-bg: #fff6e0;
        --warn-line: #e0a800; --ok-bg: #eef5fb; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f6f7f9;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 32px 48px; background: #fff; }
header h1 { font-size: 28px; line-height: 1.2; margin: 0 0 4px; }
header .meta { color: var(--muted); margin: 0; font-size: 13px; }
nav { margin: 14px 0 4px; font-size: 13px; display: flex; flex-wrap: wrap; row-gap: 2px; }
nav a { color: var(--accent); margin-right: 12px; text-decoration: none; white-space: nowrap; }
h2 { font-size: 21px; margin: 36px 0 8px; padding-top: 10px; border-top: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
p { margin: 6px 0 10px; }
.headline { font-size: 19px; font-weight: 600; margin: 14px 0 8px; color: var(--accent); }
.summary { background: var(--ok-bg); border-radius: 6px; padding: 12px 18px; }
.note { color: var(--muted); font-style: italic; }
.warning { background: var(--warn-bg); border-left: 4px solid var(--warn-line); padding: 10px 14px;
           margin: 12px 0; border-radius: 4px; }
.warning ul { margin: 6px 0 0; padding-left: 20px; }
figure { margin: 14px 0 18px; break-inside: avoid; page-break-inside: avoid; }
figure h3 { margin: 0 0 4px; }
figcaption { color: var(--muted); font-size: 13px; }
.chart { width: 100%; min-height: 160px; }
@media screen { figure { overflow-x: auto; } .chart { min-width: var(--chart-min-width, 0); } }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th.num { white-space: normal; }
tr.best td { font-weight: 600; background: #f3f8ee; }
tr.off td { color: var(--muted); }
td.src { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.wide { overflow-x: auto; margin: 8px 0 16px; }
.wide table { margin: 0; }
table.fixed { table-layout: fixed; }
td:first-child { min-width: 150px; }
table.sizing td:not(:first-child), table.sizing th:not(:first-child) { text-align: right; }
td.src a { color: var(--muted); }
.small { font-size: 12px; }
.board .headline { font-size: 22px; margin-top: 6px; }
.tiles { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0 4px; }
.tile { flex: 1 1 220px; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.tile.rec { border: 2px solid var(--accent); background: var(--ok-bg); }
.tile .role { margin: 0; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.tile .name { margin: 2px 0 6px; font-weight: 600; }
.tile dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0; font-size: 13px; }
.tile dt { color: var(--muted); }
.tile dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.tile .be { margin: 6px 0 0; font-size: 12px; color: var(--muted); }
ol.reasons { margin: 4px 0 8px; padding-left: 22px; }
details { margin: 10px 0; }
summary { cursor: pointer; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line);
         padding-top: 8px; }
@media (max-width: 760px) { main { padding: 16px; } }
@media print {
  @page { size: A4; margin: 12mm; }
  body { background: #fff; font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav, .modebar-container { display: none !important; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table { font-size: 9pt; }
  .wide { overflow: visible; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .board { break-after: page; page-break-after: always; }
  .board .chart { max-height: 330px; }
  .tile, .reasons li { break-inside: avoid; page-break-inside: avoid; }
  .summary, .warning, th, tr.best td, .tile.rec { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  details::details-content { content-visibility: visible; display: contents; }
  details > summary { list-style: none; }
}
"""

ONE_PAGE_CSS = """
@media print {
  main { zoom: 0.78; }
  .board { break-after: auto; page-break-after: auto; }
  .board .chart { max-height: none; }
}
"""

DRAW = """
(function () {
  var config = {displaylogo: false, responsive: true,
                modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"]};
  var nodes = Array.prototype.slice.call(document.querySelectorAll("div.chart[data-figure]"));
  var jobs = nodes.map(function (div) {
    var fig = JSON.parse(document.getElementById(div.getAttribute("data-figure")).textContent);
    var minWidth = fig.layout && fig.layout.meta && fig.layout.meta.min_width_px;
    if (minWidth) div.style.setProperty("--chart-min-width", minWidth + "px");
    return Plotly.newPlot(div, fig.data, fig.layout, config);
  });
  Promise.all(jobs).then(function () {
    document.body.setAttribute("data-charts-drawn", String(jobs.length));
  }, function (e) {
    document.body.setAttribute("data-charts-error", String(e));
  });
  function resize() { nodes.forEach(function (div) { Plotly.Plots.resize(div); }); }
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
    resize();
  });
  window.addEventListener("afterprint", resize);
})();
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _src(text: str) -> str:
    """Escaped source text with its web addresses as links (links request nothing until followed)."""
    out, pos = [], 0
    for m in _URL.finditer(text):
        out.append(_e(text[pos : m.start()]))
        url = m.group(0).rstrip(".")
        out.append(f'<a href="{_e(url)}" rel="noreferrer noopener">{_e(url)}</a>')
        out.append(_e(m.group(0)[len(url) :]))
        pos = m.end()
    out.append(_e(text[pos:]))
    return "".join(out)


# column widths [%] of the tables whose source texts are long; the table class of the sizing grid
_WIDTHS = {"assumptions": [15, 22, 9, 9, 10, 35], "catalog_rows": [9, 17, 12, 20, 42],
           "criteria_sources": [16, 30, 10, 44]}
_CLASSES = {"sizing": "sizing"}


def _cell(t: Table, i: int, text: str) -> str:
    if i in t.numeric:
        return f'<td class="num">{_e(text)}</td>'
    if i in t.source_columns:
        return f'<td class="src">{_src(text)}</td>'
    return f"<td>{_e(text)}</td>"


def _table(t: Table) -> str:
    """A table: cells escaped, number columns right-aligned, source columns with links, layout by the table's key."""
    th = "".join(f'<th class="num">{_e(h)}</th>' if i in t.numeric else f"<th>{_e(h)}</th>"
                 for i, h in enumerate(t.columns))
    body = []
    for r_i, row in enumerate(t.text()):
        cls = t.row_classes[r_i] if r_i < len(t.row_classes) else ""
        rc = f' class="{cls}"' if cls else ""
        body.append(f"<tr{rc}>{''.join(_cell(t, i, c) for i, c in enumerate(row))}</tr>")
    widths = _WIDTHS.get(t.key)
    cols = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>" if widths else ""
    classes = " ".join(c for c in ("fixed" if widths else "", _CLASSES.get(t.key, "")) if c)
    cls = f' class="{classes}"' if classes else ""
    caption = f'<p class="small">{_e(t.caption)}</p>' if t.caption else ""
    return (
        f'<div class="wide"><table{cls}>{cols}<thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{caption}"
    )


def _titled(t: Table | None) -> str:
    return f"<h3>{_e(t.title)}</h3>{_table(t)}" if t is not None else ""


def _figure(chart: Chart) -> str:
    data = chart.figure_json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        f'<figure id="fig-{chart.id}"><h3>{_e(chart.title)}</h3>'
        f'<div class="chart" id="chart-{chart.id}" data-figure="data-{chart.id}"></div>'
        f"<figcaption>{_e(chart.caption)}</figcaption>"
        f'<script type="application/json" id="data-{chart.id}">{data}</script></figure>'
    )


def _charts(charts: list[Chart], section: str) -> str:
    return "".join(_figure(c) for c in charts if c.section == section)


def _section(sec: Section[Any]) -> str:
    if not sec.computed:
        return f'<p class="note">{_e(sec.note)}</p>'
    out = [f'<p class="small">{_e(sec.note)}</p>'] if sec.note else []
    for t in sec.tables:
        if t.collapsed:
            out.append(f"<details><summary><strong>{_e(t.title)}</strong> ({len(t.rows)} rows)</summary>"
                       f"{_table(t)}</details>")
        else:
            out.append(_titled(t))
    return "".join(out)


def _stale_block(st: Staleness, brief: bool) -> str:
    if not st.stale:
        return ""
    if brief:
        oldest = st.stale[0]
        return (
            f'<div class="warning"><strong>Data age:</strong> {len(st.stale)} catalog values or defaults used '
            f"here are older than {st.max_age_days} days (oldest: {_e(oldest.item)}, "
            f'{_e(oldest.as_of)}). See <a href="#assumptions">assumptions and sources</a>.</div>'
        )
    items = "".join(f"<li>{_e(r.item)}: as of {_e(r.as_of)} ({r.age_days:,} days old)</li>" for r in st.stale)
    return (
        f'<div class="warning"><strong>Warning: catalog data older than {st.max_age_days} days</strong> '
        f"(checked on {_e(st.today)}). Prices and specifications may have moved; check these before "
        f"you rely on the figures:<ul>{items}</ul></div>"
    )


def _tile(t: KpiTile, horizon: str) -> str:
    """One option's key figures; the recommended option's tile is marked."""
    cls = "tile rec" if "recommended" in t.roles else "tile"
    score = f"{t.score:.1f} / 10" if t.score is not None else "-"
    month = f"month {t.break_even_month:.0f}" if t.break_even_month is not None else "none"
    rows = [("Upfront", fmt_usd(t.upfront_usd)), (f"TCO ({horizon})", fmt_usd(t.tco_usd)),
            ("Per million tokens", fmt_usd(t.usd_per_mtok)), ("Break-even", month), ("Units", t.units),
            ("Score", score)]
    cells = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return (f'<div class="{cls}"><p class="role">{_e(", ".join(t.roles))}</p><p class="name">{_e(t.label)}</p>'
            f'<dl>{cells}</dl><p class="be">{_e(t.break_even)}</p></div>')


def _board(c: ReportContent, charts: list[Chart]) -> str:
    """The one-page part: headline, key figures, three reasons, one chart, the dates of the data."""
    s = c.summary
    horizon = f"{s.horizon_months} months"
    parts = [f'<div class="board"><p class="headline">{_e(s.headline)}</p>']
    if s.tiles:
        parts.append('<div class="tiles">' + "".join(_tile(t, horizon) for t in s.tiles) + "</div>")
    if s.key_reasons:
        parts.append('<h3>Why</h3><ol class="reasons">' + "".join(f"<li>{_e(r)}</li>" for r in s.key_reasons)
                     + "</ol>")
    parts.append(_charts(charts, "summary"))
    if s.data_dates is not None:
        parts.append(f'<p class="small">{_e(s.data_dates.text)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _summary(c: ReportContent, charts: list[Chart]) -> str:
    s = c.summary
    parts = [_board(c, charts), '<div class="summary"><h3>In detail</h3>']
    parts += [f"<p>{_e(p)}</p>" for p in s.paragraphs]
    parts += [f"<h3>{title}</h3><ul>" + "".join(f"<li>{_e(x)}</li>" for x in items) + "</ul>"
              for _, title, items in s.lists() if items]
    parts.append("</div>")
    parts.append(_stale_block(c.staleness, brief=True))
    parts.append(_titled(options_table(c)))
    return "".join(parts)


def _cost(c: ReportContent, charts: list[Chart]) -> str:
    out = [_charts(charts, "cost"), _titled(cumulative_table(c))]
    be = break_even_table(c)
    out.append(_titled(be) if be is not None else (
        '<p class="note">No two options cross within the horizon (cash view): the order at month 1 '
        "holds to the end.</p>"))
    if c.break_even_amortised:
        out.append('<p class="small">Amortised view: '
                   + _e("; ".join(b.sentence for b in c.break_even_amortised)) + ".</p>")
    return "".join(out)


def _monthly(c: ReportContent, charts: list[Chart]) -> str:
    return _charts(charts, "monthly") + _titled(yearly_table(c)) + _titled(categories_by_option(c))


def _sizing(c: ReportContent) -> str:
    d = c.demand
    intro = (
        f"<p>Workload: {fmt_number(d.first_month_tokens, 0)} tokens in month 1, "
        f"{fmt_number(d.last_month_tokens, 0)} in the last month; peak "
        f"{fmt_number(d.first_month_peak_output_tokens_per_s)} to "
        f"{fmt_number(d.last_month_peak_output_tokens_per_s)} output tokens/s; output share "
        f"{fmt_number(d.output_share)}; {fmt_number(d.active_hours_per_month)} active hours a month."
        "</p>"
    )
    if not c.sizing:
        return intro + '<p class="note">No in-house or cloud option in this scenario: nothing to size.</p>'
    notes = "".join(f'<p class="small">{_e(n)}</p>' for n in sizing_notes(c))
    return intro + _table(sizing_grid(c)) + notes


def _assumptions(c: ReportContent) -> str:
    st = c.staleness
    out = [_stale_block(st, brief=False)]
    if st.undated:
        out.append('<p class="small">Without a date (check them yourself): '
                   + _e("; ".join(f"{u.item} ({u.as_of or 'no date'})" for u in st.undated)) + ".</p>")
    out += [_titled(assumptions_table(c)), _titled(catalog_table(c)), _titled(criteria_sources_table(c))]
    return "".join(out)


SECTIONS = [
    ("summary", "Summary"),
    ("cost", "Cost over time"),
    ("monthly", "Monthly cost"),
    ("hybrid", "Hybrid split"),
    ("strategy", "Strategy over time"),
    ("risk", "Uncertainty"),
    ("sensitivity", "Sensitivity"),
    ("criteria", "Criteria beyond cost"),
    ("sizing", "Sizing"),
    ("assumptions", "Assumptions and sources"),
]


def render_html(c: ReportContent, charts: list[Chart], plotly_js: str,
                extra: tuple[str, str, str] | None = None) -> str:
    """The whole report page from the report content, its charts and plotly.js's source; ``extra`` (id, title,
    body) is a section placed after the sensitivity section, its charts those whose section is its id."""
    sens = c.sensitivity
    body = {
        "summary": _summary(c, charts),
        "cost": _cost(c, charts),
        "monthly": _monthly(c, charts),
        "hybrid": _charts(charts, "hybrid") + _section(c.hybrid),
        "strategy": _charts(charts, "strategy") + _section(c.strategy),
        "risk": _charts(charts, "risk") + _section(c.risk),
        "sensitivity": (
            ("" if sens.tornado.computed else "<h3>Tornado</h3>")
            + _charts(charts, "sensitivity")
            + _section(sens.tornado)
            + ("" if sens.thresholds.computed else "<h3>Switching thresholds</h3>")
            + _section(sens.thresholds)
        ),
        "criteria": _charts(charts, "criteria") + _section(c.criteria),
        "sizing": _sizing(c),
        "assumptions": _assumptions(c),
    }
    order = list(SECTIONS)
    titles = dict(SECTIONS)
    if extra is not None:
        order.insert(order.index(("sensitivity", "Sensitivity")) + 1, (extra[0], extra[1]))
        titles[extra[0]] = extra[1]
        body[extra[0]] = _charts(charts, extra[0]) + extra[2]
    titles["summary"] = "Executive summary"
    titles["risk"] = "Uncertainty: Monte Carlo ranges and probability of being cheapest"
    titles["sensitivity"] = "Sensitivity: tornado and thresholds"
    titles["sizing"] = "Sizing: GPUs, servers, instances, throughput, latency"
    nav = "".join(f'<a href="#{k}">{_e(v)}</a>' for k, v in order)
    sections = "".join(f'<section id="{k}"><h2>{_e(titles[k])}</h2>{body[k]}</section>' for k, _ in order)
    return _page(c, charts, plotly_js, f"<nav>{nav}</nav>", sections)


def render_board_page(c: ReportContent, charts: list[Chart], plotly_js: str) -> str:
    """The executive summary alone (headline, key figures, reasons, one chart, data dates): a one-page board
    copy of the report's first page."""
    summary_charts = [ch for ch in charts if ch.section == "summary"]
    body = (f"<style>{ONE_PAGE_CSS}</style>"
            f'<section id="summary"><h2>Executive summary</h2>{_board(c, summary_charts)}</section>')
    return _page(c, summary_charts, plotly_js, "", body)


def _page(c: ReportContent, charts: list[Chart], plotly_js: str, nav: str, sections: str) -> str:
    """The HTML document around ``sections``: head, style, plotly.js, the header with ``nav``, the footer."""
    src = f" from {_e(c.scenario_file)}" if c.scenario_file else ""
    meta = (
        f"Decision report{src} &middot; generated {_e(c.generated_on)} by {_e(c.generator)} &middot; "
        f"{_e(c.conventions)}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(c.title)}: llmplace report</title>"
        '<meta name="generator" content="' + _e(c.generator) + '">'
        f"<style>{CSS}</style>"
        f'<script type="text/javascript">{plotly_js}</script>'
        f'</head><body data-charts-expected="{len(charts)}"><main>'
        f'<header><h1>{_e(c.title)}</h1><p class="meta">{meta}</p>{nav}</header>'
        f"{sections}"
        "<footer>Every figure traces to the scenario file, a dated catalog row (listed above with its "
        f"source) or a formula. {_e(c.generator)}.</footer>"
        f"</main><script>{DRAW}</script>"
        "</body></html>\n"
    )
