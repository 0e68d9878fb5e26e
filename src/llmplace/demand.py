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
* presets (hour-of-week weights in :data:`SHAPES`, local time, Monday 00:00 first):
  ``business_hours``: Monday to Friday 08:00-18:00, no load at night or at weekends (50 hours a
  week, 217 of a 730-hour month), a morning peak and a lunch dip; ``always_on_consumer``: traffic
  every hour, evening peaks, busier weekends; ``nightly_batch``: jobs from 22:00 to 06:00 every
  day, no load by day; or custom ``hourly_weights`` (24 or 168 values);
* an hourly trace CSV supplied by the user (columns ``timestamp`` and ``tokens``).

Besides the curve, a month keeps its **rises**: each hour-to-hour increase of the load in the order
the hours come (``lo`` -> ``hi``, relative to the month's mean) and how often it happens a month.
A fleet that follows the load starts ``fleet(hi) - fleet(lo)`` units at each rise, so rises count
the instance starts (and so the warm-up time) that billing by the hour must pay for. A preset or
``hourly_weights`` gives them exactly; a trace gives them with loads rounded to sixteenths of its
busiest hour (zero kept exact); the flat shape, which has no order of hours, is taken to rise once
a day from its lowest load (zero when some hours have none) to its peak.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import InputError
from .memo import Memo
from .rises import Rises, floor_zero
from .scenario import Scenario

__all__ = ["Demand", "Load", "Rises", "SHAPES", "demand_from_scenario", "flat_ldc", "flat_rises", "load_from_demand",
           "pattern_rises", "trace_ldc", "week_profile", "weights_ldc"]

Array = NDArray[np.float64]
FLAT_BINS = 24
MAX_BINS = 24


def _day(weekday: list[float], weekend: list[float]) -> list[float]:
    return weekday * 5 + weekend * 2


# Hour-of-week load weights (Monday 00:00 first, local time). Illustrative presets, not measurements.
# Office traffic Monday to Friday 08:00-18:00 (the hours starting 08:00 .. 17:00): arrivals at 08:00, a morning
# peak, a lunch dip at 12:00, an afternoon peak, tailing off at 17:00; nothing at night or at weekends.
_OFFICE_DAY = [0.0] * 8 + [0.6, 0.9, 1.0, 1.0, 0.7, 0.8, 1.0, 1.0, 0.9, 0.6] + [0.0] * 6
# Batch jobs every night from 22:00 to 06:00, nothing by day.
_BATCH_NIGHT = [1.0] * 6 + [0.0] * 16 + [0.6, 1.0]
SHAPES: dict[str, list[float]] = {
    "business_hours": _day(_OFFICE_DAY, [0.0] * 24),
    "always_on_consumer": _day(
        [0.35, 0.25, 0.2, 0.15, 0.15, 0.2, 0.3, 0.45, 0.55, 0.6, 0.65, 0.7, 0.75, 0.7, 0.7, 0.7, 0.75,
         0.85, 0.95, 1.0, 1.0, 0.9, 0.7, 0.5],
        [0.45, 0.35, 0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.5, 0.65, 0.75, 0.8, 0.85, 0.85, 0.85, 0.85, 0.9,
         0.95, 1.0, 1.0, 1.0, 0.95, 0.8, 0.6]),
    "nightly_batch": _day(_BATCH_NIGHT, _BATCH_NIGHT),
}
TRACE_RISE_LEVELS = 16  #: a trace's loads are rounded to this many levels of its busiest hour to count its rises


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
    #: rises of the load (see the module docstring): relative load before and after each distinct rise, (..., T),
    #: and how many times a month it happens, (T,)
    rise_lo: Array = field(default_factory=lambda: np.zeros(0))
    rise_hi: Array = field(default_factory=lambda: np.zeros(0))
    rise_per_month: Array = field(default_factory=lambda: np.zeros(0))

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


def pattern_rises(rel: Array, per_month: Any) -> tuple[Array, Array, Array]:
    """Rises of a chronological load pattern that repeats (the last hour is followed by the first).

    Returns (lo, hi, times a month) per distinct rise; ``per_month`` is how often the pattern repeats a month.
    """
    rel = np.asarray(rel, dtype=float)
    prev = np.roll(rel, 1)
    up = rel > prev
    if not np.any(up):
        return np.zeros(0), np.zeros(0), np.zeros(0)
    pairs, counts = np.unique(np.stack([prev[up], rel[up]], axis=1), axis=0, return_counts=True)
    return pairs[:, 0], pairs[:, 1], np.asarray(counts * float(per_month), dtype=float)


def flat_rises(active_fraction: Any, peak_to_average: Any, hours_per_month: float) -> tuple[Array, Array, Array]:
    """Rises of the flat shape: once a day (at most once per active hour) from its lowest load to its peak."""
    a = float(np.asarray(active_fraction))
    rel, _, peak = flat_ldc(a, peak_to_average)
    lo = np.asarray(rel[..., -1], dtype=float)  # the empty-hours bin (0) when a < 1, else the quietest bin
    hi = np.asarray(peak, dtype=float)
    days = hours_per_month / 24.0
    per_month = min(days, a * hours_per_month) if a < 1.0 else days
    return lo[..., None], hi[..., None], np.array([per_month])


def _compress(rel: Array, frac: Array, bins: int = MAX_BINS) -> tuple[Array, Array]:
    """Fewer bins for a sorted curve: the busiest hour alone, then groups of equal hours (means kept).

    Hours without load keep a bin of their own, so the hours with load stay exactly known.
    """
    if len(rel) <= bins:
        return rel, frac
    zero = rel <= 0  # sorted from the busiest down: the hours without load come last
    if np.any(zero):
        busy_rel, busy_frac = _compress(rel[~zero], frac[~zero], bins - 1)
        return np.append(busy_rel, 0.0), np.append(busy_frac, float(np.sum(frac[zero])))
    groups = np.array_split(np.arange(1, len(rel)), bins - 1)
    r = [rel[0]] + [float(np.sum(rel[g] * frac[g]) / np.sum(frac[g])) for g in groups]
    f = [frac[0]] + [float(np.sum(frac[g])) for g in groups]
    return np.asarray(r), np.asarray(f)


def _read_trace(path: str | Path) -> tuple[list[float], list[datetime]]:
    """Tokens and timestamps of an hourly trace CSV (columns ``timestamp``, ``tokens``), parsed once per file
    version (a Monte Carlo run builds the demand once per chunk and per tornado or threshold point)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("workload.trace_csv", str(path),
                         "a path to an existing CSV file with columns timestamp,tokens")
    stat = p.stat()
    values, stamps = _parsed_trace(str(p.resolve()), stat.st_mtime_ns, stat.st_size)
    return list(values), list(stamps)


@lru_cache(maxsize=8)
def _parsed_trace(path: str, mtime_ns: int, size: int) -> tuple[tuple[float, ...], tuple[datetime, ...]]:
    """The parsed rows of one version of a trace file (``mtime_ns`` and ``size`` name the version)."""
    p = Path(path)
    field = "workload.trace_csv"
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
    return tuple(values), tuple(stamps)


def _span_hours(stamps: list[datetime]) -> int:
    return int(round((max(stamps) - min(stamps)).total_seconds() / 3600.0)) + 1


def _trace_curve(values: list[float], stamps: list[datetime], bins: int) -> tuple[Array, Array, Any, float]:
    span_h = _span_hours(stamps)
    missing = max(0, span_h - len(values))  # hours the trace leaves out carried no tokens
    arr = np.sort(np.concatenate([np.asarray(values), np.zeros(missing)]))[::-1]
    mean = float(np.mean(arr))
    if mean <= 0:
        raise InputError("workload.trace_csv", "all zero", "some hours with tokens > 0")
    rel_h = arr / mean
    rel, frac = _compress(rel_h, np.full(len(rel_h), 1.0 / len(rel_h)), bins)
    tokens_per_month = float(np.sum(values)) / max(span_h, len(values)) * 730.0
    return rel, frac, float(rel_h[0]), tokens_per_month


def _trace_rises(values: list[float], stamps: list[datetime], hours_per_month: float) -> tuple[Array, Array, Array]:
    """Rises of a trace in the order of its hours (hours it leaves out carry no tokens), loads rounded up to
    :data:`TRACE_RISE_LEVELS` levels of its busiest hour."""
    first = min(stamps)
    hourly = np.zeros(_span_hours(stamps))
    at = np.asarray([int(round((t - first).total_seconds() / 3600.0)) for t in stamps])
    np.add.at(hourly, at, np.asarray(values, dtype=float))
    mean = float(np.sum(values)) / max(len(hourly), len(values))
    top = float(np.max(hourly))
    levels = np.ceil(hourly / top * TRACE_RISE_LEVELS - 1e-9) / TRACE_RISE_LEVELS * top
    return pattern_rises(levels / mean, hours_per_month / len(hourly))


def trace_ldc(path: str | Path, bins: int = MAX_BINS) -> tuple[Array, Array, Any, float]:
    """LDC and mean monthly volume from an hourly trace CSV (columns ``timestamp``, ``tokens``).

    Returns (rel, frac, peak_rel, tokens_per_month); the busiest hour is kept exactly as the first bin.
    """
    values, stamps = _read_trace(path)
    return _trace_curve(values, stamps, bins)


def _shape(s: Scenario) -> tuple[Array, Array, Any, float | None, tuple[Array, Array, Array]]:
    """The month's curve (rel, frac, peak), a trace's own volume per 730 hours, and the rises."""
    w = s.workload
    hours = float(s.finance.hours_per_month)
    if w.trace_csv is not None:
        values, stamps = _read_trace(w.trace_csv)
        rel, frac, peak, volume = _trace_curve(values, stamps, MAX_BINS)
        return rel, frac, peak, volume, _trace_rises(values, stamps, hours)
    if w.hourly_weights is not None or w.shape != "flat":
        weights = w.hourly_weights if w.hourly_weights is not None else SHAPES[w.shape]
        rel, frac, peak = weights_ldc(weights, "workload.hourly_weights" if w.hourly_weights is not None
                                      else "workload.shape")
        rel_h = np.asarray(weights, dtype=float) / float(np.mean(weights))
        return rel, frac, peak, None, pattern_rises(rel_h, hours / len(weights))
    active = w.active_hours_per_month if w.active_hours_per_month is not None else hours
    rel, frac, peak = flat_ldc(active / hours, w.peak_to_average)
    return rel, frac, peak, None, flat_rises(active / hours, w.peak_to_average, hours)


WEEK_HOURS = 168


def _trace_week(values: list[float], stamps: list[datetime]) -> Array:
    """A trace folded onto the hours of its week (of its day when it spans less than a week): each hour the mean
    of the trace's hours falling on it (hours it leaves out carry no tokens)."""
    first = min(stamps)
    hourly = np.zeros(_span_hours(stamps))
    np.add.at(hourly, [int(round((t - first).total_seconds() / 3600.0)) for t in stamps], np.asarray(values))
    period = WEEK_HOURS if len(hourly) >= WEEK_HOURS else 24
    slot = (first.weekday() * 24 + first.hour + np.arange(len(hourly))) % period
    counts = np.bincount(slot, minlength=period)
    folded = np.bincount(slot, weights=hourly, minlength=period) / np.maximum(counts, 1)
    return np.resize(folded, WEEK_HOURS)


def week_profile(s: Scenario) -> Array | None:
    """The load hour by hour over a week (168 values, Monday 00:00 first, mean 1), or None where the shape gives no
    hour-by-hour timing (the flat shape: its curve is known, not when its hours fall). A preset or
    ``hourly_weights`` gives it exactly (24 values repeat every day); a trace is folded onto the week by its
    timestamps (each hour of the week: the mean of the trace's hours on it)."""
    w = s.workload
    if w.trace_csv is not None:
        week = _trace_week(*_read_trace(w.trace_csv))
    elif w.hourly_weights is not None or w.shape != "flat":
        week = np.resize(np.asarray(w.hourly_weights if w.hourly_weights is not None else SHAPES[w.shape],
                                    dtype=float), WEEK_HOURS)
    else:
        return None
    mean = float(np.mean(week))
    return week / mean if mean > 0 else None


def demand_from_scenario(s: Scenario) -> Demand:
    """Monthly volume with compound growth, seasonality and bursts, and the month's load shape."""
    w = s.workload
    fin = s.finance
    horizon = fin.horizon_months
    hours = float(fin.hours_per_month)
    base = w.tokens_per_month_total() if (w.tokens_per_month is not None or w.requests_per_month is not None) else 0.0
    rel, frac, peak, trace_volume, rises = _shape(s)
    if trace_volume is not None and w.tokens_per_month is None and w.requests_per_month is None:
        base = trace_volume * hours / 730.0
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
        rise_lo=rises[0], rise_hi=rises[1], rise_per_month=rises[2],
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
    rises: Rises | None = None  #: the load's rises in the order of the hours (None: not known, no starts counted)
    #: what the options serving this load compute from it alone (fleets, starts, the load above a fleet), once each
    memo: Memo = field(default_factory=Memo, repr=False, compare=False)

    def _part(self, rate: Array, peak: Array, rises: Rises | None) -> Load:
        return Load(rate_given=rate, hours=self.hours, peak=peak, total_per_output=self.total_per_output,
                    cached_share=self.cached_share, active=self.active, rises=rises)

    def above(self, cap: Array) -> Load:
        """The load beyond a capacity of ``cap`` [tokens/s] a month: what a base leaves to an overflow."""
        c = np.asarray(cap, dtype=float)
        return self._part(floor_zero(np.subtract(self.rate, c[..., None])), np.maximum(self.peak - c, 0.0),
                          self.rises.above(c) if self.rises is not None else None)

    def below(self, cap: Array) -> Load:
        """The load up to a capacity of ``cap`` [tokens/s] a month: what a base carries."""
        c = np.asarray(cap, dtype=float)
        return self._part(np.minimum(self.rate, c[..., None]), np.minimum(self.peak, c),
                          self.rises.below(c) if self.rises is not None else None)

    def in_months(self, keep: Array, with_rises: bool = True) -> Load:
        """The load in the months where ``keep`` (months,) is true, none in the others (``with_rises=False``: its
        rises left unknown, for a user that counts no starts, such as an API)."""
        k = np.asarray(keep, dtype=float)
        rises = self.rises.in_months(k) if self.rises is not None and with_rises else None
        if self.rate_given is None and self.mean is not None:  # keep the shared curve: scale the monthly mean
            return Load(hours=self.hours, peak=self.peak * k, total_per_output=self.total_per_output,
                        cached_share=self.cached_share, active=self.active, mean=self.mean * k, rel=self.rel,
                        rises=rises)
        return self._part(self.rate * k[..., None], self.peak * k, rises)

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
    mean = dem.mean_output_tokens_per_s
    rises = Rises(lo=mean[..., None] * dem.rise_lo, hi=mean[..., None] * dem.rise_hi,
                  per_month=np.asarray(dem.rise_per_month, dtype=float))
    return Load(hours=dem.bin_hours, peak=dem.peak_output_tokens_per_s, total_per_output=tot,
                cached_share=cached_share, active=dem.rel > 0, mean=mean, rel=dem.rel, rises=rises)
