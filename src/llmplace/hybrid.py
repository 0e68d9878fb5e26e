"""Hybrid deployments: a base of owned servers (or reserved instances) with overflow elsewhere.

The base serves each hour what its capacity allows at the base option's ``target_utilisation`` (the
rule its pure option plans by, on the same latency-bound capacity); the overflow (on-demand or spot
cloud instances, or a per-token API) serves the rest. The optimiser (:func:`optimise`, the only one)
evaluates base sizes from zero to the size that carries the whole peak, plus the pure option's own
procurement plan, with the same cost functions as the pure options, and keeps the cheapest by the
option's objective (TCO or NPV), per sample when inputs are sampled. Zero base is the pure
overflow option and the full base is the pure base option, so a hybrid is never dearer than the
best pure option it combines. Owned servers serve from their first delivery: until then the
overflow serves everything (for the pure in-house option its ``bridge`` does, which may be another
option). Nothing here changes a deployment: changed settings are copies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, overload

import numpy as np

from .conventions import whole_units_int
from .costs import BRIDGE_ROW, Flows, api_flows, cloud_flows, in_house_flows, in_house_planned, with_tax_shield
from .costs.staff import Staff
from .costs.standby import standby_usd
from .demand import Load
from .options import Deployment
from .results import Assumption, HybridCostPoint, HybridPlan
from .scenario import CloudOption, HybridOption, InHouseOption, Scenario
from .site import SiteValues

__all__ = ["BaseSize", "HybridSearch", "MAX_FULL_SEARCH", "base_sizes", "hybrid_at", "optimise", "planned_rows"]

MAX_FULL_SEARCH = 120
BaseSize = int | str  #: a whole number of base units, or "planned" (the base option's own procurement plan)


def _overflow(over: Deployment, s: Scenario, load: Load, sv: SiteValues) -> Flows:
    if isinstance(over.option, CloudOption):
        # in a hybrid the overflow fleet may scale to zero: nothing is kept running without load
        scaled = over.option.model_copy(update={"min_instances": 0})
        return cloud_flows(over, s, load, sv, note=False, option=scaled)
    return api_flows(over, s, load, sv)


def _categories(base: dict[str, np.ndarray], over: dict[str, np.ndarray], staff: np.ndarray
                ) -> dict[str, np.ndarray]:
    """The base's categories, then the overflow's as ``overflow_*``; one ``staff`` item for the shared team."""
    keep = bool(np.any(staff))
    out = {k: staff if k == "staff" else v for k, v in base.items() if k != "staff" or keep}
    if keep and "staff" not in out:
        out["staff"] = staff
    out.update({f"overflow_{k}": v for k, v in over.items() if k != "staff"})
    return out


def _combine(base: Flows, over: Flows) -> Flows:
    """One hybrid from its parts; their staff is one team (see :mod:`llmplace.costs.staff`): per role the larger
    fixed team of the parts in use, plus the variable staff of each, so an unused overflow adds nothing."""
    assert base.staff is not None and over.staff is not None
    team = base.staff.shared_with(over.staff)
    staff_usd = team.usd()
    assert over.after_horizon is None  # the overflow (on-demand, spot or an API) commits to nothing
    return Flows(cash=_categories(base.cash, over.cash, staff_usd),
                 amortised=_categories(base.amortised, over.amortised, staff_usd),
                 upfront_usd=base.upfront_usd, units=base.units,
                 served_tokens=base.served_tokens + over.served_tokens,
                 unserved_tokens=over.unserved_tokens, utilisation=base.utilisation, purchases=base.purchases,
                 overflow_served_tokens=over.served_tokens, notes=base.notes + over.notes,
                 staff_fte=np.broadcast_to(team.fte(), np.shape(staff_usd)), staff=team,
                 after_horizon=base.after_horizon, first_service=base.first_service,
                 assumptions=[a for a in base.assumptions if a.name == BRIDGE_ROW])


def _reserved_base(base: Deployment, s: Scenario, load: Load, sv: SiteValues, n: int) -> tuple[Flows, Load]:
    """``n`` committed instances carrying the load up to ``target_utilisation`` of their capacity (as the pure
    reserved option plans them), and the load left over for the overflow."""
    assert base.capacity is not None and isinstance(base.option, CloudOption)
    per_inst = base.capacity.replicas_per_unit * base.capacity.output_tokens_per_s
    cap = n * per_inst * base.option.target_utilisation + np.zeros(load.peak.shape)
    # the load carried needs at most the n committed instances at the target utilisation: they are the whole base
    committed = base.option.model_copy(update={"billing": "always_on", "min_instances": 0})
    flows = cloud_flows(base, s, load.below(cap), sv, reserved=n, note=False, option=committed)
    return flows, load.above(cap)


def hybrid_at(d: Deployment, s: Scenario, load: Load, sv: SiteValues, n: BaseSize | np.ndarray,
              schedule: np.ndarray | None = None) -> Flows:
    """Flows of the hybrid with a base of ``n`` units (``"planned"``: the base option's own plan; an array of
    sizes for an owned base: each size's flows along a leading axis). ``schedule`` (an owned base only): the
    servers in service each month, in place of a constant ``n`` (a base that grows in steps; ``n`` its largest)."""
    assert isinstance(d.option, HybridOption) and d.parts is not None
    base, over = d.parts
    if isinstance(base.option, InHouseOption):
        if isinstance(n, str):  # "planned"
            bf = in_house_planned(base, s, load, sv, with_residual=True)
        else:  # one size, or several as a leading axis (see :func:`_batch`); no base before the first month with load
            sizes = np.asarray(n, dtype=np.int64)
            started = np.maximum.accumulate(load.peak > 0, axis=-1)
            fleet = np.where(started, sizes[..., None], 0) if schedule is None \
                else np.asarray(schedule, dtype=np.int64)
            bf = in_house_flows(base, s, load, sv, fleet.astype(np.int64), with_residual=True)
        assert bf.residual is not None
        rest = bf.residual
        if bf.first_service and (isinstance(n, str) or np.all(np.asarray(n) != 0)):
            months = "month 1" if bf.first_service == 1 else f"months 1-{bf.first_service}"
            bf.assumptions.insert(0, Assumption(
                name=BRIDGE_ROW, value=f"{months}: served by the overflow, {over.id}", unit="",
                source="the base's servers serve from their first delivery (procurement lead time)"))
    elif n == "planned":  # the reserved option's own plan, nothing left for the overflow
        bf = cloud_flows(base, s, load, sv, note=False)
        rest = load.in_months(np.zeros(load.peak.shape[-1], dtype=bool))
    else:
        bf, rest = _reserved_base(base, s, load, sv, int(n))
    f = _combine(bf, _overflow(over, s, rest, sv))
    assert f.staff is not None and f.staff_fte is not None
    lines, rows = standby_usd(d, s, sv, f.units, load.total_per_output, f.staff.wage["sysadmin"])
    if lines:  # the standby's SRE time counts among the hybrid's staff FTE (maintenance burden)
        fte = f.staff_fte + sv["standby_sysadmin_fte"] * (np.asarray(f.units) > 0)
        f = replace(f, cash={**f.cash, **lines}, amortised={**f.amortised, **lines},
                    assumptions=[*f.assumptions, *rows], staff_fte=fte)
    return with_tax_shield(f, s, sv)


def objective_usd(f: Flows, objective: str, discount_pct: float) -> np.ndarray:
    """The optimiser's objective per sample: NPV, or cash-view TCO."""
    if objective == "npv":
        return np.asarray(f.npv(discount_pct), dtype=float)
    return np.asarray(np.sum(f.monthly("cash"), axis=-1), dtype=float)


def base_sizes(d: Deployment, load: Load) -> list[BaseSize]:
    """The base sizes a search of ``d`` on ``load`` starts from (thinned above :data:`MAX_FULL_SEARCH`)."""
    return _grid(d, load)


def _grid(d: Deployment, load: Load) -> list[BaseSize]:
    """Base sizes to try: the option's own, else 0 .. the size for the whole peak (thinned), plus 'planned'."""
    assert isinstance(d.option, HybridOption) and d.parts is not None
    base = d.parts[0]
    if d.option.base_units is not None:
        return [d.option.base_units]
    assert base.capacity is not None and isinstance(base.option, (InHouseOption, CloudOption))
    per_unit = float(np.min(base.capacity.replicas_per_unit * np.asarray(base.capacity.output_tokens_per_s)
                            * np.asarray(base.option.target_utilisation)))  # what one unit may carry
    n_max = whole_units_int(float(np.max(load.peak)) / per_unit)
    sizes: list[BaseSize] = list(range(n_max + 1)) if n_max <= MAX_FULL_SEARCH else \
        sorted(set(np.linspace(0, n_max, MAX_FULL_SEARCH // 2).round().astype(int).tolist()))
    if not (isinstance(base.option, InHouseOption) and base.option.servers is not None):
        sizes.append("planned")  # the base option's own plan: the hybrid is never dearer than it
    return sizes


@dataclass(frozen=True)
class _Row:
    """Row ``k`` of flows costed with a leading axis over base sizes, sliced (:func:`_row`) only when read."""

    together: Flows
    k: int
    lead: int = 0  #: sample axes of the load (0: a point load)


class SearchFlows(Sequence[Flows]):
    """The flows of each base size tried: a batched size's row is sliced out when first read (most searches read
    only the winner's, which :func:`optimise` costs on its own)."""

    def __init__(self, items: list[Flows | _Row]) -> None:
        self._items = items

    def _get(self, k: int) -> Flows:
        item = self._items[k]
        if isinstance(item, _Row):
            item = self._items[k] = _row(item.together, item.k, item.lead)
        return item

    @overload
    def __getitem__(self, k: int) -> Flows: ...

    @overload
    def __getitem__(self, k: slice) -> list[Flows]: ...

    def __getitem__(self, k: int | slice) -> Flows | list[Flows]:
        if isinstance(k, slice):
            return [self._get(j) for j in range(len(self._items))[k]]
        return self._get(k)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Flows]:
        return (self._get(k) for k in range(len(self._items)))


@dataclass(frozen=True)
class HybridSearch:
    """Every base size tried (in the order tried), its flows and objective per sample, and the winner per sample."""

    sizes: list[BaseSize]
    flows: SearchFlows
    objective: np.ndarray  #: (sizes, samples) or (sizes,)
    best: np.ndarray  #: index into ``sizes`` per sample, or a 0-d index


def optimise(d: Deployment, s: Scenario, load: Load, sv: SiteValues, point: bool = False,
             own_winner: bool = True, planned: tuple[Flows, np.ndarray] | None = None) -> HybridSearch:
    """Try base sizes and pick the cheapest by the option's objective, per sample.

    When the peak needs more than :data:`MAX_FULL_SEARCH` units, a thinned grid is searched first,
    then every size between the neighbours of the best thinned size (of any sample). The sizes of an owned base
    are costed together (:func:`_batch`); in a ``point`` run (no input carries samples) the winner is then costed
    on its own (its notes and categories as a pure run gives them), unless ``own_winner`` is False (a caller that
    reads only its monthly series, the same numbers). ``planned``: the flows and objective of the base option's
    own plan on ``load``, when the caller costed them already (:func:`planned_rows`).
    """
    assert isinstance(d.option, HybridOption)
    rate = sv["discount_rate_pct_per_year"]
    sizes = _grid(d, load)
    flows, objective = _batch(d, s, load, sv, sizes, point, rate, planned)
    ints = [k for k, n in enumerate(sizes) if isinstance(n, int)]
    if d.option.base_units is None and len(ints) > 1 and int(sizes[ints[-1]]) > MAX_FULL_SEARCH:
        common = np.broadcast_shapes(*(np.shape(x) for x in objective))  # once, not once per size
        stack = np.stack([np.broadcast_to(o, common) for o in objective])
        best_pos = np.atleast_1d(np.argmin(stack[ints], axis=0))
        lo = int(sizes[ints[max(int(best_pos.min()) - 1, 0)]])
        hi = int(sizes[ints[min(int(best_pos.max()) + 1, len(ints) - 1)]])
        extra = [n for n in range(lo, hi + 1) if n not in sizes]
        sizes += extra
        more_flows, more_objective = _batch(d, s, load, sv, extra, point, rate)
        flows += more_flows
        objective += more_objective
    shape = np.broadcast_shapes(*(np.shape(o) for o in objective))
    stack = np.stack([np.broadcast_to(o, shape) for o in objective])
    best = np.argmin(stack, axis=0)
    if own_winner and np.ndim(best) == 0 and isinstance(sizes[int(best)], int) and len(sizes) > 1:
        flows[int(best)] = hybrid_at(d, s, load, sv, sizes[int(best)])
    return HybridSearch(sizes=sizes, flows=SearchFlows(flows), objective=stack, best=best)


#: base sizes of an owned base costed together (a leading axis) by :func:`_batch`
BATCH_SIZES = 64
#: at most this many (base size x sample) rows costed together by :func:`_batch` on a sampled load
BATCH_ROWS = 1024


def _batch(d: Deployment, s: Scenario, load: Load, sv: SiteValues, sizes: Sequence[BaseSize], point: bool,
           discount_pct: Any, planned: tuple[Flows, np.ndarray] | None = None
           ) -> tuple[list[Flows | _Row], list[np.ndarray]]:
    """:func:`hybrid_at` for each size, and its objective: whole-number sizes of an owned base are costed together
    along a leading axis (:data:`BATCH_SIZES` at a time on a point load, fewer on a sampled one so that at most
    :data:`BATCH_ROWS` rows go together; the same arithmetic, row by row; the objective of the whole batch in one
    reduction), the rest one by one. The rows serve the search (objective, share served by the base); the winner of
    a point search is recomputed on its own. ``point`` is kept for the callers; a sampled load is batched too."""
    assert isinstance(d.option, HybridOption) and d.parts is not None
    objective = d.option.objective
    ints = [n for n in sizes if isinstance(n, int)]
    lead = 0 if point else 1  # the sample axis (rows of shape (samples, 1)) before the months
    if not isinstance(d.parts[0].option, InHouseOption) or np.ndim(load.peak) > 2 or len(ints) < 2:
        alone = [hybrid_at(d, s, load, sv, n) for n in sizes]
        return [*alone], [objective_usd(f, objective, discount_pct) for f in alone]
    rows_per_size = max(1, int(np.size(load.peak) // np.shape(load.peak)[-1]))  # a sampled load's rows
    per_batch = BATCH_SIZES if point else max(1, min(BATCH_SIZES, BATCH_ROWS // rows_per_size))
    rows: dict[BaseSize, tuple[Flows | _Row, np.ndarray]] = {}
    for start in range(0, len(ints), per_batch):
        chunk = ints[start:start + per_batch]
        together = hybrid_at(d, s, load, sv, np.asarray(chunk).reshape((-1,) + (1,) * lead))
        values = objective_usd(together, objective, discount_pct)
        rows.update({n: (_Row(together, k, lead), values[k]) for k, n in enumerate(chunk)})
    for n in sizes:
        if n == "planned" and planned is not None:
            rows[n] = planned
        elif not isinstance(n, int):
            f = hybrid_at(d, s, load, sv, n)
            rows[n] = (f, objective_usd(f, objective, discount_pct))
    return [rows[n][0] for n in sizes], [rows[n][1] for n in sizes]


def planned_rows(d: Deployment, s: Scenario, load: Load, sv: SiteValues) -> list[tuple[Flows, np.ndarray]]:
    """The hybrid with the base option's own plan on each row of a point load with a leading axis of rows (a
    strategy's switch months), costed in one call: per row its flows and objective, for :func:`optimise`."""
    assert isinstance(d.option, HybridOption)
    together = hybrid_at(d, s, load, sv, "planned")
    values = objective_usd(together, d.option.objective, sv["discount_rate_pct_per_year"])
    return [(_row(together, k), values[k]) for k in range(len(values))]


def _row(f: Flows, k: int, lead: int = 0) -> Flows:
    """Row ``k`` of flows computed with a leading axis over base sizes, on a load with ``lead`` sample axes (a
    point load: monthly arrays 2-D, totals 1-D; a sampled one: 3-D and 2-D). An array without the leading axis
    (one that no base size changes) is kept whole."""
    def pick(a: Any, base_ndim: int = 1) -> Any:
        return a[k] if a is not None and np.ndim(a) > base_ndim + lead else a

    def rows(items: dict[str, Any]) -> dict[str, Any]:
        return {key: pick(v) for key, v in items.items()}

    staff = None if f.staff is None else Staff(fixed=rows(f.staff.fixed), variable=rows(f.staff.variable),
                                               wage=rows(f.staff.wage))
    return replace(f, cash=rows(f.cash), amortised=rows(f.amortised),
                   upfront_usd=pick(f.upfront_usd, 0), units=pick(f.units), served_tokens=pick(f.served_tokens),
                   unserved_tokens=pick(f.unserved_tokens), utilisation=pick(f.utilisation),
                   purchases=pick(f.purchases), overflow_served_tokens=pick(f.overflow_served_tokens),
                   staff_fte=pick(f.staff_fte), staff=staff, after_horizon=pick(f.after_horizon), residual=None)


def base_share(f: Flows, load: Load) -> float:
    """Share of all tokens served by the base: total minus what the overflow carried."""
    total = float(np.sum(load.total_tokens))
    if total <= 0:
        return 0.0
    over = float(np.sum(f.overflow_served_tokens)) if f.overflow_served_tokens is not None else 0.0
    return round((float(np.sum(f.served_tokens)) - over) / total, 6)


def plan_of(d: Deployment, search: HybridSearch, load: Load) -> tuple[Flows, HybridPlan]:
    """The winning flows of a point search and the plan behind them (cost curve in base-size order)."""
    assert isinstance(d.option, HybridOption) and d.parts is not None
    base, over = d.parts
    best = int(search.best)
    flows = search.flows[best]
    order = sorted((k for k, n in enumerate(search.sizes) if isinstance(n, int)), key=lambda k: int(search.sizes[k]))
    order += [k for k, n in enumerate(search.sizes) if not isinstance(n, int)]
    curve = [HybridCostPoint(base_units=search.sizes[k], cost_usd=round(float(search.objective[k]), 2),
                             share_served_by_base=base_share(search.flows[k], load)) for k in order]
    total = float(np.sum(load.total_tokens))
    over_tok = float(np.sum(flows.overflow_served_tokens)) if flows.overflow_served_tokens is not None else 0.0
    chosen = search.sizes[best]
    plan = HybridPlan(base=base.id, overflow=over.id, base_units=chosen if isinstance(chosen, str) else int(chosen),
                      base_unit_kind=base.unit_kind or (
                          "servers" if isinstance(base.option, InHouseOption) else "reserved instances"),
                      objective=d.option.objective, share_served_by_base=base_share(flows, load),
                      share_served_by_overflow=round(over_tok / total, 6) if total > 0 else 0.0, cost_curve=curve)
    return flows, plan
