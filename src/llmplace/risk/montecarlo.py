"""Monte Carlo through the engine: sampled inputs in, cost ranges and the probability of being cheapest out.

Sampled values are written into copies of the scenario and of the resolved deployments as arrays of
shape (samples, 1) (:func:`.inputs.apply_values`); :func:`llmplace.engine.run` then computes every
sample at once, in chunks of :data:`CHUNK` samples so memory stays bounded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..conventions import tied_shares
from ..engine import forecast_fleets, run
from ..finance import break_even_months, max_abs
from ..hybrid import BaseSize
from ..options import Deployment
from ..results import BreakEvenRange, OptionRisk, Percentiles, SampleArrays
from ..scenario import Scenario
from ..site import site_values
from .inputs import UncertainSpec, apply_values

__all__ = ["CHUNK", "Evaluation", "MonteCarlo", "break_even_pairs", "evaluate", "run_monte_carlo"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: samples run together: a chunk's (samples, months, bins) arrays stay a few MiB at 60 months (23 MiB at 240);
#: at 2,000 the arrays of a long horizon are allocated fresh by the system on every use (large allocations are
#: mapped, not reused), which cost as much system time as the arithmetic (benchmarks/scaling.py)
CHUNK = 500


@dataclass
class Evaluation:
    """Per option (by id): cash-view totals and series for a batch of input values."""

    tco: dict[str, Array] = field(default_factory=dict)
    npv: dict[str, Array] = field(default_factory=dict)
    monthly: dict[str, Array] = field(default_factory=dict)
    monthly_amortised: dict[str, Array] = field(default_factory=dict)
    cumulative: dict[str, Array] = field(default_factory=dict)


def evaluate(s: Scenario, deployments: list[Deployment], hybrid_units: Mapping[str, BaseSize],
             values: dict[str, Any], n: int, fleets: Mapping[str, IntArray] | None = None) -> Evaluation:
    """Run the engine once for ``n`` sets of input values (arrays of length n, or scalars); ``fleets`` fixes
    in-house fleets by id (bought on the forecast, see :func:`llmplace.engine.forecast_fleets`)."""
    vals = {p: (np.asarray(v, dtype=float).reshape(-1, 1) if np.ndim(v) else v) for p, v in values.items()}
    s2, deps, sv = apply_values(s, deployments, vals)
    out = Evaluation()
    for oid, o in run(s2, deps, sv, hybrid_units, samples=n, fleets=fleets).outcomes.items():
        out.tco[oid] = o.tco_usd
        out.npv[oid] = o.npv_usd
        out.monthly[oid] = o.cash_usd
        out.monthly_amortised[oid] = o.amortised_usd
        out.cumulative[oid] = o.cumulative("cash")
    return out


def _pct(a: Array) -> Percentiles:
    p10, p50, p90 = np.percentile(a, [10, 50, 90])
    return Percentiles(p10=float(p10), p50=float(p50), p90=float(p90), mean=float(np.mean(a)))


def _range(months: Array) -> BreakEvenRange:
    crossed = months[~np.isnan(months)]
    share = float(crossed.size / months.size)
    if not crossed.size:
        return BreakEvenRange(probability_within_horizon=share)
    p = _pct(crossed)
    return BreakEvenRange(probability_within_horizon=share, p10=p.p10, p50=p.p50, p90=p.p90)


@dataclass
class MonteCarlo:
    samples: int
    seed: int
    inputs: list[UncertainSpec]
    draws: dict[str, Array]
    tco: dict[str, Array]
    npv: dict[str, Array]
    break_even: dict[tuple[str, str], Array]
    monthly_spread: dict[str, float]
    candidates: list[str]

    def probability_cheapest(self) -> dict[str, float]:
        """Share of samples in which each candidate is cheapest; a tie splits the sample equally."""
        ids = self.candidates
        if not ids:
            return {}
        shares = tied_shares(np.vstack([self.tco[i] for i in ids]))
        return {i: float(np.mean(shares[k])) for k, i in enumerate(ids)}

    def risk(self, option_id: str, cheapest: Mapping[str, float] | None = None) -> OptionRisk:
        """One option's ranges; ``cheapest``: :meth:`probability_cheapest` when the caller has it already (it reads
        every candidate's samples, so a caller asking for every option computes it once)."""
        cheapest = self.probability_cheapest() if cheapest is None else cheapest
        be = {(b if a == option_id else a): _range(months) for (a, b), months in self.break_even.items()
              if option_id in (a, b)}
        p = _pct(self.tco[option_id])
        return OptionRisk(
            tco_usd=p, npv_usd=_pct(self.npv[option_id]),
            probability_cheapest=cheapest.get(option_id),
            tco_spread_pct=float((p.p90 - p.p10) / p.p50 * 100) if p.p50 else None,
            monthly_cost_spread_pct=self.monthly_spread[option_id], break_even_months=be)

    def arrays(self) -> SampleArrays:
        return SampleArrays(inputs=self.draws, tco_usd=self.tco, npv_usd=self.npv,
                            break_even_months={f"{a}|{b}": v for (a, b), v in self.break_even.items()})


