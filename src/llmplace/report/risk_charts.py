"""The report's charts of the optional engines: hybrid split, Monte Carlo ranges, tornado and criteria scores.

Each builder returns None when its engine did not run; nothing is invented to fill a chart.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..results import CompareResult, HybridPlan
from .chart_style import OPTION_COLOURS, layout, money_prefix, money_spec, option_colours, wrap
from .criteria import score_grid
from .formatting import option_names, short_label
from .model import ReportContent

__all__ = [
    "criteria_chart",
    "hybrid_chart",
    "hybrid_cost_curve",
    "hybrid_shares",
    "mc_chart",
    "mc_ranges",
    "p_cheapest",
    "p_cheapest_chart",
    "tornado_chart",
    "tornado_rows",
]


# ---------------------------------------------------------------- the figures the charts show


def mc_ranges(result: CompareResult) -> dict[str, tuple[float, float, float]]:
    """Per option with a Monte Carlo run: (P10, P50, P90) of its total cost."""
    return {o.id: (o.risk.tco_usd.p10, o.risk.tco_usd.p50, o.risk.tco_usd.p90)
            for o in result.options if o.risk is not None}


def p_cheapest(result: CompareResult) -> dict[str, float]:
    """Per option: probability [0..1] of being the cheapest (empty without a Monte Carlo run)."""
    if result.risk is None:
        return {}
    ids = {o.id for o in result.options}
    return {k: v for k, v in result.risk.probability_cheapest.items() if k in ids}


def tornado_rows(result: CompareResult) -> list[tuple[str, float, float, float]]:
    """(input, gap at its low value, gap at its high value, gap at the median case), smallest swing first."""
    rows = [(r.label or r.input, r.gap_at_low_usd, r.gap_at_high_usd, r.gap_at_median_usd)
            for r in result.tornado or []]
    return sorted(rows, key=lambda t: abs(t[2] - t[1]))


def hybrid_shares(result: CompareResult) -> dict[str, dict[str, float]]:
    """Per hybrid option: the share of the workload its base and its overflow serve, by their option ids."""
    return {o.id: {o.hybrid.base: o.hybrid.share_served_by_base,
                   o.hybrid.overflow: o.hybrid.share_served_by_overflow}
            for o in result.options if o.hybrid is not None}


# ---------------------------------------------------------------- hybrid


def hybrid_chart(result: CompareResult, content: ReportContent) -> go.Figure | None:
    """Stacked bars: the share of the workload each part of each hybrid plan carries."""
    shares = hybrid_shares(result)
    if not shares:
        return None
    labels = option_names(result)
    parts: list[str] = []
    for s in shares.values():
        parts += [p for p in s if p not in parts]
    plans = list(shares)
    colours = option_colours(result)
    fig = go.Figure()
    for i, part in enumerate(parts):
        fig.add_trace(
            go.Bar(
                y=[labels.get(p, p) for p in plans],
                x=[shares[p].get(part, 0.0) for p in plans],
                orientation="h",
                name=labels.get(part, part),
                texttemplate="%{x:.0%}",
                textposition="inside",
                insidetextanchor="middle",
                marker_color=colours.get(part, OPTION_COLOURS[i % len(OPTION_COLOURS)]),
                hovertemplate="%{y}<br>" + labels.get(part, part) + ": %{x:.3g}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="share of the workload")
    return layout(fig, 140 + 46 * len(plans))


def _curve_trace(plan_id: str, h: HybridPlan, labels: dict[str, str], colours: dict[str, str]) -> go.Scatter | None:
    pts = sorted((p.base_units, p.cost_usd) for p in h.cost_curve if isinstance(p.base_units, int))
    if len(pts) < 2:
        return None
    return go.Scatter(
        x=[p[0] for p in pts],
        y=[p[1] for p in pts],
        mode="lines+markers",
        name=labels.get(plan_id, plan_id),
        line={"color": colours.get(plan_id, "#444"), "shape": "linear"},
        marker={"size": [14 if p[0] == h.base_units else 7 for p in pts]},
        hovertemplate="%{x} base units: " + money_spec("y") + "<extra>%{fullData.name}</extra>",
    )


def hybrid_cost_curve(result: CompareResult, content: ReportContent) -> go.Figure | None:
    """Total cost of each hybrid plan against the number of base units the optimiser tried."""
    labels = option_names(result)
    colours = option_colours(result)
    traces = [t for o in result.options if o.hybrid is not None
              and (t := _curve_trace(o.id, o.hybrid, labels, colours)) is not None]
    if not traces:
        return None
    fig = go.Figure(traces)
    fig.update_xaxes(
        title_text="base units (servers or instances); the large marker is the plan chosen", dtick=1
    )
    fig.update_yaxes(
        title_text="total cost over the horizon", tickprefix=money_prefix(), tickformat="~s", rangemode="tozero"
    )
    return layout(fig, 340)


# ---------------------------------------------------------------- Monte Carlo


def mc_chart(result: CompareResult, content: ReportContent) -> go.Figure | None:
    """Each option's P10-P90 range of total cost, its median ticked."""
    ranges = mc_ranges(result)
    if not ranges:
        return None
    labels = option_names(result)
    order = sorted(ranges, key=lambda k: ranges[k][0], reverse=True)
    colours = option_colours(result)
    names = [labels.get(k, k) for k in order]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=names,
            x=[ranges[k][2] - ranges[k][0] for k in order],
            base=[ranges[k][0] for k in order],
            orientation="h",
            name="range (lowest to highest percentile given)",
            marker_color=[colours.get(k, "#888") for k in order],
            opacity=0.55,
            hovertemplate="%{y}<br>" + money_spec("base") + " to " + money_spec("x") + " wide<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=names,
            x=[ranges[k][1] for k in order],
            mode="markers",
            name="median",
            marker={"symbol": "line-ns-open", "size": 18, "color": "#000"},
        )
    )
    fig.update_xaxes(title_text="total cost over the horizon", tickprefix=money_prefix(), tickformat="~s")
    return layout(fig, 120 + 46 * len(order))


