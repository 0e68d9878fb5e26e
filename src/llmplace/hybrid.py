"""Hybrid deployments: a base of owned servers (or reserved instances) with overflow elsewhere.

The base serves each hour what its capacity allows; the overflow (on-demand or spot cloud
instances, or a per-token API) serves the rest. The optimiser evaluates base sizes from zero to
the size that carries the whole peak, plus the pure option's own procurement plan, with the same
cost functions as the pure options, and keeps the cheapest. Zero base is the pure overflow
option and the full base is the pure base option, so a hybrid is never dearer than the best pure
option it combines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .costs import (
    Flows,
    Load,
    SiteValues,
    _in_house,
    api_flows,
    cloud_flows,
    in_house_flows,
)
from .options import Deployment
from .scenario import CloudOption, HybridOption, InHouseOption, Scenario

__all__ = ["HybridPlan", "hybrid_at", "hybrid_flows"]

MAX_FULL_SEARCH = 120


@dataclass
class HybridPlan:
    base_id: str
    overflow_id: str
    base_kind: str
    base_units: int | str
    base_unit_kind: str
    objective: str
    curve: list[dict[str, Any]]
    base_share: float
    overflow_share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base_id, "overflow": self.overflow_id, "base_units": self.base_units,
            "base_unit_kind": self.base_unit_kind, "objective": self.objective,
            "share_served_by_base": self.base_share, "share_served_by_overflow": self.overflow_share,
            "cost_curve": self.curve,
        }


def _overflow(over: Deployment, s: Scenario, load: Load, sv: SiteValues) -> Flows:
    if isinstance(over.option, CloudOption):
        # in a hybrid the overflow fleet may scale to zero: nothing is kept running without load
        orig = over.option
        over.option = orig.model_copy(update={"min_instances": 0})
        try:
            return cloud_flows(over, s, load, sv, note=False)
        finally:
            over.option = orig
    return api_flows(over, s, load, sv)


def _combine(base: Flows, over: Flows) -> Flows:
    cash = dict(base.cash)
    amort = dict(base.amortised)
    for k, v in over.cash.items():
        cash[f"overflow_{k}"] = v
    for k, v in over.amortised.items():
        amort[f"overflow_{k}"] = v
    return Flows(cash=cash, amortised=amort, upfront_usd=base.upfront_usd, units=base.units,
                 served_tokens=base.served_tokens + over.served_tokens,
                 unserved_tokens=over.unserved_tokens, utilisation=base.utilisation, purchases=base.purchases,
                 overflow_served_tokens=over.served_tokens, notes=base.notes + over.notes)


def _cost(f: Flows, objective: str, rate: float) -> float:
    if objective == "npv":
        return float(f.npv(rate))
    return float(np.sum(f.monthly("cash")))


def _candidates(n_max: int) -> list[int]:
    if n_max <= MAX_FULL_SEARCH:
        return list(range(n_max + 1))
    return sorted(set(np.linspace(0, n_max, MAX_FULL_SEARCH // 2).round().astype(int).tolist()))


def hybrid_at(d: Deployment, s: Scenario, load: Load, sv: SiteValues, n: int | str) -> Flows:
    """Flows of the hybrid with a base of ``n`` units (``"planned"``: the base option's own plan)."""
    opt = d.option
    assert isinstance(opt, HybridOption) and d.parts is not None
    base, over = d.parts
    assert base.capacity is not None
    if isinstance(base.option, InHouseOption):
        if n == "planned":
            bf = _in_house(base, s, load, sv, with_residual=True)
        else:
            bf = in_house_flows(base, s, load, sv, np.full(load.peak.shape, int(n), dtype=np.int64),
                                with_residual=True)
        resid = bf.residual
    elif n == "planned":  # the reserved option's own plan, nothing left for the overflow
        bf = cloud_flows(base, s, load, sv, note=False)
        zero = np.zeros_like(load.rate)
        resid = Load(rate_given=zero, hours=load.hours, peak=np.zeros_like(load.peak),
                     total_per_output=load.total_per_output, cached_share=load.cached_share, active=load.active)
    else:
        per_inst = base.capacity.replicas_per_unit * base.capacity.output_tokens_per_s
        cap = int(n) * per_inst + np.zeros(load.peak.shape)
        served_rate = np.minimum(load.rate, cap[..., None])
        served = Load(rate_given=served_rate, hours=load.hours, peak=np.minimum(load.peak, cap),
                      total_per_output=load.total_per_output, cached_share=load.cached_share, active=load.active)
        orig = base.option
        # the base carries up to its full capacity: its n committed instances are the whole base fleet
        base.option = orig.model_copy(update={"billing": "always_on", "min_instances": 0, "target_utilisation": 1.0})
        try:
            bf = cloud_flows(base, s, served, sv, reserved=int(n), note=False)
        finally:
            base.option = orig
        resid = Load(rate_given=load.rate - served_rate, hours=load.hours, peak=np.maximum(load.peak - cap, 0.0),
                     total_per_output=load.total_per_output, cached_share=load.cached_share, active=load.active)
    assert resid is not None
    return _combine(bf, _overflow(over, s, resid, sv))


def hybrid_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues) -> tuple[Flows, HybridPlan]:
    """Optimised flows of a hybrid deployment and the plan behind them."""
    opt = d.option
    assert isinstance(opt, HybridOption) and d.parts is not None
    base, over = d.parts
    rate_pct = sv["discount_rate_pct_per_year"]
    assert base.capacity is not None
    per_unit = base.capacity.replicas_per_unit * base.capacity.output_tokens_per_s
    unit_kind = "servers" if isinstance(base.option, InHouseOption) else "reserved instances"
    n_max = int(np.ceil(float(np.max(load.peak)) / per_unit - 1e-9))
    if opt.base_units is not None:
        grid: list[int | str] = [opt.base_units]
    else:
        grid = list(_candidates(n_max))
        if not (isinstance(base.option, InHouseOption) and base.option.servers is not None):
            grid.append("planned")  # the base option's own plan: the hybrid is never dearer than it
    results: dict[int | str, tuple[float, Flows]] = {}
    for n in grid:
        f = hybrid_at(d, s, load, sv, n)
        results[n] = (_cost(f, opt.objective, rate_pct), f)
    if opt.base_units is None and n_max > MAX_FULL_SEARCH:  # refine around the coarse optimum
        ints = sorted(k for k in results if isinstance(k, int))
        best_i = min(ints, key=lambda k: results[k][0])
        pos = ints.index(best_i)
        lo, hi = ints[max(pos - 1, 0)], ints[min(pos + 1, len(ints) - 1)]
        for n in range(lo, hi + 1):
            if n not in results:
                f = hybrid_at(d, s, load, sv, n)
                results[n] = (_cost(f, opt.objective, rate_pct), f)
    best = min(results, key=lambda k: results[k][0])
    flows = results[best][1]
    total = float(np.sum(load.total_tokens))
    curve: list[dict[str, Any]] = []
    for n in sorted(k for k in results if isinstance(k, int)):
        c, f = results[n]
        curve.append({"base_units": n, "cost_usd": round(c, 2), "share_served_by_base": _base_share(f, load)})
    if "planned" in results:
        c, f = results["planned"]
        curve.append({"base_units": "planned", "cost_usd": round(c, 2), "share_served_by_base": _base_share(f, load)})
    share = _base_share(flows, load)
    over_tok = float(np.sum(flows.overflow_served_tokens)) if flows.overflow_served_tokens is not None else 0.0
    plan = HybridPlan(base_id=base.id, overflow_id=over.id, base_kind=base.kind,
                      base_units=best if isinstance(best, str) else int(best), base_unit_kind=unit_kind,
                      objective=opt.objective, curve=curve, base_share=share,
                      overflow_share=round(over_tok / total, 6) if total > 0 else 0.0)
    return flows, plan


def _base_share(f: Flows, load: Load) -> float:
    """Share of all tokens served by the base: total minus what the overflow categories carried."""
    total = float(np.sum(load.total_tokens))
    if total <= 0:
        return 0.0
    over = float(np.sum(f.overflow_served_tokens)) if f.overflow_served_tokens is not None else 0.0
    return round((float(np.sum(f.served_tokens)) - over) / total, 6)
