"""Plotly figures of the report, built from the comparison result and the report content.

Each builder returns a figure or None when the data it needs is absent; nothing is invented to
fill a chart. Figures travel as JSON (``fig.to_json()``) and are drawn in the page by the one
embedded copy of plotly.js.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .content import option_names, short_label

__all__ = ["Chart", "build_charts", "hybrid_shares", "mc_ranges", "p_cheapest", "tornado_rows"]

OPTION_COLOURS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
]
CATEGORY_COLOURS = {
    "capex": "#1f4e79",
    "setup": "#5b9bd5",
    "residual_credit": "#a9d18e", "resale_proceeds": "#a9d18e",
    "depreciation": "#1f4e79",
    "power": "#ffc000",
    "facility": "#ed7d31",
    "maintenance": "#a5a5a5",
    "staff": "#7030a0",
    "compute": "#4472c4",
    "storage": "#70ad47",
    "egress": "#c00000",
    "overflow_compute": "#f4b183",
    "input_tokens": "#2e75b6",
    "output_tokens": "#9dc3e6",
    "cached_input_tokens": "#bdd7ee",
}
_SPARE = ["#264478", "#9e480e", "#636363", "#997300", "#43682b", "#698ed0", "#f1975a"]
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


@dataclass
class Chart:
    """One chart of the report: where it goes, what it shows, and the figure as JSON."""

    id: str
    section: str
    title: str
    caption: str
    figure_json: str


def _layout(fig: go.Figure, height: int, **kw: Any) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        font={"family": _FONT, "size": 12},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        **kw,
    )
    return fig


def _cat_colour(cat: str, seen: dict[str, str]) -> str:
    if cat in CATEGORY_COLOURS:
        return CATEGORY_COLOURS[cat]
    if cat not in seen:
        seen[cat] = _SPARE[len(seen) % len(_SPARE)]
    return seen[cat]


def _pretty(cat: str) -> str:
    return cat.replace("_", " ")


def option_colours(doc: dict[str, Any]) -> dict[str, str]:
    return {o["id"]: OPTION_COLOURS[i % len(OPTION_COLOURS)] for i, o in enumerate(doc.get("options") or [])}


# ---------------------------------------------------------------- cost charts


def _curve(o: dict[str, Any]) -> list[float]:
    """Cumulative cost at t = 0..H: the upfront amount, then the running totals."""
    return [float(o.get("upfront_usd") or 0.0), *[float(x) for x in o.get("cumulative_usd") or []]]


def _at(curve: list[float], month: float) -> float:
    i = min(int(math.floor(month)), len(curve) - 2)
    f = month - i
    return curve[i] + (curve[i + 1] - curve[i]) * f


def cumulative_chart(doc: dict[str, Any], content: dict[str, Any]) -> go.Figure | None:
    feasible = [o for o in doc.get("options") or [] if o.get("feasible") and o.get("cumulative_usd")]
    if not feasible:
        return None
    colours = option_colours(doc)
    fig = go.Figure()
    curves = {}
    for o in feasible:
        c = _curve(o)
        curves[o["id"]] = c
        fig.add_trace(
            go.Scatter(
                x=list(range(len(c))),
                y=c,
                mode="lines",
                name=short_label(o.get("label") or o["id"]),
                line={"color": colours[o["id"]], "width": 3 if o["id"] == doc.get("cheapest") else 2},
                hovertemplate="month %{x}: %{y:$,.0f}<extra>%{fullData.name}</extra>",
            )
        )
    xs, ys, texts = [], [], []
    for b in content.get("break_even") or []:
        if b["a"] in curves and len(curves[b["a"]]) > 1:
            xs.append(b["month"])
            ys.append(_at(curves[b["a"]], b["month"]))
            texts.append(f"{b['sentence']}")
    if xs:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers+text",
                name="break-even",
                text=[f"{x:.1f}" for x in xs],
                textposition="top center",
                hovertext=texts,
                hovertemplate="%{hovertext}<extra></extra>",
                marker={
                    "symbol": "diamond",
                    "size": 11,
                    "color": "#000",
                    "line": {"color": "#fff", "width": 1},
                },
            )
        )
    fig.update_xaxes(title_text="months from the start", rangemode="tozero")
    fig.update_yaxes(
        title_text="cumulative cost (cash view)", tickprefix="$", tickformat="~s", rangemode="tozero"
    )
    return _layout(fig, 440, hovermode="closest")


def tco_chart(doc: dict[str, Any], content: dict[str, Any]) -> go.Figure | None:
    data = content.get("tco_by_category") or {}
    rows = list(reversed(data.get("rows") or []))  # cheapest at the top
    if not rows:
        return None
    seen: dict[str, str] = {}
    unique = option_names(doc)
    names = [unique.get(r["id"], short_label(r.get("label") or r["id"])) for r in rows]
    fig = go.Figure()
    for cat in data.get("categories") or []:
        fig.add_trace(
            go.Bar(
                y=names,
                x=[r["by_category_usd"].get(cat, 0.0) for r in rows],
                name=_pretty(cat),
                orientation="h",
                marker_color=_cat_colour(cat, seen),
                hovertemplate="%{y}<br>" + _pretty(cat) + ": %{x:$,.0f}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            y=names,
            x=[r["tco_usd"] for r in rows],
            mode="markers",
            name="total (TCO)",
            marker={"symbol": "line-ns-open", "size": 18, "color": "#000", "line": {"width": 2}},
            hovertemplate="%{y}<br>TCO: %{x:$,.0f}<extra></extra>",
        )
    )
    pos = [sum(v for v in r["by_category_usd"].values() if v > 0) for r in rows]
    neg = [sum(v for v in r["by_category_usd"].values() if v < 0) for r in rows]
    fig.add_trace(
        go.Scatter(
            y=names,
            x=pos,
            mode="text",
            text=[f"  TCO ${r['tco_usd']:,.0f}" for r in rows],
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
        tickprefix="$",
        tickformat="~s",
        range=[lo - 0.02 * (hi - lo), hi + 0.28 * (hi - lo)],
    )
    _layout(fig, 120 + 48 * len(rows))
    fig.update_layout(margin={"l": min(20 + 7 * longest, 340), "r": 20, "t": 20, "b": 40})
    return fig


def _clip_outliers(fig: go.Figure, o: dict[str, Any], row: int, col: int, n: int) -> None:
    """Keep running costs readable: when one month (upfront capex, a residual credit) dwarfs the others,
    cut the axis at the ordinary months' scale and say on the chart what was cut."""
    by = o["monthly_by_category_usd"]
    h = len(o.get("monthly_usd") or [])
    if h < 3:
        return
    pos = [sum(max(0.0, v[m]) for v in by.values()) for m in range(h)]
    neg = [sum(min(0.0, v[m]) for v in by.values()) for m in range(h)]
    order = sorted(range(h), key=lambda m: pos[m])
    typical_hi = pos[order[-3]] if h >= 3 else max(pos)
    typical_lo = sorted(neg)[2] if h >= 3 else min(neg)
    top = max(typical_hi, 1.0) * 1.35
    bottom = min(typical_lo, 0.0) * 1.35
    cut = [m for m in range(h) if pos[m] > top * 1.5 or neg[m] < bottom * 1.5 - top * 0.5]
    if not cut:
        return
    fig.update_yaxes(range=[bottom - 0.05 * top, top], row=row, col=col)
    notes = []
    for m in cut:
        if pos[m] > top * 1.5:
            notes.append(f"month {m + 1}: ${pos[m]:,.0f}")
        if neg[m] < bottom * 1.5 - top * 0.5:
            notes.append(f"month {m + 1}: -${-neg[m]:,.0f}")
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