def p_cheapest_chart(result: CompareResult, content: ReportContent) -> go.Figure | None:
    """Each option's probability of being the cheapest, as bars."""
    p = p_cheapest(result)
    if not p:
        return None
    labels = option_names(result)
    order = sorted(p, key=lambda k: p[k])
    colours = option_colours(result)
    fig = go.Figure(
        go.Bar(
            y=[labels.get(k, k) for k in order],
            x=[p[k] for k in order],
            orientation="h",
            marker_color=[colours.get(k, "#888") for k in order],
            text=[f"{p[k]:.0%}" for k in order],
            textposition="outside",
            hovertemplate="%{y}: %{x:.0%}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="probability of being the cheapest", tickformat=".0%", range=[0, 1.1])
    return layout(fig, 120 + 46 * len(order), showlegend=False)


# ---------------------------------------------------------------- tornado and criteria


def tornado_chart(result: CompareResult, content: ReportContent) -> go.Figure | None:
    """One bar per input: the cost gap with the input at its low and at its high value, from the median case."""
    rows = tornado_rows(result)
    if not rows or not result.tornado:
        return None
    names = [r[0] for r in rows]
    ref = rows[0][3]
    fig = go.Figure()
    for values, name, colour in (
        ([r[1] for r in rows], "input at its low value", "#2e75b6"),
        ([r[2] for r in rows], "input at its high value", "#c55a11"),
    ):
        fig.add_trace(
            go.Bar(
                y=names,
                x=[v - ref for v in values],
                base=ref,
                orientation="h",
                name=name,
                marker_color=colour,
                customdata=values,
                hovertemplate="%{y}: " + money_spec("customdata") + "<extra></extra>",
            )
        )
    fig.update_layout(barmode="overlay")
    pair = result.tornado[0].between
    if len(pair) == 2:
        short = {k: short_label(v, 30) for k, v in option_names(result).items()}
        title = f"TCO gap: {short.get(pair[1], pair[1])} minus {short.get(pair[0], pair[0])}"
    else:
        title = "cost"
    fig.update_xaxes(title_text=title, tickprefix=money_prefix(), tickformat="~s")
    return layout(fig, 140 + 36 * len(rows))


def criteria_chart(result: CompareResult, content: ReportContent) -> go.Figure | None:
    """Heat map of the scores beyond cost: criteria down, options across, 0 (red) to 10 (green)."""
    grid = score_grid(result) if content.criteria.computed else None
    if grid is None:
        return None
    rows = grid.rows()
    z = [values for _, _, values in rows]
    if not any(v is not None for row in z for v in row):
        return None
    names = option_names(result)
    ylab = [f"{name} ({weight})" if weight not in ("", "-") else name for name, weight, _ in rows]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[wrap(names.get(i, i)) for i in grid.ids],
            y=ylab,
            zmin=0,
            zmax=10,
            colorscale="RdYlGn",
            text=[[f"{v:.1f}" if v is not None else "" for v in row] for row in z],
            texttemplate="%{text}",
            hovertemplate="%{y}<br>%{x}: %{z:.1f}<extra></extra>",
            colorbar={"title": {"text": "score"}},
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickangle=0)
    layout(fig, 120 + 30 * len(rows))
    longest = max(len(y) for y in ylab)
    left_px = min(20 + 7 * longest, 300)
    # on screen the chart keeps a width where each option's label (14 characters a line) has its own column;
    # a narrower window scrolls the chart sideways instead of overlapping the labels (see html.DRAW)
    min_width_px = left_px + HEATMAP_COLUMN_PX * len(grid.ids) + HEATMAP_COLOURBAR_PX
    fig.update_layout(margin={"l": left_px, "t": 80, "r": 20, "b": 20}, meta={"min_width_px": min_width_px})
    return fig


HEATMAP_COLUMN_PX = 110
"""Width of one option's column in the criteria heat map [px]: a 14-character line at 12 px is about 95 px."""
HEATMAP_COLOURBAR_PX = 90
"""The colour bar and the right margin of the heat map [px]."""
