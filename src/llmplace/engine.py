"""The one evaluation loop: deployments x samples -> demand -> load -> flows -> monthly, cumulative, NPV.

``run(scenario, deployments, site_values)`` evaluates every resolved, feasible deployment once; the
point run (``samples=None``) keeps each option's full flows and hybrid plan for the result, a sampled
run (scenario and deployments carrying arrays of shape (samples, 1), see :mod:`llmplace.risk`)
broadcasts every series to (samples, months). Hybrids are optimised by :func:`llmplace.hybrid.optimise`
unless their base size is fixed (Monte Carlo keeps the base bought at the deterministic optimum).
Nothing here mutates a deployment or the scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .costs import Flows, flows_for, in_house_fleet
from .demand import Demand, Load, demand_from_scenario, load_from_demand
from .finance import cumulative_with_origin
from .hybrid import BaseSize, HybridSearch, hybrid_at, optimise, plan_of
from .options import Deployment
from .results import Assumption, HybridPlan
from .scenario import InHouseOption, Scenario
from .site import SiteValues

__all__ = ["OPTIMISE", "Outcome", "Run", "forecast_fleets", "run"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
OPTIMISE = "optimise"  #: a hybrid's base size chosen by the optimiser (per sample in a sampled run)


@dataclass(frozen=True)
class Outcome:
    """One deployment evaluated: cash and amortised months, upfront, NPV; flows and plan in a point run."""

    cash_usd: Array  #: (..., months), cash view
    amortised_usd: Array  #: (..., months)
    upfront_usd: Array  #: (...), purchases and setup at t = 0
    npv_usd: Array  #: (...)
    flows: Flows | None = None  #: the full flows (None where a sampled hybrid picks a base size per sample)
    plan: HybridPlan | None = None
    assumptions: tuple[Assumption, ...] = ()  #: values the costing itself adds (e.g. the instance price)

    @property
    def tco_usd(self) -> Array:
        return np.sum(self.cash_usd, axis=-1)

    def cumulative(self, view: str = "cash") -> Array:
        """Cumulative cost at t = 0 .. H: the upfront amount at t = 0 in the cash view."""
        if view == "cash":
            running = self.cash_usd.copy()
            running[..., 0] -= self.upfront_usd
            return cumulative_with_origin(self.upfront_usd, running)
        return cumulative_with_origin(np.zeros(self.amortised_usd.shape[:-1]), self.amortised_usd)


@dataclass(frozen=True)
class Run:
    """The demand, its load and every evaluated deployment (by id, in deployment order)."""

    demand: Demand
    load: Load
    outcomes: dict[str, Outcome]


def _shaped(flows: Flows, discount_pct: float, samples: int | None) -> tuple[Array, Array, Array, Array]:
    cash = np.asarray(flows.monthly("cash"), dtype=float)
    amort = np.asarray(flows.monthly("amortised"), dtype=float)
    up = np.asarray(flows.upfront_usd, dtype=float)
    npv = np.asarray(flows.npv(discount_pct), dtype=float)
    if samples is None:
        return cash, amort, up, npv
    horizon = cash.shape[-1]
    return (np.broadcast_to(cash, (samples, horizon)), np.broadcast_to(amort, (samples, horizon)),
            np.broadcast_to(up.reshape(-1), (samples,)), np.broadcast_to(npv.reshape(-1), (samples,)))


def _from_flows(flows: Flows, discount_pct: float, samples: int | None, plan: HybridPlan | None = None) -> Outcome:
    cash, amort, up, npv = _shaped(flows, discount_pct, samples)
    return Outcome(cash_usd=cash, amortised_usd=amort, upfront_usd=up, npv_usd=npv, flows=flows, plan=plan,
                   assumptions=tuple(flows.assumptions))


def _per_sample(search: HybridSearch, discount_pct: float, samples: int) -> Outcome:
    """Each sample's own best base size: the series of the size it picked."""
    shaped = [_shaped(f, discount_pct, samples) for f in search.flows]
    pick = np.broadcast_to(np.asarray(search.best).reshape(-1), (samples,))
    rows = np.arange(samples)
    cash, amort, up, npv = (np.stack([s[k] for s in shaped])[pick, rows] for k in range(4))
    return Outcome(cash_usd=cash, amortised_usd=amort, upfront_usd=up, npv_usd=npv)


def _hybrid(d: Deployment, s: Scenario, load: Load, sv: SiteValues, size: BaseSize, samples: int | None) -> Outcome:
    rate = sv["discount_rate_pct_per_year"]
    if size != OPTIMISE:
        return _from_flows(hybrid_at(d, s, load, sv, size), rate, samples)
    search = optimise(d, s, load, sv, point=samples is None)
    if samples is None:
        flows, plan = plan_of(d, search, load)
        return _from_flows(flows, rate, samples, plan)
    return _per_sample(search, rate, samples)


def forecast_fleets(s: Scenario, deployments: list[Deployment], sv: SiteValues) -> dict[str, IntArray]:
    """Servers in service each month for each feasible in-house option with a fixed fleet or ``planning:
    forecast``, bought on the forecast (the scenario's point demand and sizing). A reactive plan orders on the
    demand it observes, so it is not fixed here."""
    load = load_from_demand(demand_from_scenario(s), s.workload.cached_input_share)
    return {d.id: in_house_fleet(d, s, load, sv)[0] for d in deployments
            if d.infeasible_reason is None and isinstance(d.option, InHouseOption)
            and (d.option.planning == "forecast" or d.option.servers is not None)}


def run(s: Scenario, deployments: list[Deployment], sv: SiteValues,
        hybrid_units: Mapping[str, BaseSize] | None = None, samples: int | None = None,
        fleets: Mapping[str, IntArray] | None = None) -> Run:
    """Evaluate every feasible deployment: the point run (``samples=None``) or ``samples`` rows at once.

    ``hybrid_units`` fixes a hybrid's base size by id (or :data:`OPTIMISE`); when it is given, hybrids
    it does not name are left out. Without it every hybrid is optimised. ``fleets`` fixes the servers of
    in-house options by id (:func:`forecast_fleets`): bought on the forecast, run against the sampled load,
    the shortfall bought from the option's bridge (or unserved) and idle servers still paid.
    """
    demand = demand_from_scenario(s)
    load = load_from_demand(demand, s.workload.cached_input_share)
    rate = sv["discount_rate_pct_per_year"]
    outcomes: dict[str, Outcome] = {}
    for d in deployments:
        if d.infeasible_reason is not None:
            continue
        if d.kind == "hybrid":
            if hybrid_units is not None and d.id not in hybrid_units:
                continue
            size = OPTIMISE if hybrid_units is None else hybrid_units[d.id]
            outcomes[d.id] = _hybrid(d, s, load, sv, size, samples)
        else:
            fleet = fleets.get(d.id) if fleets is not None else None
            outcomes[d.id] = _from_flows(flows_for(d, s, load, sv, fleet), rate, samples)
    return Run(demand=demand, load=load, outcomes=outcomes)