def _spread(monthly: Array) -> float:
    """Median over months of (P90 - P10) / P50 of the monthly cost [%]."""
    p10, p50, p90 = np.percentile(monthly, [10, 50, 90], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(p50 > 0, (p90 - p10) / p50, 0.0)
    return float(np.median(rel) * 100)


def break_even_pairs(ids: list[str], leaders: Collection[str] | None) -> list[tuple[str, str]]:
    """The pairs of options whose break-even month is sampled, in option order: each pair that includes one of
    ``leaders`` (linear in the options), or every pair when ``leaders`` is None (quadratic)."""
    return [(a, b) for k, a in enumerate(ids) for b in ids[k + 1:]
            if leaders is None or a in leaders or b in leaders]


PARTNERS_AT_ONCE = 16  #: break-even partners of one option computed in one call (bounds the memory of a chunk)


def _pair_break_evens(cumulative: Mapping[str, Array], pairs: list[tuple[str, str]],
                      out: dict[tuple[str, str], Array], rows: slice) -> None:
    """Break-even months of ``pairs`` for one chunk of samples, written to ``out[pair][rows]``: the pairs that
    share an option are computed together, over a stacked axis of its partners (the crossing month does not
    depend on the order of the two curves)."""
    count = Counter(i for pair in pairs for i in pair)
    groups: dict[str, list[tuple[str, str]]] = {}
    for a, b in pairs:  # each pair with the option of the two that most pairs share
        groups.setdefault(a if count[a] >= count[b] else b, []).append((a, b))
    peak = {i: max_abs(np.asarray(cumulative[i], dtype=float)) for i in count}  # once per option, not per pair
    for key, group in groups.items():
        for start in range(0, len(group), PARTNERS_AT_ONCE):
            part = group[start:start + PARTNERS_AT_ONCE]
            partners = [b if a == key else a for a, b in part]
            others = np.stack([cumulative[i] for i in partners])
            months = break_even_months(cumulative[key][None], others,
                                       (peak[key][None], np.stack([peak[i] for i in partners])))
            for k, pair in enumerate(part):
                out[pair][rows] = months[k]


def run_monte_carlo(s: Scenario, deployments: list[Deployment], hybrid_units: Mapping[str, BaseSize],
                    specs: list[UncertainSpec], candidates: list[str], samples: int, seed: int,
                    progress: Callable[[int, int], None] | None = None,
                    leaders: Collection[str] | None = None, draws: Mapping[str, Array] | None = None) -> MonteCarlo:
    """Sample every uncertain input and run the engine in chunks of :data:`CHUNK` samples; break-even months are
    sampled for the pairs :func:`break_even_pairs` names (every pair when ``leaders`` is None). ``draws`` gives
    the values of the inputs by name (``samples`` each) instead of drawing them here (a portfolio draws the
    inputs its workloads share once, see :mod:`llmplace.portfolio_risk`).

    In-house fleets planned on the forecast are bought once, on the point inputs, and run against each
    sample (no sample re-plans its fleet with hindsight)."""
    fleets = forecast_fleets(s, deployments, site_values(s, warn=False))
    rng = np.random.default_rng(seed)
    drawn = {sp.name: (np.asarray(draws[sp.name], dtype=float) if draws is not None else sp.sample(rng, samples))
             for sp in specs}
    ids = [d.id for d in deployments if d.kind != "hybrid" or d.id in hybrid_units]
    tco = {i: np.empty(samples) for i in ids}
    npvs = {i: np.empty(samples) for i in ids}
    pairs = break_even_pairs(ids, leaders)
    be = {p: np.empty(samples) for p in pairs}
    amortised: dict[str, list[Array]] = {i: [] for i in ids}
    for start in range(0, samples, CHUNK):
        stop = min(samples, start + CHUNK)
        values = {t.path: t.value(drawn[sp.name][start:stop]) for sp in specs for t in sp.targets}
        ev = evaluate(s, deployments, hybrid_units, values, stop - start, fleets)
        for i in ids:
            tco[i][start:stop] = ev.tco[i]
            npvs[i][start:stop] = ev.npv[i]
            amortised[i].append(ev.monthly_amortised[i])
        _pair_break_evens(ev.cumulative, pairs, be, slice(start, stop))
        if progress is not None:
            progress(stop, samples)
    spread = {i: _spread(np.concatenate(amortised[i], axis=0)) for i in ids}
    return MonteCarlo(samples=samples, seed=seed, inputs=specs, draws=drawn, tco=tco, npv=npvs, break_even=be,
                      monthly_spread=spread, candidates=candidates)
