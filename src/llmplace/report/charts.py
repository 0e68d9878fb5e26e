"""Plotly figures of the report, built from the comparison result and the report content.

Each builder returns a figure or None when the data it needs is absent; nothing is invented to
fill a chart. Figures travel as JSON (``fig.to_json()``) and are drawn in the page by the one
embedded copy of plotly.js. The builders live in :mod:`.cost_charts` and :mod:`.risk_charts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go

from ..results import CompareResult
from .cost_charts import cumulative_chart, monthly_chart, tco_chart
from .model import ReportContent
from .risk_charts import (
    criteria_chart,
    hybrid_chart,
    hybrid_cost_curve,
    hybrid_shares,
    mc_chart,
    mc_ranges,
    p_cheapest,
    p_cheapest_chart,
    tornado_chart,
    tornado_rows,
)
from .strategy import strategy_chart

__all__ = ["CHARTS", "Chart", "build_charts", "hybrid_shares", "mc_ranges", "p_cheapest", "tornado_rows"]


@dataclass
class Chart:
    """One chart of the report: where it goes, what it shows, and the figure as JSON."""

    id: str
    section: str
    title: str
    caption: str
    figure_json: str


Builder = Callable[[CompareResult, ReportContent], go.Figure | None]

# (id, section, title, caption, builder) of every chart, in report order
CHARTS: list[tuple[str, str, str, str, Builder]] = [
    ("tco", "summary", "Total cost over the horizon, by category",
     "Cash view: money paid over the horizon by category (credits, where the conventions grant any, below "
     "zero). The black tick is the total.", tco_chart),
    ("cumulative", "cost", "Cumulative cost over time",
     "Cash view, from t = 0 (upfront) to the end of the horizon. Diamonds mark break-even months.",
     cumulative_chart),
    ("monthly", "monthly", "Monthly cost by category",
     "Cash view: upfront capex sits in month 1; credits (hardware sold, or a book-value credit) show below "
     "zero. Where one month dwarfs the others the axis is cut and the chart says so.",
     lambda result, content: monthly_chart(result)),
    ("hybrid", "hybrid", "Hybrid split", "Share of the workload each part of a hybrid plan carries.", hybrid_chart),
    ("hybrid-curve", "hybrid", "Hybrid: cost against the size of the owned base",
     "Total cost over the horizon for each number of base units the result evaluated.", hybrid_cost_curve),
    ("strategy", "strategy", "Strategy over time: monthly cost by phase",
     "Cash view: bars are the strategy's months, coloured by the option serving (the migration sits in the "
     "switch month, the cut-over month carries both phases); the dotted line is the cheapest single option "
     "alone; the dashed line marks the switch.", strategy_chart),
    ("mc", "risk", "Monte Carlo cost ranges",
     "Bars span the lowest to the highest percentile the result gives; ticks mark the median.", mc_chart),
    ("pcheapest", "risk", "Probability of being the cheapest",
     "Share of Monte Carlo draws in which each option costs least.", p_cheapest_chart),
    ("tornado", "sensitivity", "Tornado: which inputs swing the cost",
     "Each bar spans the result with one input at its low and its high value (P10 and P90 where the "
     "result gives them), the others at their median; bars start at the median case.", tornado_chart),
    ("criteria", "criteria", "Scores beyond cost",
     "0 (worst) to 10 (best) on each criterion, with its weight; the reasons are in the table below.",
     criteria_chart),
]


def build_charts(result: CompareResult, content: ReportContent) -> list[Chart]:
    """The charts this result supports, in report order."""
    charts = []
    for cid, section, title, caption, builder in CHARTS:
        fig = builder(result, content)
        if fig is not None:
            charts.append(Chart(cid, section, title, caption, fig.to_json()))
    return charts
