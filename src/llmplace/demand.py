"""Demand over the horizon, kept compact as a load-duration curve (LDC) per month.

A month's load is described by bins: ``frac[b]`` is the share of the month's hours spent in bin
``b`` and ``rel[b]`` the load in that bin relative to the month's mean hourly load (so that
``sum(frac * rel) == 1``). Bins are sorted from the busiest down. Five years of hourly load thus
fit in a (months x bins) array, and costs per hour become sums over bins.

Shapes:

* ``flat`` (default): load only in the active hours, with the busiest hour at
  ``peak_to_average`` times the active-hours mean; the curve between is
  ``p (1 - x)^(p - 1)`` for ``p > 2`` and linear from ``p`` down to ``2 - p`` for ``p <= 2``
  (both have mean 1 and maximum ``p``);
* presets ``business_hours``, ``always_on_consumer``, ``nightly_batch`` (hour-of-week weights in
  :data:`SHAPES`), or custom ``hourly_weights`` (24 or 168 values);
* an hourly trace CSV supplied by the user (columns ``timestamp`` and ``tokens``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import InputError
from .scenario import Scenario

__all__ = ["Demand", "Load", "SHAPES", "demand_from_scenario", "flat_ldc", "load_from_demand", "trace_ldc",
           "weights_ldc"]

Array = NDArray[np.float64]
FLAT_BINS = 24
MAX_BINS = 24


def _day(weekday: list[float], weekend: list[float]) -> list[float]:
    return weekday * 5 + weekend * 2


# Hour-of-week load weights (Monday 00:00 first). Illustrative presets, not measurements: office
# traffic 08-18 on weekdays; consumer traffic peaking in the evening every day; batch jobs at night.
SHAPES: dict[str, list[float]] = {
    "business_hours": _day([0.05] * 7 + [0.5] + [1.0] * 10 + [0.4] + [0.1] * 5, [0.05] * 24),
    "always_on_consumer": _day(
        [0.35, 0.25, 0.2, 0.15, 0.15, 0.2, 0.3, 0.45, 0.55, 0.6, 0.65, 0.7, 0.75, 0.7, 0.7, 0.7, 0.75,
         0.85, 0.95, 1.0, 1.0, 0.9, 0.7, 0.5],
        [0.45, 0.35, 0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.5, 0.65, 0.75, 0.8, 0.85, 0.85, 0.85, 0.85, 0.9,
         0.95, 1.0, 1.0, 1.0, 0.95, 0.8, 0.6]),
    "nightly_batch": _day([1.0] * 6 + [0.05] * 16 + [0.6, 1.0], [1.0] * 6 + [0.05] * 16 + [0.6, 1.0]),
}


@dataclass(frozen=True)
class Demand:
    """Monthly demand and its load-duration curve.

    ``total_tokens`` etc. have one value a month [tokens/month]; ``rel`` and ``frac`` are
    (months x bins) arrays as described in the module docstring, where the month axis may have
    length 1 when every month shares one curve (it broadcasts).
    """

    total_tokens: Array
    input_tokens: Array
    output_tokens: Array
    cached_input_tokens: Array
    hours_per_month: float
    rel: Array
    frac: Array
    peak_rel: Array
    output_share: Any = 1.0

    @property
    def months(self) -> int:
        return len(self.total_tokens)

    @property
    def active_hours_per_month(self) -> float:
        """Hours a month with any load [h] (of the first month)."""
        first = np.sum(np.where(self.rel[..., 0, :] > 0, self.frac[..., 0, :], 0.0), axis=-1)
        return float(np.ravel(first)[0]) * self.hours_per_month

    @property
    def mean_output_tokens_per_s(self) -> Array:
        """Mean output rate over all hours of each month [tokens/s]."""
        return self.output_tokens / (self.hours_per_month * 3600.0)

    @property
    def average_output_tokens_per_s(self) -> Array:
        """Mean output rate over the active hours [tokens/s]."""
        active = np.sum(np.where(self.rel > 0, self.frac, 0.0), axis=-1) * self.hours_per_month
        return self.output_tokens / (np.where(active > 0, active, 1.0) * 3600.0)

    @property
    def bin_output_tokens_per_s(self) -> Array:
        """Output rate in each bin of each month [tokens/s], (months x bins)."""
        return self.mean_output_tokens_per_s[..., None] * self.rel

    @property
    def bin_hours(self) -> Array:
        """Hours in each bin of each month [h], (months x bins)."""
        return self.frac * self.hours_per_month

    @property
    def peak_output_tokens_per_s(self) -> Array:
        """Busiest-hour output rate of each month [tokens/s]."""
        return self.mean_output_tokens_per_s * self.peak_rel


def flat_ldc(active_fraction: Any, peak_to_average: Any, bins: int = FLAT_BINS) -> tuple[Array, Array, Array]:
    """LDC of load confined to ``active_fraction`` of the hours with the given peak-to-average ratio.

    Returns (rel, frac, peak_rel); rel is relative to the mean over all hours. Inputs may be arrays
    of samples (shape (samples, 1)); bins are then the last axis.
    """
    p = np.asarray(peak_to_average, dtype=float)[..., None]
    a = np.asarray(active_fraction, dtype=float)[..., None]
    x = (np.arange(bins) + 0.5) / bins
    # linear from p to 2 - p for p <= 2, else p (1 - x)^(p - 1): both have mean 1 and maximum p
    r = np.where(p <= 2.0, p + (2.0 - 2.0 * p) * x, p * (1.0 - x) ** np.maximum(p - 1.0, 0.0))
    r = r / np.mean(r, axis=-1, keepdims=True)  # midpoint sampling: restore the mean exactly
    rel = r / a
    frac = a / bins + 0.0 * r
    peak = (p / a)[..., 0]
    if np.any(a < 1.0):
        rel = np.concatenate([rel, np.zeros(rel.shape[:-1] + (1,))], axis=-1)
        frac = np.concatenate([frac, np.broadcast_to(1.0 - a, frac.shape[:-1] + (1,))], axis=-1)
    return rel, frac, peak


def weights_ldc(weights: list[float] | Array, field: str = "workload.hourly_weights") -> tuple[Array, Array, Any]:
    """LDC from hour-of-day (24) or hour-of-week (168) weights."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or len(w) not in (24, 168) or np.any(w < 0) or not np.any(w > 0):
        raise InputError(field, f"{len(w)} values" if w.ndim == 1 else "a table",
                         "24 (hour of day) or 168 (hour of week) non-negative numbers, not all zero")
    rel = np.sort(w / np.mean(w))[::-1]
    rel, frac = _compress(rel, np.full(len(w), 1.0 / len(w)))
    return rel, frac, float(rel[0])


