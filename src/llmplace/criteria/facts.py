"""The numbers and answers the criteria step reads for each option, gathered in one place.

:class:`OptionFacts` is built from the typed result of one option: its units, money, capacity and
sizing, and the footprint the engine sized and charged (units the peak needs, staff FTE, server
power, rack units, provider and region), never re-derived from dollars or assumption names. The
availability, latency, constraint and score functions read only these facts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import catalog
from ..catalog import criteria_data as data
from ..conventions import units_text
from ..results import CompareResult, OptionResult
from ..sizing import SizingResult

__all__ = ["OptionFacts", "active_parts", "facts_before_costing", "gather", "link_role", "needs_internet",
           "site_link_in_path", "standby", "twin_of", "availability_parts"]


@dataclass
class OptionFacts:
    """One option, as the criteria step sees it. Money in USD, time in hours unless named."""

    id: str
    kind: str
    label: str
    feasible: bool
    result: OptionResult
    option: Any | None
    hosting: str | None = None
    plan: str | None = None
    provider: str | None = None
    region: str | None = None
    gpu: str | None = None
    gpu_count: int = 0
    units: list[int] = field(default_factory=list)
    unit_kind: str | None = None  #: plural unit name ("servers", "instances", "2-server groups")
    needed: list[int] = field(default_factory=list)
    utilisation: list[float] = field(default_factory=list)
    upfront_usd: float = 0.0
    tco_usd: float = 0.0
    usd_per_mtok: float | None = None
    by_category_usd: dict[str, float] = field(default_factory=dict)
    horizon_months: int = 1
    staff_fte: float = 0.0
    staff_usd_per_year: float = 0.0
    server_max_power_kw: float | None = None
    rack_units: int | None = None
    country: str | None = None
    country_basis: str = ""
    n_plus_one: bool = False
    second_site: bool = False
    zones: int = 1
    regions: int = 1
    sizing: SizingResult | None = None
    capacity_source: str | None = None
    lead_time_weeks: float | None = None
    useful_life_years: float = 0.0
    parts: list[OptionFacts] = field(default_factory=list)
    part_shares: list[float] = field(default_factory=list)
    bridge: OptionFacts | None = None  #: in-house: the option serving before the first delivery

    @property
    def max_units(self) -> int:
        return max(self.units) if self.units else 0

    def count_of(self, n: int) -> str:
        """``n`` units before the option's name: "3 x", or "1 2-server group of" where a replica spans several."""
        if self.unit_kind and self.unit_kind.endswith("groups"):
            return f"{units_text(n, self.unit_kind)} of"
        return f"{n} x"

    def servers_text(self, n: int) -> str:
        """``n`` units in words: "3 server(s)", or "1 2-server group" where a replica spans several servers."""
        if self.unit_kind and self.unit_kind.endswith("groups"):
            return units_text(n, self.unit_kind)
        return f"{n} server(s)"


def _country(f: OptionFacts, s: Any) -> None:
    crit = getattr(s, "criteria", None)
    given = dict(getattr(crit, "option_countries", {}) or {})
    if f.id in given:
        f.country, f.country_basis = given[f.id], f"criteria.option_countries.{f.id}"
        return
    if f.kind == "in_house":
        site = getattr(crit, "site_country", None)
        f.country, f.country_basis = site, ("criteria.site_country" if site else "site country not given")
    elif f.kind == "cloud" and f.provider and f.region:
        loc = data.location("cloud_region", f"{f.provider}/{f.region}")
        if loc is not None:
            f.country, f.country_basis = loc.country, f"locations.csv {loc.key}"
        else:
            f.country_basis = f"region {f.provider}/{f.region} not in locations.csv"
    elif f.kind == "api" and f.provider:
        loc = data.location("api_provider", f.provider)
        if loc is not None:
            f.country = loc.country
            f.country_basis = f"locations.csv {loc.key} ({'/'.join(loc.groups) or loc.area})"
        else:
            f.country_basis = f"provider {f.provider} not in locations.csv"


