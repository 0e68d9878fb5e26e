"""Every result type of a comparison, typed, with units in the names.

A :class:`CompareResult` is what :func:`llmplace.compare` returns; its ``to_dict()`` (the model's JSON
dump) is the documented ``compare --json`` document, so the CLI, the report and the REST API read the
same attributes and print the same numbers. Money is in the scenario's currency (``usd`` in names),
time in months unless named, token rates in tokens/s.

Some keys appear in the JSON document only when they apply (a break-even range without a crossing
has no percentiles; a threshold that never flips has no flip value); those models drop the keys
named in ``_omit_if_none`` when they are ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SerializerFunctionWrapHandler, model_serializer

from .conventions import FULL_SERVICE_SHARE
from .errors import InputError
from .sizing import SizingResult

__all__ = [
    "Assumption", "Availability", "AvailabilityComponent", "BreakEven", "BreakEvenRange", "CapacityInfo",
    "CatalogRowRef", "CompareResult", "Convention", "CostThreshold", "CriterionScore", "DemandSummary",
    "DistributionSummary", "Evaluation", "HybridCostPoint", "HybridPlan", "LatencyEstimate", "LoadDurationCurve",
    "OptionCriteria", "OptionFootprint", "OptionResult", "OptionRisk", "Percentiles", "Recommendation",
    "RiskSummary", "SampleArrays", "SiteAssumption", "SourceRef", "Threshold", "ThresholdFlip", "ThresholdStays",
    "TornadoRow", "UncertainInputSummary", "ViewResult", "WeightSensitivity", "Weights", "serving",
]

Array = NDArray[np.float64]


class _Doc(BaseModel):
    """A result model whose JSON leaves out the keys in ``_omit_if_none`` while they are ``None``."""

    _omit_if_none: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_absent(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self._omit_if_none and isinstance(data, dict):
            return {k: v for k, v in data.items() if not (k in self._omit_if_none and v is None)}
        return data


# ---------------------------------------------------------------- provenance


class SourceRef(BaseModel):
    """A data row a criteria score rests on: the bundled table, the row key, its source and date."""

    table: str
    key: str
    source: str
    as_of: str


class CatalogRowRef(BaseModel):
    """A catalog row an option uses (``catalog``: servers, clouds, apis, gpus ...)."""

    catalog: str
    id: str
    as_of: str
    source: str


class Assumption(BaseModel):
    """One value an option's cost rests on, with its unit, source and date (``as_of`` None: undated)."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: float | int | str
    unit: str
    source: str
    as_of: str | None = None


class SiteAssumption(BaseModel):
    """A site or finance value after catalog defaults: the scenario's own or a dated catalog row."""

    name: str
    value: float
    source: str
    as_of: str | None


class Convention(BaseModel):
    """How the numbers were counted: the month, the currency and the view."""

    hours_per_month: float
    currency: str
    view: str = "cash"
    other_views: list[str] = Field(default_factory=lambda: ["amortised"])
    terminal_value: str
    month_convention: str = "upfront capex at t=0; running costs at the end of each month"


class LoadDurationCurve(BaseModel):
    """Month 1's load-duration curve: load relative to the active-hours mean, and the share of hours at it."""

    relative_load: list[float]
    share_of_hours: list[float]


class DemandSummary(BaseModel):
    """The demand every option serves, per month."""

    tokens_per_month: list[float]
    output_share: float
    active_hours_per_month: float
    load_duration_curve: LoadDurationCurve
    peak_output_tokens_per_s: list[float]


# ---------------------------------------------------------------- one option


class ViewResult(BaseModel):
    """Totals and monthly series of one view (cash or amortised)."""

    tco_usd: float
    usd_per_mtok: float | None
    monthly_usd: list[float]
    cumulative_usd: list[float]
    by_category_usd: dict[str, float]


class CapacityInfo(BaseModel):
    """Serving capacity of one replica, how replicas pack into a unit, and where the figure comes from."""

    output_tokens_per_s_per_replica: float
    gpus_per_replica: int
    replicas_per_unit: int
    gpu: str | None
    source: str
    sizing: SizingResult | None = None


class HybridCostPoint(BaseModel):
    """One base size the hybrid optimiser tried: its cost (objective) and the base's share of tokens."""

    base_units: int | str
    cost_usd: float
    share_served_by_base: float


class HybridPlan(BaseModel):
    """The optimised split of a hybrid: base size, the share each side serves, the cost curve."""

    base: str
    overflow: str
    base_units: int | str = Field(description="units of the base, or 'planned' (the base option's own plan)")
    base_unit_kind: str
    objective: str
    share_served_by_base: float
    share_served_by_overflow: float
    cost_curve: list[HybridCostPoint]


class OptionFootprint(BaseModel):
    """What the engine sized and charged for an option, for the criteria step (not in the JSON document).

    Per month where a list: units the peak needs, staff [FTE]; per unit: maximum power [kW] and
    rack units; the GPUs of one unit. Parts of a hybrid keep their own footprints.
    """

    units_needed: list[int] = Field(default_factory=list)
    staff_fte: list[float] = Field(default_factory=list)
    server_max_power_kw: float | None = None
    rack_units: int | None = None
    gpu: str | None = None
    gpu_count: int = 0
    provider: str | None = None
    region: str | None = None
    option_index: int | None = Field(default=None, description="position of the option in the scenario")


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
    relative_change: float | None = Field(default=None, description="|threshold - points| / points (None when 0)")


