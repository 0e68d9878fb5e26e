"""Result types of the uncertainty step: ranges, break-even distributions, tornado rows, thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from .base import _Doc

__all__ = [
    "BreakEvenRange",
    "DistributionSummary",
    "OptionRisk",
    "Percentiles",
    "RiskSummary",
    "SampleArrays",
    "Threshold",
    "ThresholdFlip",
    "ThresholdStays",
    "TornadoRow",
    "UncertainInputSummary",
]

Array = NDArray[np.float64]


class Percentiles(BaseModel):
    p10: float
    p50: float
    p90: float
    mean: float


class BreakEvenRange(_Doc):
    """Sampled break-even month against another option: how often it falls within the horizon, and when."""

    _omit_if_none: ClassVar[frozenset[str]] = frozenset({"p10", "p50", "p90"})

    probability_within_horizon: float
    p10: float | None = None
    p50: float | None = None
    p90: float | None = None


class OptionRisk(BaseModel):
    """Monte Carlo ranges of one option."""

    tco_usd: Percentiles
    npv_usd: Percentiles
    probability_cheapest: float | None
    tco_spread_pct: float | None = Field(description="(P90 - P10) / P50 of TCO [%]")
    monthly_cost_spread_pct: float = Field(description="median over months of (P90 - P10) / P50 [%]")
    break_even_months: dict[str, BreakEvenRange]




# ---------------------------------------------------------------- uncertainty


class DistributionSummary(_Doc):
    """An uncertain input's distribution as given (only the parameters of its kind)."""

    _omit_if_none: ClassVar[frozenset[str]] = frozenset({"dist", "low", "mode", "high", "p10", "p90", "values"})

    path: str
    dist: str | None = None
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    p10: float | None = None
    p90: float | None = None
    values: list[float] | None = None


class UncertainInputSummary(BaseModel):
    """One uncertain input of the Monte Carlo: its distribution, point value and the fields it moves."""

    name: str
    label: str
    distribution: DistributionSummary
    point: float
    unit: str
    fields: list[str]
    how: list[str]
    default: bool
    source: str


class RiskSummary(BaseModel):
    """The Monte Carlo run: samples, seed, inputs and each option's probability of being cheapest."""

    samples: int
    seed: int
    inputs: list[UncertainInputSummary]
    probability_cheapest: dict[str, float]
    method: str


class TornadoRow(BaseModel):
    """One input swung from its P10 to its P90, the others at their medians: the gap between two options."""

    input: str
    label: str
    low_value: float
    high_value: float
    median_value: float
    unit: str
    gap_at_low_usd: float
    gap_at_high_usd: float
    swing_usd: float
    gap_at_median_usd: float
    between: list[str]


class ThresholdFlip(BaseModel):
    """The value of an input at which the cheapest option changes."""

    input: str
    label: str
    flips: Literal[True] = True
    value: float
    unit: str
    direction: str
    cheapest_beyond: str
    cheapest_before: str
    scenario_changes: dict[str, float]
    bracket: list[float]
    statement: str


class ThresholdStays(BaseModel):
    """An input over whose whole range the cheapest option stays the same."""

    input: str
    label: str
    flips: Literal[False] = False
    range: list[float]
    cheapest: str
    statement: str


Threshold = ThresholdFlip | ThresholdStays


@dataclass(frozen=True)
class SampleArrays:
    """The Monte Carlo sample arrays: inputs, TCO and NPV per option, break-even months per pair ('a|b')."""

    inputs: dict[str, Array]
    tco_usd: dict[str, Array]
    npv_usd: dict[str, Array]
    break_even_months: dict[str, Array]