def _compress(rel: Array, frac: Array, bins: int = MAX_BINS) -> tuple[Array, Array]:
    """Fewer bins for a sorted curve: the busiest hour alone, then groups of equal hours (means kept)."""
    if len(rel) <= bins:
        return rel, frac
    groups = np.array_split(np.arange(1, len(rel)), bins - 1)
    r = [rel[0]] + [float(np.sum(rel[g] * frac[g]) / np.sum(frac[g])) for g in groups]
    f = [frac[0]] + [float(np.sum(frac[g])) for g in groups]
    return np.asarray(r), np.asarray(f)


def trace_ldc(path: str | Path, bins: int = MAX_BINS) -> tuple[Array, Array, Any, float]:
    """LDC and mean monthly volume from an hourly trace CSV (columns ``timestamp``, ``tokens``).

    Returns (rel, frac, peak_rel, tokens_per_month); the busiest hour is kept exactly as the first bin.
    """
    p = Path(path)
    field = "workload.trace_csv"
    if not p.is_file():
        raise InputError(field, str(path), "a path to an existing CSV file with columns timestamp,tokens")
    values: list[float] = []
    stamps: list[datetime] = []
    with p.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not {"timestamp", "tokens"} <= set(reader.fieldnames):
            raise InputError(field, str(path), "a CSV with columns timestamp,tokens (one row per hour)")
        for i, row in enumerate(reader, start=2):
            try:
                stamps.append(datetime.fromisoformat(row["timestamp"].strip()))
                v = float(row["tokens"])
            except (ValueError, AttributeError):
                raise InputError(f"{field} line {i}", row, "an ISO timestamp and a number of tokens") from None
            if v < 0:
                raise InputError(f"{field} line {i}", v, "tokens >= 0")
            values.append(v)
    if len(values) < 24:
        raise InputError(field, f"{len(values)} rows", "at least 24 hourly rows")
    span_h = int(round((max(stamps) - min(stamps)).total_seconds() / 3600.0)) + 1
    missing = max(0, span_h - len(values))  # hours the trace leaves out carried no tokens
    arr = np.sort(np.concatenate([np.asarray(values), np.zeros(missing)]))[::-1]
    mean = float(np.mean(arr))
    if mean <= 0:
        raise InputError(field, "all zero", "some hours with tokens > 0")
    rel_h = arr / mean
    rel, frac = _compress(rel_h, np.full(len(rel_h), 1.0 / len(rel_h)), bins)
    tokens_per_month = float(np.sum(values)) / max(span_h, len(values)) * 730.0
    return rel, frac, float(rel_h[0]), tokens_per_month


