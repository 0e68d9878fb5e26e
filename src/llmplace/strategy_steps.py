"""A strategy whose owned base grows in a step: a hybrid second phase with ``n1`` servers from the switch month
``t1``, grown to ``n2 > n1`` servers from a later month ``t2`` (the added servers ordered one lead time ahead).

Let ``T[n, t]`` be the cash-view total of the hybrid with a constant base of ``n`` servers serving the load of
the months from ``t`` (nothing before; its servers ordered one lead time ahead). The hybrid's costs are local
to each month given the servers in service (power, colocation, staff, the overflow of what the base cannot
carry) plus costs per cohort of servers bought together that scale with its size and depend on its first month
(purchase, setup, network and storage, maintenance by age, resale or book value, the depreciation's tax shield).
A base of ``n1`` from ``t1`` grown to ``n2`` at ``t2`` therefore costs

    T[n1, t1] + T[n2, t2] - T[n1, t2]

(from ``t2`` on, ``n2`` servers serve in place of ``n1``, and the ``n2 - n1`` added are one more cohort). With
the first phase's cost ``F[t1]`` (its months until the switch and the cut-over, and the switch itself), the
cheapest ``t1 < t2`` for each ``n1`` is a running minimum over months, and every (``n1``, ``n2``, ``t2``) is
then compared at once: exact over every one-step growth of the base sizes searched, in O(sizes^2 x months).
The plan found is costed again directly (its base month by month) and that figure is the one reported.

Not covered: a base large enough for the hybrid search to thin its sizes (more than ``MAX_FULL_SEARCH``), a
base whose size the scenario fixes, more than one step, and a base that shrinks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .demand import Load
from .hybrid import MAX_FULL_SEARCH, HybridSearch, base_sizes, hybrid_at, optimise
from .options import Deployment
from .scenario import HybridOption, InHouseOption, Scenario
from .site import SiteValues

__all__ = ["Step", "StepTable", "best_step", "step_flows", "step_table"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class StepTable:
    """``totals[k, r]``: the hybrid's cash-view total with ``sizes[k]`` servers from switch month ``starts[r]``
    (``inf`` where it leaves load unserved)."""

    sizes: list[int]
    starts: NDArray[np.int64]
    totals: Array


@dataclass(frozen=True)
class Step:
    """``n1`` servers from ``t1``, ``n2`` from ``t2`` (0-based months), and the search's total with the first
    phase."""

    n1: int
    t1: int
    n2: int
    t2: int
    total_usd: float


def step_table(second: Deployment, s: Scenario, load: Load, starts: NDArray[np.int64], sv: SiteValues,
               search: HybridSearch | None = None) -> StepTable | None:
    """The totals of every constant base size from every switch month; None where no step is possible (not an
    owned base, a fixed base size, a thinned search or fewer than two sizes above zero). ``search``: the search
    over base sizes on ``load`` in the months from each switch month, when the caller ran it already."""
    opt = second.option
    if not (isinstance(opt, HybridOption) and opt.base_units is None and second.parts is not None
            and isinstance(second.parts[0].option, InHouseOption)) or len(starts) < 2:
        return None
    if max((n for n in base_sizes(second, load) if isinstance(n, int)), default=0) > MAX_FULL_SEARCH:
        return None  # the search thins its sizes: the sizes between are not all costed
    months = np.arange(int(load.peak.shape[-1]))
    keep = (months[None, :] >= starts[:, None]).astype(float)
    whole = load.memo.get("in months", (keep, True), lambda: load.in_months(keep))
    search = search if search is not None else optimise(second, s, whole, sv)
    rows = [(int(n), f) for n, f in zip(search.sizes, search.flows, strict=True) if isinstance(n, int) and n > 0]
    if len(rows) < 2 or rows[-1][0] != len(rows):  # a thinned grid: the sizes between were not all costed
        return None
    demand = np.asarray(whole.output_tokens, dtype=float) * np.asarray(whole.total_per_output, dtype=float)
    totals = []
    for _, f in rows:
        cash = np.broadcast_to(np.asarray(f.monthly("cash"), dtype=float), keep.shape)
        short = np.any(np.broadcast_to(f.unserved_tokens, keep.shape) > 1e-6 * demand + 1e-9, axis=-1)
        totals.append(np.where(short, np.inf, np.sum(cash, axis=-1)))
    return StepTable(sizes=[n for n, _ in rows], starts=starts, totals=np.stack(totals))


def best_step(table: StepTable, first_usd: Array) -> Step | None:
    """The cheapest one-step growth given ``first_usd[r]``, the first phase's cost (and the switch) for a switch
    in ``table.starts[r]``; None when no finite plan exists."""
    a = first_usd[None, :] + table.totals  # (sizes, rows): first phase + the base n1 from t1
    prefix = np.minimum.accumulate(a, axis=1)  # the cheapest t1 <= each row, per n1
    t = table.totals
    # total[i, k, j] = prefix[i, j - 1] + T[k, j] - T[i, j] for k > i, j >= 1
    with np.errstate(invalid="ignore"):
        total = prefix[:, None, :-1] + t[None, :, 1:] - t[:, None, 1:]
    n = len(table.sizes)
    total = np.where(np.triu(np.ones((n, n), dtype=bool), k=1)[:, :, None], total, np.inf)
    total = np.where(np.isnan(total), np.inf, total)
    if not np.isfinite(total).any():
        return None
    i, k, j = np.unravel_index(int(np.argmin(total)), total.shape)
    r2 = int(j) + 1
    r1 = int(np.argmin(a[i, :r2]))
    return Step(n1=table.sizes[int(i)], t1=int(table.starts[r1]), n2=table.sizes[int(k)],
                t2=int(table.starts[r2]), total_usd=float(total[i, k, j]))


def step_flows(second: Deployment, s: Scenario, load: Load, sv: SiteValues, step: Step
               ) -> tuple[Array, Array, Array, Array]:
    """Cash, start-of-month cash, servers ordered and unserved tokens by month of the hybrid whose base grows as
    ``step`` says, costed directly on the load of the months from ``step.t1``."""
    horizon = int(load.peak.shape[-1])
    months = np.arange(horizon)
    schedule = np.zeros(horizon, dtype=np.int64)
    schedule[step.t1:step.t2] = step.n1
    schedule[step.t2:] = step.n2
    f = hybrid_at(second, s, load.in_months((months >= step.t1).astype(float)), sv, step.n2, schedule=schedule)
    ordered = f.purchases if f.purchases is not None else np.zeros(horizon)
    return (np.asarray(f.monthly("cash"), dtype=float), np.asarray(f.start_of_month(), dtype=float),
            np.asarray(ordered, dtype=float), np.asarray(f.unserved_tokens, dtype=float))
