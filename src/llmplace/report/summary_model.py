"""The report models the command line's one-page summary needs: the summary, its tiles, data dates, break-even
rows, dated items and the catalog rows they come from. They live apart from :mod:`llmplace.report.model` (which
re-exports them), so that ``compare`` prints its summary without building the classes of every other section."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..results.base import _Doc

__all__ = ["BreakEvenRow", "CatalogRowUse", "DataDates", "KpiTile", "StaleItem", "Summary"]


class _Deferred(BaseModel):
    """The report's models validate nothing until a report is made: their schemas are built on first use, so
    that importing them stays cheap."""

    model_config = ConfigDict(defer_build=True)


class KpiTile(_Deferred):
    """Key figures of one option on the summary page: the recommended, the cheapest or the runner-up."""

    id: str
    label: str
    roles: list[str] = Field(description="'recommended', 'cheapest' (eligible, lowest TCO), 'runner-up', and "
                                         "'deprecated' when it uses an offer no longer sold")
    upfront_usd: float
    tco_usd: float
    usd_per_mtok: float | None
    units: str = Field(description="servers or instances at peak, or 'per token'")
    score: float | None = Field(description="weighted score, 0 to 10; None when no criteria were weighed")
    break_even_month: float | None = Field(description="month the cumulative costs cross (cash view)")
    break_even_with: str | None = Field(description="the option compared with: the recommended one, or for "
                                                    "the recommended one the cheapest (else the runner-up)")
    break_even: str


class DataDates(_Deferred):
    """The span of dates of the catalog data and defaults the result used."""

    first: str | None = Field(description="oldest, ISO date (a month or year stands for its last day)")
    last: str | None
    dated: int
    stale: int
    text: str


class Summary(_Doc):
    """The executive summary: the headline, paragraphs with the figures, and the recommendation's lists."""

    _omit_if_none: ClassVar[frozenset[str]] = frozenset({"cheapest"})

    basis: str = Field(description="'recommendation' or 'cost' (no recommendation was computed)")
    recommended: str | None
    cheapest: str | None = Field(default=None, description="absent when no option is feasible")
    headline: str
    paragraphs: list[str]
    reasons: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    what_would_change: list[str] = Field(default_factory=list)
    plan: list[str] = Field(default_factory=list)
    horizon_months: int | None = None
    tiles: list[KpiTile] = Field(default_factory=list)
    key_reasons: list[str] = Field(default_factory=list, description="three reasons in plain words")
    data_dates: DataDates | None = None

    def lists(self) -> list[tuple[str, str, list[str]]]:
        """(field name, heading, items) of the recommendation's lists, in the order the report shows them."""
        return [("reasons", "Reasons", self.reasons), ("risks", "Risks", self.risks), ("plan", "Plan", self.plan),
                ("what_would_change", "What would change it", self.what_would_change)]


class BreakEvenRow(_Deferred):
    """A month at which two options' cumulative costs cross, with the sentence that says so."""

    a: str
    b: str
    month: float
    view: str
    cheaper_after: str | None
    sentence: str


class StaleItem(_Doc):
    """A dated (or undated) value the result uses; ``date`` and ``age_days`` only when it is stale."""

    _omit_if_none: ClassVar[frozenset[str]] = frozenset({"date", "age_days"})

    item: str
    as_of: str | None
    used_by: list[str]
    date: str | None = None
    age_days: int | None = None


class CatalogRowUse(_Deferred):
    """A catalog row the options used, once, with the options that used it."""

    catalog: str
    id: str
    as_of: str
    source: str
    used_by: list[str]