def monthly_chart(doc: dict[str, Any]) -> go.Figure | None:
    feasible = sorted(
        (o for o in doc.get("options") or [] if o.get("feasible") and o.get("monthly_by_category_usd")),
        key=lambda o: o.get("tco_usd") or 0.0,
    )
    if not feasible:
        return None
    cols = 2 if len(feasible) > 1 else 1
    nrows = math.ceil(len(feasible) / cols)
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        subplot_titles=[short_label(o.get("label") or o["id"], 52) for o in feasible],
        vertical_spacing=0.5 / max(nrows, 1) if nrows > 1 else 0.1,
        horizontal_spacing=0.1,
    )
    seen: dict[str, str] = {}
    shown: set[str] = set()
    for i, o in enumerate(feasible):
        r, c = i // cols + 1, i % cols + 1
        for cat, vals in o["monthly_by_category_usd"].items():
            if not any(vals):
                continue
            fig.add_trace(
                go.Bar(
                    x=list(range(1, len(vals) + 1)),
                    y=vals,
                    name=_pretty(cat),
                    legendgroup=cat,
                    showlegend=cat not in shown,
                    marker_color=_cat_colour(cat, seen),
                    hovertemplate="month %{x}<br>" + _pretty(cat) + ": %{y:$,.0f}<extra></extra>",
                ),
                row=r,
                col=c,
            )
            shown.add(cat)
        _clip_outliers(fig, o, r, c, i + 1)
    fig.update_layout(barmode="relative", bargap=0.15)
    fig.update_xaxes(title_text="month", title_standoff=2)
    fig.update_yaxes(tickprefix="$", tickformat="~s")
    fig.update_annotations(font_size=12)
    height = 120 + 250 * nrows
    _layout(fig, height)
    fig.update_layout(legend={"yanchor": "top", "y": -60 / (height - 70)}, margin={"b": 90})
    return fig


