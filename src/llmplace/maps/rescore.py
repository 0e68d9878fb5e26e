"""The answer in every cell: who may be chosen, the cheapest, and the weighted recommendation, over arrays.

Eligibility per cell follows :func:`llmplace.compare`: an option with criteria scores at the scenario's point
that no hard constraint excludes, or only ``constraints.capex_budget_usd`` (checked again on the cell's
upfront); an in-house option that cannot serve the cell (:mod:`.cells`) and an option serving less than
:data:`~llmplace.conventions.FULL_SERVICE_SHARE` of the cell's demand are not. The cheapest is the lowest
cash-view TCO among them (near-ties to the earlier option).

The recommendation re-scores in every cell the criteria that the cell's money moves, with the formulas of
:mod:`llmplace.criteria.scores`, the reference set being the cell's eligible options:

* ``total_cost = 10 x lowest TCO / TCO``; ``initial_cost = 10 / (1 + upfront / lowest TCO)``;
* ``cost_predictability = 10 x (1 - exposed share of spend)`` (the deterministic proxy, as a comparison
  without samples uses), the exposure of each category fixed per option (:mod:`llmplace.criteria.cells`);
* ``maintenance_burden = 10 / (1 + FTE / 0.5) - skills penalty``, FTE the mean staff the cell charges.

Hybrids re-score the first two only (their base is chosen per cell; their other scores come from the parts'
shares at the scenario's point). Every other criterion keeps its score at the scenario's point. The winner
is the highest weighted total, then the lower TCO, then the earlier option; a hybrid that is the same
deployment as another option at the point is never the winner, as in the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..conventions import FULL_SERVICE_SHARE, TIE_REL_TOL
from ..criteria.cells import HALF_SCORE_FTE, OptionConstants
from ..criteria.weights import TIE_DIGITS
from ..results import CompareResult
from .cells import CellMoney

__all__ = ["RESCORED", "Answers", "answers"]

Array = NDArray[np.float64]
Mask = NDArray[np.bool_]
RESCORED = ("total_cost", "initial_cost", "cost_predictability", "maintenance_burden")
BUDGET_REASON = "capex_budget_usd"  #: an exclusion by the capex budget is checked again per cell
DEPRECATED_NOTE = "deprecated offer"  #: the comparison's not-ranked note for a deprecated option, judged per cell


@dataclass(frozen=True)
class Answers:
    """Per cell: index of the cheapest and the recommended option in ``ids`` (-1: none), weighted totals."""

    ids: list[str]
    cheapest: NDArray[np.int64]
    recommended: NDArray[np.int64]
    totals: Array  #: (options, cells), NaN where the option is not eligible
    kept_out: list[str]  #: deprecated options left out of the recommendation in at least one cell
    only_choice: list[str]  #: deprecated options recommended in a cell where no option on sale is eligible


def _eligible(point: CompareResult, ids: list[str], money: CellMoney, budget: float | None) -> Mask:
    cells = len(money.tco[ids[0]])
    out = np.zeros((len(ids), cells), dtype=bool)
    for k, oid in enumerate(ids):
        o = point.option(oid)
        crit = o.criteria
        assert crit is not None  # ids are the options with criteria scores
        if any(BUDGET_REASON not in r for r in crit.excluded_by):
            continue
        if oid not in money.served_share and any(n.startswith("not ranked") and DEPRECATED_NOTE not in n
                                                 for n in crit.notes):
            continue  # deprecation is judged per cell (:func:`_on_sale_first`)
        ok = np.ones(cells, dtype=bool)
        if budget is not None:
            ok &= money.upfront[oid] <= budget + 1e-6
        if oid in money.unservable:
            ok &= ~money.unservable[oid]
        if oid in money.served_share:
            ok &= np.round(money.served_share[oid], 6) >= FULL_SERVICE_SHARE
        out[k] = ok
    return out


def _on_sale_first(point: CompareResult, ids: list[str], ok: Mask) -> Mask:
    """``ok`` less the deprecated options in every cell where an option on sale is eligible, as
    :func:`llmplace.compare` ranks a point: a deprecated offer is ranked only when nothing else is eligible."""
    dep = np.array([bool(point.option(i).deprecated) for i in ids])
    on_sale = (ok & ~dep[:, None]).any(axis=0)
    return ok & ~(dep[:, None] & on_sale[None, :])


def _first_of(mask: Mask) -> NDArray[np.int64]:
    """Per cell the first option index where ``mask`` holds, -1 where none does."""
    return np.where(mask.any(axis=0), np.argmax(mask, axis=0), -1)


def _cheapest(tco: Array, ok: Mask) -> NDArray[np.int64]:
    low = np.min(np.where(ok, tco, np.inf), axis=0)
    tied = ok & (tco <= low + TIE_REL_TOL * np.maximum(np.abs(np.where(np.isfinite(low), low, 0.0)), 1.0))
    return _first_of(tied)


def _cost_scores(tco: Array, upfront: Array, ref: Mask) -> tuple[Array, Array]:
    """``total_cost`` and ``initial_cost`` of every option in every cell against the cell's reference set."""
    lo = np.min(np.where(ref, tco, np.inf), axis=0)
    hi = np.max(np.where(ref, tco, -np.inf), axis=0)
    pos = lo > 0
    safe_lo = np.where(pos, lo, 1.0)
    by_ratio = np.where(tco > 0, 10.0 * safe_lo / np.where(tco > 0, tco, 1.0), 10.0)
    span = np.where(hi == lo, 1.0, hi - lo)
    by_span = np.where(hi == lo, 10.0, 10.0 * (hi - tco) / span)
    total = np.where(pos, by_ratio, by_span)
    ref_usd = np.where(pos, lo, np.maximum(hi, 1.0))
    initial = 10.0 / (1.0 + np.maximum(0.0, upfront) / ref_usd)
    return np.clip(total, 0.0, 10.0), np.clip(initial, 0.0, 10.0)


