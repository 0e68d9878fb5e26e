"""Monthly cash flows by category for each deployment, in whole units of hardware.

Two views are produced side by side and always labelled:

* ``cash``: money leaving the business in the month it leaves (capex when bought; sale proceeds only
  when ``finance.terminal_value`` sells the hardware, at the market resale curve, or the ``book``
  convention's credit; what a reservation or lease still owes after the horizon, in the last month);
* ``amortised``: capex spread as straight-line depreciation over the useful life.

Fleet cost and fleet capacity always describe the same fleet: the unit counts that set the cost
are the counts that set the capacity, the utilisation and the energy drawn.

Load is handed to the cost functions as a :class:`Load`: the output-token rate in each bin of each
month's load-duration curve (see :mod:`llmplace.demand`). A pure option serves the whole demand;
in a hybrid, the base serves what its capacity allows at its target utilisation and the overflow
serves the rest. Staff follows one rule for every kind (:mod:`llmplace.costs.staff`): a fixed team per
option kind plus a variable part that grows with the GPUs operated, each role at its own wage.
Owned servers serve from their first delivery; before it an in-house option's bridge serves (or nobody).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..demand import Load
from ..options import Deployment
from ..scenario import CloudOption, InHouseOption, Scenario
from ..site import SiteValues
from .api import api_flows
from .bridge import BRIDGE_ROW, SHORTFALL_ROW, in_house_bridged
from .cloud import (
    InstanceNeed,
    cloud_flows,
    cloud_price_per_hour,
    commitment_left_usd,
    instance_flows,
    instance_starts,
    kept_warm,
)
from .flows import CAPEX_CATEGORIES, COMMITMENT_REMAINING, Flows, add, as_float_list, cash_view_text, lead_months, trend
from .in_house import in_house_fleet, in_house_flows, in_house_planned, lead_time, planned_fleet
from .lines import with_tax_shield

__all__ = [
    "BRIDGE_ROW", "CAPEX_CATEGORIES", "COMMITMENT_REMAINING", "SHORTFALL_ROW", "Flows", "InstanceNeed", "add",
    "api_flows", "as_float_list", "cash_view_text", "cloud_flows", "cloud_price_per_hour", "commitment_left_usd",
    "flows_for", "in_house_bridged", "in_house_fleet", "in_house_flows", "in_house_planned", "instance_flows",
    "instance_starts", "kept_warm", "lead_months", "lead_time",
    "planned_fleet", "trend", "with_tax_shield",
]

IntArray = NDArray[np.int64]


def flows_for(d: Deployment, s: Scenario, load: Load, sv: SiteValues, fleet: IntArray | None = None) -> Flows:
    """Monthly flows of one resolved, feasible deployment serving ``load`` on its own (an in-house option on
    ``fleet`` when given: servers in service each month, bought on the forecast)."""
    if isinstance(d.option, InHouseOption):
        return with_tax_shield(in_house_bridged(d, s, load, sv, fleet), s, sv)
    if isinstance(d.option, CloudOption):
        return with_tax_shield(cloud_flows(d, s, load, sv), s, sv)
    return with_tax_shield(api_flows(d, s, load, sv), s, sv)


