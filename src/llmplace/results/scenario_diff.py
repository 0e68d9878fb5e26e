"""The difference between two scenarios: the inputs that differ (after defaults) and what it does to the result."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["InputChange", "OptionDelta", "OptionFigures", "PickChange", "ScenarioDiff"]

Leaf = bool | int | float | str | None


class InputChange(BaseModel):
    """One input, by its path in the validated scenario (``options[own-8xh100].server``), in A and in B."""

    path: str
    a: Leaf
    b: Leaf
    only_in: Literal["a", "b"] | None = Field(None, description="the side that has the input; None: both have it")


class OptionFigures(BaseModel):
    """An option's headline figures in one scenario (cash view)."""

    label: str
    feasible: bool
    infeasible_reason: str | None = None
    upfront_usd: float
    tco_usd: float
    usd_per_mtok: float | None


class OptionDelta(BaseModel):
    """One option id in A and B and the change B - A (None where either side has no figure)."""

    id: str
    a: OptionFigures | None
    b: OptionFigures | None
    upfront_delta_usd: float | None
    tco_delta_usd: float | None
    usd_per_mtok_delta: float | None


class PickChange(BaseModel):
    """The option picked (recommended, or cheapest) in A and in B."""

    a: str | None
    b: str | None
    changed: bool


class ScenarioDiff(BaseModel):
    """What differs between scenario A and scenario B, and what it changes in their comparisons."""

    a: str
    b: str
    horizon_months_a: int
    horizon_months_b: int
    samples_a: int = Field(description="Monte Carlo draws of A's comparison (0: none)")
    samples_b: int = Field(description="Monte Carlo draws of B's comparison (0: none)")
    inputs: list[InputChange]
    options: list[OptionDelta]
    recommendation: PickChange
    cheapest: PickChange
    notes: list[str] = Field(default_factory=list)
