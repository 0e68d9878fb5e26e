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

import math
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from ..errors import InputError, LlmplaceError
from .criteria import (
    Availability,
    AvailabilityComponent,
    CostThreshold,
    CriterionScore,
    Evaluation,
    LatencyEstimate,
    OptionCriteria,
    Recommendation,
    Weights,
    WeightSensitivity,
)
from .maps import DecisionMap, FrontierSegment
from .option import (
    BreakEven,
    CapacityInfo,
    HybridCostPoint,
    HybridPlan,
    OptionFootprint,
    OptionResult,
    ViewResult,
    serving,
)
from .provenance import (
    Assumption,
    CatalogRowRef,
    Convention,
    DemandSummary,
    ExchangeRate,
    LoadDurationCurve,
    SiteAssumption,
    SourceRef,
)
from .strategy import StrategyBaseStep, StrategyPhase, StrategyResult
from .uncertainty import (
    BreakEvenRange,
    DistributionSummary,
    OptionRisk,
    Percentiles,
    RiskSummary,
    SampleArrays,
    Threshold,
    ThresholdFlip,
    ThresholdStays,
    TornadoRow,
    UncertainInputSummary,
)

__all__ = [
    "Assumption",
    "all_finite",
    "Availability",
    "AvailabilityComponent",
    "BreakEven",
    "BreakEvenRange",
    "CapacityInfo",
    "CatalogRowRef",
    "CompareResult",
    "Convention",
    "ExchangeRate",
    "CostThreshold",
    "CriterionScore",
    "DecisionMap",
    "DemandSummary",
    "DistributionSummary",
    "Evaluation",
    "FrontierSegment",
    "HybridCostPoint",
    "HybridPlan",
    "LatencyEstimate",
    "LoadDurationCurve",
    "OptionCriteria",
    "OptionFootprint",
    "OptionResult",
    "OptionRisk",
    "Percentiles",
    "Recommendation",
    "RiskSummary",
    "SampleArrays",
    "SiteAssumption",
    "SourceRef",
    "StrategyBaseStep",
    "StrategyPhase",
    "StrategyResult",
    "Threshold",
    "ThresholdFlip",
    "ThresholdStays",
    "TornadoRow",
    "UncertainInputSummary",
    "ViewResult",
    "WeightSensitivity",
    "Weights",
    "serving",
]


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
    phased: list[StrategyResult] = Field(default_factory=list, description="the scenario's phased plans, costed "
                                         "as written")
    strategy: StrategyResult | None = Field(None, description="the cheapest two-phase strategy over time (an "
                                            "option paid as used, then owned servers), when the options allow one")
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

    def ensure_finite(self) -> None:
        """Raise an internal error naming the first NaN or infinite number (never printed, never JSON)."""
        dump = self.model_dump()
        if all_finite(dump):  # the usual case, without building a path for every value
            return
        stack: list[tuple[Any, str]] = [(dump, "")]
        while stack:
            node, path = stack.pop()
            if isinstance(node, dict):
                stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in node.items())
            elif isinstance(node, (list, tuple)):
                stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
            elif isinstance(node, float) and not math.isfinite(node):
                raise LlmplaceError(f"internal error: the comparison produced {node} at {path}; "
                                    "please report the scenario that led here")

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


def all_finite(node: Any) -> bool:
    """Whether every float in a dumped result (dicts, lists, tuples, scalars) is finite."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return True
