"""Result types of the criteria step: scores per option, weights, the recommendation (plain data)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["CriterionScore", "Evaluation", "OptionCriteria", "Recommendation", "WeightSensitivity", "Weights"]


class CriterionScore(BaseModel):
    """One criterion's score for one option, with the reason and the number behind it."""

    score: float = Field(description="0 to 10, higher is better")
    reason: str = Field(description="one line quoting the number or the answer behind the score")
    value: float | None = Field(
        default=None, description="the number the score comes from, when there is one"
    )
    unit: str | None = None
    basis: str = Field(default="", description="formula or table the score comes from")


class OptionCriteria(BaseModel):
    """Everything the criteria step found for one option."""

    eligible: bool = Field(description="passes every hard constraint and can serve the workload")
    excluded_by: list[str] = Field(
        default_factory=list, description="constraint reasons that exclude the option"
    )
    notes: list[str] = Field(default_factory=list, description="constraint checks that could not be made")
    scores: dict[str, CriterionScore] = Field(default_factory=dict)
    weighted_total: float | None = Field(default=None, description="weighted mean score, 0 to 10")
    rank: int | None = Field(default=None, description="1 = recommended, among eligible options")
    availability: dict[str, Any] = Field(default_factory=dict)
    latency: dict[str, Any] = Field(default_factory=dict)


class Weights(BaseModel):
    """The weights used: the profile, the points given and their normalised shares."""

    profile: str
    points: dict[str, float]
    shares: dict[str, float] = Field(description="points / sum of points; they sum to 1")
    custom: list[str] = Field(default_factory=list, description="criteria whose weight the scenario set")
    source: str


class WeightSensitivity(BaseModel):
    """How far one weight must move, the others fixed, before another option overtakes the winner."""

    criterion: str
    points: float
    threshold_points: float | None = Field(
        default=None, description="weight at which the winner ties the challenger"
    )
    direction: str | None = Field(default=None, description="'raise' or 'lower'")
    challenger: str | None = None
    relative_change: float | None = Field(
        default=None, description="|threshold - points| / points (None when points = 0)"
    )


class Recommendation(BaseModel):
    """The answer for a manager: the option, why, the risks and what would change it."""

    option: str | None
    label: str | None = None
    runner_up: str | None = None
    summary: str
    reasons: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    would_change_if: list[str] = Field(default_factory=list)
    plan: list[str] = Field(default_factory=list, description="what to buy or rent, and when to revisit")
    sensitivity: list[WeightSensitivity] = Field(default_factory=list)
    cost_thresholds: list[dict[str, Any]] = Field(default_factory=list)


class Evaluation(BaseModel):
    """The whole criteria step for one comparison."""

    options: dict[str, OptionCriteria]
    weights: Weights
    recommendation: Recommendation
    sources: list[dict[str, str]] = Field(default_factory=list, description="data rows the scores rest on")
