"""Decision maps: the cheapest and the recommended option over a grid of two inputs, with their frontiers.

``decision_map(scenario, x, y)`` evaluates the scenario at every cell of an ``x`` by ``y`` grid of two inputs
(any field an uncertainty input may vary: ``workload.requests_per_month``,
``finance.api_price_change_pct_per_year``, ``options.ID.usd_per_hour`` ...). The cells travel as the engine's
sample axis, so the whole grid is one vectorised evaluation (:mod:`.cells`, in chunks as the Monte Carlo runs):
each cell re-plans its fleets on its own inputs, hybrids choose their base per cell. :mod:`.rescore` picks the
cheapest and the weighted recommendation of every cell; :mod:`.frontier` traces where each changes.
"""

from __future__ import annotations

from ..results import DecisionMap, FrontierSegment
from .axes import Axis, parse_axis
from .grid import MAX_MAP_CELLS, decision_map

__all__ = ["MAX_MAP_CELLS", "Axis", "DecisionMap", "FrontierSegment", "decision_map", "parse_axis"]