# ---------------------------------------------------------------- optional engines, read when present


def _per_option(value: Any, ids: set[str]) -> dict[str, dict[str, Any]]:
    cands: list[Any] = []
    if isinstance(value, dict):
        cands += [value[k] for k in ("options", "per_option", "by_option", "results") if k in value]
        cands.append(value)
    elif isinstance(value, list):
        cands.append(value)
    for cand in cands:
        out: dict[str, dict[str, Any]] = {}
        if isinstance(cand, dict):
            out = {k: v for k, v in cand.items() if k in ids and isinstance(v, dict)}
        elif isinstance(cand, list):
            for v in cand:
                if isinstance(v, dict):
                    k = v.get("id") or v.get("option") or v.get("option_id")
                    if isinstance(k, str) and k in ids:
                        out[k] = v
        if out:
            return out
    return {}


_PCT = re.compile(r"(?:^|_)p(\d{1,2})(?:_|$)")


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _percentiles(d: dict[str, Any]) -> dict[int, float]:
    out: dict[int, float] = {}
    for k, v in d.items():
        m = _PCT.search(str(k))
        if m and _num(v):
            out[int(m.group(1))] = float(v)
    for key in ("percentiles", "quantiles"):
        sub = d.get(key)
        if isinstance(sub, dict):
            for k, v in sub.items():
                s = str(k).lstrip("pP")
                try:
                    q = float(s)
                except ValueError:
                    continue
                if _num(v):
                    out[int(round(q * 100)) if q < 1 else int(q)] = float(v)
    return out


def mc_ranges(doc: dict[str, Any]) -> dict[str, tuple[float, float | None, float]]:
    """Per option: (low, median, high) of a Monte Carlo cost distribution, when the result holds one."""
    ids = {o["id"] for o in doc.get("options") or []}
    per = _per_option(doc.get("risk"), ids)
    for o in doc.get("options") or []:
        if isinstance(o.get("risk"), dict):
            per.setdefault(o["id"], o["risk"])
    out: dict[str, tuple[float, float | None, float]] = {}
    for k, d in per.items():
        if isinstance(d.get("tco_usd"), dict):  # {"tco_usd": {"p10": ..., "p50": ..., "p90": ...}, ...}
            d = d["tco_usd"]
        ps = _percentiles(d)
        if len(ps) >= 2:
            lo, hi = min(ps), max(ps)
            if lo < hi:
                out[k] = (ps[lo], ps.get(50), ps[hi])
    return out


