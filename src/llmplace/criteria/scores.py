"""One score (0 to 10, higher is better) per option and criterion, each with a one-line reason.

From the numbers where a number exists (the reference set is the eligible options):

* ``initial_cost``: ``10 / (1 + upfront / lowest TCO)``: no upfront scores 10; an upfront equal to
  the lowest total cost of any option scores 5.
* ``total_cost``: ``10 x lowest TCO / TCO`` (cash view, over the horizon).
* ``cost_predictability``: ``10 x (1 - min(1, spread / 0.5))`` from a Monte Carlo P10-P90 spread of
  TCO over its median when one is given; else the deterministic proxy ``10 x (1 - exposure)``,
  where exposure is the share of spend that moves with usage or market prices, per cost category
  (``exposure.*`` rows of ``option_facts.csv``). The reason names the basis used.
* ``scalability``: ``10 x (1 - log10(1 + h) / log10(1 + 8,760))`` for ``h`` hours to add capacity
  (procurement lead time for servers, minutes for cloud instances, none for an API).
* ``latency``: ``10 x clip(1 - t / (2 L))`` for the first token at the user ``t`` (round trip +
  TTFT) against ``L``: ``constraints.max_latency_ms``, else the scenario's TTFT target, else 2,000 ms.
  For a hybrid ``t`` is the mean of its parts weighted by the tokens each serves; the reason also
  names its slowest part serving tokens, which the ``max_latency_ms`` constraint is checked against.
* ``availability``: ``10 x clip((nines - 1) / 4)`` with ``nines = -log10(unavailability)``: 99 %
  scores 2.5, 99.9 % 5, 99.99 % 7.5, 99.999 % 10.
* ``maintenance_burden``: ``10 / (1 + FTE / 0.5)`` minus a skills penalty (``maintenance_skills``
  rows of ``criteria_traits.csv``); FTE from the staff cost in the TCO.

From the business's answers and the option's kind (rows of ``criteria_traits.csv``, the most
specific matching row wins): ``control``, ``data_privacy``, ``internet_dependency``,
``accelerator_access`` (plus, for cloud, 5 x the share of the catalog's GPU types the provider
lists), ``ease_of_use``, ``remote_access``. A hybrid option takes these from the mean of its parts.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import catalog
from ..catalog import criteria_data as data
from ..conventions import format_usd, money_code, money_prefix
from ..results import Availability, CriterionScore, LatencyEstimate, SourceRef
from .facts import OptionFacts, needs_internet, site_link_in_path, standby

__all__ = [
    "ScoreContext", "SCORERS", "cost_scores", "initial_cost_score", "score_option", "total_cost_score", "trait_for",
]

HALF_SCORE_FTE = 0.5  #: staff FTE at which the staff-time part of maintenance_burden scores 5
DEFAULT_LATENCY_MS = 2000.0  #: first-token reference when the scenario sets no target [ms]
FULL_SPREAD = 0.5  #: Monte Carlo P10-P90 spread over the median that scores 0


@dataclass
class ScoreContext:
    """What every scorer may read: the reference set, the scenario's settings and derived figures."""

    reference: list[OptionFacts]
    scenario: Any
    availability: dict[str, Availability]
    latency: dict[str, LatencyEstimate]
    spread: Mapping[str, float] | None = None
    sources: list[SourceRef] = field(default_factory=list)

    @property
    def settings(self) -> Any:
        return self.scenario.criteria

    @property
    def constraints(self) -> Any:
        return self.scenario.constraints

    @property
    def min_tco(self) -> float:
        return min((f.tco_usd for f in self.reference), default=0.0)

    @property
    def min_tco_option(self) -> OptionFacts | None:
        return min(self.reference, key=lambda f: f.tco_usd) if self.reference else None

    def lead_weeks(self, f: OptionFacts | None = None) -> tuple[float, str]:
        """Procurement lead time of new servers [weeks]: the option's ``lead_time_weeks``, else site.csv."""
        if f is not None and f.lead_time_weeks is not None:
            return f.lead_time_weeks, f"options.{f.id}.lead_time_weeks"
        row = catalog.site_defaults()["procurement_lead_time_weeks"]
        return row.value, f"site.csv procurement_lead_time_weeks, {row.as_of}"


