"""Demand over the horizon: tokens per month, split into input and output, and the peak rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .scenario import Scenario

__all__ = ["Demand", "demand_from_scenario"]


@dataclass(frozen=True)
class Demand:
    """Monthly demand arrays (length = horizon) and the hours they fall in.

    ``peak_output_tokens_per_s`` is the rate the fleet must carry in the busiest hour:
    the active-hours average times the peak-to-average ratio.
    """

    total_tokens: NDArray[np.float64]
    input_tokens: NDArray[np.float64]
    output_tokens: NDArray[np.float64]
    cached_input_tokens: NDArray[np.float64]
    active_hours_per_month: float
    hours_per_month: float
    peak_to_average: float

    @property
    def average_output_tokens_per_s(self) -> NDArray[np.float64]:
        """Mean output rate over the active hours [tokens/s]."""
        return self.output_tokens / (self.active_hours_per_month * 3600.0)

    @property
    def peak_output_tokens_per_s(self) -> NDArray[np.float64]:
        return self.average_output_tokens_per_s * self.peak_to_average


def demand_from_scenario(s: Scenario) -> Demand:
    """Flat volume with compound monthly growth (month 1 carries the stated volume)."""
    w = s.workload
    horizon = s.finance.horizon_months
    months = np.arange(horizon, dtype=float)
    total = w.tokens_per_month_total() * (1.0 + w.growth_pct_per_month / 100.0) ** months
    output = total * w.output_share
    inputs = total - output
    active = w.active_hours_per_month if w.active_hours_per_month is not None else s.finance.hours_per_month
    return Demand(
        total_tokens=total,
        input_tokens=inputs,
        output_tokens=output,
        cached_input_tokens=inputs * w.cached_input_share,
        active_hours_per_month=float(active),
        hours_per_month=float(s.finance.hours_per_month),
        peak_to_average=float(w.peak_to_average),
    )