def _one(s: Any, res: CompareResult, r: OptionResult) -> OptionFacts:
    """An option's facts from the engine's typed outcome: units, money, staff, power, rack units, capacity."""
    fp = r.footprint
    opts = list(s.options)
    opt = opts[fp.option_index] if fp.option_index is not None and fp.option_index < len(opts) else None
    f = OptionFacts(id=r.id, kind=r.kind, label=r.label, feasible=bool(r.feasible), result=r, option=opt)
    f.units = list(r.units)
    f.unit_kind = r.unit_kind
    f.utilisation = list(r.utilisation or [])
    f.upfront_usd, f.tco_usd, f.usd_per_mtok = r.upfront_usd, r.tco_usd, r.usd_per_mtok
    f.by_category_usd = dict(r.by_category_usd)
    f.horizon_months = res.horizon_months or len(r.monthly_usd) or 1
    life = res.assumption("useful_life_years")
    f.useful_life_years = float(life.value) if life is not None else catalog.site_default("useful_life_years")
    if r.capacity is not None:
        f.sizing, f.capacity_source = r.capacity.sizing, r.capacity.source
    f.gpu = (r.capacity.gpu if r.capacity is not None else None) or fp.gpu or r.catalog_row("gpus")
    f.staff_usd_per_year = f.by_category_usd.get("staff", 0.0) / f.horizon_months * 12.0
    f.staff_fte = sum(fp.staff_fte) / len(fp.staff_fte) if fp.staff_fte else 0.0
    f.gpu_count, f.provider, f.region = fp.gpu_count, fp.provider, fp.region
    f.server_max_power_kw, f.rack_units = fp.server_max_power_kw, fp.rack_units
    if f.kind in ("in_house", "cloud") and f.units:
        f.needed = list(fp.units_needed) or list(f.units)
    if opt is not None:
        f.hosting = getattr(opt, "hosting", None)
        f.plan = getattr(opt, "plan", None)
        f.n_plus_one = bool(getattr(opt, "n_plus_one", False))
        f.second_site = bool(getattr(opt, "second_site", False))
        f.zones = int(getattr(opt, "zones", 1) or 1)
        f.regions = int(getattr(opt, "regions", 1) or 1)
        lt = getattr(opt, "lead_time_weeks", None)
        f.lead_time_weeks = float(lt) if lt is not None else None
    _country(f, s)
    return f


_BASE_ATTRS = ("hosting", "plan", "region", "gpu", "gpu_count", "server_max_power_kw", "rack_units", "n_plus_one",
               "second_site", "zones", "regions", "lead_time_weeks")


def gather(s: Any, res: CompareResult) -> list[OptionFacts]:
    """Facts of every option of a comparison, in the result's order.

    A hybrid option (``kind == "hybrid"``) gets the facts of its base and overflow options (named
    in its result's ``hybrid`` plan) attached with the share of tokens each serves, and takes the
    base's hardware attributes, so its scores can come from its parts' numbers.
    """
    out = [_one(s, res, r) for r in res.options]
    by_id = {f.id: f for f in out}
    for f in out:
        f.bridge = by_id.get(f.result.bridge) if f.result.bridge else None
        plan = f.result.hybrid
        if plan is None:
            continue
        f.parts = [by_id[p] for p in (plan.base, plan.overflow) if p in by_id]
        if len(f.parts) == 2:
            f.part_shares = [plan.share_served_by_base, plan.share_served_by_overflow]
        elif f.parts:
            f.part_shares = [1.0 / len(f.parts)] * len(f.parts)
        if f.parts:
            base = f.parts[0]  # the base part sets what is bought or reserved
            for attr in _BASE_ATTRS:
                setattr(f, attr, getattr(base, attr))
            if f.country is None:
                f.country, f.country_basis = base.country, base.country_basis
    return out


def facts_before_costing(s: Any, id: str, kind: str, label: str, option: Any, provider: str | None) -> OptionFacts:
    """What is known of an option before it is costed: its kind, provider and where it processes data."""
    r = OptionResult(id=id, kind=kind, label=label, feasible=True)
    f = OptionFacts(id=id, kind=kind, label=label, feasible=True, result=r, option=option, provider=provider)
    _country(f, s)
    return f


def active_parts(f: OptionFacts) -> list[OptionFacts]:
    """The parts of a hybrid that are deployed: a hybrid that buys no base is its overflow alone."""
    if len(f.parts) > 1 and not any(f.units):
        return [f.parts[-1]]
    return list(f.parts)


