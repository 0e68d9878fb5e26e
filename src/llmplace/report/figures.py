"""The report's cost, sizing and demand figures, read from the comparison result.

Nothing is computed that the result does not already hold, except sums (per year), maxima (the
peak month) and products (GPUs and throughput of the peak fleet).
"""

from __future__ import annotations

from ..results import CompareResult, OptionResult
from .model import (
    CategoryRow,
    Cumulative,
    DemandFigures,
    OptionRow,
    Series,
    SizingRow,
    TcoByCategory,
    Yearly,
)
from .summary import break_even  # with the summary, which the command line prints without these models

__all__ = ["break_even", "cumulative", "demand", "option_rows", "sizing", "tco_by_category", "yearly"]


def _cheapest_first(options: list[OptionResult]) -> list[OptionResult]:
    return sorted((o for o in options if o.feasible), key=lambda o: o.tco_usd)


def option_rows(result: CompareResult) -> list[OptionRow]:
    """Every option, feasible ones first, each group cheapest first; a twin says which option it is the same as."""
    rows = []
    twins = result.recommendation.same_as if result.recommendation is not None else {}
    for o in sorted(result.options, key=lambda o: (not o.feasible, o.tco_usd)):
        rows.append(OptionRow(
            id=o.id, label=o.label, kind=o.kind, feasible=o.feasible, infeasible_reason=o.infeasible_reason,
            peak_units=o.peak_units, unit_kind=o.unit_kind, upfront_usd=o.upfront_usd, tco_usd=o.tco_usd,
            npv_usd=o.npv_usd, usd_per_mtok=o.usd_per_mtok,
            amortised_tco_usd=o.amortised.tco_usd if o.amortised is not None else None,
            capacity_from=f"same deployment as {twins[o.id]}" if o.id in twins else
            "per token" if o.kind == "api" else (o.capacity.source if o.capacity else None),
            cheapest=o.id == result.cheapest,
            recommended=result.recommendation is not None and result.recommendation.kind == "option"
            and o.id == result.recommendation.option,
            deprecated=o.deprecated,
        ))
    return rows


def tco_by_category(result: CompareResult) -> TcoByCategory:
    """Each feasible option's total by cost category, cheapest first, with every category any option has."""
    cats: list[str] = []
    rows = []
    for o in _cheapest_first(result.options):
        cats += [c for c in o.by_category_usd if c not in cats]
        rows.append(CategoryRow(id=o.id, label=o.label, by_category_usd=o.by_category_usd, tco_usd=o.tco_usd))
    return TcoByCategory(categories=cats, rows=rows)


def cumulative(result: CompareResult, step: int = 6) -> Cumulative:
    """Cumulative cash-view cost at t = 0 (upfront), every ``step`` months and the horizon's end."""
    h = result.horizon_months
    months = sorted({0, *range(step, h + 1, step), h})
    rows = []
    for o in result.options:
        if not o.feasible or len(o.cumulative_usd) < h:
            continue
        usd = [float(o.upfront_usd) if m == 0 else o.cumulative_usd[m - 1] for m in months]
        rows.append(Series(id=o.id, label=o.label, usd=usd))
    return Cumulative(months=months, rows=rows)


def yearly(result: CompareResult) -> Yearly:
    """Cash-view cost of each 12-month year of the horizon (the last year may be shorter)."""
    h = result.horizon_months
    years = [(y * 12 + 1, min(h, y * 12 + 12)) for y in range((h + 11) // 12)]
    rows = [Series(id=o.id, label=o.label, usd=[float(sum(o.monthly_usd[a - 1: b])) for a, b in years])
            for o in result.options if o.feasible and len(o.monthly_usd) >= h]
    names = [f"year {i + 1}" if b - a == 11 else f"months {a}-{b}" for i, (a, b) in enumerate(years)]
    return Yearly(years=names, rows=rows)


def _sizing_row(o: OptionResult) -> SizingRow:
    cap = o.capacity
    sz = cap.sizing if cap is not None else None
    peak = max(o.units) if o.units else None
    gpr = cap.gpus_per_replica if cap else None
    rpu = cap.replicas_per_unit if cap else None
    tps = cap.output_tokens_per_s_per_replica if cap else None
    return SizingRow(
        id=o.id, label=o.label, kind=o.kind, feasible=o.feasible, infeasible_reason=o.infeasible_reason,
        gpu=cap.gpu if cap else None, gpus_per_replica=gpr, replicas_per_unit=rpu,
        first_month_units=o.units[0] if o.units else None, peak_units=peak, unit_kind=o.unit_kind,
        peak_gpus_in_use=peak * gpr * rpu if peak is not None and gpr and rpu else None,
        output_tokens_per_s_per_replica=tps,
        peak_fleet_output_tokens_per_s=peak * rpu * tps if peak is not None and rpu and tps else None,
        peak_utilisation=max(o.utilisation) if o.utilisation else None,
        precision=sz.precision if sz else None, engine=sz.engine if sz else None,
        concurrency=sz.concurrency if sz else None, ttft_ms=sz.ttft_ms if sz else None,
        tpot_ms=sz.tpot_ms if sz else None, e2e_latency_s=sz.e2e_latency_s if sz else None,
        weights_gib=sz.weights_gib if sz else None, capacity_source=cap.source if cap else None,
    )


def sizing(result: CompareResult) -> list[SizingRow]:
    """What each in-house and cloud option runs on, in result order (API options have nothing to size)."""
    return [_sizing_row(o) for o in result.options if o.kind != "api"]


def demand(result: CompareResult) -> DemandFigures:
    """Tokens and peak output rate in the first and the last month, and the total over the horizon."""
    d = result.demand
    tok, peak = d.tokens_per_month, d.peak_output_tokens_per_s
    return DemandFigures(
        first_month_tokens=tok[0] if tok else None, last_month_tokens=tok[-1] if tok else None,
        total_tokens=float(sum(tok)) if tok else None,
        first_month_peak_output_tokens_per_s=peak[0] if peak else None,
        last_month_peak_output_tokens_per_s=peak[-1] if peak else None,
        output_share=d.output_share, active_hours_per_month=d.active_hours_per_month,
    )