def _clip(x: float) -> float:
    return float(min(10.0, max(0.0, x)))


# --- scores from numbers --------------------------------------------------------------------------


def initial_cost_score(upfront_usd: float, reference_usd: float) -> float:
    """``10 / (1 + upfront / reference)`` (the reference: the lowest TCO of any option), not clipped."""
    return 10.0 / (1.0 + max(0.0, upfront_usd) / reference_usd)


def total_cost_score(tco_usd: float, lowest_tco_usd: float) -> float:
    """``10 x lowest TCO / TCO`` for a positive lowest TCO (10 for a TCO of 0 or less), not clipped."""
    return 10.0 * lowest_tco_usd / tco_usd if tco_usd > 0 else 10.0


def _initial_reference_usd(tcos_usd: list[float]) -> float:
    """The TCO an upfront is measured against: the lowest TCO when above 0, else the highest (at least 1)."""
    lo = min(tcos_usd, default=0.0)
    return lo if lo > 0 else max([*tcos_usd, 1.0])


def cost_scores(upfront_usd: float, tco_usd: float, reference_tcos_usd: list[float]) -> dict[str, float]:
    """The two cost criteria's scores (clipped to 0-10) of an option among ``reference_tcos_usd``.

    ``initial_cost`` and ``total_cost`` as in the module docstring; when no TCO is above 0 the total
    cost score is a linear scale from the highest TCO (0) to the lowest (10). The numbers only, without
    the reasons: what a what-if on one option's TCO re-scores many times.
    """
    lo = min(reference_tcos_usd, default=0.0)
    if lo <= 0:
        hi = max(reference_tcos_usd)
        total = 10.0 if hi == lo else 10.0 * (hi - tco_usd) / (hi - lo)
    else:
        total = total_cost_score(tco_usd, lo)
    initial = initial_cost_score(upfront_usd, _initial_reference_usd(reference_tcos_usd))
    return {"initial_cost": _clip(initial), "total_cost": _clip(total)}


def _initial_cost(f: OptionFacts, ctx: ScoreContext) -> CriterionScore:
    tcos = [g.tco_usd for g in ctx.reference]
    ref = _initial_reference_usd(tcos)
    if f.upfront_usd <= 0:
        reason = "no upfront cost"
    else:
        reason = (
            f"upfront {format_usd(f.upfront_usd, cents_below=0)} = {f.upfront_usd / ref:.2f}x the lowest "
            f"{f.horizon_months}-month TCO of any option ({format_usd(ref, cents_below=0)})"
        )
    return CriterionScore(
        score=cost_scores(f.upfront_usd, f.tco_usd, tcos)["initial_cost"],
        reason=reason,
        value=f.upfront_usd,
        unit=money_code(),
        basis="10 / (1 + upfront / lowest TCO)",
    )


def _total_cost(f: OptionFacts, ctx: ScoreContext) -> CriterionScore:
    lo = ctx.min_tco
    best = ctx.min_tco_option
    per = f" ({money_prefix() + format(f.usd_per_mtok, ',.2f')}/Mtok)" if f.usd_per_mtok is not None else ""
    s = cost_scores(f.upfront_usd, f.tco_usd, [g.tco_usd for g in ctx.reference])["total_cost"]
    if best is not None and abs(f.tco_usd - lo) < 1e-6:
        reason = f"lowest TCO: {format_usd(f.tco_usd, cents_below=0)} over {f.horizon_months} months{per}"
    else:
        ratio = f.tco_usd / lo if lo > 0 else float("nan")
        reason = (
            f"TCO {format_usd(f.tco_usd, cents_below=0)} over {f.horizon_months} months{per}, {ratio:.2f}x the lowest "
            f"({format_usd(lo, cents_below=0)}, {best.id if best else '-'})"
        )
    return CriterionScore(
        score=s, reason=reason, value=f.tco_usd, unit=money_code(), basis="10 x lowest TCO / TCO (cash view)"
    )


