"""Monthly cash and amortised flows by category, and the small array helpers every cost function shares."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..conventions import MAX_FLEET_UNITS, SCENARIO_SOURCE, whole_units
from ..demand import Load
from ..errors import InputError
from ..finance import npv_timed
from ..results import Assumption

if TYPE_CHECKING:
    from .staff import Staff

__all__ = [
    "CAPEX_CATEGORIES", "COMMITMENT_REMAINING", "DAYS_PER_MONTH", "Flows", "add", "as_float_list", "cash_view_text",
    "lead_months", "live_months", "terminal_commitment", "trend", "trend_of", "warmup_hours",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


CAPEX_CATEGORIES = ("capex", "network_storage", "setup", "residual_credit", "resale_proceeds")
#: the cash-view category of payments a commitment (reservation, lease) still owes after the horizon
COMMITMENT_REMAINING = "commitment_remaining"
DAYS_PER_MONTH = 365.0 / 12.0


@dataclass
class Flows:
    """Cash and amortised monthly amounts per category (arrays of length = horizon)."""

    cash: dict[str, Array]
    amortised: dict[str, Array]
    upfront_usd: Any
    units: IntArray
    served_tokens: Array
    unserved_tokens: Array
    utilisation: Array | None = None
    purchases: IntArray | None = None
    residual: Load | None = None
    overflow_served_tokens: Array | None = None
    notes: list[str] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    staff_fte: Array | None = None  #: staff the option is charged for each month [FTE]
    staff: Staff | None = None  #: the same staff by role, fixed and variable
    #: payments still owed after the horizon, at the end of months H+1, H+2, ... (their sum is the cash
    #: view's ``commitment_remaining`` item in month H)
    after_horizon: Array | None = None
    #: owned servers: the months (from the start) before the first ones serve, the procurement lead time
    first_service: int = 0

    def monthly(self, view: str = "cash") -> Array:
        cats = self.cash if view == "cash" else self.amortised
        return add(*cats.values()) if cats else np.zeros_like(self.served_tokens)

    def start_of_month(self) -> Array:
        """Purchases and setup, paid when the month begins (cash view)."""
        parts = [self.cash[k] for k in ("capex", "network_storage", "setup") if k in self.cash]
        return add(*parts) if parts else np.zeros(np.shape(self.monthly("cash")))

    def npv(self, annual_pct: Any) -> Any:
        """NPV of the cash view: purchases at the start of their month, everything else at its end.

        A commitment still owed at the horizon is discounted from when each of its payments falls due
        (the end of months H+1, H+2, ...), as it would be on a longer horizon, not from month H where
        the cash view books its sum.
        """
        start = self.start_of_month()
        end = self.monthly("cash") - start
        if self.after_horizon is None:
            return npv_timed(start, end, annual_pct)
        end = end - self.cash[COMMITMENT_REMAINING]
        after = np.asarray(self.after_horizon, dtype=float)
        lead = np.broadcast_shapes(start.shape[:-1], end.shape[:-1], after.shape[:-1])
        end_all = np.concatenate([np.broadcast_to(end, lead + end.shape[-1:]),
                                  np.broadcast_to(after, lead + after.shape[-1:])], axis=-1)
        start_all = np.concatenate([np.broadcast_to(start, lead + start.shape[-1:]),
                                    np.zeros(lead + after.shape[-1:])], axis=-1)
        return npv_timed(start_all, end_all, annual_pct)

    def capex_opex(self) -> tuple[Array, Array]:
        """Totals over the horizon (one per sample): capex categories and the rest."""
        parts = [v for k, v in self.cash.items() if k in CAPEX_CATEGORIES]
        capex = np.sum(add(*parts), axis=-1) if parts else np.zeros(np.shape(self.monthly("cash"))[:-1])
        return capex, np.sum(self.monthly("cash"), axis=-1) - capex



_HARDWARE_SALE = {
    "none": "no hardware sale proceeds (servers retired at refresh or still owned at the horizon are credited "
            "nothing)",
    "resale": "servers sold at refresh and at the horizon at the catalog's market resale curve by age "
              "(resale_proceeds)",
    "book": "servers credited at straight-line book value at the horizon and at residual_value_pct at refresh "
            "(residual_credit; a non-cash convention, not a sale)",
}


def cash_view_text(terminal_value: str) -> str:
    """What the cash view counts beyond purchases and running costs, for ``finance.terminal_value``."""
    return (f"{_HARDWARE_SALE[terminal_value]}; commitments that outlive the horizon (cloud reservations, "
            "leases) charged in full in the last month (commitment_remaining), their NPV discounted when due")


def terminal_commitment(after: Array, horizon: int) -> Array:
    """The cash-view item for payments owed after the horizon: their sum, booked in the last month."""
    out = np.zeros(np.shape(after)[:-1] + (horizon,))
    out[..., -1] = np.sum(after, axis=-1)
    return out


def _shape(*arrays: Any) -> tuple[int, ...]:
    return np.broadcast_shapes(*(np.shape(a) for a in arrays))


def _col(a: Array, m: int) -> Array:
    """Month ``m`` of a (..., months) array, keeping the month axis (so samples broadcast)."""
    return a[..., m:m + 1]


def add(*parts: Any) -> Array:
    """Sum of arrays of broadcastable shapes."""
    out = np.zeros(_shape(*parts))
    for p in parts:
        out += p  # in place: the same sums, in the same order, without a new array per part
    return out


def trend(pct_per_year: Any, months: int) -> Array:
    """Price multiplier of each month for a compound trend [%/year]; month 1 = 1.

    ``pct_per_year`` may be an array of samples of shape (samples, 1).
    """
    return (1.0 + np.asarray(pct_per_year, dtype=float) / 100.0) ** (np.arange(months, dtype=float) / 12.0)


def trend_of(sv: Any, pct_per_year: Any, months: int) -> Array:
    """:func:`trend`, computed once per site values ``sv`` for each distinct rate and horizon (:mod:`llmplace.memo`):
    every option of a run reads the same price and wage trends."""
    return sv.memo.get("trend", (pct_per_year, months), lambda: trend(pct_per_year, months))  # type: ignore[no-any-return]


def lead_months(weeks: float) -> int:
    """Procurement lead time in whole months (rounded up)."""
    return int(math.ceil(float(weeks) * 7.0 / DAYS_PER_MONTH - 1e-9))


def _need(peak: Any, per_unit_tokens_per_s: Any, utilisation: Any, step: int = 1) -> IntArray:
    """Whole units that carry ``peak`` at ``utilisation``; InputError past :data:`MAX_FLEET_UNITS`."""
    quantity = np.asarray(peak) / (per_unit_tokens_per_s * utilisation)
    if not np.all(np.isfinite(quantity)) or (quantity.size and float(np.max(quantity)) > MAX_FLEET_UNITS):
        most = float(np.max(np.nan_to_num(quantity, nan=np.inf)))
        raise InputError("workload", f"a peak needing {most:,.0f} units of one option",
                         f"a demand a fleet of at most {MAX_FLEET_UNITS:,} servers or instances can carry")
    return whole_units(quantity, step)




def warmup_hours(opt: Any, sv: Any) -> tuple[float, str, str | None]:
    """Hours a started instance (or server) runs before it serves, and where the figure comes from."""
    if opt.warmup_minutes_per_start is not None:
        return float(opt.warmup_minutes_per_start) / 60.0, SCENARIO_SOURCE, "scenario"
    key = "instance_warmup_minutes_per_start"
    return float(sv[key]) / 60.0, sv.sources[key][0], sv.sources[key][1]


def live_months(peak: Any) -> NDArray[np.bool_]:
    """The months a service is live, (..., months): from the first month with load (its launch) to the end of the
    horizon, quiet months included. ``monthly_multipliers`` describe a repeating yearly cycle and a scenario has
    no end of service, so a quiet spell at the end of the horizon is an off-season, not a retirement. Months
    before the launch are not live: nothing is kept warm for a service that does not exist yet."""
    has_load = np.asarray(peak) > 0
    return np.asarray(np.logical_or.accumulate(has_load, axis=-1))


def _active_hours(load: Load) -> Array:
    return np.sum(np.where(load.active, load.hours, 0.0), axis=-1)



def as_float_list(a: Any) -> list[float]:
    return [float(x) for x in np.asarray(a, dtype=float)]
