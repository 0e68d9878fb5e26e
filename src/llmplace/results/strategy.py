"""The cheapest strategy over time: an option paid as used first, owned servers from a switch month."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .criteria import CriterionScore


class StrategyPhase(BaseModel):
    """One phase of a strategy: the option serving, its months (1-based, inclusive) and its cost."""

    option: str
    kind: str
    start_month: int
    end_month: int = Field(description="last month it runs (the first phase: including the cut-over months)")
    tco_usd: float = Field(description="cash view, its own costs over its months (the switch cost is apart)")
    first_order_month: int | None = Field(None, description="owned servers: the month the first ones are ordered")


class StrategyBaseStep(BaseModel):
    """One size of a hybrid's owned base in a strategy whose base grows in a step (months 1-based)."""

    servers: int = Field(description="servers in the base from start_month")
    start_month: int = Field(description="first month this base serves")
    order_month: int = Field(description="month the servers added for it are ordered and paid (lead time ahead)")


class StrategyResult(BaseModel):
    """Two phases: ``first`` serves months 1 .. ``switch_month`` - 1, ``second`` from ``switch_month`` on.

    Months are 1-based. Money is cash view, in the scenario's currency.
    """

    id: str | None = Field(None, description="the phased plan's id, for a plan the scenario writes out")
    first: str = Field(description="id of the option paid as used that serves first")
    second: str = Field(description="id of the in-house or hybrid option that serves from the switch month")
    switch_month: int = Field(description="first month the second phase serves (1-based)")
    phases: list[StrategyPhase] = Field(default_factory=list)
    base_units: int | None = Field(None, description="a hybrid second phase: its owned base [servers] (grown in a "
                                                     "step: its final size)")
    base_steps: list[StrategyBaseStep] = Field(default_factory=list, description="a hybrid base grown in a step: "
                                               "each size with its first month and order month")
    order_month: int | None = Field(description="month the second phase's first servers are ordered and paid")
    servers_first_order: int = Field(description="servers in that first order")
    tokens_per_month_at_switch: float = Field(description="demand in the switch month [tokens/month]")
    tco_usd: float
    npv_usd: float
    upfront_usd: float = Field(0.0, description="paid at the start of month 1")
    usd_per_mtok: float | None = Field(None, description="TCO per million tokens of demand")
    monthly_cash_usd: list[float] = Field(description="cash view, both phases and the switch, month by month")
    switch_cost_usd: float = Field(description="migration engineering and data egress, paid in the switch month")
    commitment_after_leaving_usd: float = Field(0.0, description="a reserved first phase: its reservations' "
                                                "payments after it stops serving (each runs its whole term)")
    switch_egress_usd: float = Field(0.0, description="of which data egress (switch_data_gb x egress_usd_per_gb)")
    parallel_months: int = Field(description="months the first phase keeps running after the switch (cut-over)")
    best_single: str | None = Field(description="the cheapest single option the strategy is compared with")
    best_single_tco_usd: float | None
    saving_usd: float | None = Field(description="best single option's TCO minus the strategy's (positive: "
                                                 "the strategy is cheaper)")
    pays_off: bool = Field(description="the strategy costs less than the best single option")
    plain_words: str = Field(description="the strategy as a manager reads it")
    assumptions: list[str] = Field(default_factory=list)
    switch_month_p10: float | None = Field(None, description="Monte Carlo: P10 of each sample's cheapest switch "
                                           "month (the second phase planned on that sample's demand)")
    switch_month_p50: float | None = None
    switch_month_p90: float | None = None
    probability_pays_off: float | None = Field(None, description="Monte Carlo: share of samples in which switching "
                                               "in switch_month costs less than the cheapest single option")
    scores: dict[str, CriterionScore] = Field(
        default_factory=dict, description="criteria scores: beyond cost the worse of the two phases' scores, the "
                                          "cost criteria from the strategy's own figures")
    weighted_total: float | None = Field(None, description="weighted mean of scores (0-10), same weights as the "
                                                           "options")
    recommended: bool = Field(False, description="the strategy is the recommendation")
    not_recommended_because: str | None = Field(None, description="the conditions it misses to replace the "
                                                                  "recommended option, in words")
