"""The report's "Strategy over time" section and its timeline chart: an option paid as used first, owned servers
from a switch month, against the cheapest single option."""

from __future__ import annotations

import plotly.graph_objects as go

from ..results import CompareResult, StrategyResult
from .chart_style import OPTION_COLOURS, layout, option_colours
from .formatting import fmt_usd
from .model import ReportContent, Section
from .tables import Cell, section_table

__all__ = ["STRATEGY", "strategy_chart", "strategy_section"]

STRATEGY = "Strategy over time (an option paid as used first, owned servers later)"


def _facts(st: StrategyResult) -> list[list[Cell]]:
    rows: list[list[Cell]] = [
        ["switch month (first month of the second phase)", str(st.switch_month)],
        ["first servers ordered", f"month {st.order_month}" if st.order_month else "-"],
        ["servers in the first order", str(st.servers_first_order)],
        ["demand in the switch month", f"{st.tokens_per_month_at_switch:,.0f} tokens"],
        ["migration engineering and data egress (in the switch month)", fmt_usd(st.switch_cost_usd)],
        ["of which data egress", fmt_usd(st.switch_egress_usd)],
        ["months both phases run (cut-over)", str(st.parallel_months)],
        ["TCO of the strategy", fmt_usd(st.tco_usd)],
        [f"TCO of the cheapest single option ({st.best_single or '-'})", fmt_usd(st.best_single_tco_usd)],
        ["saving against it (negative: the strategy costs more)", fmt_usd(st.saving_usd)],
    ]
    if st.base_steps:
        rows.append(["owned base, grown in a step", "; ".join(
            f"{b.servers} server(s) from month {b.start_month} (ordered in month {b.order_month})"
            for b in st.base_steps)])
    if st.weighted_total is not None:
        rows.append(["weighted score (beyond cost: the lowest of the deployments it runs on)",
                     f"{st.weighted_total:.1f} / 10" + (", recommended" if st.recommended else "")])
    if st.switch_month_p50 is not None:
        rows += [["cheapest switch month under uncertainty, P10 / P50 / P90",
                  f"{st.switch_month_p10:.0f} / {st.switch_month_p50:.0f} / {st.switch_month_p90:.0f}"],
                 ["share of samples in which switching pays off", f"{(st.probability_pays_off or 0) * 100:.0f} %"]]
    return rows


def strategy_section(result: CompareResult) -> Section[StrategyResult]:
    """The strategy in plain words, its phases and the figures that decide it; absent when the options offer no
    first and second phase."""
    st = result.strategy
    if st is None:
        return Section[StrategyResult].absent(STRATEGY)
    phases: list[list[Cell]] = [[p.option, p.kind, f"{p.start_month}-{p.end_month}",
                                 f"month {p.first_order_month}" if p.first_order_month else "-", fmt_usd(p.tco_usd)]
                                for p in st.phases]
    tables = [section_table("Phases", ["option", "kind", "months", "first order", "cost over its months"], phases),
              section_table("Switch", ["figure", "value"], _facts(st)),
              section_table("How the strategy is modelled", ["assumption"], [[a] for a in st.assumptions],
                            collapsed=True)]
    return Section[StrategyResult](computed=True, what=STRATEGY, note=st.plain_words, data=st, tables=tables)


def strategy_chart(result: CompareResult, content: ReportContent) -> go.Figure | None:
    """Monthly cash of the strategy, coloured by the phase that serves, with the cheapest single option's months
    as a line: where the switch falls and what it changes month by month."""
    st = result.strategy
    if st is None:
        return None
    colours = option_colours(result)
    months = list(range(1, len(st.monthly_cash_usd) + 1))
    fig = go.Figure()
    for k, phase in enumerate(st.phases[:2]):
        first_month = 1 if k == 0 else st.switch_month
        last_month = st.switch_month - 1 if k == 0 else len(months)
        span = [m for m in months if first_month <= m <= last_month]
        fig.add_trace(go.Bar(x=span, y=[st.monthly_cash_usd[m - 1] for m in span], name=f"{phase.option} serves",
                             marker_color=colours.get(phase.option, OPTION_COLOURS[k])))
    single = next((o for o in result.options if o.id == st.best_single), None)
    if single is not None and single.monthly_usd:
        fig.add_trace(go.Scatter(x=months, y=single.monthly_usd, mode="lines", name=f"{single.id} alone",
                                 line={"color": "#333333", "dash": "dot"}))
    fig.add_vline(x=st.switch_month - 0.5, line_dash="dash", line_color="#777777")
    fig.update_xaxes(title_text="month")
    fig.update_yaxes(title_text=f"cash per month [{result.convention.currency}]")
    return layout(fig, 320)