def _predictability(cats: dict[str, Array], k: OptionConstants) -> Array:
    spend = {c: np.maximum(usd, 0.0) for c, usd in cats.items()}  # credits (residual value) are not spend
    total = sum(spend.values(), np.zeros_like(next(iter(spend.values()))))
    exposed = sum((usd * k.exposure(c) for c, usd in spend.items()), np.zeros_like(total))
    share = np.where(total > 0, exposed / np.where(total > 0, total, 1.0), 0.0)
    return np.clip(10.0 * (1.0 - share), 0.0, 10.0)


def _scores(point: CompareResult, ids: list[str], money: CellMoney, constants: dict[str, OptionConstants],
            ref: Mask, tco: Array) -> dict[str, Array]:
    """Every criterion's score, (options, cells): re-scored ones per cell, the others at the scenario's point."""
    upfront = np.vstack([money.upfront[i] for i in ids])
    total, initial = _cost_scores(tco, upfront, ref)
    out = {"total_cost": total, "initial_cost": initial}
    weights = point.weights
    assert weights is not None
    for c in weights.points:
        if c in out:
            continue
        rows = []
        for oid in ids:
            crit = point.option(oid).criteria
            assert crit is not None
            fixed = np.full(tco.shape[1], crit.scores[c].score)
            k = constants.get(oid)
            if k is not None and c == "cost_predictability" and oid in money.categories:
                fixed = _predictability(money.categories[oid], k)
            elif k is not None and c == "maintenance_burden" and oid in money.staff_fte:
                fixed = np.clip(10.0 / (1.0 + money.staff_fte[oid] / HALF_SCORE_FTE) - k.skills_penalty, 0.0, 10.0)
            rows.append(fixed)
        out[c] = np.vstack(rows)
    return out


def answers(point: CompareResult, ids: list[str], money: CellMoney, constants: dict[str, OptionConstants],
            budget: float | None) -> Answers:
    """The cheapest and the recommended option of every cell (see the module docstring)."""
    ok = _eligible(point, ids, money, budget)
    ranked = _on_sale_first(point, ids, ok)
    tco = np.vstack([money.tco[i] for i in ids])
    ref = np.where(ranked.any(axis=0), ranked, True)  # no eligible option: the scores refer to every scored one
    scores = _scores(point, ids, money, constants, ref, tco)
    weights = point.weights
    assert weights is not None
    w = sum(weights.points.values())
    totals = sum((p * scores[c] for c, p in weights.points.items()), np.zeros_like(tco)) / w
    twins = set(point.recommendation.same_as) if point.recommendation else set()
    may_win = ranked & np.array([[i not in twins] for i in ids])
    key = np.where(may_win, np.round(totals, TIE_DIGITS), -np.inf)
    top = may_win & (key == key.max(axis=0))
    tco_key = np.where(top, np.round(tco, 6), np.inf)
    best = top & (tco_key == tco_key.min(axis=0))
    recommended = _first_of(best)
    dep = [k for k, i in enumerate(ids) if point.option(i).deprecated]
    return Answers(ids=ids, cheapest=_cheapest(tco, ok), recommended=recommended,
                   totals=np.where(ok, totals, np.nan),
                   kept_out=[ids[k] for k in dep if bool(np.any(ok[k] & ~ranked[k]))],
                   only_choice=[ids[k] for k in dep if bool(np.any(recommended == k))])
