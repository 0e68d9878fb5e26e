"""The self-contained HTML report: one file, plotly.js embedded once, no request leaves the page."""

from __future__ import annotations

import html
import re
from typing import Any

from .charts import Chart
from .content import (
    OPTION_COLUMNS,
    OPTION_NUMERIC,
    SUMMARY_LISTS,
    fmt_number,
    fmt_usd,
    option_rows,
    short_label,
    units_text,
)

__all__ = ["render_html"]

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
nav { margin: 14px 0 4px; font-size: 13px; }
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
  .summary, .warning, th, tr.best td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

DRAW = """
(function () {
  var config = {displaylogo: false, responsive: true,
                modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"]};
  var nodes = Array.prototype.slice.call(document.querySelectorAll("div.chart[data-figure]"));
  var jobs = nodes.map(function (div) {
    var fig = JSON.parse(document.getElementById(div.getAttribute("data-figure")).textContent);
    return Plotly.newPlot(div, fig.data, fig.layout, config);
  });
  Promise.all(jobs).then(function () {
    document.body.setAttribute("data-charts-drawn", String(jobs.length));
  }, function (e) {
    document.body.setAttribute("data-charts-error", String(e));
  });
  function resize() { nodes.forEach(function (div) { Plotly.Plots.resize(div); }); }
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _src(text: Any) -> str:
    """Escaped source text with its web addresses as links (links request nothing until followed)."""
    s = "" if text is None else str(text)
    out, pos = [], 0
    for m in _URL.finditer(s):
        out.append(_e(s[pos : m.start()]))
        url = m.group(0).rstrip(".")
        out.append(f'<a href="{_e(url)}" rel="noreferrer noopener">{_e(url)}</a>')
        out.append(_e(m.group(0)[len(url) :]))
        pos = m.end()
    out.append(_e(s[pos:]))
    return "".join(out)


def _table(
    head: list[str],
    rows: list[list[str]],
    num: set[int] | None = None,
    row_class: list[str] | None = None,
    raw: bool = False,
    src_cols: set[int] | None = None,
    widths: list[int] | None = None,
    table_class: str = "",
) -> str:
    """A table; cells are escaped unless ``raw``; ``num`` and ``src_cols`` index styled columns;
    ``widths`` (percentages) fixes the column widths."""
    num = num or set()
    src_cols = src_cols or set()
    th = "".join(
        f'<th class="num">{_e(h)}</th>' if i in num else f"<th>{_e(h)}</th>" for i, h in enumerate(head)
    )
    body = []
    for r_i, r in enumerate(rows):
        cells = []
        for i, c in enumerate(r):
            cls = ' class="num"' if i in num else ' class="src"' if i in src_cols else ""
            cells.append(f"<td{cls}>{c if raw or i in src_cols else _e(c)}</td>")
        rc = f' class="{row_class[r_i]}"' if row_class and row_class[r_i] else ""
        body.append(f"<tr{rc}>{''.join(cells)}</tr>")
    cols = ""
    if widths:
        cols = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>"
    classes = " ".join(c for c in ("fixed" if widths else "", table_class) if c)
    cls = f' class="{classes}"' if classes else ""
    return (
        f'<div class="wide"><table{cls}>{cols}<thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


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


def _generic(sec: dict[str, Any]) -> str:
    if not sec.get("computed"):
        return f'<p class="note">{_e(sec.get("note"))}</p>'
    out = [f'<p class="small">{_e(sec["note"])}</p>'] if sec.get("note") else []
    for t in sec.get("tables") or []:
        rows = [[fmt_number(v) if not isinstance(v, str) else v for v in r] for r in t["rows"]]
        num = {
            i
            for i, _ in enumerate(t["columns"])
            if t["rows"]
            and all(
                isinstance(r[i], (int, float)) and not isinstance(r[i], bool)
                for r in t["rows"]
                if r[i] is not None
            )
        }
        table = _table([str(c) for c in t["columns"]], rows, num)
        if t.get("collapsed"):
            out.append(
                f"<details><summary><strong>{_e(t['title'])}</strong> ({len(rows)} rows)</summary>"
                f"{table}</details>"
            )
        else:
            out.append(f"<h3>{_e(t['title'])}</h3>{table}")
    return "".join(out)


def _stale_block(st: dict[str, Any], brief: bool) -> str:
    stale = st.get("stale") or []
    if not stale:
        return ""
    if brief:
        return (
            f'<div class="warning"><strong>Data age:</strong> {len(stale)} catalog values or defaults used '
            f"here are older than {st['max_age_days']} days (oldest: {_e(stale[0]['item'])}, "
            f'{_e(stale[0]["as_of"])}). See <a href="#assumptions">assumptions and sources</a>.</div>'
        )
    items = "".join(
        f"<li>{_e(r['item'])}: as of {_e(r['as_of'])} ({r['age_days']:,} days old)</li>" for r in stale
    )
    return (
        f'<div class="warning"><strong>Warning: catalog data older than {st["max_age_days"]} days</strong> '
        f"(checked on {_e(st['today'])}). Prices and specifications may have moved; check these before "
        f"you rely on the figures:<ul>{items}</ul></div>"
    )


def _summary(c: dict[str, Any], charts: list[Chart]) -> str:
    s = c["summary"]
    parts = [f'<div class="summary"><p class="headline">{_e(s["headline"])}</p>']
    parts += [f"<p>{_e(p)}</p>" for p in s["paragraphs"]]
    for key, title in SUMMARY_LISTS:
        if s.get(key):
            parts.append(f"<h3>{title}</h3><ul>" + "".join(f"<li>{_e(x)}</li>" for x in s[key]) + "</ul>")
    parts.append("</div>")
    parts.append(_stale_block(c["staleness"], brief=True))
    parts.append(_charts(charts, "summary"))
    rows, cls = option_rows(c)
    parts.append("<h3>Options</h3>" + _table(OPTION_COLUMNS, rows, OPTION_NUMERIC, cls))
    return "".join(parts)


def _cost(c: dict[str, Any], charts: list[Chart]) -> str:
    out = [_charts(charts, "cost")]
    cum = c["cumulative"]
    if cum["rows"]:
        out.append(
            "<h3>Cumulative cost at selected months (cash view)</h3>"
            + _table(
                ["option", *[f"month {m}" for m in cum["months"]]],
                [[r["label"], *[fmt_usd(v) for v in r["usd"]]] for r in cum["rows"]],
                set(range(1, len(cum["months"]) + 1)),
            )
        )
    be = c["break_even"]
    if be:
        out.append(
            "<h3>Break-even months (cash view)</h3>"
            + _table(["month", "what happens"], [[f"{b['month']:.1f}", b["sentence"]] for b in be], {0})
        )
    else:
        out.append(
            '<p class="note">No two options cross within the horizon (cash view): the order at month 1 '
            "holds to the end.</p>"
        )
    am = c.get("break_even_amortised") or []
    if am:
        out.append(
            '<p class="small">Amortised view: ' + _e("; ".join(f"{b['sentence']}" for b in am)) + ".</p>"
        )
    return "".join(out)


def _monthly(c: dict[str, Any], charts: list[Chart]) -> str:
    t = c["tco_by_category"]
    cats = t["categories"]
    opts = t["rows"]
    rows = [
        [
            k.replace("_", " "),
            *[fmt_usd(r["by_category_usd"][k]) if k in r["by_category_usd"] else "" for r in opts],
        ]
        for k in cats
    ]
    rows.append(["total (TCO)", *[fmt_usd(r["tco_usd"]) for r in opts]])
    cls = [""] * len(cats) + ["best"]
    yr = c["yearly"]
    years = ""
    if yr["rows"]:
        years = "<h3>Cost by year (cash view)</h3>" + _table(
            ["option", *yr["years"]],
            [[r["label"], *[fmt_usd(v) for v in r["usd"]]] for r in yr["rows"]],
            set(range(1, len(yr["years"]) + 1)),
        )
    return (
        _charts(charts, "monthly")
        + years
        + "<h3>Total by category over the horizon (cash view)</h3>"
        + _table(
            ["category", *[short_label(r["label"], 32) for r in opts]],
            rows,
            set(range(1, len(opts) + 1)),
            cls,
        )
    )


def _sizing(c: dict[str, Any]) -> str:
    d = c["demand"]
    intro = (
        f"<p>Workload: {fmt_number(d['first_month_tokens'], 0)} tokens in month 1, "
        f"{fmt_number(d['last_month_tokens'], 0)} in the last month; peak "
        f"{fmt_number(d['first_month_peak_output_tokens_per_s'])} to "
        f"{fmt_number(d['last_month_peak_output_tokens_per_s'])} output tokens/s; output share "
        f"{fmt_number(d['output_share'])}; {fmt_number(d['active_hours_per_month'])} active hours a month."
        "</p>"
    )
    rows = c["sizing"]
    if not rows:
        return intro + '<p class="note">No in-house or cloud option in this scenario: nothing to size.</p>'
    fields = [
        ("GPU", "gpu", None),
        ("GPUs per replica", "gpus_per_replica", None),
        ("replicas per unit", "replicas_per_unit", None),
        ("units in month 1", "first_month_units", None),
        ("units at peak", "peak_units", None),
        ("GPUs in use at peak", "peak_gpus_in_use", None),
        ("throughput per replica [output tokens/s]", "output_tokens_per_s_per_replica", 0),
        ("fleet throughput at peak [output tokens/s]", "peak_fleet_output_tokens_per_s", 0),
        ("peak utilisation", "peak_utilisation", None),
        ("precision", "precision", None),
        ("engine", "engine", None),
        ("concurrency per replica", "concurrency", None),
        ("time to first token [ms]", "ttft_ms", 0),
        ("time per output token [ms]", "tpot_ms", 1),
        ("weights [GiB]", "weights_gib", 1),
        ("capacity from", "capacity_source", None),
    ]
    body = []
    for label, key, digits in fields:
        cells = []
        for r in rows:
            v = r.get(key)
            if not r["feasible"] and v is None:
                cells.append("-")
            elif key == "peak_utilisation" and isinstance(v, float):
                cells.append(f"{v:.0%}")
            elif key in ("first_month_units", "peak_units") and v is not None:
                cells.append(units_text(v, r["unit_kind"]))
            else:
                cells.append(fmt_number(v, digits if digits is not None else 1))
        body.append([label, *cells])
    off = [r for r in rows if not r["feasible"]]
    notes = "".join(
        f'<p class="small">{_e(r["label"])}: cannot serve the workload ({_e(r["infeasible_reason"])}).</p>'
        for r in off
    )
    return (
        intro + _table(["", *[short_label(r["label"], 40) for r in rows]], body, table_class="sizing") + notes
    )


def _assumptions(c: dict[str, Any]) -> str:
    labels = {o["id"]: o["label"] for o in c["options"]}
    out = [_stale_block(c["staleness"], brief=False)]
    und = c["staleness"].get("undated") or []
    if und:
        out.append(
            '<p class="small">Without a date (check them yourself): '
            + _e("; ".join(f"{u['item']} ({u['as_of'] or 'no date'})" for u in und))
            + ".</p>"
        )
    rows = [
        [
            labels.get(a["scope"], a["scope"]),
            a["name"],
            fmt_number(a["value"], 2),
            a["unit"],
            _e(a["as_of"] or "-"),
            _src(a["source"]),
        ]
        for a in c["assumptions"]
    ]
    rows = [[_e(r[0]), _e(r[1]), _e(r[2]), _e(r[3]), r[4], r[5]] for r in rows]
    out.append(
        "<h3>Assumptions</h3>"
        + _table(
            ["applies to", "name", "value", "unit", "as of", "source"],
            rows,
            {2},
            raw=True,
            src_cols={5},
            widths=[15, 22, 9, 9, 10, 35],
        )
    )
    cat = [
        [_e(r["catalog"]), _e(r["id"]), _e(r["as_of"]), _e(", ".join(r["used_by"])), _src(r["source"])]
        for r in c["catalog_rows"]
    ]
    out.append(
        "<h3>Catalog rows used</h3>"
        + _table(
            ["catalog", "id", "as of", "used by", "source"],
            cat,
            raw=True,
            src_cols={4},
            widths=[9, 17, 12, 20, 42],
        )
    )
    crit = c.get("criteria_sources") or []
    if crit:
        rows = [
            [_e(r.get("table")), _e(r.get("key")), _e(r.get("as_of")), _src(r.get("source"))] for r in crit
        ]
        out.append(
            "<h3>Data rows behind the criteria scores</h3>"
            + _table(
                ["table", "key", "as of", "source"], rows, raw=True, src_cols={3}, widths=[16, 30, 10, 44]
            )
        )
    return "".join(out)


SECTIONS = [
    ("summary", "Summary"),
    ("cost", "Cost over time"),
    ("monthly", "Monthly cost"),
    ("hybrid", "Hybrid split"),
    ("risk", "Uncertainty"),
    ("sensitivity", "Sensitivity"),
    ("criteria", "Criteria beyond cost"),
    ("sizing", "Sizing"),
    ("assumptions", "Assumptions and sources"),
]


def render_html(c: dict[str, Any], charts: list[Chart], plotly_js: str) -> str:
    """The whole report page from the report content, its charts and plotly.js's source."""
    sens = c["sensitivity"]
    body = {
        "summary": _summary(c, charts),
        "cost": _cost(c, charts),
        "monthly": _monthly(c, charts),
        "hybrid": _charts(charts, "hybrid") + _generic(c["hybrid"]),
        "risk": _charts(charts, "risk") + _generic(c["risk"]),
        "sensitivity": (
            ("" if sens["tornado"]["computed"] else "<h3>Tornado</h3>")
            + _charts(charts, "sensitivity")
            + _generic(sens["tornado"])
            + ("" if sens["thresholds"]["computed"] else "<h3>Switching thresholds</h3>")
            + _generic(sens["thresholds"])
        ),
        "criteria": _charts(charts, "criteria") + _generic(c["criteria"]),
        "sizing": _sizing(c),
        "assumptions": _assumptions(c),
    }
    titles = dict(SECTIONS)
    titles["summary"] = "Executive summary"
    titles["risk"] = "Uncertainty: Monte Carlo ranges and probability of being cheapest"
    titles["sensitivity"] = "Sensitivity: tornado and thresholds"
    titles["sizing"] = "Sizing: GPUs, servers, instances, throughput, latency"
    nav = "".join(f'<a href="#{k}">{_e(v)}</a>' for k, v in SECTIONS)
    sections = "".join(f'<section id="{k}"><h2>{_e(titles[k])}</h2>{body[k]}</section>' for k, _ in SECTIONS)
    src = f" from {_e(c['scenario_file'])}" if c.get("scenario_file") else ""
    meta = (
        f"Decision report{src} &middot; generated {_e(c['generated_on'])} by {_e(c['generator'])} &middot; "
        f"{_e(c['conventions'])}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(c['title'])}: llmplace report</title>"
        '<meta name="generator" content="' + _e(c["generator"]) + '">'
        f"<style>{CSS}</style>"
        f'<script type="text/javascript">{plotly_js}</script>'
        f'</head><body data-charts-expected="{len(charts)}"><main>'
        f'<header><h1>{_e(c["title"])}</h1><p class="meta">{meta}</p><nav>{nav}</nav></header>'
        f"{sections}"
        "<footer>Every figure traces to the scenario file, a dated catalog row (listed above with its "
        f"source) or a formula. {_e(c['generator'])}.</footer>"
        f"</main><script>{DRAW}</script>"
        "</body></html>\n"
    )
