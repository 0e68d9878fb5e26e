"""Result types of a portfolio comparison: per-workload options, shared plans and their showback."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..conventions import FULL_SERVICE_SHARE
from .provenance import SiteAssumption
from .uncertainty import Percentiles

__all__ = ["PortfolioCatalogRow", "PortfolioInput", "PortfolioPlan", "PortfolioResult", "PortfolioUncertainty",
           "Showback", "WorkloadOption", "WorkloadSummary"]


#: keys a point run leaves out of the JSON document (they are only there with samples)
_SAMPLED_KEYS = ("tco_range_usd", "probability_cheapest")


class WorkloadOption(BaseModel):
    """One option as one workload sees it (its own comparison, its own constraints)."""


    option: str
    kind: str
    feasible: bool
    tco_usd: float | None = None
    infeasible_reason: str | None = None
    served_share: float | None = Field(None, description="share of the demand it serves (below 0.999: owned servers "
                                                         "without a bridge before their delivery); not shared then")

    @property
    def note(self) -> str:
        """Why the option is no answer for this workload, in a few words (empty: it is one)."""
        if not self.feasible:
            return f"out: {self.infeasible_reason or ''}"
        if self.served_share is not None and self.served_share < FULL_SERVICE_SHARE:
            return f"serves {self.served_share:.1%} of the demand (none before the servers arrive): not an answer"
        return ""
    tco_range_usd: Percentiles | None = Field(None, description="Monte Carlo P10/P50/P90 of its TCO (with samples)")
    probability_cheapest: float | None = Field(
        None, description="share of samples in which it is this workload's cheapest eligible option (with samples)")


class WorkloadSummary(BaseModel):
    """One workload of the portfolio: its model, demand and each option's cost on its own."""

    id: str
    model: str
    tokens_total: float = Field(description="input plus output tokens over the horizon")
    cheapest: str | None = Field(description="its cheapest option that serves it and no hard constraint excludes")
    options: list[WorkloadOption]


class Showback(BaseModel):
    """What one workload is charged in a plan [USD over the horizon, cash view], and on what basis."""

    workload: str
    option: str = Field(description="the option that serves this workload in the plan")
    usd: float
    gpu_hours: float | None = Field(None, description="GPU-hours of the replicas it needs on the shared fleet")
    tokens: float
    basis: str


class PortfolioPlan(BaseModel):
    """One way to serve every workload: each on its own cheapest option (mix), or one in-house or cloud option
    shared."""


    id: str
    kind: Literal["mix", "shared"]
    shared_option: str | None = None
    members: list[str] = Field(default_factory=list, description="workloads on the shared fleet")
    tco_usd: float = Field(description="total over the horizon, cash view (the sum of the showback)")
    separate_tco_usd: float | None = Field(
        None, description="the same assignment with each member on a fleet of its own (what sharing saves against)")
    shared_unit: Literal["server", "instance"] = Field(
        "server", description="what shared_servers and separate_servers count: owned servers or rented instances")
    shared_servers: list[int] | None = Field(
        None, description="servers (or instances, see shared_unit) in service each month on the shared fleet")
    separate_servers: list[int] | None = Field(None, description="servers (or instances) the members' own fleets "
                                                                 "would hold")
    showback: list[Showback]
    models_served: int | None = Field(None, description="distinct models (name and precision) on the shared fleet: "
                                                        "its team's ML engineering part is counted once per model")
    staff_saving_usd: float | None = Field(
        None, description="of the saving against separate fleets, the part that is staff (one platform team "
                          "instead of one per member; the ML engineering part per distinct model stays)")
    packing_saving_usd: float | None = Field(
        None, description="the rest of the saving against separate fleets: hardware, instances and running costs "
                          "of the packed fleet")
    infeasible_reason: str | None = Field(None, description="why the shared fleet is no answer (site power or rack "
                                                            "space); such a plan is never the cheapest")
    notes: list[str] = Field(default_factory=list)
    tco_range_usd: Percentiles | None = Field(None, description="Monte Carlo P10/P50/P90 of its total (with samples)")
    probability_cheapest: float | None = Field(
        None, description="share of samples in which it is the cheapest plan; a tie splits the sample (with samples)")


class PortfolioInput(BaseModel):
    """One uncertain input of a portfolio's Monte Carlo: drawn once for every workload, or once per workload."""

    name: str
    label: str
    workloads: list[str] = Field(description="the workloads whose engine it moves")
    shared: bool = Field(description="one draw per sample for all of them (False: drawn for each workload on its own)")


class PortfolioCatalogRow(BaseModel):
    """A catalog row the workloads' options used, once, with who used it (``workload/option``)."""

    catalog: str
    id: str
    as_of: str
    source: str
    used_by: list[str]


class PortfolioUncertainty(BaseModel):
    """How a portfolio's ranges were sampled."""

    samples: int
    seed: int
    inputs: list[PortfolioInput]
    method: str


class PortfolioResult(BaseModel):
    """A portfolio compared: every workload on its own, the shared plans, the cheapest plan."""


    name: str
    horizon_months: int
    currency: str
    workloads: list[WorkloadSummary]
    plans: list[PortfolioPlan]
    cheapest_plan: str | None
    notes: list[str] = Field(default_factory=list)
    uncertainty: PortfolioUncertainty | None = Field(
        None, description="the Monte Carlo behind the ranges (with samples)")
    catalog_rows: list[PortfolioCatalogRow] = Field(
        default_factory=list, description="the dated, sourced catalog rows every workload's options used")
    assumptions: list[SiteAssumption] = Field(
        default_factory=list, description="site and finance values after catalog defaults (shared by the workloads; "
                                          "listed once per distinct value)")

    def to_dict(self) -> dict[str, Any]:
        """The ``compare --json`` document; the Monte Carlo keys only when it was sampled."""
        data = self.model_dump(mode="json")
        if data["uncertainty"] is None:
            del data["uncertainty"]
        for part in [*data["plans"], *(o for w in data["workloads"] for o in w["options"])]:
            for key in _SAMPLED_KEYS:
                if part[key] is None:
                    del part[key]
        return data