def exposure_share(f: OptionFacts) -> tuple[float, list[tuple[str, float, float]]]:
    """Share of spend exposed to usage or market prices, and (category, spend, exposure) rows."""
    rows = []
    for cat, usd in f.by_category_usd.items():
        if usd <= 0:
            continue  # credits (residual value) are not spend
        part, name = f, cat
        if (
            f.kind == "hybrid" and f.parts
        ):  # overflow_* categories are the overflow part's, the rest the base's
            over = cat.startswith("overflow_") and len(f.parts) > 1
            part, name = (f.parts[1], cat.removeprefix("overflow_")) if over else (f.parts[0], cat)
        elif f.bridge is not None and cat.startswith("bridge_"):  # an in-house option's bridge before delivery
            part, name = f.bridge, cat.removeprefix("bridge_")
        applies = [f"{part.kind}:{part.plan}"] if part.plan else []
        fct = data.fact(f"exposure.{name}", *applies, part.kind) or data.fact("exposure.other", part.kind)
        e = fct.value if fct is not None else 0.5
        rows.append((cat, usd, e))
    total = sum(u for _, u, _ in rows)
    if total <= 0:
        return 0.0, rows
    return sum(u * e for _, u, e in rows) / total, rows


def _cost_predictability(f: OptionFacts, ctx: ScoreContext) -> CriterionScore:
    if ctx.spread is not None and f.id in ctx.spread:
        sp = float(ctx.spread[f.id])
        return CriterionScore(
            score=_clip(10.0 * (1.0 - min(1.0, sp / FULL_SPREAD))),
            reason=f"Monte Carlo: TCO P10-P90 spread is {sp:.0%} of the median",
            value=sp,
            unit="share",
            basis="Monte Carlo spread: 10 x (1 - spread / 0.5)",
        )
    e, rows = exposure_share(f)
    top = max(rows, key=lambda r: r[1] * r[2], default=None)
    tail = (f"; largest exposed item: {top[0]} {format_usd(top[1], cents_below=0)} x {top[2]:g}"
            if top and top[2] > 0 else "")
    return CriterionScore(
        score=_clip(10.0 * (1.0 - e)),
        reason=(
            f"{e:.0%} of the {f.horizon_months}-month spend moves with usage or market prices "
            f"(deterministic proxy, no Monte Carlo spread){tail}"
        ),
        value=e,
        unit="share",
        basis="deterministic proxy: 10 x (1 - exposed share), option_facts.csv exposure.*",
    )


def provision_hours(f: OptionFacts, ctx: ScoreContext) -> tuple[float, str]:
    """Hours to add capacity, and where the figure comes from."""
    if f.kind == "in_house":
        weeks, src = ctx.lead_weeks(f)
        return weeks * 168.0, f"a {weeks:g}-week procurement lead time ({src})"
    fct = data.fact("provision_hours", f"{f.kind}:{f.plan}" if f.plan else f.kind, f.kind)
    if fct is None:
        return 0.0, "no figure"
    ctx.sources.append(SourceRef.model_validate(fct.ref()))
    if fct.value <= 0:
        return 0.0, "no lead time: the provider's capacity absorbs it (rate limits apply)"
    return fct.value, f"about {fct.value * 60:.0f} minutes to launch and load (option_facts.csv)"


def _scalability(f: OptionFacts, ctx: ScoreContext) -> CriterionScore:
    h, why = provision_hours(f, ctx)
    s = 10.0 * (1.0 - math.log10(1.0 + h) / math.log10(1.0 + 8760.0))
    reason = f"adding capacity takes {why}"
    if f.kind == "in_house" and f.utilisation:
        peak_util = max(f.utilisation)
        reason += f"; the fleet's average load peaks at {peak_util:.0%} of capacity"
    return CriterionScore(
        score=_clip(s), reason=reason, value=h, unit="h", basis="10 x (1 - log10(1 + h) / log10(8,761))"
    )