def p_cheapest(doc: dict[str, Any]) -> dict[str, float]:
    """Per option: probability [0..1] of being the cheapest, when the result holds it."""
    ids = {o["id"] for o in doc.get("options") or []}
    risk = doc.get("risk")
    out: dict[str, float] = {}
    if isinstance(risk, dict):
        for k, v in risk.items():
            if "cheapest" in str(k) and isinstance(v, dict) and v and all(_num(x) for x in v.values()):
                out = {i: float(x) for i, x in v.items() if i in ids}
    if not out:
        per = _per_option(risk, ids)
        for o in doc.get("options") or []:
            if isinstance(o.get("risk"), dict):
                per.setdefault(o["id"], o["risk"])
        for i, d in per.items():
            for k, v in d.items():
                if "cheapest" in str(k) and _num(v):
                    out[i] = float(v)
    if out and max(out.values()) > 1.0:
        out = {k: v / 100.0 for k, v in out.items()}
    return out


def _pick(r: dict[str, Any], word: str) -> float | None:
    """The number under the first key naming ``word``, preferring a cost (``..._usd``) to an input value."""
    keys = [k for k in r if word in str(k) and _num(r[k])]
    usd = [k for k in keys if "usd" in str(k)]
    return float(r[(usd or keys)[0]]) if keys else None


def tornado_rows(value: Any) -> list[tuple[str, float, float, float | None]]:
    """(input, low, high, base) rows of a tornado analysis, when the result holds one."""
    if isinstance(value, dict):
        inner = value.get("rows") or value.get("inputs") or value.get("bars")
        base = value.get("base_usd") if _num(value.get("base_usd")) else value.get("base")
        if isinstance(inner, list):
            rows = [dict(r, base=r.get("base", base)) if isinstance(r, dict) else r for r in inner]
        else:
            rows = [dict(v, name=k) for k, v in value.items() if isinstance(v, dict)]
    elif isinstance(value, list):
        rows = value
    else:
        return []
    out = []
    for r in rows:
        if not isinstance(r, dict):
            continue
        name = next((r[k] for k in ("label", "input", "name", "parameter", "variable") if r.get(k)), None)
        lo, hi = _pick(r, "low"), _pick(r, "high")
        base = _pick(r, "base")
        base = _pick(r, "median") if base is None else base
        if name is not None and lo is not None and hi is not None:
            out.append((str(name), float(lo), float(hi), None if base is None else float(base)))
    return sorted(out, key=lambda t: abs(t[2] - t[1]))


def hybrid_shares(value: Any) -> dict[str, dict[str, float]]:
    """Per hybrid plan: the share of the workload each part carries, when the result holds it."""
    out: dict[str, dict[str, float]] = {}
    if not isinstance(value, dict):
        return out
    for plan, h in value.items():
        if not isinstance(h, dict):
            continue
        parts = next((h[k] for k in ("split", "shares", "parts", "components", "mix") if k in h), None)
        shares: dict[str, float] = {}
        if parts is None:  # flat keys: share_served_by_base: 0.9 with base: <option id>
            for k, v in h.items():
                m = re.fullmatch(r"share_(?:served_)?by_(\w+)", str(k))
                if m and _num(v):
                    role = m.group(1)
                    shares[str(h.get(role) or role)] = float(v)
        if isinstance(parts, dict):
            shares = {str(k): float(v) for k, v in parts.items() if _num(v)}
        elif isinstance(parts, list):
            for p in parts:
                if not isinstance(p, dict):
                    continue
                name = next((p[k] for k in ("option", "id", "name", "part") if p.get(k)), None)
                val = next((p[k] for k in p if "share" in str(k) or "fraction" in str(k)), None)
                if name is not None and isinstance(val, (int, float)) and _num(val):
                    shares[str(name)] = float(val)
        if shares:
            out[str(plan)] = shares
    return out


