"""`llmplace compare` as text: the one-page summary, the options table, Monte Carlo, break-even, the
recommendation."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ..conventions import FULL_SERVICE_SHARE, format_usd, money_prefix, units_text
from . import out

__all__ = ["print_comparison"]


def _capacity_text(o: Any, same_as: str | None = None) -> str:
    """The capacity column of one feasible option: throughput and its source, the hybrid's base, short service,
    or the option it is the same deployment as."""
    if same_as is not None:
        return f"same deployment as {same_as}"
    if o.kind == "api":
        src = "per token"
    else:
        cap = o.capacity
        measured = cap is not None and cap.source.startswith("measured")
        rate = cap.output_tokens_per_s_per_replica if cap is not None else 0.0
        src = f"{rate:,.0f} tok/s/replica ({'measured' if measured else 'sizing estimate'})"
    if o.hybrid:
        base = units_text(o.hybrid.base_units, o.hybrid.base_unit_kind)
        src = f"base: {base}, serves {o.hybrid.share_served_by_base:.0%}"
    if o.served_share is not None and o.served_share < FULL_SERVICE_SHARE:
        src += f"; serves only {o.served_share:.1%}"
    return src


def print_comparison(result: Any) -> None:
    """The comparison table, then option labels, Monte Carlo, break-even, the cheapest and the recommendation,
    money in the result's currency."""
    with result.convention.money():
        _print_comparison(result)


def _print_comparison(result: Any) -> None:
    from ..report.board import board_lines
    from ..report.summary import summary_of
    from ..report.views import view_note

    for line in board_lines(summary_of(result)):  # the one-page summary first, then the figures
        out.print(line, markup=False, highlight=False)
    conv = result.convention
    if (note := view_note(result)) is not None:
        out.print(note, markup=False, highlight=False)
    t = Table(title=f"{result.scenario}: {result.horizon_months} months, {conv.view} view, "
              f"{conv.hours_per_month:g} h/month, {conv.currency}")
    for col in ("option", "kind", "units", "upfront", "TCO", "NPV", f"{money_prefix().strip()}/Mtok", "capacity"):
        t.add_column(col, justify="left" if col in ("option", "kind", "capacity") else "right",
                     no_wrap=col != "capacity")
    rec = getattr(result, "recommendation", None)
    twins: dict[str, str] = rec.same_as if rec is not None else {}
    for o in sorted(result.options, key=lambda o: (not o.feasible, o.tco_usd)):
        if not o.feasible:
            t.add_row(o.id, o.kind, "-", "-", "-", "-", "-", f"infeasible: {o.infeasible_reason}")
            continue
        units = units_text(o.peak_units, o.unit_kind)
        mark = " *" if o.id == result.cheapest else ""
        t.add_row(o.id + mark, o.kind, units, format_usd(o.upfront_usd), format_usd(o.tco_usd), format_usd(o.npv_usd),
                  format_usd(o.usd_per_mtok), _capacity_text(o, twins.get(o.id)))
    _plan_rows(t, result)
    out.print(t)
    for o in result.options:
        if o.deprecated:
            out.print(f"Warning: {o.id} uses a deprecated offer: {o.deprecated}", markup=False, highlight=False)
    _print_labels(result)
    if result.risk:
        _print_risk(result)
    labels_all = {o.id: o.label for o in result.options}
    _print_break_evens(result)
    if result.cheapest:
        out.print(f"Cheapest over the horizon: {result.cheapest} ({labels_all[result.cheapest]}) (*)",
                  markup=False, highlight=False)
    for title, p in _plans(result):
        out.print(f"{title}: {p.plain_words}", markup=False, highlight=False)
    from ..criteria.recommend import as_lines

    for line in as_lines(result):  # the recommendation: winner, reasons, risks, what would change it, plan
        out.print(line, markup=False, highlight=False)


def _print_break_evens(result: Any) -> None:
    """The break-even months in the view shown."""
    view = result.convention.view
    be = [b for b in result.break_even if b.view == view and b.month is not None]
    if be:
        out.print(f"Break-even ({view} view):")
        for b in be:
            out.print(f"  {b.a} vs {b.b}: month {b.month:.1f}, cheaper after: {b.cheaper_after or '-'}",
                      markup=False, highlight=False)


def _print_labels(result: Any) -> None:
    """Each option's label, then the exchange rate the amounts went through, if any."""
    for o in result.options:
        out.print(f"  {o.id}: {o.label}", markup=False, highlight=False)
    fx = result.convention.exchange_rate
    if fx is not None:
        out.print(f"Money in {fx.currency} ({fx.units_per_usd:.6g} {fx.currency} per USD): {fx.note}", markup=False,
                  highlight=False)
        for line in fx.converted_inputs:
            out.print(f"  converted: {line}", markup=False, highlight=False)


def _plans(result: Any) -> list[tuple[str, Any]]:
    """The scenario's phased plans, then the cheapest strategy found, each with its title."""
    plans = [(f"Phased plan {p.id}", p) for p in result.phased]
    return plans + ([("Strategy over time", result.strategy)] if result.strategy is not None else [])


def _plan_rows(t: Table, result: Any) -> None:
    """A table row for each phased plan and the cheapest strategy, beside the single options."""
    for _title, p in _plans(result):
        name = p.id if p.id else f"{p.first} -> {p.second}"
        kind = "phased" if p.id else ("strategy (recommended)" if p.recommended else "strategy")
        if result.convention.view != "cash":
            kind += " (cash)"  # plans are costed in the cash view only
        t.add_row(name, kind, f"{p.servers_first_order} server(s)", format_usd(p.upfront_usd), format_usd(p.tco_usd),
                  format_usd(p.npv_usd), format_usd(p.usd_per_mtok),
                  f"{p.first} until month {p.switch_month - 1}, then {p.second}")


def _print_risk(result: Any) -> None:
    risk = result.risk
    t = Table(title=f"Monte Carlo: {risk.samples:,} samples, seed {risk.seed}")
    for col in ("option", "TCO P10", "TCO P50", "TCO P90", "P(cheapest)", "monthly spread"):
        t.add_column(col, justify="left" if col == "option" else "right", no_wrap=True)
    for o in sorted(result.options, key=lambda o: o.tco_usd):
        if not o.risk:
            continue
        r = o.risk
        p = r.probability_cheapest
        t.add_row(o.id, format_usd(r.tco_usd.p10), format_usd(r.tco_usd.p50), format_usd(r.tco_usd.p90),
                  "-" if p is None else f"{p:.0%}", f"{r.monthly_cost_spread_pct:.0f} %")
    out.print(t)
    if result.tornado:
        top = result.tornado[:5]
        out.print(f"What moves the gap between {top[0].between[0]} and {top[0].between[1]} most "
                  "(P10 -> P90 of each input):", markup=False, highlight=False)
        for row in top:
            gaps = f"{format_usd(row.gap_at_low_usd)} -> {format_usd(row.gap_at_high_usd)}"
            out.print(f"  {row.label}: gap {gaps}",
                      markup=False, highlight=False)
    if result.thresholds:
        out.print("Switching thresholds:", markup=False, highlight=False)
        for th in result.thresholds:
            out.print(f"  {th.statement}", markup=False, highlight=False)
