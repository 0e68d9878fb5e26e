"""The result of one option: cost views, capacity, hybrid plan, footprint; break-even between two options."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..conventions import FULL_SERVICE_SHARE
from ..sizing import SizingResult
from .criteria import OptionCriteria
from .provenance import Assumption, CatalogRowRef
from .uncertainty import OptionRisk

__all__ = [
    "BreakEven",
    "CapacityInfo",
    "HybridCostPoint",
    "HybridPlan",
    "OptionFootprint",
    "OptionResult",
    "ViewResult",
    "serving",
]



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
    purchases: list[int] | None = Field(default=None, description="servers ordered (and paid) each month, "
                                                                  "refresh replacements not counted")
    utilisation: list[float] | None = None
    served_tokens: list[float] = Field(default_factory=list)
    unserved_tokens: list[float] = Field(default_factory=list)
    overflow_tokens: list[float] | None = None
    served_share: float | None = None
    capex_usd: float = 0.0
    opex_usd: float = 0.0
    hybrid: HybridPlan | None = None
    bridge: str | None = Field(default=None, description="in-house: the option serving before the first delivery")
    risk: OptionRisk | None = None
    capacity: CapacityInfo | None = None
    notes: list[str] = Field(default_factory=list)
    assumptions: list[Assumption] = Field(default_factory=list)
    catalog_rows: list[CatalogRowRef] = Field(default_factory=list)
    deprecated: str | None = Field(
        default=None, description="the deprecated catalog rows this option uses ('; ' between them): costed as "
                                  "listed, ranked only when no other option is eligible; None when none")
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
