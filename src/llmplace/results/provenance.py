"""Where numbers come from and how they were counted: sources, catalog rows, assumptions, conventions, demand."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..conventions import money_in
from .base import _Doc

__all__ = [
    "Assumption",
    "CatalogRowRef",
    "Convention",
    "DemandSummary",
    "ExchangeRate",
    "LoadDurationCurve",
    "SiteAssumption",
    "SourceRef",
]



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
    deprecated: str | None = Field(default=None, description="why the row's offer is no longer sold (since when, "
                                                              "reason, source); None while it is on sale")


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


class ExchangeRate(BaseModel):
    """The reference rate money was converted at, when any was: the catalog's USD prices into the scenario's
    currency, and money inputs the scenario wrote in another currency ('12000 EUR')."""

    currency: str
    symbol: str = Field(description="what is written before an amount: '€', or the code and a space")
    units_per_usd: float = Field(description="units of the scenario's currency per 1 USD (catalog prices)")
    as_of: str
    source: str
    converted_inputs: list[str] = Field(default_factory=list,
                                        description="scenario money inputs given in another currency")
    note: str = Field("", description="what the conversion leaves out")


class Convention(_Doc):
    """How the numbers were counted: the month, the currency (and the exchange rate used, if any) and the view."""

    _omit_if_none: ClassVar[frozenset[str]] = frozenset({"exchange_rate"})

    hours_per_month: float
    currency: str
    exchange_rate: ExchangeRate | None = None
    view: str = "cash"
    other_views: list[str] = Field(default_factory=lambda: ["amortised"])
    terminal_value: str
    month_convention: str = "upfront capex at t=0; running costs at the end of each month"
    cash_view: str = Field("", description="what the cash view counts beyond purchases and running costs: "
                                           "hardware sales and commitments that outlive the horizon")

    def money(self) -> AbstractContextManager[None]:
        """Write money in this result's currency inside the block (see :func:`llmplace.conventions.money_in`)."""
        from ..catalog.fx import money_prefix

        prefix = self.exchange_rate.symbol if self.exchange_rate is not None else money_prefix(self.currency)
        return money_in(self.currency, prefix)


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