def _slowest_words(lat: LatencyEstimate, t: float) -> str:
    """A hybrid's slowest part serving tokens, named when it is slower than the token-weighted mean."""
    slow = lat.slowest_first_token_ms
    if slow is None or abs(float(slow) - float(t)) < 0.5:
        return ""
    return (
        f"; slowest part serving tokens: {lat.slowest_part} at {slow:,.0f} ms (what max_latency_ms is checked "
        f"against)"
    )


def _latency(f: OptionFacts, ctx: ScoreContext) -> CriterionScore:
    lat = ctx.latency.get(f.id)
    lim = (
        ctx.constraints.max_latency_ms or getattr(ctx.scenario.latency, "ttft_ms", None) or DEFAULT_LATENCY_MS
    )
    if lat is None or lat.first_token_ms is None:
        rtt, words = (0.0, "?") if lat is None else (lat.rtt_ms, lat.path_words)
        return CriterionScore(
            score=5.0,
            reason=f"TTFT unknown; {rtt:g} ms network round trip ({words}); neutral score",
            basis="unknown",
        )
    t = lat.first_token_ms
    tp = f"; {lat.tpot_ms:.0f} ms per output token" if lat.tpot_ms is not None else ""
    reason = (
        f"first token at the user in {t:,.0f} ms: {lat.rtt_ms:g} ms round trip ({lat.path_words}) + "
        f"{lat.ttft_ms:,.0f} ms TTFT ({lat.basis}){tp}{_slowest_words(lat, t)}"
    )
    return CriterionScore(
        score=_clip(10.0 * (1.0 - t / (2.0 * lim))),
        reason=reason,
        value=t,
        unit="ms",
        basis=f"10 x (1 - t / (2 x {lim:g} ms))",
    )


def _availability(f: OptionFacts, ctx: ScoreContext) -> CriterionScore:
    a = ctx.availability.get(f.id) or Availability()
    if not a.modelled:
        return CriterionScore(score=5.0, reason="; ".join(a.notes) or "not modelled", basis="unknown")
    u = a.unavailability or 0.0
    nines = -math.log10(u) if u > 0 else 5.0
    parts = sorted(a.components, key=lambda c: -c.downtime_hours_per_year)
    detail = ", ".join(f"{c.name} {c.downtime_hours_per_year:.2f} h" for c in parts[:3])
    money = ""
    if a.downtime_usd_per_year is not None:
        money = (
            f"; {format_usd(a.downtime_usd_per_year, cents_below=0)}/yr at "
            f"{format_usd(ctx.settings.downtime_usd_per_hour, cents_below=0)}/h "
            f"over {a.downtime_active_hours_per_year:.1f} h in active hours"
        )
    reason = (
        f"expected downtime {a.downtime_hours_per_year:.1f} h/yr ({a.availability_pct:.3f} %): "
        f"{detail}{money}"
    )
    return CriterionScore(
        score=_clip(10.0 * (nines - 1.0) / 4.0),
        reason=reason,
        value=a.downtime_hours_per_year,
        unit="h/yr",
        basis="10 x (nines - 1) / 4, availability.csv",
    )


def _maintenance(f: OptionFacts, ctx: ScoreContext) -> CriterionScore:
    pen, why = trait_for("maintenance_skills", f, ctx)
    s = 10.0 / (1.0 + f.staff_fte / HALF_SCORE_FTE) - pen
    reason = (f"{f.staff_fte:.2f} FTE ({format_usd(f.staff_usd_per_year, cents_below=0)}/yr staff cost in the TCO) "
              f"and {why}")
    return CriterionScore(
        score=_clip(s),
        reason=reason,
        value=f.staff_fte,
        unit="FTE",
        basis="10 / (1 + FTE / 0.5) - skills penalty (criteria_traits.csv)",
    )