def demand_from_scenario(s: Scenario) -> Demand:
    """Monthly volume with compound growth, seasonality and bursts, and the month's load shape."""
    w = s.workload
    fin = s.finance
    horizon = fin.horizon_months
    hours = float(fin.hours_per_month)
    base = w.tokens_per_month_total() if (w.tokens_per_month is not None or w.requests_per_month is not None) else 0.0
    if w.trace_csv is not None:
        rel, frac, peak, trace_volume = trace_ldc(w.trace_csv)
        if w.tokens_per_month is None and w.requests_per_month is None:
            base = trace_volume * hours / 730.0
    elif w.hourly_weights is not None:
        rel, frac, peak = weights_ldc(w.hourly_weights)
    elif w.shape != "flat":
        rel, frac, peak = weights_ldc(SHAPES[w.shape], "workload.shape")
    else:
        active = w.active_hours_per_month if w.active_hours_per_month is not None else hours
        rel, frac, peak = flat_ldc(active / hours, w.peak_to_average)
    months = np.arange(horizon, dtype=float)
    volume = np.asarray(base, dtype=float) * (1.0 + np.asarray(w.growth_pct_per_month) / 100.0) ** months
    if w.monthly_multipliers is not None:
        mult = np.asarray(w.monthly_multipliers, dtype=float)
        volume = volume * mult[(months.astype(int) + (w.start_month - 1)) % 12]
    for burst in w.bursts:
        if burst.month <= horizon:
            volume[..., burst.month - 1] *= burst.multiplier
    shape = np.broadcast_shapes(volume.shape, np.shape(peak))  # a sampled peak adds the sample axis
    volume = np.broadcast_to(volume, shape).copy()
    peak_rel = np.broadcast_to(np.asarray(peak, dtype=float), shape).copy()
    output = volume * w.output_share
    inputs = volume - output
    rel = np.asarray(rel, dtype=float)
    frac = np.asarray(frac, dtype=float)
    if rel.ndim == 1:  # one curve for every month: add the month axis
        rel, frac = rel[None, :], frac[None, :]
    if rel.ndim == 2 and volume.ndim == 2:  # one curve for all samples and months: keep it unbroadcast
        rel, frac = rel[None], frac[None]
    return Demand(
        total_tokens=volume,
        input_tokens=inputs,
        output_tokens=output,
        cached_input_tokens=inputs * w.cached_input_share,
        hours_per_month=hours,
        rel=rel,
        frac=frac,
        peak_rel=peak_rel,
        output_share=w.output_share,
    )


@dataclass
class Load:
    """What one deployment must serve: output-token rate per LDC bin, and the token mix.

    The rate [tokens/s] per bin is either given (``rate_given``, (months x bins)) or the product
    of a monthly mean over all hours ``mean`` and a relative curve ``rel`` shared by every month
    (and sample), which lets sums over bins collapse to closed forms. ``hours`` [h] per bin,
    ``peak`` the exact busiest-hour rate of each month [tokens/s].
    """

    hours: Array
    peak: Array
    total_per_output: Any
    cached_share: Any
    active: NDArray[np.bool_]
    rate_given: Array | None = None
    mean: Array | None = None
    rel: Array | None = None

    @cached_property
    def rate(self) -> Array:
        if self.rate_given is not None:
            return self.rate_given
        assert self.mean is not None and self.rel is not None
        return self.mean[..., None] * self.rel

    @property
    def shared_curve(self) -> bool:
        """One relative curve and one hour split for every month and sample."""
        return (self.rate_given is None and self.rel is not None
                and int(np.prod(self.rel.shape[:-1])) == 1 and int(np.prod(self.hours.shape[:-1])) == 1)

    @cached_property
    def output_tokens(self) -> Array:
        if self.shared_curve:
            assert self.mean is not None
            return self.mean * float(np.sum(self.hours)) * 3600.0
        return np.sum(self.rate * self.hours, axis=-1) * 3600.0

    @property
    def total_tokens(self) -> Array:
        return self.output_tokens * self.total_per_output

    def served_rate_hours(self, capacity: Array) -> Array:
        """Sum over bins of hours x min(rate, capacity) [tokens/s x h], for a capacity per month.

        With a shared curve this is ``mean x F(capacity / mean)`` where ``F(x) = sum(h_b min(rel_b, x))``
        is piecewise linear between the curve's values, so no (months x bins) array is built.
        """
        if not self.shared_curve:
            return np.sum(np.minimum(self.rate, capacity[..., None]) * self.hours, axis=-1)
        assert self.mean is not None and self.rel is not None
        rel = self.rel.reshape(-1)
        hrs = np.broadcast_to(self.hours.reshape(-1), rel.shape)
        order = np.argsort(rel)
        knots = np.concatenate([[0.0], rel[order]])
        h_sorted = hrs[order]
        below = np.concatenate([[0.0], np.cumsum(h_sorted * rel[order])])  # sum of h r for r <= knot
        above = np.concatenate([[np.sum(h_sorted)], np.sum(h_sorted) - np.cumsum(h_sorted)])  # hours with r > knot
        f_knots = below + knots * above
        mean = np.asarray(self.mean, dtype=float)
        x = np.where(mean > 0, capacity / np.where(mean > 0, mean, 1.0), 0.0)
        return np.where(mean > 0, mean * np.interp(x, knots, f_knots), 0.0)


def load_from_demand(dem: Demand, cached_share: Any) -> Load:
    share = np.asarray(dem.output_share, dtype=float)
    tot: Any = float(1.0 / share) if share.ndim == 0 else 1.0 / share
    return Load(hours=dem.bin_hours, peak=dem.peak_output_tokens_per_s, total_per_output=tot,
                cached_share=cached_share, active=dem.rel > 0, mean=dem.mean_output_tokens_per_s, rel=dem.rel)
