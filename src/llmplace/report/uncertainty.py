"""The report's optional sections on the split and the uncertainty: hybrid plans, Monte Carlo, tornado, thresholds.

Each reads the typed result of its engine and says "not computed" when that engine did not run.
"""

from __future__ import annotations

import json

from ..conventions import order_with_ties
from ..results import (
    CompareResult,
    DistributionSummary,
    HybridPlan,
    OptionRisk,
    RiskSummary,
    Threshold,
    TornadoRow,
)
from .formatting import fmt_number, fmt_usd
from .model import Section, Sensitivity
from .tables import Cell, Table, section_table

__all__ = ["hybrid", "risk", "sensitivity"]

HYBRID = "Hybrid split"
MONTE_CARLO = "Monte Carlo ranges and probability of being cheapest"
TORNADO = "Tornado (which inputs swing the cost)"
THRESHOLDS = "Switching thresholds"


# ---------------------------------------------------------------- hybrid


def _plan_tables(option_id: str, h: HybridPlan) -> list[Table]:
    title = f"{HYBRID}: {option_id}"
    facts: list[list[Cell]] = [
        ["base", h.base], ["overflow", h.overflow], ["base_units", h.base_units],
        ["base_unit_kind", h.base_unit_kind], ["objective", h.objective],
        ["share_served_by_base", h.share_served_by_base], ["share_served_by_overflow", h.share_served_by_overflow],
    ]
    curve: list[list[Cell]] = [[p.base_units, p.cost_usd, p.share_served_by_base] for p in h.cost_curve]
    return [section_table(title, ["name", "value"], facts),
            section_table(f"{title}: cost_curve", ["base_units", "cost_usd", "share_served_by_base"], curve)]


def hybrid(result: CompareResult) -> Section[dict[str, HybridPlan]]:
    """Each hybrid option's plan: base and overflow, the shares they serve, the cost against the base's size."""
    plans = {o.id: o.hybrid for o in result.options if o.hybrid is not None}
    if not plans:
        return Section[dict[str, HybridPlan]].absent(HYBRID)
    tables = [t for oid, h in plans.items() for t in _plan_tables(oid, h)]
    return Section[dict[str, HybridPlan]](computed=True, what=HYBRID, data=plans, tables=tables)


# ---------------------------------------------------------------- Monte Carlo


def _distribution(d: DistributionSummary) -> str:
    """A distribution in a few words: 'lognormal, p10 0.7, p90 1.3'."""
    given: list[tuple[str, float | None]] = [("low", d.low), ("mode", d.mode), ("high", d.high), ("p10", d.p10),
                                             ("p90", d.p90)]
    parts = [f"{k} {fmt_number(v)}" for k, v in given if v is not None]
    if d.values is not None:
        parts.append(f"values {json.dumps(d.values)}")
    return ", ".join([d.dist, *parts]) if d.dist else ", ".join(parts)


def _inputs_table(r: RiskSummary) -> Table:
    rows: list[list[Cell]] = [[i.label or i.name, _distribution(i.distribution), i.unit, i.source] for i in r.inputs]
    return section_table("Uncertain inputs", ["input", "distribution", "unit", "source"], rows)


def _tco_table(per: dict[str, OptionRisk], labels: dict[str, str], excluded: set[str]) -> Table:
    rows: list[list[Cell]] = []
    # ranked options first, then the excluded ones; each by median TCO, near-ties in option order
    groups = [[kv for kv in per.items() if (kv[0] in excluded) is group] for group in (False, True)]
    for oid, r in [part[k] for part in groups for k in order_with_ties([kv[1].tco_usd.p50 for kv in part])]:
        t = r.tco_usd
        p = r.probability_cheapest
        rows.append([labels.get(oid, oid) + (" (excluded: not ranked)" if oid in excluded else ""),
                     fmt_usd(t.p10), fmt_usd(t.p50), fmt_usd(t.p90), fmt_usd(t.mean),
                     f"{p:.0%}" if p is not None else "-", fmt_number(r.tco_spread_pct)])
    columns = ["option", "TCO p10", "TCO p50", "TCO p90", "mean", "probability cheapest", "spread [%]"]
    return section_table("Total cost over the horizon by option (cash view)", columns, rows)


def _break_even_table(per: dict[str, OptionRisk], labels: dict[str, str]) -> Table | None:
    rows: list[list[Cell]] = []
    for oid, r in per.items():
        for other, b in r.break_even_months.items():
            if b.probability_within_horizon > 0 and oid < other:
                rows.append([f"{labels.get(oid, oid)} vs {labels.get(other, other)}",
                             f"{b.probability_within_horizon:.0%}", fmt_number(b.p10), fmt_number(b.p50),
                             fmt_number(b.p90)])
    columns = ["pair", "crosses within the horizon", "p10 [month]", "p50 [month]", "p90 [month]"]
    return section_table("Break-even month ranges", columns, rows) if rows else None


def risk(result: CompareResult, labels: dict[str, str]) -> Section[RiskSummary]:
    """The Monte Carlo run, its inputs, each option's cost range and the break-even month ranges."""
    r = result.risk
    if r is None:
        return Section[RiskSummary].absent(MONTE_CARLO)
    tables = [section_table("Monte Carlo", ["name", "value"],
                            [["samples", r.samples], ["seed", r.seed], ["method", r.method]])]
    if r.inputs:
        tables.append(_inputs_table(r))
    per = {o.id: o.risk for o in result.options if o.risk is not None}
    if per:
        tables.append(_tco_table(per, labels, {o.id for o in result.options if not o.feasible}))
        be = _break_even_table(per, labels)
        tables += [be] if be is not None else []
    return Section[RiskSummary](computed=True, what=MONTE_CARLO, data=r, tables=tables)


# ---------------------------------------------------------------- tornado and thresholds


def _tornado(rows: list[TornadoRow] | None, labels: dict[str, str]) -> Section[list[TornadoRow]]:
    if not rows:
        return Section[list[TornadoRow]].absent(TORNADO)
    # gaps are TCO(runner-up) - TCO(cheapest): name them in that order
    who = " - ".join(labels.get(p, p) for p in reversed(rows[0].between))
    cells: list[list[Cell]] = [
        [r.label or r.input, fmt_number(r.low_value), fmt_number(r.high_value), r.unit, fmt_usd(r.gap_at_low_usd),
         fmt_usd(r.gap_at_high_usd), fmt_usd(r.swing_usd)] for r in rows]
    table = section_table("Tornado: cost gap" + (f" ({who})" if who else ""),
                          ["input", "low value", "high value", "unit", "gap at low", "gap at high", "swing"], cells)
    return Section[list[TornadoRow]](computed=True, what=TORNADO, data=rows, tables=[table])


def _thresholds(rows: list[Threshold] | None) -> Section[list[Threshold]]:
    if not rows:
        return Section[list[Threshold]].absent(THRESHOLDS)
    cells: list[list[Cell]] = [[r.label or r.input, "yes" if r.flips else "no", r.statement] for r in rows]
    table = section_table("Thresholds", ["input", "flips the answer", "what the analysis found"], cells)
    return Section[list[Threshold]](computed=True, what=THRESHOLDS, data=rows, tables=[table])


def sensitivity(result: CompareResult, labels: dict[str, str]) -> Sensitivity:
    """The tornado (which inputs swing the gap between the two cheapest options) and the switching thresholds."""
    return Sensitivity(tornado=_tornado(result.tornado, labels), thresholds=_thresholds(result.thresholds))
