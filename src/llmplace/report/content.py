"""What the report says, as typed data: one builder shared by the HTML, Markdown, JSON and workbook writers.

:func:`build` reads a :class:`~llmplace.results.CompareResult` and returns a
:class:`~llmplace.report.model.ReportContent`. Every figure is read from the result; nothing is
computed that the result does not already hold, except sums, maxima and date arithmetic for the
staleness warning. Sections whose engine has not produced data (recommendation, hybrid split,
Monte Carlo, tornado, thresholds, criteria) are marked ``computed: False`` with a short note.
The sections live in their own modules: :mod:`.summary`, :mod:`.figures`, :mod:`.uncertainty`,
:mod:`.criteria` and :mod:`.provenance`.
"""

from __future__ import annotations

import datetime as dt

from .. import __version__
from ..results import CompareResult
from . import figures, uncertainty
from .criteria import criteria
from .formatting import fmt_number, fmt_usd, option_labels, option_names, short_label, units_text
from .model import NOT_COMPUTED, ReportContent
from .provenance import STALE_AFTER_DAYS, assumption_rows, catalog_rows, parse_as_of, staleness
from .strategy import strategy_section
from .summary import summary

__all__ = [
    "NOT_COMPUTED",
    "STALE_AFTER_DAYS",
    "assumption_rows",
    "build",
    "catalog_rows",
    "fmt_number",
    "fmt_usd",
    "option_names",
    "parse_as_of",
    "short_label",
    "staleness",
    "units_text",
]


def _conventions(result: CompareResult) -> str:
    conv = result.convention
    fx = conv.exchange_rate
    rate = "" if fx is None else (
        f" ({fx.units_per_usd:.6g} {fx.currency} per USD, reference rate of {fx.as_of}: {fx.note.rstrip('.')}"
        + "".join(f"; {c}" for c in fx.converted_inputs) + ")")
    return (f"{result.horizon_months} months, {conv.view} view, {fmt_number(conv.hours_per_month)} hours a month, "
            f"{conv.currency}{rate}; {conv.month_convention}; terminal value: {conv.terminal_value}; "
            f"cash view: {conv.cash_view or '-'}")


def build(result: CompareResult, today: dt.date | None = None, source: str | None = None) -> ReportContent:
    """Every section of the report. ``today`` dates the staleness check; ``source`` names the scenario file.
    Money is written in the result's currency."""
    with result.convention.money():
        return _build(result, today, source)


def _build(result: CompareResult, today: dt.date | None, source: str | None) -> ReportContent:
    today = today or dt.date.today()
    labels = option_labels(result)
    be = figures.break_even(result, labels, result.convention.view)
    return ReportContent(
        title=result.scenario or "scenario",
        generated_on=today.isoformat(),
        generator=f"llmplace {__version__}",
        scenario_file=source,
        conventions=_conventions(result),
        summary=summary(result, labels, be, today),
        options=figures.option_rows(result),
        break_even=be,
        break_even_amortised=figures.break_even(result, labels, "amortised"),
        cumulative=figures.cumulative(result),
        yearly=figures.yearly(result),
        tco_by_category=figures.tco_by_category(result),
        hybrid=uncertainty.hybrid(result),
        strategy=strategy_section(result),
        risk=uncertainty.risk(result, labels),
        sensitivity=uncertainty.sensitivity(result, labels),
        criteria=criteria(result),
        sizing=figures.sizing(result),
        demand=figures.demand(result),
        assumptions=assumption_rows(result),
        catalog_rows=catalog_rows(result),
        criteria_sources=list(result.criteria_sources),
        staleness=staleness(result, today),
    )