class CostThreshold(BaseModel):
    """The TCO at which an option would change places with the recommended one (factor of its own TCO)."""

    option: str
    tco_factor: float
    tco_usd: float


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
    cost_thresholds: list[CostThreshold] = Field(default_factory=list)


class Evaluation(BaseModel):
    """The whole criteria step for one comparison."""

    options: dict[str, OptionCriteria]
    weights: Weights
    recommendation: Recommendation
    sources: list[SourceRef] = Field(default_factory=list, description="data rows the scores rest on")


# ---------------------------------------------------------------- the option result


class OptionResult(BaseModel):
    """One option over the horizon: cost by view and category, units, tokens served, plan and scores."""

    id: str
    kind: str
    label: str
    feasible: bool
    infeasible_reason: str | None = None
    upfront_usd: float = 0.0
    tco_usd: float = 0.0
    npv_usd: float = 0.0
    usd_per_mtok: float | None = None
    monthly_usd: list[float] = Field(default_factory=list)
    cumulative_usd: list[float] = Field(default_factory=list)
    by_category_usd: dict[str, float] = Field(default_factory=dict)
    monthly_by_category_usd: dict[str, list[float]] = Field(default_factory=dict)
    amortised: ViewResult | None = None
    units: list[int] = Field(default_factory=list, description="servers or instances in service each month")
    unit_kind: str | None = None
    purchases: list[int] | None = None
    utilisation: list[float] | None = None
    served_tokens: list[float] = Field(default_factory=list)
    unserved_tokens: list[float] = Field(default_factory=list)
    overflow_tokens: list[float] | None = None
    served_share: float | None = None
    capex_usd: float = 0.0
    opex_usd: float = 0.0
    hybrid: HybridPlan | None = None
    risk: OptionRisk | None = None
    capacity: CapacityInfo | None = None
    notes: list[str] = Field(default_factory=list)
    assumptions: list[Assumption] = Field(default_factory=list)
    catalog_rows: list[CatalogRowRef] = Field(default_factory=list)
    criteria: OptionCriteria | None = Field(
        default=None, description="constraints, availability, latency and the 0-10 scores beyond cost")
    footprint: OptionFootprint = Field(default_factory=OptionFootprint, exclude=True)

    @property
    def peak_units(self) -> int | None:
        """The most units in service in any month (None for an option without units)."""
        return max(self.units) if self.units and self.unit_kind else None

    def catalog_row(self, catalog: str) -> str | None:
        """The id of the catalog row of ``catalog`` this option uses, if any."""
        return next((r.id for r in self.catalog_rows if r.catalog == catalog), None)


def serving(options: list[OptionResult]) -> list[OptionResult]:
    """Feasible options that serve at least :data:`FULL_SERVICE_SHARE` of the demand, in result order."""
    return [o for o in options if o.feasible and (o.served_share or 0.0) >= FULL_SERVICE_SHARE]


class BreakEven(BaseModel):
    a: str
    b: str
    month: float | None = Field(description="months from the start at which the cumulative costs cross")
    view: str
    cheaper_after: str | None = None


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


# ---------------------------------------------------------------- the comparison


class CompareResult(BaseModel):
    """Every option of a scenario compared: costs, break-even, uncertainty, criteria, recommendation."""

    scenario: str
    convention: Convention
    horizon_months: int
    demand: DemandSummary
    options: list[OptionResult]
    break_even: list[BreakEven]
    cheapest: str | None
    cheapest_basis: str = "lowest tco_usd (cash view) among feasible options that serve at least 99.9 % of demand"
    assumptions: list[SiteAssumption]
    risk: RiskSummary | None = Field(None, description="Monte Carlo summary: samples, seed, inputs")
    tornado: list[TornadoRow] | None = None
    thresholds: list[ThresholdFlip | ThresholdStays] | None = None
    recommendation: Recommendation | None = None
    weights: Weights | None = Field(default=None, description="criteria weights: profile, points and shares")
    criteria_sources: list[SourceRef] = Field(default_factory=list, description="data rows the criteria scores "
                                              "rest on")
    _samples: SampleArrays | None = PrivateAttr(default=None)

    @property
    def samples(self) -> SampleArrays | None:
        """The Monte Carlo sample arrays (inputs, TCO and NPV per option, break-even months per pair)."""
        return self._samples

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON document (plain floats, no numpy scalars)."""
        return self.model_dump(mode="json")

    def option(self, option_id: str) -> OptionResult:
        for o in self.options:
            if o.id == option_id:
                return o
        raise InputError("option", option_id, ", ".join(o.id for o in self.options))

    def find(self, option_id: str | None) -> OptionResult | None:
        """The option with this id, or None."""
        return next((o for o in self.options if o.id == option_id), None)

    def assumption(self, name: str) -> SiteAssumption | None:
        """A site or finance value by name, or None."""
        return next((a for a in self.assumptions if a.name == name), None)
