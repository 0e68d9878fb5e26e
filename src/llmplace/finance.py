"""Small finance helpers: discounting, depreciation, break-even.

All work on numpy arrays of monthly values. Conventions: month ``m`` (1-based) is the interval
``(m-1, m]``; an amount paid upfront for month 1 sits at ``t = 0``; running costs sit at the end
of their month.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["monthly_rate", "npv", "straight_line", "break_even_month", "cumulative_with_origin"]

Array = NDArray[np.float64]


def monthly_rate(annual_pct: float) -> float:
    """Monthly discount rate equivalent to an annual rate [% per year] (compound)."""
    return float((1.0 + annual_pct / 100.0) ** (1.0 / 12.0) - 1.0)


def npv(upfront_usd: float, monthly_usd: Array, annual_pct: float) -> float:
    """Net present value [USD] of ``upfront_usd`` at t=0 plus ``monthly_usd[m-1]`` at the end of month m.

    ``monthly_usd`` here excludes the upfront amount. A 0 % rate gives the plain sum.
    """
    r = monthly_rate(annual_pct)
    months = np.arange(1, len(monthly_usd) + 1, dtype=float)
    factors = (1.0 + r) ** -months
    return float(upfront_usd + np.dot(monthly_usd, factors))


def straight_line(cost_usd: float, residual_usd: float, life_months: float) -> float:
    """Monthly straight-line depreciation [USD/month]; an infinite life depreciates nothing."""
    if not np.isfinite(life_months) or life_months <= 0:
        return 0.0
    return (cost_usd - residual_usd) / life_months


def cumulative_with_origin(upfront_usd: float, monthly_after_upfront_usd: Array) -> Array:
    """Cumulative cost at t = 0, 1, ..., H: the upfront amount, then the running sums."""
    return np.concatenate([[upfront_usd], upfront_usd + np.cumsum(monthly_after_upfront_usd)])


def break_even_month(cum_a: Array, cum_b: Array) -> float | None:
    """First time [months] at which the cumulative costs ``cum_a`` and ``cum_b`` (indexed t = 0..H) cross.

    Linear interpolation inside the month of the crossing. ``None`` when the order never changes
    within the horizon. When they start equal, the first time they part is not a crossing; the
    first later sign change is.
    """
    d = np.asarray(cum_a, dtype=float) - np.asarray(cum_b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(cum_a))), float(np.max(np.abs(cum_b))))
    sign = np.where(np.abs(d) <= 1e-9 * scale, 0, np.sign(d))
    start = None
    for t in range(len(d)):
        if sign[t] != 0:
            start = t
            break
    if start is None:
        return None
    for t in range(start + 1, len(d)):
        if sign[t] == 0:
            # touching counts only when they really swap afterwards
            nxt = next((sign[u] for u in range(t + 1, len(d)) if sign[u] != 0), 0)
            if nxt != 0 and nxt != sign[start]:
                return float(t)
            continue
        if sign[t] != sign[start]:
            d0, d1 = d[t - 1], d[t]
            return float(t - 1 + d0 / (d0 - d1))
    return None