def hybrid_cost_curve(value: Any, doc: dict[str, Any]) -> go.Figure | None:
    """Total cost of each hybrid plan against the number of base units, when the result holds the curve."""
    if not isinstance(value, dict):
        return None
    labels = option_names(doc)
    colours = option_colours(doc)
    fig = go.Figure()
    for plan, h in value.items():
        curve = h.get("cost_curve") if isinstance(h, dict) else None
        if not isinstance(curve, list):
            continue
        pts = [
            (p["base_units"], p["cost_usd"])
            for p in curve
            if isinstance(p, dict) and _num(p.get("base_units")) and _num(p.get("cost_usd"))
        ]
        if len(pts) < 2:
            continue
        pts.sort()
        chosen = h.get("base_units")
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in pts],
                y=[p[1] for p in pts],
                mode="lines+markers",
                name=labels.get(plan, plan),
                line={"color": colours.get(plan, "#444"), "shape": "linear"},
                marker={"size": [14 if p[0] == chosen else 7 for p in pts]},
                hovertemplate="%{x} base units: %{y:$,.0f}<extra>%{fullData.name}</extra>",
            )
        )
    if not fig.data:
        return None
    fig.update_xaxes(
        title_text="base units (servers or instances); the large marker is the plan chosen", dtick=1
    )
    fig.update_yaxes(
        title_text="total cost over the horizon", tickprefix="$", tickformat="~s", rangemode="tozero"
    )
    return _layout(fig, 340)


def mc_chart(doc: dict[str, Any]) -> go.Figure | None:
    ranges = mc_ranges(doc)
    if not ranges:
        return None
    labels = option_names(doc)
    order = sorted(ranges, key=lambda k: ranges[k][0], reverse=True)
    colours = option_colours(doc)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=[labels.get(k, k) for k in order],
            x=[ranges[k][2] - ranges[k][0] for k in order],
            base=[ranges[k][0] for k in order],
            orientation="h",
            name="range (lowest to highest percentile given)",
            marker_color=[colours.get(k, "#888") for k in order],
            opacity=0.55,
            hovertemplate="%{y}<br>%{base:$,.0f} to %{x:$,.0f} wide<extra></extra>",
        )
    )
    med = [k for k in order if ranges[k][1] is not None]
    if med:
        fig.add_trace(
            go.Scatter(
                y=[labels.get(k, k) for k in med],
                x=[ranges[k][1] for k in med],
                mode="markers",
                name="median",
                marker={"symbol": "line-ns-open", "size": 18, "color": "#000"},
            )
        )
    fig.update_xaxes(title_text="total cost over the horizon", tickprefix="$", tickformat="~s")
    return _layout(fig, 120 + 46 * len(order))


def p_cheapest_chart(doc: dict[str, Any]) -> go.Figure | None:
    p = p_cheapest(doc)
    if not p:
        return None
    labels = option_names(doc)
    order = sorted(p, key=lambda k: p[k])
    colours = option_colours(doc)
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
    return _layout(fig, 120 + 46 * len(order), showlegend=False)


def tornado_chart(value: Any, doc: dict[str, Any]) -> go.Figure | None:
    rows = tornado_rows(value)
    if not rows:
        return None
    names = [r[0] for r in rows]
    base = next((r[3] for r in rows if r[3] is not None), None)
    ref = base if base is not None else 0.0
    pair = (
        value[0].get("between") if isinstance(value, list) and value and isinstance(value[0], dict) else None
    )
    labels = option_names(doc)
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
                hovertemplate="%{y}: %{customdata:$,.0f}<extra></extra>",
            )
        )
    fig.update_layout(barmode="overlay")
    if isinstance(pair, list) and len(pair) == 2:
        short = {k: short_label(v, 30) for k, v in labels.items()}
        title = f"TCO gap: {short.get(pair[1], pair[1])} minus {short.get(pair[0], pair[0])}"
    else:
        title = "cost"
    fig.update_xaxes(title_text=title, tickprefix="$", tickformat="~s")
    return _layout(fig, 140 + 36 * len(rows))


def _wrap(text: str, width: int = 14, lines: int = 3) -> str:
    """Break a label into short lines (plotly's <br>) so many columns fit side by side."""
    out: list[str] = []
    for word in str(text).split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "\u2026"
    return "<br>".join(out)


