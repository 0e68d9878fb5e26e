"""Every cell of a map through the engine at once: the cells are the engine's sample axis.

For each option the money a cell's scores need: cash-view TCO, upfront, the spend per cost category and the
staff charged (options with full flows: not a hybrid, which picks its base per cell), the share of demand it
serves, and whether an in-house option cannot serve the cell at all (its first servers arrive after the horizon,
or a fixed fleet leaves demand unserved), as :func:`llmplace.compare` judges a point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine import Outcome, run
from ..hybrid import BaseSize
from ..options import Deployment
from ..risk import CHUNK, apply_values
from ..scenario import InHouseOption, Scenario

__all__ = ["CellMoney", "evaluate_cells"]

Array = NDArray[np.float64]


@dataclass
class CellMoney:
    """Per option id: arrays over the cells (flattened row by row)."""

    tco: dict[str, Array] = field(default_factory=dict)
    upfront: dict[str, Array] = field(default_factory=dict)
    categories: dict[str, dict[str, Array]] = field(default_factory=dict)  #: option -> category -> spend [USD]
    staff_fte: dict[str, Array] = field(default_factory=dict)  #: mean FTE over the horizon
    served_share: dict[str, Array] = field(default_factory=dict)
    unservable: dict[str, NDArray[np.bool_]] = field(default_factory=dict)

    def take(self, index: NDArray[np.int64]) -> CellMoney:
        """The same arrays with the cells in the order ``index`` gives."""
        return CellMoney(tco={k: v[index] for k, v in self.tco.items()},
                         upfront={k: v[index] for k, v in self.upfront.items()},
                         categories={k: {c: v[index] for c, v in cats.items()} for k, cats in self.categories.items()},
                         staff_fte={k: v[index] for k, v in self.staff_fte.items()},
                         served_share={k: v[index] for k, v in self.served_share.items()},
                         unservable={k: v[index] for k, v in self.unservable.items()})


def _put(target: dict[str, Any], key: str, sl: slice, values: NDArray[Any], cells: int) -> None:
    """Write one chunk of a per-cell array, creating it (zeros, or False for a mask) on first use."""
    if key not in target:
        target[key] = np.zeros(cells, dtype=bool if np.asarray(values).dtype == bool else float)
    target[key][sl] = values


def _unservable(d: Deployment, o: Outcome, horizon: int) -> NDArray[np.bool_] | None:
    f = o.flows
    if f is None or not isinstance(d.option, InHouseOption):
        return None
    n = o.cash_usd.shape[0]
    if f.first_service >= horizon:
        return np.ones(n, dtype=bool)
    if d.option.servers is None:
        return np.zeros(n, dtype=bool)
    unserved = np.broadcast_to(f.unserved_tokens, o.cash_usd.shape)[:, f.first_service:]
    return np.asarray(np.any(unserved > 0, axis=-1))


def _chunk(money: CellMoney, s: Scenario, deployments: list[Deployment], hybrids: Mapping[str, BaseSize],
           values: dict[str, Array], sl: slice, cells: int) -> None:
    n = sl.stop - sl.start
    s2, deps, sv = apply_values(s, deployments, {p: v[sl].reshape(-1, 1) for p, v in values.items()})
    point = run(s2, deps, sv, hybrids, samples=n)
    demand = np.sum(np.broadcast_to(point.demand.total_tokens, (n, s.finance.horizon_months)), axis=-1)
    by_id = {d.id: d for d in deps}
    for oid, o in point.outcomes.items():
        _put(money.tco, oid, sl, o.tco_usd, cells)
        _put(money.upfront, oid, sl, o.upfront_usd, cells)
        f = o.flows
        if f is None:
            continue
        shape = o.cash_usd.shape
        for cat, usd in f.cash.items():
            _put(money.categories.setdefault(oid, {}), cat, sl, np.sum(np.broadcast_to(usd, shape), axis=-1), cells)
        if f.staff_fte is not None:
            _put(money.staff_fte, oid, sl, np.mean(np.broadcast_to(f.staff_fte, shape), axis=-1), cells)
        served = np.sum(np.broadcast_to(f.served_tokens, shape), axis=-1)
        _put(money.served_share, oid, sl, np.where(demand > 0, served / np.where(demand > 0, demand, 1.0), 1.0), cells)
        bad = _unservable(by_id[oid], o, s.finance.horizon_months)
        if bad is not None:
            _put(money.unservable, oid, sl, bad, cells)


def evaluate_cells(s: Scenario, deployments: list[Deployment], hybrids: Mapping[str, BaseSize],
                   values: dict[str, Array], group_by: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> CellMoney:
    """Run the engine over every cell, in chunks of the Monte Carlo's size; ``values`` maps input paths to
    flat arrays (one value per cell), the answer keeps their order.

    ``group_by`` (one of the paths) orders the cells by that input before chunking, so each chunk spans a narrow
    range of it: a hybrid searches base sizes up to its chunk's largest peak, so chunks of similar demand search
    fewer sizes (and search them as a point comparison of each cell would). ``progress(done, total)`` (cells) is
    called after each chunk; an exception it raises (a web client gone) stops the map there."""
    cells = len(next(iter(values.values())))
    order = np.argsort(values[group_by], kind="stable") if group_by is not None else np.arange(cells)
    ordered = {p: np.asarray(v)[order] for p, v in values.items()}
    money = CellMoney()
    for a in range(0, cells, CHUNK):
        _chunk(money, s, deployments, hybrids, ordered, slice(a, min(cells, a + CHUNK)), cells)
        if progress is not None:
            progress(min(cells, a + CHUNK), cells)
    return money if group_by is None else money.take(np.argsort(order))
