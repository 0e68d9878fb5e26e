"""Owned servers short of their load: before their first delivery, or (sampled) when demand outgrows the fleet bought.

The first servers are ordered at the start of month 1 and serve from the first whole month after the
procurement lead time (:func:`~llmplace.costs.in_house.lead_time`). An in-house option names who serves
the months before: ``bridge`` (an api option, or on-demand or spot cloud instances, paid as used; or
``none``, when that demand stays unserved and the option does not count as serving the workload). The
same bridge serves, paid as used, what a fleet bought on the forecast cannot carry at its target
utilisation afterwards when the Monte Carlo's sampled demand, throughput or utilisation turn out worse.
The bridge's costs are the option's own ``bridge_*`` categories; assumption rows say which rule applied.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..demand import Load
from ..options import Deployment
from ..results import Assumption
from ..scenario import ApiOption, CloudOption, InHouseOption, Scenario
from ..site import SiteValues
from .api import api_flows
from .cloud import cloud_flows
from .flows import Flows
from .in_house import in_house_planned, lead_time
from .staff import Staff

__all__ = ["BRIDGE_ROW", "SHORTFALL_ROW", "in_house_bridged"]

IntArray = NDArray[np.int64]

#: the name of the assumption row that says who serves the months before the first delivery
BRIDGE_ROW = "before the first delivery"
#: the name of the assumption row that says who serves the demand the fleet falls short of after its first delivery
SHORTFALL_ROW = "when the fleet falls short"
#: a shortfall below this share of the month's peak is a rounding artefact of whole servers, not demand to bridge
SHORTFALL_REL_TOL = 1e-9


def in_house_bridged(d: Deployment, s: Scenario, load: Load, sv: SiteValues, fleet: IntArray | None = None) -> Flows:
    """Flows of an in-house option on its own procurement plan, its bridge serving the months before its first
    servers arrive (``d.bridge``; None: that demand stays unserved).

    On ``fleet`` (the servers bought on the forecast, run against a sampled load) the bridge also serves, paid
    as used, whatever that fleet cannot carry at its target utilisation after the first delivery. A plan of the
    option's own that falls short in the point run leaves the excess unserved and says so in its notes.
    """
    opt = d.option
    assert isinstance(opt, InHouseOption)
    f = in_house_planned(d, s, load, sv, with_residual=True, residual=fleet is not None, fleet=fleet, shared=True)
    residual, f.residual = f.residual, None  # only a fleet run against a sampled load needs the load above it
    lead = f.first_service
    weeks, _, src = lead_time(opt, sv)
    rows = [Assumption(name="first servers in service", value=f"month {lead + 1}", unit="",
                       source=f"a {weeks:g}-week procurement lead time ({src}) in whole months: the first servers "
                              "are ordered and paid at the start of month 1, set up and depreciated from delivery")]
    months = np.arange(load.peak.shape[-1])
    before = (months < lead).astype(float)
    keep: np.ndarray = before
    if fleet is not None:  # after the first delivery: what the fleet bought cannot carry (not rounding artefacts)
        assert residual is not None
        short = (residual.peak > SHORTFALL_REL_TOL * np.maximum(load.peak, 1.0)) & (months >= lead)
        keep = np.maximum(before, short.astype(float))
    if lead > 0:
        rows.append(_bridge_row(d, lead))
    if np.any(keep[..., lead:]):
        rows.append(_shortfall_row(d))
    f.assumptions = rows + f.assumptions
    if not np.any(keep) or d.bridge is None:
        return f
    # a fleet bought on the forecast: the load above it in the months to bridge; the point run: the fleet is empty
    # before the first delivery. An API counts no starts. Shared by the options with the same fleet (llmplace.memo)
    above = residual if residual is not None else load
    rises = isinstance(d.bridge.option, CloudOption)
    gap = above.memo.get("in months", (keep, rises), lambda: above.in_months(keep, with_rises=rises))
    return _with_bridge(f, _bridge_flows(d.bridge, s, gap, sv), before)


def _bridge_row(d: Deployment, lead: int) -> Assumption:
    months = "month 1" if lead == 1 else f"months 1-{lead}"
    if d.bridge is None:
        return Assumption(name=BRIDGE_ROW, value=f"{months}: demand unserved", unit="",
                          source=d.bridge_basis or "bridge: none")
    return Assumption(name=BRIDGE_ROW, value=f"{months}: served by {d.bridge.id}, paid as used", unit="",
                      source=d.bridge_basis)


def _shortfall_row(d: Deployment) -> Assumption:
    if d.bridge is None:
        return Assumption(name=SHORTFALL_ROW, value="demand above the fleet's capacity at its target utilisation "
                                                    "unserved", unit="", source=d.bridge_basis or "bridge: none")
    return Assumption(name=SHORTFALL_ROW, value=f"demand above the fleet's capacity at its target utilisation served "
                                                f"by {d.bridge.id}, paid as used", unit="", source=d.bridge_basis)


def _bridge_flows(b: Deployment, s: Scenario, gap: Load, sv: SiteValues) -> Flows:
    """The bridge serving ``gap``: scaled to zero when there is none; its staff only as its instances need."""
    if isinstance(b.option, CloudOption):
        opt = b.option.model_copy(update={"min_instances": 0, "staff_fte": None})
        return cloud_flows(b, s, gap, sv, note=False, option=opt)
    assert isinstance(b.option, ApiOption)
    return api_flows(b, s, gap, sv, option=b.option.model_copy(update={"staff_fte": None}))


def _with_bridge(f: Flows, bridge: Flows, before: np.ndarray) -> Flows:
    """The option's flows with its bridge's as ``bridge_*`` categories; the bridge serves every token of the
    months ``before`` the first delivery (the fleet is empty then). Like a hybrid's parts, the option and its
    bridge share one team (:meth:`~llmplace.costs.staff.Staff.shared_with`): one ``staff`` item."""
    for k, v in bridge.cash.items():
        if np.any(v) and k != "staff":
            f.cash[f"bridge_{k}"] = v
    for k, v in bridge.amortised.items():
        if np.any(v) and k != "staff":
            f.amortised[f"bridge_{k}"] = v
    if f.staff is not None and bridge.staff is not None:
        _share_staff(f, f.staff.shared_with(bridge.staff))
    f.served_tokens = f.served_tokens + bridge.served_tokens
    f.unserved_tokens = np.where(before > 0, 0.0, np.maximum(f.unserved_tokens - bridge.served_tokens, 0.0))
    f.notes += bridge.notes
    return f


def _share_staff(f: Flows, team: Staff) -> None:
    usd = team.usd()
    for view in (f.cash, f.amortised):
        if np.any(usd):
            view["staff"] = usd
    f.staff, f.staff_fte = team, np.broadcast_to(team.fte(), np.shape(usd))