# --- scores from answers and kinds ----------------------------------------------------------------


def _format(template: str, values: dict[str, Any]) -> str:
    out = []
    for literal, name, spec, conv in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        v = values.get(name, "?")
        try:
            out.append(format(v, spec or "") if conv is None else format(str(v), spec or ""))
        except (ValueError, TypeError):
            out.append(str(v))
    return "".join(out)


def _context(f: OptionFacts, ctx: ScoreContext) -> tuple[dict[str, str], dict[str, Any]]:
    st, c = ctx.settings, ctx.constraints
    users = getattr(st, "users", "on_site")
    ans = getattr(st, "answers", None)
    match = {
        "hosting": f.hosting or "",
        "plan": f.plan or "",
        "users": users,
        "data_classification": c.data_classification,
        "internet_in_path": "true" if needs_internet(f, users) else "false",
        "fine_tuning_needed": str(bool(getattr(ans, "fine_tuning_needed", False))).lower(),
        "custom_stack_needed": str(bool(getattr(ans, "custom_stack_needed", False))).lower(),
        "infra_team_in_house": str(bool(getattr(ans, "infra_team_in_house", False))).lower(),
    }
    link = data.availability_row("internet_link")
    link_h = link.unavailability * 8760.0
    if site_link_in_path(f, users):
        link_words = (
            f"the site's internet link ({link_h:.1f} h/yr expected downtime at SLA "
            f"{link.availability_pct:g} %)"
        )
    elif users == "remote":
        link_words = "the users' own internet connections"
    else:
        link_words = "the cloud provider's network"
    weeks, _ = ctx.lead_weeks(f)
    life = f.useful_life_years
    lat = ctx.latency.get(f.id)  # estimated for feasible options only: a hybrid's infeasible part has none
    values: dict[str, Any] = {
        "provider": f.provider or "the provider",
        "gpu": f.gpu or "GPU",
        "gpu_count": f.gpu_count,
        "classification": c.data_classification,
        "path_words": lat.path_words if lat is not None else "the network",
        "link_words": link_words,
        "internet_h": link_h,
        "where": f"{f.provider} {f.region}" if f.region else (f.provider or "the provider"),
        "lead_weeks": weeks,
        "life_years": float(life),
    }
    if f.kind == "cloud":
        mine, all_types = _cloud_gpu_types(f.provider)
        values.update(n_types=len(mine), n_all=len(all_types), types=", ".join(mine) or "none listed")
    return match, values


#: GPU types per provider, kept with the cloud table they were read from: (provider, id of the table) ->
#: (the table, the provider's types, every type); a reloaded catalog is a new table, read afresh
_GPU_TYPES: dict[tuple[str | None, int], tuple[Any, list[str], list[str]]] = {}


def _cloud_gpu_types(provider: str | None) -> tuple[list[str], list[str]]:
    """GPU types the cloud catalog lists for ``provider``, and for every provider, sorted."""
    rows = catalog.table("clouds")
    kept = _GPU_TYPES.get((provider, id(rows)))
    if kept is None or kept[0] is not rows:
        if len(_GPU_TYPES) > 64:
            _GPU_TYPES.clear()
        kept = (rows, sorted({r.gpu for r in rows if r.provider == provider}), sorted({r.gpu for r in rows}))
        _GPU_TYPES[(provider, id(rows))] = kept
    return list(kept[1]), list(kept[2])


