"""The report's cost charts: total by category, cumulative cost with break-even marks, monthly cost."""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..results import CompareResult, OptionResult
from .chart_style import category_colour, layout, money_prefix, money_spec, option_colours
from .formatting import option_names, pretty, short_label
from .model import ReportContent

__all__ = ["cumulative_chart", "monthly_chart", "tco_chart"]


def _curve(o: OptionResult) -> list[float]:
    """Cumulative cost at t = 0..H: the upfront amount, then the running totals."""
    return [float(o.upfront_usd), *[float(x) for x in o.cumulative_usd]]


def _at(curve: list[float], month: float) -> float:
    i = min(int(math.floor(month)), len(curve) - 2)
    f = month - i
    return curve[i] + (curve[i + 1] - curve[i]) * f


def _break_even_marks(fig: go.Figure, content: ReportContent, curves: dict[str, list[float]]) -> None:
    """Diamonds at the cash-view break-even months, on the first option's curve."""
    marks = [b for b in content.break_even if b.a in curves and len(curves[b.a]) > 1]
    if not marks:
        return
    xs = [b.month for b in marks]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[_at(curves[b.a], b.month) for b in marks],
            mode="markers+text",
            name="break-even",
            text=[f"{x:.1f}" for x in xs],
            textposition="top center",
            hovertext=[b.sentence for b in marks],
            hovertemplate="%{hovertext}<extra></extra>",
            marker={"symbol": "diamond", "size": 11, "color": "#000", "line": {"color": "#fff", "width": 1}},
        )
    )


def cumulative_chart(result: CompareResult, content: ReportContent) -> go.Figure | None:
    """Each feasible option's cumulative cash-view cost from t = 0, with the break-even months marked."""
    feasible = [o for o in result.options if o.feasible and o.cumulative_usd]
    if not feasible:
        return None
    colours = option_colours(result)
    fig = go.Figure()
    curves = {}
    for o in feasible:
        c = _curve(o)
        curves[o.id] = c
        fig.add_trace(
            go.Scatter(
                x=list(range(len(c))),
                y=c,
                mode="lines",
                name=short_label(o.label or o.id),
                line={"color": colours[o.id], "width": 3 if o.id == result.cheapest else 2},
                hovertemplate="month %{x}: " + money_spec("y") + "<extra>%{fullData.name}</extra>",
            )
        )
    _break_even_marks(fig, content, curves)
    fig.update_xaxes(title_text="months from the start", rangemode="tozero")
    fig.update_yaxes(
        title_text="cumulative cost (cash view)", tickprefix=money_prefix(), tickformat="~s", rangemode="tozero"
    )
    return layout(fig, 440, hovermode="closest")