def criteria_chart(content: dict[str, Any]) -> go.Figure | None:
    """Heat map of the scores beyond cost: criteria down, options across, 0 (red) to 10 (green)."""
    sec = content.get("criteria") or {}
    if not sec.get("computed") or not sec.get("tables"):
        return None
    t = sec["tables"][0]
    if t["columns"][:2] != ["criterion", "weight"]:
        return None
    rows = [r for r in t["rows"] if r[0] not in ("rank",)]
    z = [[v if _num(v) else None for v in r[2:]] for r in rows]
    if not any(v is not None for row in z for v in row):
        return None
    ylab = [f"{r[0]} ({r[1]})" if r[1] not in ("", "-") else str(r[0]) for r in rows]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_wrap(c) for c in t["columns"][2:]],
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
    _layout(fig, 120 + 30 * len(rows))
    longest = max(len(y) for y in ylab)
    fig.update_layout(margin={"l": min(20 + 7 * longest, 300), "t": 80, "r": 20, "b": 20})
    return fig


def hybrid_chart(value: Any, doc: dict[str, Any]) -> go.Figure | None:
    shares = hybrid_shares(value)
    if not shares:
        return None
    labels = option_names(doc)
    parts: list[str] = []
    for s in shares.values():
        parts += [p for p in s if p not in parts]
    plans = list(shares)
    colours = option_colours(doc)
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
    return _layout(fig, 140 + 46 * len(plans))


# ---------------------------------------------------------------- all of them


def build_charts(doc: dict[str, Any], content: dict[str, Any]) -> list[Chart]:
    """The charts this result supports, in report order."""
    risk = doc.get("risk")
    sens = content.get("sensitivity") or {}
    specs: list[tuple[str, str, str, str, go.Figure | None]] = [
        (
            "tco",
            "summary",
            "Total cost over the horizon, by category",
            "Cash view; owned hardware credited at its book value at the end. The black tick is the total.",
            tco_chart(doc, content),
        ),
        (
            "cumulative",
            "cost",
            "Cumulative cost over time",
            "Cash view, from t = 0 (upfront) to the end of the horizon. Diamonds mark break-even months.",
            cumulative_chart(doc, content),
        ),
        (
            "monthly",
            "monthly",
            "Monthly cost by category",
            "Cash view: upfront capex sits in month 1; credits (hardware sold, or a book-value credit) show below "
            "zero. Where one month dwarfs the others the axis is cut and the chart says so.",
            monthly_chart(doc),
        ),
        (
            "hybrid",
            "hybrid",
            "Hybrid split",
            "Share of the workload each part of a hybrid plan carries.",
            hybrid_chart((content.get("hybrid") or {}).get("data"), doc),
        ),
        (
            "hybrid-curve",
            "hybrid",
            "Hybrid: cost against the size of the owned base",
            "Total cost over the horizon for each number of base units the result evaluated.",
            hybrid_cost_curve((content.get("hybrid") or {}).get("data"), doc),
        ),
        (
            "mc",
            "risk",
            "Monte Carlo cost ranges",
            "Bars span the lowest to the highest percentile the result gives; ticks mark the median.",
            mc_chart(doc),
        ),
        (
            "pcheapest",
            "risk",
            "Probability of being the cheapest",
            "Share of Monte Carlo draws in which each option costs least.",
            p_cheapest_chart(doc) if risk else None,
        ),
        (
            "tornado",
            "sensitivity",
            "Tornado: which inputs swing the cost",
            "Each bar spans the result with one input at its low and its high value (P10 and P90 where the "
            "result gives them), the others at their median; bars start at the median case.",
            tornado_chart((sens.get("tornado") or {}).get("data"), doc),
        ),
        (
            "criteria",
            "criteria",
            "Scores beyond cost",
            "0 (worst) to 10 (best) on each criterion, with its weight; the reasons are in the table below.",
            criteria_chart(content),
        ),
    ]
    return [
        Chart(cid, sec, title, cap, fig.to_json()) for cid, sec, title, cap, fig in specs if fig is not None
    ]
