"""The orchestrator: one call from a scenario to a comparison of every option.

``compare(scenario)`` runs catalog lookups, sizing, demand, costs and finance in that order and
returns a :class:`CompareResult`, plain data that serialises to the documented JSON document.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, PrivateAttr

from .costs import as_float_list, flows_for, load_from_demand, site_values
from .criteria.model import OptionCriteria, Recommendation, Weights
from .demand import demand_from_scenario
from .errors import InputError
from .finance import break_even_month, cumulative_with_origin
from .hybrid import hybrid_flows
from .options import Deployment, resolve_options
from .scenario import InHouseOption, Scenario, load_scenario, parse_scenario

__all__ = ["BreakEven", "CompareResult", "OptionResult", "compare"]


class ViewResult(BaseModel):
    """Totals and monthly series of one view (cash or amortised)."""

    tco_usd: float
    usd_per_mtok: float | None
    monthly_usd: list[float]
    cumulative_usd: list[float]
    by_category_usd: dict[str, float]


class OptionResult(BaseModel):
    id: str
    kind: str
    label: str
    feasible: bool
    infeasible_reason: str | None = None
    upfront_usd: float = 0.0
    tco_usd: float = 0.0
    npv_usd: float = 0.0
    usd_per_mtok: float | None = None
    monthly_usd: list[float] = Field(default_factory=list)
    cumulative_usd: list[float] = Field(default_factory=list)
    by_category_usd: dict[str, float] = Field(default_factory=dict)
    monthly_by_category_usd: dict[str, list[float]] = Field(default_factory=dict)
    amortised: ViewResult | None = None
    units: list[int] = Field(default_factory=list, description="servers or instances in service each month")
    unit_kind: str | None = None
    purchases: list[int] | None = None
    utilisation: list[float] | None = None
    served_tokens: list[float] = Field(default_factory=list)
    unserved_tokens: list[float] = Field(default_factory=list)
    overflow_tokens: list[float] | None = None
    served_share: float | None = None
    capex_usd: float = 0.0
    opex_usd: float = 0.0
    hybrid: dict[str, Any] | None = None
    risk: dict[str, Any] | None = None
    capacity: dict[str, Any] | None = None
    notes: list[str] = Field(default_factory=list)
    assumptions: list[dict[str, Any]] = Field(default_factory=list)
    catalog_rows: list[dict[str, str]] = Field(default_factory=list)
    criteria: OptionCriteria | None = Field(
        default=None, description="constraints, availability, latency and the 0-10 scores beyond cost")


class BreakEven(BaseModel):
    a: str
    b: str
    month: float | None = Field(description="months from the start at which the cumulative costs cross")
    view: str
    cheaper_after: str | None = None


class CompareResult(BaseModel):
    scenario: str
    convention: dict[str, Any]
    horizon_months: int
    demand: dict[str, Any]
    options: list[OptionResult]
    break_even: list[BreakEven]
    cheapest: str | None
    cheapest_basis: str = "lowest tco_usd (cash view) among feasible options that serve at least 99.9 % of demand"
    assumptions: list[dict[str, Any]]
    risk: dict[str, Any] | None = Field(None, description="Monte Carlo summary: samples, seed, inputs")
    tornado: list[dict[str, Any]] | None = None
    thresholds: list[dict[str, Any]] | None = None
    recommendation: Recommendation | None = None
    weights: Weights | None = Field(default=None, description="criteria weights: profile, points and shares")
    criteria_sources: list[dict[str, str]] = Field(default_factory=list, description="data rows the criteria "
                                                   "scores rest on")
    _samples: dict[str, Any] | None = PrivateAttr(default=None)

    @property
    def samples(self) -> dict[str, Any] | None:
        """The Monte Carlo sample arrays (inputs, TCO and NPV per option, break-even months per pair)."""
        return self._samples

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON document (plain floats, no numpy scalars)."""
        return self.model_dump(mode="json")

    def option(self, option_id: str) -> OptionResult:
        for o in self.options:
            if o.id == option_id:
                return o
        raise InputError("option", option_id, ", ".join(o.id for o in self.options))


FULL_SERVICE = 0.999


def _round(x: Any) -> float:
    return float(round(float(x), 6))


def _view(monthly: np.ndarray, upfront: float, cats: dict[str, np.ndarray], tokens: float) -> ViewResult:
    cum = np.cumsum(monthly)
    tco = float(cum[-1]) if len(cum) else 0.0
    return ViewResult(
        tco_usd=_round(tco),
        usd_per_mtok=_round(tco / tokens * 1e6) if tokens > 0 else None,
        monthly_usd=as_float_list(monthly),
        cumulative_usd=as_float_list(cum),
        by_category_usd={k: _round(float(np.sum(v))) for k, v in cats.items()},
    )