def trait_for(criterion: str, f: OptionFacts, ctx: ScoreContext) -> tuple[float, str]:
    """Score and formatted reason of the most specific ``criteria_traits.csv`` row for this option."""
    if f.kind == "hybrid" and f.parts:
        subs = [(p, sh, trait_for(criterion, p, ctx)) for p, sh in zip(f.parts, f.part_shares, strict=False)]
        total = sum(sh for _, sh, _ in subs) or 1.0
        shown = [x for x in subs if x[1] >= 0.01] or subs
        return (
            sum(sh * s for _, sh, (s, _) in subs) / total,
            "; ".join(f"{p.id} ({sh:.0%} of tokens): {why}" for p, sh, (_, why) in shown),
        )
    match, values = _context(f, ctx)
    hits = [t for t in data.traits() if t.criterion == criterion and t.matches(f.kind, match)]
    if not hits:
        return 5.0, f"no data for {criterion} of kind {f.kind}; neutral score"
    best = max(hits, key=lambda t: (len(t.when), t.kind != "*"))
    ctx.sources.append(
        SourceRef(
            table="criteria_traits.csv",
            key=f"{criterion} [{best.kind}; {'&'.join(k + '=' + v for k, v in best.when) or 'any'}]",
            as_of=best.as_of,
            source=best.source,
        )
    )
    return best.score, _format(best.reason, values)


def _trait_scorer(criterion: str) -> Callable[[OptionFacts, ScoreContext], CriterionScore]:
    def scorer(f: OptionFacts, ctx: ScoreContext) -> CriterionScore:
        s, reason = trait_for(criterion, f, ctx)
        value = None
        if criterion == "accelerator_access" and f.kind == "cloud":
            mine, all_types = _cloud_gpu_types(f.provider)
            s += 5.0 * (len(mine) / len(all_types) if all_types else 0.0)
            value = float(len(mine))
        return CriterionScore(
            score=_clip(s), reason=reason, value=value, basis="criteria_traits.csv (answers and option kind)"
        )

    return scorer


_FROM_NUMBERS: dict[str, Callable[[OptionFacts, ScoreContext], CriterionScore]] = {
    "initial_cost": _initial_cost,
    "total_cost": _total_cost,
    "cost_predictability": _cost_predictability,
    "scalability": _scalability,
    "latency": _latency,
    "availability": _availability,
    "maintenance_burden": _maintenance,
}
#: every criterion: scored from the numbers where one exists, else from the traits table
SCORERS: dict[str, Callable[[OptionFacts, ScoreContext], CriterionScore]] = {
    c: _FROM_NUMBERS.get(c) or _trait_scorer(c) for c in data.CRITERIA
}

#: criteria a hybrid option takes from its parts: the mean weighted by the share of tokens each part
#: serves, or the better part (capacity is added where it is fastest: the overflow)
_FROM_PARTS = {
    "scalability": "best",
    "control": "mean",
    "data_privacy": "mean",
    "internet_dependency": "mean",
    "accelerator_access": "mean",
    "ease_of_use": "mean",
    "remote_access": "mean",
}


def score_option(f: OptionFacts, ctx: ScoreContext) -> dict[str, CriterionScore]:
    """Every criterion's score for one option."""
    out: dict[str, CriterionScore] = {}
    for crit in data.CRITERIA:
        how = _FROM_PARTS.get(crit) if f.kind == "hybrid" and f.parts else None
        if how is None:
            out[crit] = SCORERS[crit](f, ctx)
            continue
        subs = [
            (p.id, share, SCORERS[crit](p, ctx)) for p, share in zip(f.parts, f.part_shares, strict=False)
        ]
        if how == "best":  # an overflow serving no tokens scales the service only as a paid standby
            usable = [x for i, x in enumerate(subs) if x[1] > 0.0 or (i == 1 and standby(f))] or subs
            pid, _, best = max(usable, key=lambda x: x[2].score)
            out[crit] = best.model_copy(
                update={
                    "reason": f"via {pid}: {best.reason}",
                    "basis": f"hybrid: its better part; {best.basis}",
                }
            )
            continue
        total = sum(sh for _, sh, _ in subs) or 1.0
        mean = sum(sh * s.score for _, sh, s in subs) / total
        shown = [x for x in subs if x[1] >= 0.01] or subs
        out[crit] = CriterionScore(
            score=_clip(mean),
            basis="hybrid: mean of its parts weighted by the share of tokens each serves",
            reason="; ".join(f"{pid} serves {sh:.0%} ({s.score:.1f}): {s.reason}" for pid, sh, s in shown),
        )
    return out