def tco_chart(result: CompareResult, content: ReportContent) -> go.Figure | None:
    """Stacked bars of each feasible option's total by category, cheapest at the top, the TCO ticked."""
    data = content.tco_by_category
    rows = list(reversed(data.rows))  # cheapest at the top
    if not rows:
        return None
    seen: dict[str, str] = {}
    unique = option_names(result)
    names = [unique.get(r.id, short_label(r.label or r.id)) for r in rows]
    fig = go.Figure()
    for cat in data.categories:
        fig.add_trace(
            go.Bar(
                y=names,
                x=[r.by_category_usd.get(cat, 0.0) for r in rows],
                name=pretty(cat),
                orientation="h",
                marker_color=category_colour(cat, seen),
                hovertemplate="%{y}<br>" + pretty(cat) + ": " + money_spec("x") + "<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            y=names,
            x=[r.tco_usd for r in rows],
            mode="markers",
            name="total (TCO)",
            marker={"symbol": "line-ns-open", "size": 18, "color": "#000", "line": {"width": 2}},
            hovertemplate="%{y}<br>TCO: " + money_spec("x") + "<extra></extra>",
        )
    )
    pos = [sum(v for v in r.by_category_usd.values() if v > 0) for r in rows]
    neg = [sum(v for v in r.by_category_usd.values() if v < 0) for r in rows]
    fig.add_trace(
        go.Scatter(
            y=names,
            x=pos,
            mode="text",
            text=[f"  TCO {money_prefix()}{r.tco_usd:,.0f}" for r in rows],
            textposition="middle right",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    longest = max(len(n) for n in names)
    hi, lo = max(pos + [0.0]), min(neg + [0.0])
    fig.update_layout(barmode="relative")
    fig.update_xaxes(
        title_text="total cost over the horizon by category (cash view)",
        tickprefix=money_prefix(),
        tickformat="~s",
        range=[lo - 0.02 * (hi - lo), hi + 0.5 * (hi - lo)],  # room for the TCO label
    )
    layout(fig, 120 + 48 * len(rows))
    fig.update_layout(margin={"l": min(20 + 7 * longest, 340), "r": 20, "t": 20, "b": 40})
    return fig


def _clip_outliers(fig: go.Figure, o: OptionResult, row: int, col: int, n: int) -> None:
    """Keep running costs readable: when one month (upfront capex, a residual credit) dwarfs the others,
    cut the axis at the ordinary months' scale and say on the chart what was cut."""
    by = o.monthly_by_category_usd
    h = len(o.monthly_usd)
    if h < 3:
        return
    pos = [sum(max(0.0, v[m]) for v in by.values()) for m in range(h)]
    neg = [sum(min(0.0, v[m]) for v in by.values()) for m in range(h)]
    order = sorted(range(h), key=lambda m: pos[m])
    top = max(pos[order[-3]], 1.0) * 1.35
    bottom = min(sorted(neg)[2], 0.0) * 1.35
    cut = [m for m in range(h) if pos[m] > top * 1.5 or neg[m] < bottom * 1.5 - top * 0.5]
    if not cut:
        return
    fig.update_yaxes(range=[bottom - 0.05 * top, top], row=row, col=col)
    notes = []
    for m in cut:
        if pos[m] > top * 1.5:
            notes.append(f"month {m + 1}: {money_prefix()}{pos[m]:,.0f}")
        if neg[m] < bottom * 1.5 - top * 0.5:
            notes.append(f"month {m + 1}: -{money_prefix()}{-neg[m]:,.0f}")
    ref = "" if n == 1 else str(n)
    fig.add_annotation(
        text="bars cut off: " + "; ".join(notes),
        xref=f"x{ref} domain",
        yref=f"y{ref} domain",
        x=0.98,
        y=0.98,
        xanchor="right",
        yanchor="top",
        showarrow=False,
        font={"size": 10, "color": "#444"},
        bgcolor="rgba(255,255,255,0.85)",
    )


def monthly_chart(result: CompareResult) -> go.Figure | None:
    """One panel per feasible option, cheapest first: its cash-view cost each month, stacked by category."""
    feasible = sorted((o for o in result.options if o.feasible and o.monthly_by_category_usd),
                      key=lambda o: o.tco_usd)
    if not feasible:
        return None
    cols = 2 if len(feasible) > 1 else 1
    nrows = math.ceil(len(feasible) / cols)
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        subplot_titles=[short_label(o.label or o.id, 52) for o in feasible],
        vertical_spacing=0.5 / max(nrows, 1) if nrows > 1 else 0.1,
        horizontal_spacing=0.1,
    )
    seen: dict[str, str] = {}
    shown: set[str] = set()
    for i, o in enumerate(feasible):
        r, c = i // cols + 1, i % cols + 1
        for cat, vals in o.monthly_by_category_usd.items():
            if not any(vals):
                continue
            fig.add_trace(
                go.Bar(
                    x=list(range(1, len(vals) + 1)),
                    y=vals,
                    name=pretty(cat),
                    legendgroup=cat,
                    showlegend=cat not in shown,
                    marker_color=category_colour(cat, seen),
                    hovertemplate="month %{x}<br>" + pretty(cat) + ": " + money_spec("y") + "<extra></extra>",
                ),
                row=r,
                col=c,
            )
            shown.add(cat)
        _clip_outliers(fig, o, r, c, i + 1)
    fig.update_layout(barmode="relative", bargap=0.15)
    fig.update_xaxes(title_text="month", title_standoff=2)
    fig.update_yaxes(tickprefix=money_prefix(), tickformat="~s")
    fig.update_annotations(font_size=12)
    height = 120 + 250 * nrows
    layout(fig, height)
    fig.update_layout(legend={"yanchor": "top", "y": -60 / (height - 70)}, margin={"b": 90})
    return fig