def _option_result(d: Deployment, s: Scenario, dem: Any, sv: Any) -> tuple[OptionResult, dict[str, np.ndarray]]:
    base = OptionResult(id=d.id, kind=d.kind, label=d.label, feasible=False,
                        infeasible_reason=d.infeasible_reason, catalog_rows=d.catalog_rows)
    if d.infeasible_reason is not None:
        base.assumptions = [a.to_dict() for a in d.assumptions]
        return base, {}
    load = load_from_demand(dem, s.workload.cached_input_share)
    plan = None
    if d.kind == "hybrid":
        f, plan = hybrid_flows(d, s, load, sv)
    else:
        f = flows_for(d, s, load, sv)
    cash = f.monthly("cash")
    amort = f.monthly("amortised")
    served_total = float(np.sum(f.served_tokens))
    demand_total = float(np.sum(dem.total_tokens))
    cview = _view(cash, f.upfront_usd, f.cash, served_total)
    aview = _view(amort, 0.0, f.amortised, served_total)
    running = cash.copy()
    running[0] -= f.upfront_usd
    rate = sv["discount_rate_pct_per_year"]
    notes = list(f.notes)
    feasible = True
    reason = None
    if isinstance(d.option, InHouseOption) and d.option.servers is not None and np.any(f.unserved_tokens > 0):
        feasible = False  # a fixed fleet that can never catch up is not an answer
        reason = (f"cannot serve the workload: {float(np.sum(f.unserved_tokens)) / 1e6:,.1f} M tokens unserved "
                  f"over the horizon ({notes[0] if notes else 'fleet too small'})")
    capex, opex = (float(x) for x in f.capex_opex())
    f.upfront_usd = float(f.upfront_usd)
    cap = None
    if d.capacity is not None:
        cap = {"output_tokens_per_s_per_replica": _round(d.capacity.output_tokens_per_s),
               "gpus_per_replica": d.capacity.gpus_per_replica,
               "replicas_per_unit": d.capacity.replicas_per_unit,
               "gpu": d.gpu.id if d.gpu else None,
               "source": d.capacity.source,
               "sizing": d.capacity.sizing}
    assumptions = [a.to_dict() for a in d.assumptions]
    if d.parts is not None:
        for part in d.parts:
            assumptions += [{**a.to_dict(), "name": f"{part.id}: {a.name}"} for a in part.assumptions]
    res = OptionResult(
        id=d.id, kind=d.kind, label=d.label, feasible=feasible, infeasible_reason=reason,
        upfront_usd=_round(f.upfront_usd), tco_usd=cview.tco_usd,
        npv_usd=_round(f.npv(rate)), usd_per_mtok=cview.usd_per_mtok,
        monthly_usd=cview.monthly_usd, cumulative_usd=cview.cumulative_usd, by_category_usd=cview.by_category_usd,
        monthly_by_category_usd={k: as_float_list(v) for k, v in f.cash.items()},
        amortised=aview,
        units=[int(u) for u in f.units],
        unit_kind={"in_house": "servers", "cloud": "instances", "api": None,
                   "hybrid": plan.base_unit_kind if plan else None}[d.kind],
        purchases=[int(p) for p in f.purchases] if f.purchases is not None else None,
        utilisation=as_float_list(f.utilisation) if f.utilisation is not None else None,
        served_tokens=as_float_list(f.served_tokens),
        unserved_tokens=as_float_list(f.unserved_tokens),
        overflow_tokens=as_float_list(f.overflow_served_tokens) if f.overflow_served_tokens is not None else None,
        served_share=_round(served_total / demand_total) if demand_total > 0 else 1.0,
        capex_usd=_round(capex), opex_usd=_round(opex),
        hybrid=plan.to_dict() if plan else None,
        capacity=cap, notes=notes,
        assumptions=assumptions, catalog_rows=d.catalog_rows,
    )
    curves = {
        "cash": cumulative_with_origin(f.upfront_usd, running),
        "amortised": cumulative_with_origin(0.0, amort),
    }
    return res, curves


