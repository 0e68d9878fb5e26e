"""Result types of the criteria step: scores, availability, latency, weights and the recommendation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from .provenance import SourceRef

__all__ = [
    "Availability",
    "AvailabilityComponent",
    "CostThreshold",
    "CriterionScore",
    "Evaluation",
    "LatencyEstimate",
    "OptionCriteria",
    "Recommendation",
    "WeightSensitivity",
    "Weights",
]



# ---------------------------------------------------------------- criteria


class CriterionScore(BaseModel):
    """One criterion's score for one option, with the reason and the number behind it."""

    score: float = Field(description="0 to 10, higher is better")
    reason: str = Field(description="one line quoting the number or the answer behind the score")
    value: float | None = Field(default=None, description="the number the score comes from, when there is one")
    unit: str | None = None
    basis: str = Field(default="", description="formula or table the score comes from")


class AvailabilityComponent(BaseModel):
    """One part of an option's expected downtime."""

    name: str
    unavailability: float
    downtime_hours_per_year: float
    basis: str
    source: SourceRef | None


class Availability(BaseModel):
    """Expected downtime of one option, from failure and repair data or published SLAs."""

    modelled: bool = False
    notes: list[str] = Field(default_factory=list)
    unavailability: float | None = None
    availability_pct: float | None = None
    downtime_hours_per_year: float | None = None
    downtime_active_hours_per_year: float | None = None
    active_share: float | None = None
    downtime_usd_per_year: float | None = None
    components: list[AvailabilityComponent] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _only_modelled(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not self.modelled and isinstance(data, dict):
            return {"modelled": False, "notes": data["notes"]}
        return data


class LatencyEstimate(BaseModel):
    """Network round trip from the users plus the modelled time to first token, per option [ms]."""

    path: str
    path_words: str
    where: str
    rtt_ms: float | None
    ttft_ms: float | None
    tpot_ms: float | None
    first_token_ms: float | None
    basis: str
    slowest_first_token_ms: float | None = None
    slowest_part: str | None = None
    slowest_part_share: float | None = None

    @model_serializer(mode="wrap")
    def _hybrid_keys(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self.slowest_part is None and isinstance(data, dict):
            for key in ("slowest_first_token_ms", "slowest_part", "slowest_part_share"):
                data.pop(key, None)
        return data


class OptionCriteria(BaseModel):
    """Everything the criteria step found for one option."""

    eligible: bool = Field(description="passes every hard constraint and can serve the workload")
    excluded_by: list[str] = Field(default_factory=list, description="constraint reasons that exclude the option")
    notes: list[str] = Field(default_factory=list, description="constraint checks that could not be made")
    scores: dict[str, CriterionScore] = Field(default_factory=dict)
    weighted_total: float | None = Field(default=None, description="weighted mean score, 0 to 10")
    rank: int | None = Field(default=None, description="1 = recommended, among eligible options")
    availability: Availability = Field(default_factory=Availability)
    latency: LatencyEstimate | None = None


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
    threshold_points: float | None = Field(default=None, description="weight at which the winner ties the challenger")
    direction: str | None = Field(default=None, description="'raise' or 'lower'")
    challenger: str | None = None
    relative_change: float | None = Field(default=None, description="|threshold - points| / points (None when "
                                                                    "points is 0 or the ratio overflows)")


class CostThreshold(BaseModel):
    """The TCO at which an option would change places with the recommended one (factor of its own TCO)."""

    option: str
    tco_factor: float
    tco_usd: float


class Recommendation(BaseModel):
    """The answer for a manager: the option, why, the risks and what would change it."""

    option: str | None = Field(description="the option to deploy now (a strategy: the option of its first phase)")
    kind: str = Field("option", description="'option' (one deployment over the horizon) or 'strategy' (the "
                                            "strategy over time, result.strategy)")
    id: str | None = Field(None, description="the recommended option's id, or for a strategy 'first -> second'")
    label: str | None = None
    runner_up: str | None = None
    summary: str
    reasons: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    would_change_if: list[str] = Field(default_factory=list)
    plan: list[str] = Field(default_factory=list, description="what to buy or rent, and when to revisit")
    sensitivity: list[WeightSensitivity] = Field(default_factory=list)
    cost_thresholds: list[CostThreshold] = Field(default_factory=list)
    same_as: dict[str, str] = Field(
        default_factory=dict, description="options that are the same deployment as another (a hybrid that buys no "
                                          "base, or whose overflow serves nothing and stands by unpaid): id -> "
                                          "the option it equals; not ranked on their own")


class Evaluation(BaseModel):
    """The whole criteria step for one comparison."""

    options: dict[str, OptionCriteria]
    weights: Weights
    recommendation: Recommendation
    sources: list[SourceRef] = Field(default_factory=list, description="data rows the scores rest on")