def link_role(f: OptionFacts, users: str) -> str | None:
    """Which internet link of the business sits between the users and a pure option, if any.

    ``"own"``: the server site's own link (users off site reaching servers on a site of yours);
    each site has its own, so it belongs inside each site's figure. ``"shared"``: the office link
    the users on site reach an external service over (a cloud, an API, a colocation facility); one
    link for everything reached that way. ``None``: the site network (users on site, servers on site)
    or the provider's and users' own networks.
    """
    if f.kind == "in_house" and f.hosting != "colocation":
        return "own" if users != "on_site" else None
    if f.kind in ("in_house", "cloud", "api"):
        return "shared" if users == "on_site" else None
    return None


def site_link_in_path(f: OptionFacts, users: str) -> bool:
    """Whether one of the business's own internet links sits between the users and the service."""
    if f.kind == "hybrid" and f.parts:
        return any(site_link_in_path(p, users) for p in active_parts(f))
    return link_role(f, users) is not None


def needs_internet(f: OptionFacts, users: str) -> bool:
    """Whether the service is unusable without an external network link."""
    if f.kind == "in_house":
        return not (f.hosting != "colocation" and users == "on_site")
    if f.kind == "hybrid" and f.parts:
        return any(needs_internet(p, users) for p in active_parts(f))
    return True


def twin_of(f: OptionFacts) -> str | None:
    """The pure option a hybrid is structurally the same deployment as, or None.

    A hybrid that buys no base, or whose base serves no tokens, is its overflow. A hybrid whose
    overflow serves no tokens is its base only if that overflow is not a paid standby (one that is
    kept ready to take the load while the base is down is a deployment of its own: base plus standby).
    Without a paid standby, a hybrid that costs the same as one of its parts and serves the same tokens
    in every month (a base whose overflow only fills the months before delivery, as the pure in-house
    option's own bridge does) is that part.
    """
    if f.kind != "hybrid" or len(f.parts) != 2:
        return None
    base, over = f.parts
    shares = f.part_shares if len(f.part_shares) == 2 else [1.0, 1.0]
    if not any(f.units) or shares[0] <= 0.0:
        return over.id
    if standby(f):
        return None
    if shares[1] <= 0.0:
        return base.id
    return next((p.id for p in (base, over) if same_money_and_tokens(f, p)), None)


def same_money_and_tokens(a: OptionFacts, b: OptionFacts) -> bool:
    """Whether two options cost the same and serve the same tokens in every month (to the cent, to the token)."""
    ra, rb = a.result, b.result
    if not (ra.monthly_usd and rb.monthly_usd and len(ra.monthly_usd) == len(rb.monthly_usd)):
        return False
    return bool(np.allclose(ra.monthly_usd, rb.monthly_usd, rtol=0.0, atol=0.01)
                and np.allclose(ra.served_tokens, rb.served_tokens, rtol=1e-9, atol=1.0))


def standby(f: OptionFacts) -> bool:
    """Whether a hybrid's overflow is a paid standby that takes over the load while the base is down.

    Only an elastic overflow (cloud instances or an API) can, and only when the hybrid pays for keeping it
    ready (``standby: tested``, priced as the ``standby_*`` cost lines); an unpaid standby earns no credit.
    """
    if f.kind != "hybrid" or len(f.parts) != 2:
        return False
    return f.parts[1].kind in ("cloud", "api") and getattr(f.option, "standby", "tested") == "tested"


def availability_parts(f: OptionFacts) -> list[OptionFacts]:
    """The parts of a hybrid that keep the service up: the overflow stands in for the base only if paid for."""
    parts = active_parts(f)
    if len(parts) == 2 and not standby(f):
        return parts[:1]
    return parts


def worst_month(f: OptionFacts, per_site: int, badness: Callable[[int, int], float]) -> tuple[int, int, int]:
    """(month, units per site, units needed) in the month where ``badness(units, needed)`` is largest."""
    if not f.units:
        return 0, 0, 0
    needed = f.needed or [0] * len(f.units)
    best: tuple[int, int, int] | None = None
    worst = -1.0
    for m, (u, n) in enumerate(zip(f.units, needed, strict=False)):
        site_units = u // per_site
        if site_units == 0:
            continue
        n = min(
            n, site_units
        )  # a shortfall below the peak is a capacity shortage (unserved tokens), not an outage
        b = badness(site_units, n)
        if b >= worst:
            best, worst = (m, site_units, n), b
    return best or (0, 0, 0)


def ceil_div(a: int, b: int) -> int:
    return int(math.ceil(a / b)) if b else a
