"""The report as Markdown: the same sections and figures as the HTML page, charts given as tables."""

from __future__ import annotations

from typing import Any

from .content import OPTION_COLUMNS, OPTION_NUMERIC, SUMMARY_LISTS, fmt_number, fmt_usd, option_rows, units_text

__all__ = ["render_markdown"]


def _c(x: Any) -> str:
    s = "" if x is None else str(x)
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[Any]], right: set[int] | None = None) -> str:
    right = right or set()
    sep = ["---:" if i in right else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(_c(h) for h in head) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(_c(v) for v in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _generic(sec: dict[str, Any]) -> str:
    if not sec.get("computed"):
        return f"_{sec.get('note')}_\n"
    out = [f"{sec['note']}\n"] if sec.get("note") else []
    for t in sec.get("tables") or []:
        rows = [[v if isinstance(v, str) else fmt_number(v) for v in r] for r in t["rows"]]
        out.append(f"### {t['title']}\n\n" + _table([str(c) for c in t["columns"]], rows))
    return "\n".join(out)


def _stale(st: dict[str, Any]) -> str:
    if not st.get("stale"):
        return ""
    items = "\n".join(
        f"> - {r['item']}: as of {r['as_of']} ({r['age_days']:,} days old)" for r in st["stale"]
    )
    return (
        f"> **Warning: catalog data older than {st['max_age_days']} days** (checked on {st['today']}). "
        "Prices and specifications may have moved; check these before you rely on the figures:\n>\n"
        f"{items}\n"
    )


def render_markdown(c: dict[str, Any]) -> str:
    """The whole report as one Markdown document."""
    s = c["summary"]
    src = f" from `{c['scenario_file']}`" if c.get("scenario_file") else ""
    out = [
        f"# {c['title']}\n",
        f"Decision report{src}; generated {c['generated_on']} by {c['generator']}. {c['conventions']}.\n",
        "## Executive summary\n",
        f"**{s['headline']}**\n",
        *[p + "\n" for p in s["paragraphs"]],
    ]
    for key, title in SUMMARY_LISTS:
        if s.get(key):
            out.append(f"### {title}\n\n" + "\n".join(f"- {x}" for x in s[key]) + "\n")
    st = c["staleness"]
    if st.get("stale"):
        out.append(
            f"> **Data age:** {len(st['stale'])} catalog values or defaults used here are older than "
            f"{st['max_age_days']} days; see Assumptions and sources.\n"
        )
    rows, _ = option_rows(c)
    out.append("### Options\n\n" + _table(OPTION_COLUMNS, rows, OPTION_NUMERIC))

    out.append("## Cost over time\n")
    cum = c["cumulative"]
    if cum["rows"]:
        out.append(
            "### Cumulative cost at selected months (cash view)\n\n"
            + _table(
                ["option", *[f"month {m}" for m in cum["months"]]],
                [[r["label"], *[fmt_usd(v) for v in r["usd"]]] for r in cum["rows"]],
                set(range(1, len(cum["months"]) + 1)),
            )
        )
    if c["break_even"]:
        out.append(
            "### Break-even months (cash view)\n\n"
            + _table(
                ["month", "what happens"],
                [[f"{b['month']:.1f}", b["sentence"]] for b in c["break_even"]],
                {0},
            )
        )
    else:
        out.append("_No two options cross within the horizon (cash view)._\n")
    if c.get("break_even_amortised"):
        out.append("Amortised view: " + "; ".join(b["sentence"] for b in c["break_even_amortised"]) + ".\n")

    out.append("## Monthly cost\n")
    yr = c["yearly"]
    if yr["rows"]:
        out.append(
            "### Cost by year (cash view)\n\n"
            + _table(
                ["option", *yr["years"]],
                [[r["label"], *[fmt_usd(v) for v in r["usd"]]] for r in yr["rows"]],
                set(range(1, len(yr["years"]) + 1)),
            )
        )
    t = c["tco_by_category"]
    cats = t["categories"]
    out.append(
        "### Total by category over the horizon (cash view)\n\n"
        + _table(
            ["option", *[k.replace("_", " ") for k in cats], "TCO"],
            [
                [
                    r["label"],
                    *[fmt_usd(r["by_category_usd"][k]) if k in r["by_category_usd"] else "" for k in cats],
                    fmt_usd(r["tco_usd"]),
                ]
                for r in t["rows"]
            ],
            set(range(1, len(cats) + 2)),
        )
    )

    sens = c["sensitivity"]
    out += [
        "## Hybrid split\n",
        _generic(c["hybrid"]),
        "## Uncertainty: Monte Carlo ranges and probability of being cheapest\n",
        _generic(c["risk"]),
        "## Sensitivity: tornado and thresholds\n",
        "### Tornado\n",
        _generic(sens["tornado"]),
        "### Switching thresholds\n",
        _generic(sens["thresholds"]),
        "## Criteria beyond cost\n",
        _generic(c["criteria"]),
    ]

    out.append("## Sizing: GPUs, servers, instances, throughput, latency\n")
    d = c["demand"]
    out.append(
        f"Workload: {fmt_number(d['first_month_tokens'], 0)} tokens in month 1, "
        f"{fmt_number(d['last_month_tokens'], 0)} in the last month; peak "
        f"{fmt_number(d['first_month_peak_output_tokens_per_s'])} to "
        f"{fmt_number(d['last_month_peak_output_tokens_per_s'])} output tokens/s.\n"
    )
    if c["sizing"]:
        out.append(
            _table(
                [
                    "option",
                    "GPU",
                    "GPUs/replica",
                    "replicas/unit",
                    "units at peak",
                    "GPUs at peak",
                    "output tok/s per replica",
                    "peak utilisation",
                    "TTFT ms",
                    "TPOT ms",
                    "capacity from",
                ],
                [
                    [
                        r["label"],
                        r["gpu"] or "-",
                        fmt_number(r["gpus_per_replica"]),
                        fmt_number(r["replicas_per_unit"]),
                        units_text(r["peak_units"], r["unit_kind"]),
                        fmt_number(r["peak_gpus_in_use"]),
                        fmt_number(r["output_tokens_per_s_per_replica"], 0),
                        f"{r['peak_utilisation']:.0%}" if isinstance(r["peak_utilisation"], float) else "-",
                        fmt_number(r["ttft_ms"], 0),
                        fmt_number(r["tpot_ms"], 1),
                        r["capacity_source"]
                        or (f"not eligible: {r['infeasible_reason']}" if not r["feasible"] else "-"),
                    ]
                    for r in c["sizing"]
                ],
                {2, 3, 5, 6, 7, 8, 9},
            )
        )
    else:
        out.append("_No in-house or cloud option in this scenario: nothing to size._\n")

    out.append("## Assumptions and sources\n")
    out.append(_stale(st))
    if st.get("undated"):
        out.append(
            "Without a date (check them yourself): "
            + "; ".join(f"{u['item']} ({u['as_of'] or 'no date'})" for u in st["undated"])
            + ".\n"
        )
    labels = {o["id"]: o["label"] for o in c["options"]}
    out.append(
        "### Assumptions\n\n"
        + _table(
            ["applies to", "name", "value", "unit", "as of", "source"],
            [
                [
                    labels.get(a["scope"], a["scope"]),
                    a["name"],
                    fmt_number(a["value"], 2),
                    a["unit"],
                    a["as_of"] or "-",
                    a["source"],
                ]
                for a in c["assumptions"]
            ],
            {2},
        )
    )
    out.append(
        "### Catalog rows used\n\n"
        + _table(
            ["catalog", "id", "as of", "used by", "source"],
            [
                [r["catalog"], r["id"], r["as_of"], ", ".join(r["used_by"]), r["source"]]
                for r in c["catalog_rows"]
            ],
        )
    )
    if c.get("criteria_sources"):
        out.append(
            "### Data rows behind the criteria scores\n\n"
            + _table(
                ["table", "key", "as of", "source"],
                [
                    [r.get("table"), r.get("key"), r.get("as_of"), r.get("source")]
                    for r in c["criteria_sources"]
                ],
            )
        )
    out.append("_Every figure traces to the scenario file, a dated catalog row or a formula._\n")
    return "\n".join(x for x in out if x)
