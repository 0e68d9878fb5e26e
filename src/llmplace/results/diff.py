"""How the results of two scenarios differ: each option's cost figures side by side, with b minus a.

Only figures both results hold are subtracted: an option in one scenario only, or infeasible in either,
has its figures shown and no delta. The two results may use different horizons or conventions; each
side's horizon is given, and a delta between different horizons is flagged, not hidden.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from . import CompareResult, OptionResult

__all__ = ["FigureDelta", "OptionDelta", "ResultDiff", "diff_results"]

FIGURES = ("upfront_usd", "tco_usd", "npv_usd", "usd_per_mtok")
"""The cash-view figures compared per option (names as in :class:`OptionResult`)."""


class FigureDelta(BaseModel):
    figure: str = Field(description="an OptionResult field, e.g. tco_usd")
    a: float | None = Field(description="the figure in the first scenario; None where the option has none")
    b: float | None
    delta: float | None = Field(description="b minus a, where both are present")


class OptionDelta(BaseModel):
    id: str
    label: str
    feasible_a: bool | None = Field(description="None: the first scenario has no such option")
    feasible_b: bool | None
    figures: list[FigureDelta]


class ResultDiff(BaseModel):
    horizon_months_a: int
    horizon_months_b: int
    same_horizon: bool = Field(description="False: TCO and NPV deltas compare different periods")
    cheapest_a: str | None
    cheapest_b: str | None
    recommended_a: str | None
    recommended_b: str | None
    options: list[OptionDelta]


def _figure(o: OptionResult | None, name: str) -> float | None:
    if o is None or not o.feasible:
        return None
    value = getattr(o, name)
    return None if value is None else float(value)


def _option(oid: str, oa: OptionResult | None, ob: OptionResult | None) -> OptionDelta:
    figures = []
    for name in FIGURES:
        va, vb = _figure(oa, name), _figure(ob, name)
        figures.append(FigureDelta(figure=name, a=va, b=vb, delta=vb - va if va is not None and vb is not None
                                   else None))
    either = ob if ob is not None else oa
    label = either.label if either is not None else oid
    return OptionDelta(id=oid, label=label, feasible_a=oa.feasible if oa else None,
                       feasible_b=ob.feasible if ob else None, figures=figures)


def _recommended(r: CompareResult) -> str | None:
    return r.recommendation.option if r.recommendation is not None else None


def diff_results(a: CompareResult, b: CompareResult) -> ResultDiff:
    """Option by option (matched by id: ``a``'s order, then options only ``b`` has), the figures of
    :data:`FIGURES` in ``a`` and ``b`` and ``b - a``."""
    by_a = {o.id: o for o in a.options}
    by_b = {o.id: o for o in b.options}
    ids = [*by_a, *(i for i in by_b if i not in by_a)]
    return ResultDiff(
        horizon_months_a=a.horizon_months, horizon_months_b=b.horizon_months,
        same_horizon=a.horizon_months == b.horizon_months,
        cheapest_a=a.cheapest, cheapest_b=b.cheapest,
        recommended_a=_recommended(a), recommended_b=_recommended(b),
        options=[_option(i, by_a.get(i), by_b.get(i)) for i in ids],
    )
