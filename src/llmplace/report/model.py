"""The report's content as typed data: what every section says, before any format writes it.

:class:`ReportContent` is built once from a :class:`~llmplace.results.CompareResult` (see
:func:`llmplace.report.content.build`); its ``model_dump(mode="json")`` is the ``report`` key of
the JSON report. Money is in the scenario's currency (``usd`` in names), time in months.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from ..results import HybridPlan, RiskSummary, SourceRef, StrategyResult, Threshold, TornadoRow, Weights
from .summary_model import BreakEvenRow, CatalogRowUse, DataDates, KpiTile, StaleItem, Summary, _Deferred
from .tables import Table

__all__ = [
    "NOT_COMPUTED",
    "AssumptionRow",
    "BreakEvenRow",
    "CatalogRowUse",
    "CategoryRow",
    "CriteriaData",
    "CriteriaOption",
    "Cumulative",
    "DataDates",
    "DemandFigures",
    "KpiTile",
    "OptionRow",
    "ReportContent",
    "Section",
    "Sensitivity",
    "Series",
    "SizingRow",
    "StaleItem",
    "Staleness",
    "Summary",
    "TcoByCategory",
    "Yearly",
]

NOT_COMPUTED = "Not computed for this scenario."


DataT = TypeVar("DataT")


class Section(_Deferred, Generic[DataT]):
    """A section whose engine may not have run: whether it did, the data it shows and its tables."""

    computed: bool
    what: str
    note: str | None = None
    data: DataT | None = None
    tables: list[Table] = Field(default_factory=list)

    @classmethod
    def absent(cls, what: str) -> Section[DataT]:
        """The section of an engine that did not run: says so, shows nothing."""
        return cls(computed=False, what=what, note=NOT_COMPUTED)


# ---------------------------------------------------------------- summary and costs


class OptionRow(_Deferred):
    """One option in the summary's table, feasible options first, cheapest first."""

    id: str
    label: str
    kind: str
    feasible: bool
    infeasible_reason: str | None
    peak_units: int | None
    unit_kind: str | None
    upfront_usd: float
    tco_usd: float
    npv_usd: float
    usd_per_mtok: float | None
    amortised_tco_usd: float | None
    capacity_from: str | None
    cheapest: bool
    recommended: bool = False
    deprecated: str | None = Field(default=None, description="why its offer is no longer sold (catalog); None "
                                                             "when it uses none")


class Series(_Deferred):
    """One option's costs at the points of a table (months or years)."""

    id: str
    label: str
    usd: list[float]


class Cumulative(_Deferred):
    """Cumulative cash-view cost at t = 0 (upfront), every six months and the horizon's end."""

    months: list[int]
    rows: list[Series]


class Yearly(_Deferred):
    """Cash-view cost of each 12-month year of the horizon (the last year may be shorter)."""

    years: list[str]
    rows: list[Series]


class CategoryRow(_Deferred):
    id: str
    label: str
    by_category_usd: dict[str, float]
    tco_usd: float


class TcoByCategory(_Deferred):
    """Total cost over the horizon by category, feasible options cheapest first."""

    categories: list[str]
    rows: list[CategoryRow]


class SizingRow(_Deferred):
    """What an in-house or cloud option runs on and how much of it: GPUs, units, throughput, latency."""

    id: str
    label: str
    kind: str
    feasible: bool
    infeasible_reason: str | None
    gpu: str | None
    gpus_per_replica: int | None
    replicas_per_unit: int | None
    first_month_units: int | None
    peak_units: int | None
    unit_kind: str | None
    peak_gpus_in_use: int | None
    output_tokens_per_s_per_replica: float | None
    peak_fleet_output_tokens_per_s: float | None
    peak_utilisation: float | None
    precision: str | None
    engine: str | None
    concurrency: int | None
    ttft_ms: float | None
    tpot_ms: float | None
    e2e_latency_s: float | None
    weights_gib: float | None
    capacity_source: str | None


class DemandFigures(_Deferred):
    """The workload at the start and the end of the horizon."""

    first_month_tokens: float | None
    last_month_tokens: float | None
    total_tokens: float | None
    first_month_peak_output_tokens_per_s: float | None
    last_month_peak_output_tokens_per_s: float | None
    output_share: float
    active_hours_per_month: float


# ---------------------------------------------------------------- optional sections


class CriteriaOption(_Deferred):
    scores: dict[str, float | None] = Field(description="0 to 10, rounded to one decimal")
    weighted_total: float | None
    rank: int | None
    eligible: bool


class CriteriaData(_Deferred):
    """The weights and each option's scores, as the criteria section shows them."""

    weights: Weights | None
    options: dict[str, CriteriaOption]


class Sensitivity(_Deferred):
    tornado: Section[list[TornadoRow]]
    thresholds: Section[list[Threshold]]


# ---------------------------------------------------------------- provenance


class AssumptionRow(_Deferred):
    """One value the result rests on; ``scope`` is 'site and finance' or the id of the option it belongs to."""

    scope: str
    name: str
    value: float | int | str
    unit: str
    source: str
    as_of: str | None


class Staleness(_Deferred):
    """Values older than ``max_age_days`` on ``today``, oldest first, and those that carry no date."""

    today: str
    max_age_days: int
    stale: list[StaleItem]
    undated: list[StaleItem]


# ---------------------------------------------------------------- the whole report


class ReportContent(_Deferred):
    """Every section of the report, as data."""

    title: str
    generated_on: str
    generator: str
    scenario_file: str | None
    conventions: str
    summary: Summary
    options: list[OptionRow]
    break_even: list[BreakEvenRow]
    break_even_amortised: list[BreakEvenRow]
    cumulative: Cumulative
    yearly: Yearly
    tco_by_category: TcoByCategory
    hybrid: Section[dict[str, HybridPlan]]
    strategy: Section[StrategyResult]
    risk: Section[RiskSummary]
    sensitivity: Sensitivity
    criteria: Section[CriteriaData]
    sizing: list[SizingRow]
    demand: DemandFigures
    assumptions: list[AssumptionRow]
    catalog_rows: list[CatalogRowUse]
    criteria_sources: list[SourceRef]
    staleness: Staleness