def compare(scenario: Scenario | dict[str, Any] | str | Path, samples: int | None = None, seed: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> CompareResult:
    """Compare every option of a scenario (a :class:`Scenario`, a parsed document or a file path).

    With ``samples`` (or when the scenario holds distributions), Monte Carlo ranges, the probability
    of being cheapest, a tornado and switching thresholds are added; ``seed`` makes them repeatable.
    """
    if isinstance(scenario, (str, Path)):
        s = load_scenario(scenario)
    elif isinstance(scenario, dict):
        s = parse_scenario(scenario)
    else:
        s = scenario
    fin = s.finance
    if s.workload.active_hours_per_month is not None and s.workload.active_hours_per_month > fin.hours_per_month:
        raise InputError("workload.active_hours_per_month", s.workload.active_hours_per_month,
                         f"at most finance.hours_per_month ({fin.hours_per_month:g})")
    sv = site_values(s)
    dem = demand_from_scenario(s)
    deployments = resolve_options(s)
    results: list[OptionResult] = []
    curves: dict[str, dict[str, np.ndarray]] = {}
    for d in deployments:
        r, c = _option_result(d, s, dem, sv)
        results.append(r)
        if c and r.feasible:
            curves[r.id] = c
    breaks: list[BreakEven] = []
    for view in ("cash", "amortised"):
        for a, b in itertools.combinations([r.id for r in results if r.id in curves], 2):
            ca, cb = curves[a][view], curves[b][view]
            m = break_even_month(ca, cb)
            after = None
            if ca[-1] != cb[-1]:
                after = a if ca[-1] < cb[-1] else b
            breaks.append(BreakEven(a=a, b=b, month=None if m is None else round(m, 4), view=view,
                                    cheaper_after=after))
    feasible = [r for r in results if r.feasible and (r.served_share or 0) >= FULL_SERVICE]
    cheapest = None
    if feasible:  # near-ties (a hybrid with no base equals its overflow) go to the simpler, earlier option
        low = min(r.tco_usd for r in feasible)
        cheapest = next(r.id for r in feasible if r.tco_usd <= low + 1e-9 * max(abs(low), 1.0))
    assumptions = [
        {"name": k, "value": v, "source": sv.sources[k][0], "as_of": sv.sources[k][1]} for k, v in sv.values.items()
    ]
    w = s.workload
    result = CompareResult(
        scenario=s.name,
        convention={"hours_per_month": fin.hours_per_month, "currency": fin.currency, "view": "cash",
                    "other_views": ["amortised"], "terminal_value": fin.terminal_value,
                    "month_convention": "upfront capex at t=0; running costs at the end of each month"},
        horizon_months=fin.horizon_months,
        demand={"tokens_per_month": as_float_list(dem.total_tokens),
                "output_share": _round(w.output_share),
                "active_hours_per_month": dem.active_hours_per_month,
                "load_duration_curve": {"relative_load": as_float_list(dem.rel[0]),
                                        "share_of_hours": as_float_list(dem.frac[0])},
                "peak_output_tokens_per_s": as_float_list(dem.peak_output_tokens_per_s)},
        options=results,
        break_even=breaks,
        cheapest=cheapest,
        assumptions=assumptions,
    )
    n = samples if samples is not None else (s.uncertainty.samples if s.uncertainty.inputs else 0)
    from .criteria import attach, excluded_options  # constraints, scores and the recommendation

    if n:  # options a hard constraint excludes are simulated but never ranked
        _add_risk(result, s, deployments, sv, n, s.uncertainty.seed if seed is None else seed, progress,
                  set(excluded_options(s, result)))

    attach(s, result, full_service=FULL_SERVICE)
    return result


def _add_risk(result: CompareResult, s: Scenario, deployments: list[Deployment], sv: Any, samples: int, seed: int,
              progress: Callable[[int, int], None] | None, excluded: set[str] | None = None) -> None:
    from . import risk

    if samples < 100 or samples > 1_000_000:
        raise InputError("samples", samples, "a whole number from 100 to 1,000,000")
    if seed < 0:
        raise InputError("seed", seed, "a whole number >= 0")
    ok = {r.id for r in result.options if r.feasible}
    deps = [d for d in deployments if d.id in ok]
    hybrid_units = {r.id: r.hybrid["base_units"] for r in result.options if r.hybrid and r.id in ok}
    # in result order, so near-ties resolve as the deterministic `cheapest` does
    candidates = [r.id for r in result.options if r.feasible and (r.served_share or 0) >= FULL_SERVICE
                  and r.id not in (excluded or set())]
    specs = risk.uncertain_inputs(s, deps, sv)
    mc = risk.run_monte_carlo(s, deps, hybrid_units, specs, candidates, samples, seed, progress)
    for r in result.options:
        if r.id in mc.tco:
            r.risk = mc.risk(r.id)
    result.risk = {"samples": samples, "seed": seed, "inputs": [sp.describe() for sp in specs],
                   "probability_cheapest": mc.probability_cheapest(),
                   "method": "Monte Carlo through the deterministic cost engine; sizing at point values, its "
                             "uncertainty as the throughput multiplier; hybrid base sizes fixed at the "
                             "deterministic optimum"}
    # the runner-up for the tornado: a genuinely different plan (not a hybrid that degenerates to a pure part)
    # and one whose cost differs (two APIs at the same price leave no gap to explain)
    distinct = [r for r in sorted(result.options, key=lambda r: r.tco_usd) if r.id in candidates and not (
        r.hybrid and r.hybrid["share_served_by_base"] in (0.0, 1.0))]
    if distinct:
        best = distinct[0]
        others = [r for r in distinct[1:] if abs(r.tco_usd - best.tco_usd) > 1e-6 * max(abs(best.tco_usd), 1.0)]
        if others:
            result.tornado = risk.tornado(s, deps, hybrid_units, specs, best.id, others[0].id)
    result.thresholds = risk.thresholds(s, deps, hybrid_units, specs, candidates)
    result._samples = mc.arrays()
