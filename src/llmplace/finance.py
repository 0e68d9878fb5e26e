"""Small finance helpers: discounting, depreciation, break-even.

All work on numpy arrays of monthly values. Conventions: month ``m`` (1-based) is the interval
``(m-1, m]``; an amount paid upfront for month 1 sits at ``t = 0``; running costs sit at the end
of their month.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "monthly_rate", "npv", "npv_timed", "straight_line", "break_even_month", "break_even_months",
    "cumulative_with_origin", "max_abs",
]

Array = NDArray[np.float64]


def monthly_rate(annual_pct: float) -> float:
    """Monthly discount rate equivalent to an annual rate [% per year] (compound)."""
    return float((1.0 + annual_pct / 100.0) ** (1.0 / 12.0) - 1.0)


def npv(upfront_usd: Any, monthly_usd: Array, annual_pct: Any) -> Any:
    """Net present value [USD] of ``upfront_usd`` at t=0 plus ``monthly_usd[..., m-1]`` at the end of month m.

    ``monthly_usd`` here excludes the upfront amount. A 0 % rate gives the plain sum. Months are the
    last axis; a leading sample axis (and a rate per sample, shape (samples, 1)) is allowed.
    """
    monthly_usd = np.asarray(monthly_usd, dtype=float)
    r = (1.0 + np.asarray(annual_pct, dtype=float) / 100.0) ** (1.0 / 12.0) - 1.0
    months = np.arange(1, monthly_usd.shape[-1] + 1, dtype=float)
    factors = (1.0 + r) ** -months
    out = upfront_usd + np.sum(monthly_usd * factors, axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def npv_timed(start_of_month: Array, end_of_month: Array, annual_pct: Any) -> Any:
    """NPV [USD] of amounts paid at the start of each month (purchases) and at its end (running costs).

    Month ``m`` (1-based) starts at t = m - 1 and ends at t = m; months are the last axis.
    """
    start = np.asarray(start_of_month, dtype=float)
    end = np.asarray(end_of_month, dtype=float)
    r = (1.0 + np.asarray(annual_pct, dtype=float) / 100.0) ** (1.0 / 12.0) - 1.0
    t = np.arange(max(start.shape[-1], end.shape[-1]), dtype=float)
    out = np.sum(start * (1.0 + r) ** -t, axis=-1) + np.sum(end * (1.0 + r) ** -(t + 1.0), axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def straight_line(cost_usd: float, residual_usd: float, life_months: float) -> float:
    """Monthly straight-line depreciation [USD/month]; an infinite life depreciates nothing."""
    if not np.isfinite(life_months) or life_months <= 0:
        return 0.0
    return (cost_usd - residual_usd) / life_months


def cumulative_with_origin(upfront_usd: Any, monthly_after_upfront_usd: Array) -> Array:
    """Cumulative cost at t = 0, 1, ..., H: the upfront amount, then the running sums (months last)."""
    m = np.asarray(monthly_after_upfront_usd, dtype=float)
    up = np.broadcast_to(np.asarray(upfront_usd, dtype=float)[..., None], m.shape[:-1] + (1,))
    return np.concatenate([up, up + np.cumsum(m, axis=-1)], axis=-1)


def break_even_months(cum_a: Array, cum_b: Array, peaks: tuple[Array, Array] | None = None) -> Array:
    """First time [months] at which cumulative costs (indexed t = 0..H on the last axis) cross; NaN if never.

    Linear interpolation inside the month of the crossing. When the curves start equal, parting is
    not a crossing: the first later change of order is. When they touch and then swap, the
    crossing is the first month of the touch. Leading axes (samples) are kept. ``peaks``: :func:`max_abs` of
    ``cum_a`` and of ``cum_b``, when the caller has them (an option's curve meets several others).
    """
    a = np.asarray(cum_a, dtype=float)
    b = np.asarray(cum_b, dtype=float)
    d = a - b
    mx_a, mx_b = peaks if peaks is not None else (max_abs(a), max_abs(b))
    scale = np.maximum(1.0, np.maximum(mx_a, mx_b))[..., None]
    tol = 1e-9 * scale
    above, below = d > tol, d < -tol  # the sign of d, |d| <= tol counting as 0
    nonzero = above | below
    n = d.shape[-1]
    idx = np.arange(n)
    has_start = np.any(nonzero, axis=-1)
    start = np.argmax(nonzero, axis=-1)
    starts_above = np.take_along_axis(above, start[..., None], axis=-1)
    flip = np.where(starts_above, below, above)  # the opposite sign of the first nonzero one
    flip &= idx > start[..., None]
    has_flip = np.any(flip, axis=-1) & has_start
    tf = np.argmax(flip, axis=-1)
    prev = np.maximum(tf - 1, 0)
    d0 = np.take_along_axis(d, prev[..., None], axis=-1)[..., 0]
    d1 = np.take_along_axis(d, tf[..., None], axis=-1)[..., 0]
    denom = np.where(d0 - d1 == 0, 1.0, d0 - d1)
    out = np.asarray(prev + d0 / denom, dtype=float)
    # a touch: equal months between the last unequal one and the flip; the crossing is the first equal month
    touch = has_flip & ~np.take_along_axis(nonzero, prev[..., None], axis=-1)[..., 0]
    if np.any(touch):  # rare: the last unequal month up to prev, for those rows only
        rows = nonzero[touch] & (idx <= prev[touch][:, None])
        out[touch] = np.max(np.where(rows, idx, -1), axis=-1) + 1.0
    return np.where(has_flip, out, np.nan)


def max_abs(x: Array) -> Array:
    """max |x| over the last axis, without an array of |x| (the largest, or minus the smallest)."""
    return np.maximum(np.max(x, axis=-1), -np.min(x, axis=-1))



def break_even_month(cum_a: Array, cum_b: Array) -> float | None:
    """Scalar form of :func:`break_even_months`: ``None`` when the order never changes."""
    m = float(break_even_months(cum_a, cum_b))
    return None if np.isnan(m) else m
