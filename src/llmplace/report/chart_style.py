"""The look the report's charts share: colours per option and cost category, the page font, the layout."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ..conventions import money_prefix
from ..results import CompareResult

__all__ = ["CATEGORY_COLOURS", "OPTION_COLOURS", "category_colour", "layout", "money_prefix", "money_spec",
           "option_colours", "wrap"]

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
    "residual_credit": "#a9d18e",
    "resale_proceeds": "#a9d18e",
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
    "network_storage": "#2f5597",
    "software_licences": "#b4c7e7",
    "gpu_replacements": "#7f6000",
    "support_plan": "#8faadc",
    "standby_drills": "#c55a11",
    "standby_image": "#f8cbad",
    "standby_staff": "#b4a7d6",
    "tax_shield": "#548235",
}
_SPARE = ["#264478", "#9e480e", "#636363", "#997300", "#43682b", "#698ed0", "#f1975a"]
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def money_spec(expr: str) -> str:
    """A plotly hover amount in the current currency: '%{y:$,.0f}' in USD, '€%{y:,.0f}' in EUR."""
    prefix = money_prefix()
    return f"%{{{expr}:$,.0f}}" if prefix == "$" else f"{prefix}%{{{expr}:,.0f}}"


def layout(fig: go.Figure, height: int, **kw: Any) -> go.Figure:
    """The report's template, font, margins and a legend above the plot."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        font={"family": _FONT, "size": 12},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        **kw,
    )
    return fig


def category_colour(cat: str, seen: dict[str, str]) -> str:
    """A cost category's own colour, else the next spare one (remembered in ``seen``)."""
    if cat in CATEGORY_COLOURS:
        return CATEGORY_COLOURS[cat]
    if cat not in seen:
        seen[cat] = _SPARE[len(seen) % len(_SPARE)]
    return seen[cat]


def option_colours(result: CompareResult) -> dict[str, str]:
    """One colour per option, in result order, the same in every chart."""
    return {o.id: OPTION_COLOURS[i % len(OPTION_COLOURS)] for i, o in enumerate(result.options)}


def wrap(text: str, width: int = 14, lines: int = 3) -> str:
    """Break a label into short lines (plotly's <br>) so many columns fit side by side; a word longer than
    ``width`` is cut (with an ellipsis), so no line is wider than ``width`` characters."""
    out: list[str] = []
    for word in str(text).split():
        if len(word) > width:
            word = word[: width - 1] + "\u2026"
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "\u2026"
    return "<br>".join(out)
