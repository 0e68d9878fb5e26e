"""The numbers and answers the criteria step reads for each option, gathered in one place.

:class:`OptionFacts` is built from the scenario and the cost result of one option (its units,
categories, capacity and the sizing dict attached to it) plus catalog rows; the availability,
latency, constraint and score functions read only these facts. Scenario and result objects are
typed loosely here so the criteria package never imports the orchestrator (no import cycles).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import catalog
from ..catalog import criteria_data as data

__all__ = ["OptionFacts", "active_parts", "gather", "link_role", "needs_internet", "site_link_in_path", "standby",
           "twin_of"]


@dataclass
class OptionFacts:
    """One option, as the criteria step sees it. Money in USD, time in hours unless named."""

    id: str
    kind: str
    label: str
    feasible: bool
    result: Any
    option: Any | None
    hosting: str | None = None
    plan: str | None = None
    provider: str | None = None
    region: str | None = None
    gpu: str | None = None
    gpu_count: int = 0
    units: list[int] = field(default_factory=list)
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
    sizing: dict[str, Any] | None = None
    capacity_source: str | None = None
    lead_time_weeks: float | None = None
    parts: list[OptionFacts] = field(default_factory=list)
    part_shares: list[float] = field(default_factory=list)

    @property
    def max_units(self) -> int:
        return max(self.units) if self.units else 0


def _scenario_option(s: Any, r: Any, i: int) -> Any | None:
    opts = list(getattr(s, "options", []))
    if (
        i < len(opts)
        and getattr(opts[i], "kind", None) == r.kind
        and getattr(opts[i], "id", None) in (None, r.id)
    ):
        return opts[i]
    for o in opts:
        if getattr(o, "id", None) == r.id:
            return o
    return None


def _row(r: Any, table: str) -> str | None:
    for ref in getattr(r, "catalog_rows", []) or []:
        if ref.get("catalog") == table:
            return str(ref.get("id"))
    return None


def _assumption(r: Any, name: str) -> float | None:
    for a in getattr(r, "assumptions", []) or []:
        if a.get("name") == name:
            try:
                return float(a.get("value"))
            except (TypeError, ValueError):
                return None
    return None


def _needed_units(s: Any, r: Any, res: Any, opt: Any) -> list[int]:
    """Whole units the peak needs each month, by the same rule the cost engine sizes the fleet with."""
    cap = r.capacity or {}
    peak = (getattr(res, "demand", None) or {}).get("peak_output_tokens_per_s") or []
    if not cap.get("output_tokens_per_s_per_replica") or not peak or opt is None:
        return [int(u) for u in r.units]
    from ..options import Capacity, units_needed  # lazy: options imports the scenario

    c = Capacity(
        float(cap["output_tokens_per_s_per_replica"]),
        int(cap.get("gpus_per_replica") or 1),
        int(cap.get("replicas_per_unit") or 1),
        str(cap.get("source", "")),
    )
    goodput = 1.0
    if getattr(opt, "plan", None) == "spot":
        goodput = catalog.site_default("spot_interruption_goodput")
    need = units_needed(peak, c, float(getattr(opt, "target_utilisation", 0.8)), goodput)
    return [int(x) for x in need]


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


def _one(s: Any, res: Any, r: Any, opt: Any) -> OptionFacts:
    f = OptionFacts(id=r.id, kind=r.kind, label=r.label, feasible=bool(r.feasible), result=r, option=opt)
    f.units = [int(u) for u in (r.units or [])]
    f.utilisation = [float(u) for u in (r.utilisation or [])]
    f.upfront_usd, f.tco_usd, f.usd_per_mtok = float(r.upfront_usd), float(r.tco_usd), r.usd_per_mtok
    f.by_category_usd = dict(r.by_category_usd or {})
    f.horizon_months = int(getattr(res, "horizon_months", 0) or len(r.monthly_usd) or 1)
    cap = r.capacity or {}
    f.sizing = cap.get("sizing") or None
    f.capacity_source = cap.get("source")
    f.gpu = cap.get("gpu") or _row(r, "gpus")
    loaded = _assumption(res, "staff_loaded_usd_per_year") or catalog.site_default(
        "sysadmin_loaded_usd_per_year"
    )
    f.staff_usd_per_year = f.by_category_usd.get("staff", 0.0) / f.horizon_months * 12.0
    f.staff_fte = f.staff_usd_per_year / loaded if loaded > 0 else 0.0
    if opt is not None:
        f.hosting = getattr(opt, "hosting", None)
        f.plan = getattr(opt, "plan", None)
        f.n_plus_one = bool(getattr(opt, "n_plus_one", False))
        f.second_site = bool(getattr(opt, "second_site", False))
        f.zones = int(getattr(opt, "zones", 1) or 1)
        f.regions = int(getattr(opt, "regions", 1) or 1)
        lt = getattr(opt, "lead_time_weeks", None)
        f.lead_time_weeks = float(lt) if lt is not None else None
    if f.kind == "in_house":
        srv_id = _row(r, "servers")
        srv = catalog.table("servers").find(srv_id) if srv_id else None
        f.gpu_count = int(getattr(opt, "gpu_count", None) or (srv.gpu_count if srv else 0))
        f.server_max_power_kw = _assumption(r, "server max power") or (srv.max_power_kw if srv else None)
        ru = (getattr(opt, "overrides", {}) or {}).get("rack_units") if opt is not None else None
        f.rack_units = int(ru) if ru is not None else (srv.rack_units if srv else None)
        f.provider = "your site"
    elif f.kind == "cloud":
        cid = _row(r, "clouds")
        row = catalog.table("clouds").find(cid) if cid else None
        if row is not None:
            f.provider, f.region = row.provider, row.region
        else:
            f.provider = "custom"
        f.gpu_count = int(getattr(opt, "gpu_count", None) or (row.gpu_count if row else 0))
    elif f.kind == "api":
        aid = _row(r, "apis")
        f.provider = (aid.split("/", 1)[0] if aid else None) or getattr(opt, "provider", None) or "custom"
    if f.kind in ("in_house", "cloud") and f.units:
        f.needed = _needed_units(s, r, res, opt)
    _country(f, s)
    return f


def gather(s: Any, res: Any) -> list[OptionFacts]:
    """Facts of every option of a comparison, in the result's order.

    A hybrid option (``kind == "hybrid"``) gets the facts of its base and overflow options (named
    in its result's ``hybrid`` plan) attached with the share of tokens each serves, and takes the
    base's hardware attributes, so its scores can come from its parts' numbers.
    """
    out = [_one(s, res, r, _scenario_option(s, r, i)) for i, r in enumerate(res.options)]
    by_id = {f.id: f for f in out}
    for f in out:
        plan = getattr(f.result, "hybrid", None) or {}
        ids = [plan.get("base"), plan.get("overflow")]
        shares = [plan.get("share_served_by_base"), plan.get("share_served_by_overflow")]
        f.parts = [by_id[p] for p in ids if isinstance(p, str) and p in by_id]
        if len(f.parts) == 2 and all(isinstance(x, (int, float)) for x in shares):
            f.part_shares = [float(x) for x in shares]  # type: ignore[arg-type]
        elif f.parts:
            f.part_shares = [1.0 / len(f.parts)] * len(f.parts)
        if f.parts:
            base = f.parts[0]  # the base part sets what is bought or reserved
            for attr in (
                "hosting",
                "plan",
                "region",
                "gpu",
                "gpu_count",
                "server_max_power_kw",
                "rack_units",
                "n_plus_one",
                "second_site",
                "zones",
                "regions",
                "lead_time_weeks",
            ):
                setattr(f, attr, getattr(base, attr))
            if f.country is None:
                f.country, f.country_basis = base.country, base.country_basis
    return out


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
    overflow serves no tokens is its base only if that overflow plays no standby role; an elastic
    overflow (cloud instances or an API) always stands by to take the load while the base is down,
    so such a hybrid stays a deployment of its own (base plus standby).
    """
    if f.kind != "hybrid" or len(f.parts) != 2:
        return None
    base, over = f.parts
    shares = f.part_shares if len(f.part_shares) == 2 else [1.0, 1.0]
    if not any(f.units) or shares[0] <= 0.0:
        return over.id
    if shares[1] <= 0.0 and not standby(over):
        return base.id
    return None


def standby(part: OptionFacts) -> bool:
    """Whether a hybrid's overflow part takes over the load while the base is down."""
    return part.kind in ("cloud", "api")


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
