"""The report as Markdown: the same sections and figures as the HTML page, charts given as tables."""

from __future__ import annotations

import re
from typing import Any

from .board import tile_cells, tile_columns
from .formatting import fmt_number
from .model import ReportContent, Section, Staleness
from .tables import (
    Table,
    assumptions_table,
    break_even_table,
    catalog_table,
    criteria_sources_table,
    cumulative_table,
    options_by_category,
    options_table,
    sizing_table,
    yearly_table,
)

__all__ = ["render_markdown"]


_MARKUP = re.compile(r"([\\\[\]<>|])")


def _e(s: str) -> str:
    """Text as literal Markdown: no link, image, autolink, raw HTML or heading can come from it.

    Brackets and angle brackets are escaped (every link, image and tag needs one) and a leading ``#``;
    emphasis characters are left alone, since at worst they change how a word looks.
    """
    out = _MARKUP.sub(r"\\\1", s)
    return "\\" + out if out.lstrip().startswith("#") else out


def _c(s: str) -> str:
    """A table cell: literal text on one line."""
    return _e(s).replace("\n", " ")


def _table(t: Table, heading: bool = True, align: bool = True) -> str:
    """A pipe table, under its title as a heading unless ``heading`` is off; number columns right-aligned."""
    right = t.numeric if align else frozenset()
    sep = ["---:" if i in right else "---" for i in range(len(t.columns))]
    lines = ["| " + " | ".join(_c(h) for h in t.columns) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(_c(v) for v in r) + " |" for r in t.text()]
    body = "\n".join(lines) + "\n"
    if t.caption:
        body += f"\n_{_c(t.caption)}_\n"
    return f"### {_c(t.title)}\n\n{body}" if heading else body


def _section(sec: Section[Any]) -> str:
    if not sec.computed:
        return f"_{_c(sec.note or '')}_\n"
    out = [f"{_e(sec.note)}\n"] if sec.note else []
    out += [_table(t, align=False) for t in sec.tables]
    return "\n".join(out)


def _stale(st: Staleness) -> str:
    if not st.stale:
        return ""
    items = "\n".join(f"> - {_c(r.item)}: as of {_c(str(r.as_of))} ({r.age_days:,} days old)" for r in st.stale)
    return (
        f"> **Warning: catalog data older than {st.max_age_days} days** (checked on {st.today}). "
        "Prices and specifications may have moved; check these before you rely on the figures:\n>\n"
        f"{items}\n"
    )


def _summary(c: ReportContent) -> list[str]:
    s = c.summary
    src = f" from {_c(c.scenario_file)}" if c.scenario_file else ""
    out = [
        f"# {_c(c.title)}\n",
        f"Decision report{src}; generated {c.generated_on} by {c.generator}. {_e(c.conventions)}.\n",
        "## Executive summary\n",
        f"**{_c(s.headline)}**\n",
    ]
    if s.tiles:
        out.append(_table(Table(title="Key figures", columns=tile_columns(), rows=[tile_cells(t) for t in s.tiles],
                                numeric=frozenset({2, 3, 4}))))
    if s.key_reasons:
        out.append("### Why\n\n" + "\n".join(f"{i}. {_c(r)}" for i, r in enumerate(s.key_reasons, 1)) + "\n")
    if s.data_dates is not None:
        out.append(_e(s.data_dates.text) + "\n")
    out += ["### In detail\n", *[_e(p) + "\n" for p in s.paragraphs]]
    out += [f"### {title}\n\n" + "\n".join(f"- {_c(x)}" for x in items) + "\n"
            for _, title, items in s.lists() if items]
    st = c.staleness
    if st.stale:
        out.append(f"> **Data age:** {len(st.stale)} catalog values or defaults used here are older than "
                   f"{st.max_age_days} days; see Assumptions and sources.\n")
    out.append(_table(options_table(c)))
    return out


def _costs(c: ReportContent) -> list[str]:
    out = ["## Cost over time\n"]
    cum = cumulative_table(c)
    if cum is not None:
        out.append(_table(cum))
    be = break_even_table(c)
    out.append(_table(be) if be is not None else "_No two options cross within the horizon (cash view)._\n")
    if c.break_even_amortised:
        out.append("Amortised view: " + "; ".join(_e(b.sentence) for b in c.break_even_amortised) + ".\n")
    out.append("## Monthly cost\n")
    yr = yearly_table(c)
    if yr is not None:
        out.append(_table(yr))
    out.append(_table(options_by_category(c)))
    return out


def _optional(c: ReportContent) -> list[str]:
    sens = c.sensitivity
    return [
        "## Hybrid split\n",
        _section(c.hybrid),
        "## Strategy over time\n",
        _section(c.strategy),
        "## Uncertainty: Monte Carlo ranges and probability of being cheapest\n",
        _section(c.risk),
        "## Sensitivity: tornado and thresholds\n",
        "### Tornado\n",
        _section(sens.tornado),
        "### Switching thresholds\n",
        _section(sens.thresholds),
        "## Criteria beyond cost\n",
        _section(c.criteria),
    ]


def _sizing(c: ReportContent) -> list[str]:
    d = c.demand
    out = [
        "## Sizing: GPUs, servers, instances, throughput, latency\n",
        f"Workload: {fmt_number(d.first_month_tokens, 0)} tokens in month 1, "
        f"{fmt_number(d.last_month_tokens, 0)} in the last month; peak "
        f"{fmt_number(d.first_month_peak_output_tokens_per_s)} to "
        f"{fmt_number(d.last_month_peak_output_tokens_per_s)} output tokens/s.\n",
    ]
    if c.sizing:
        out.append(_table(sizing_table(c), heading=False))
    else:
        out.append("_No in-house or cloud option in this scenario: nothing to size._\n")
    return out


def _sources(c: ReportContent) -> list[str]:
    st = c.staleness
    out = ["## Assumptions and sources\n", _stale(st)]
    if st.undated:
        out.append("Without a date (check them yourself): "
                   + "; ".join(f"{_c(u.item)} ({_c(u.as_of or 'no date')})" for u in st.undated) + ".\n")
    out += [_table(assumptions_table(c)), _table(catalog_table(c))]
    crit = criteria_sources_table(c)
    if crit is not None:
        out.append(_table(crit))
    out.append("_Every figure traces to the scenario file, a dated catalog row or a formula._\n")
    return out


def render_markdown(c: ReportContent) -> str:
    """The whole report as one Markdown document."""
    out = [*_summary(c), *_costs(c), *_optional(c), *_sizing(c), *_sources(c)]
    return "\n".join(x for x in out if x)
