"""The difference between two scenarios: the inputs that differ and what it does to the result.

One set of models for every front end: ``llmplace diff A B --json`` prints a :class:`ScenarioDiff`, and the
web app's ``GET /api/v1/scenario-diff`` answers one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, JsonValue, computed_field

__all__ = ["InputChange", "OptionDelta", "OptionFigures", "PickChange", "ScenarioDiff"]


class InputChange(BaseModel):
    """One input, by its path in the scenario (``options[own-8xh100].server``), in A and in B.

    An input only one side has is one change at the highest path that is missing on the other side (a removed
    option is ``options[together]`` with its whole mapping), not one per leaf.
    """

    path: str
    a: JsonValue = Field(description="its value in A; null where A does not have it")
    b: JsonValue = Field(description="its value in B; null where B does not have it")
    change: Literal["changed", "added", "removed"] = Field(
        description="changed: both have it; added: only B has it; removed: only A has it")

    @computed_field(description="the side that has the input; null: both have it (the same as `change`)")  # type: ignore[prop-decorator]
    @property
    def only_in(self) -> Literal["a", "b"] | None:
        return "a" if self.change == "removed" else "b" if self.change == "added" else None


class OptionFigures(BaseModel):
    """An option's headline figures in one scenario (cash view)."""

    label: str
    feasible: bool
    infeasible_reason: str | None = None
    upfront_usd: float
    tco_usd: float
    npv_usd: float
    usd_per_mtok: float | None


class OptionDelta(BaseModel):
    """One option id in A and B and the change B - A, in the scenarios' currency (None where either side has no
    figure, and everywhere when the two scenarios count money in different currencies)."""

    id: str
    a: OptionFigures | None = Field(description="null: A has no option with this id")
    b: OptionFigures | None = Field(description="null: B has no option with this id")
    upfront_delta_usd: float | None
    tco_delta_usd: float | None
    npv_delta_usd: float | None
    usd_per_mtok_delta: float | None


class PickChange(BaseModel):
    """The option picked (recommended, or cheapest) in A and in B."""

    a: str | None
    b: str | None
    changed: bool


class ScenarioDiff(BaseModel):
    """What differs between scenario A and scenario B, and what it changes in their comparisons.

    When the results could not be computed (``error`` set), ``inputs`` still lists the differences as
    written, ``options`` is empty and the horizons and picks are null.
    """

    a: str
    b: str
    horizon_months_a: int | None
    horizon_months_b: int | None
    same_horizon: bool = Field(description="False: TCO and NPV deltas compare totals over different periods")
    samples_a: int = Field(description="Monte Carlo draws of A's comparison (0: none)")
    samples_b: int = Field(description="Monte Carlo draws of B's comparison (0: none)")
    currency_a: str | None = Field(None, description="the currency of A's amounts (finance.currency); null: "
                                                     "not computed")
    currency_b: str | None = Field(None, description="the currency of B's amounts; when it differs from A's, "
                                                     "every delta is null")
    inputs: list[InputChange]
    options: list[OptionDelta]
    recommendation: PickChange
    cheapest: PickChange
    notes: list[str] = Field(default_factory=list)
    error: str | None = Field(None, description="why the results are not compared; null: they are")
