"""The orchestrator: one call from a scenario to a comparison of every option.

``compare(scenario)`` resolves the options, runs the engine (:mod:`llmplace.engine`) once for the
point values, adds the Monte Carlo ranges, tornado and thresholds (:mod:`llmplace.risk`, through the
same engine) when sampling is asked for, evaluates the criteria, and assembles the
:class:`~llmplace.results.CompareResult` once: nothing changes a result after it is built.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import fx
from .conventions import FULL_SERVICE_SHARE, MAX_SAMPLE_CELLS, MAX_SAMPLES, MIN_SAMPLES, cheapest_with_ties
from .costs import BRIDGE_ROW, as_float_list, cash_view_text
from .criteria import bridge_candidates, excluded_options
from .criteria import evaluate as evaluate_criteria
from .criteria.strategy import choose_strategy
from .engine import Outcome, Run, run
from .errors import InputError
from .finance import break_even_months
from .options import Deployment, attach_bridges, resolve_options, units_needed
from .results import (
    BreakEven,
    CapacityInfo,
    CompareResult,
    Convention,
    DemandSummary,
    ExchangeRate,
    LoadDurationCurve,
    OptionFootprint,
    OptionResult,
    SampleArrays,
    SiteAssumption,
    ViewResult,
    serving,
)
from .risk import RiskAssessment, assess_risk
from .risk.switching import strategy_under_uncertainty
from .scenario import CloudOption, InHouseOption, Scenario, load_scenario, parse_scenario
from .site import SiteValues, site_values
from .strategy import best_strategy, planned_strategy

__all__ = ["BreakEven", "CompareResult", "OptionResult", "as_scenario", "compare", "exchange_rate",
           "front_end_samples", "resolve_deployments"]

FULL_SERVICE = FULL_SERVICE_SHARE
_UNIT_KIND = {"in_house": "servers", "cloud": "instances", "api": None}


def _round(x: Any) -> float:
    return float(round(float(x), 6))


def _view(monthly: np.ndarray, cats: dict[str, np.ndarray], tokens: float) -> ViewResult:
    cum = np.cumsum(monthly)
    tco = float(cum[-1]) if len(cum) else 0.0
    return ViewResult(
        tco_usd=_round(tco),
        usd_per_mtok=_round(tco / tokens * 1e6) if tokens > 0 else None,
        monthly_usd=as_float_list(monthly),
        cumulative_usd=as_float_list(cum),
        by_category_usd={k: _round(float(np.sum(v))) for k, v in cats.items()},
    )


def _capacity(d: Deployment) -> CapacityInfo | None:
    if d.capacity is None:
        return None
    return CapacityInfo(output_tokens_per_s_per_replica=_round(d.capacity.output_tokens_per_s),
                        gpus_per_replica=d.capacity.gpus_per_replica, replicas_per_unit=d.capacity.replicas_per_unit,
                        gpu=d.gpu.id if d.gpu else None, source=d.capacity.source, sizing=d.capacity.sizing)


def _footprint(d: Deployment, s: Scenario, sv: SiteValues, outcome: Outcome | None, peak: np.ndarray,
               index: int | None) -> OptionFootprint:
    """What the engine sized and charged, as values the criteria step reads (never re-derived)."""
    fp = OptionFootprint(option_index=index, gpu=d.gpu.id if d.gpu else None)
    flows = outcome.flows if outcome is not None else None
    if flows is not None and flows.staff_fte is not None:
        fp.staff_fte = as_float_list(np.broadcast_to(flows.staff_fte, np.shape(flows.monthly("cash"))))
    if d.server is not None:
        rack = getattr(d.option, "overrides", {}).get("rack_units")  # also on a server the scenario describes
        fp.server_max_power_kw = d.server.max_power_kw
        fp.rack_units = int(rack) if rack is not None else d.server.rack_units
        fp.gpu_count, fp.provider = d.server.gpu_count, "your site"
    elif d.cloud is not None:
        fp.provider, fp.region, fp.gpu_count = d.cloud.provider, d.cloud.region, d.cloud.gpu_count
    elif d.api is not None:
        fp.provider = d.api.provider
    opt = d.option
    if d.capacity is not None and isinstance(opt, (InHouseOption, CloudOption)) and flows is not None:
        goodput = sv["spot_interruption_goodput"] if isinstance(opt, CloudOption) and opt.plan == "spot" else 1.0
        fp.units_needed = [int(x) for x in units_needed(peak, d.capacity, float(opt.target_utilisation), goodput)]
    return fp


def _assumptions(d: Deployment, own: tuple[Any, ...], costed: dict[str, tuple[Any, ...]]) -> list[Any]:
    out = list(d.assumptions) + list(own)
    for part in d.parts or ():
        for a in list(part.assumptions) + list(costed.get(part.id, ())):
            if a.name != BRIDGE_ROW:  # who serves before the base's first delivery is the hybrid's own row
                out.append(a.model_copy(update={"name": f"{part.id}: {a.name}"}))
    return out


def _deprecated(d: Deployment) -> str | None:
    """The deprecated catalog rows ``d`` uses, one text, or None."""
    return "; ".join(dict.fromkeys(r.deprecated for r in d.catalog_rows if r.deprecated)) or None


def _infeasible(d: Deployment, s: Scenario, sv: SiteValues, peak: np.ndarray, index: int | None) -> OptionResult:
    return OptionResult(id=d.id, kind=d.kind, label=d.label, feasible=False, infeasible_reason=d.infeasible_reason,
                        catalog_rows=d.catalog_rows, deprecated=_deprecated(d), assumptions=list(d.assumptions),
                        footprint=_footprint(d, s, sv, None, peak, index))


def _unservable(d: Deployment, f: Any, notes: list[str], horizon: int) -> str | None:
    """Why an in-house option is no answer: its first servers arrive after the horizon, or a fixed fleet never
    catches up with the demand."""
    if not isinstance(d.option, InHouseOption):
        return None
    if f.first_service >= horizon:
        return (f"the first servers would serve from month {f.first_service + 1}, after the {horizon}-month horizon "
                "(procurement lead time)")
    if d.option.servers is not None and np.any(f.unserved_tokens[..., f.first_service:] > 0):
        # a fixed fleet that can never catch up is not an answer
        return (f"cannot serve the workload: {float(np.sum(f.unserved_tokens)) / 1e6:,.1f} M tokens unserved "
                f"over the horizon ({notes[0] if notes else 'fleet too small'})")
    return None


def _option_result(d: Deployment, s: Scenario, sv: SiteValues, point: Run, costed: dict[str, tuple[Any, ...]],
                   index: int | None) -> OptionResult:
    peak = point.demand.peak_output_tokens_per_s
    out = point.outcomes.get(d.id)
    if out is None or out.flows is None:
        return _infeasible(d, s, sv, peak, index)
    f = out.flows
    served_total = float(np.sum(f.served_tokens))
    demand_total = float(np.sum(point.demand.total_tokens))
    cview = _view(out.cash_usd, f.cash, served_total)
    notes = list(f.notes)
    reason = _unservable(d, f, notes, s.finance.horizon_months)
    capex, opex = (float(x) for x in f.capex_opex())
    return OptionResult(
        id=d.id, kind=d.kind, label=d.label, feasible=reason is None, infeasible_reason=reason,
        upfront_usd=_round(out.upfront_usd), tco_usd=cview.tco_usd, npv_usd=_round(out.npv_usd),
        usd_per_mtok=cview.usd_per_mtok, monthly_usd=cview.monthly_usd, cumulative_usd=cview.cumulative_usd,
        by_category_usd=cview.by_category_usd,
        monthly_by_category_usd={k: as_float_list(v) for k, v in f.cash.items()},
        amortised=_view(out.amortised_usd, f.amortised, served_total),
        units=[int(u) for u in f.units],
        unit_kind=out.plan.base_unit_kind if out.plan else d.unit_kind or _UNIT_KIND.get(d.kind),
        purchases=[int(p) for p in f.purchases] if f.purchases is not None else None,
        utilisation=as_float_list(f.utilisation) if f.utilisation is not None else None,
        served_tokens=as_float_list(f.served_tokens), unserved_tokens=as_float_list(f.unserved_tokens),
        overflow_tokens=as_float_list(f.overflow_served_tokens) if f.overflow_served_tokens is not None else None,
        served_share=_round(served_total / demand_total) if demand_total > 0 else 1.0,
        capex_usd=_round(capex), opex_usd=_round(opex), hybrid=out.plan, capacity=_capacity(d), notes=notes,
        bridge=d.bridge.id if d.bridge is not None and f.first_service > 0 else None,
        assumptions=_assumptions(d, out.assumptions, costed), catalog_rows=d.catalog_rows, deprecated=_deprecated(d),
        footprint=_footprint(d, s, sv, out, peak, index),
    )


def _break_evens(options: list[OptionResult], point: Run) -> list[BreakEven]:
    """Every pair's break-even month in both views, all pairs of a view computed in one vectorised call."""
    ids = [o.id for o in options if o.feasible and o.id in point.outcomes]
    pairs = list(itertools.combinations(range(len(ids)), 2))
    out: list[BreakEven] = []
    for view in ("cash", "amortised"):
        if not pairs:
            continue
        cum = np.stack([point.outcomes[i].cumulative(view) for i in ids])
        first, second = (np.array(side) for side in zip(*pairs, strict=True))
        months = break_even_months(cum[first], cum[second])
        for (ka, kb), m in zip(pairs, months.tolist(), strict=True):
            a, b, end_a, end_b = ids[ka], ids[kb], cum[ka, -1], cum[kb, -1]
            after = None if end_a == end_b else (a if end_a < end_b else b)
            out.append(BreakEven(a=a, b=b, month=None if np.isnan(m) else round(m, 4), view=view,
                                 cheaper_after=after))
    return out


def _demand(s: Scenario, point: Run) -> DemandSummary:
    dem = point.demand
    return DemandSummary(
        tokens_per_month=as_float_list(dem.total_tokens), output_share=_round(s.workload.output_share),
        active_hours_per_month=dem.active_hours_per_month,
        load_duration_curve=LoadDurationCurve(relative_load=as_float_list(dem.rel[0]),
                                              share_of_hours=as_float_list(dem.frac[0])),
        peak_output_tokens_per_s=as_float_list(dem.peak_output_tokens_per_s))


def as_scenario(scenario: Scenario | dict[str, Any] | str | Path) -> Scenario:
    """A scenario from a :class:`Scenario`, a parsed document or a file path (validated)."""
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario)
    if isinstance(scenario, dict):
        return parse_scenario(scenario)
    return scenario


def _check(s: Scenario, samples: int, seed: int) -> None:
    active = s.workload.active_hours_per_month
    if active is not None and active > s.finance.hours_per_month:
        raise InputError("workload.active_hours_per_month", active,
                         f"at most finance.hours_per_month ({s.finance.hours_per_month:g})")
    if samples and not MIN_SAMPLES <= samples <= MAX_SAMPLES:
        raise InputError("samples", samples, f"a whole number from {MIN_SAMPLES:,} to {MAX_SAMPLES:,}")
    cells = len(s.options) * s.finance.horizon_months
    if samples and samples * cells > MAX_SAMPLE_CELLS:
        most = max(MAX_SAMPLE_CELLS // cells, MIN_SAMPLES)
        raise InputError("samples", samples, f"at most {most:,} samples for {len(s.options)} options over "
                         f"{s.finance.horizon_months} months (samples x options x months <= {MAX_SAMPLE_CELLS:,})")
    if seed < 0:
        raise InputError("seed", seed, "a whole number >= 0")


def resolve_deployments(s: Scenario) -> list[Deployment]:
    """The scenario's options resolved, each in-house option with the bridge that serves before its first delivery
    (the default chosen among the api options the hard constraints allow)."""
    deployments = resolve_options(s)
    attach_bridges(s, deployments, bridge_candidates(s, deployments))
    return deployments


def front_end_samples(s: Scenario, samples: int | None = None) -> int:
    """The Monte Carlo draws of every front end (``compare``, ``report``, the web app, the REST API):
    ``samples`` when the request names a count, else the scenario's ``uncertainty.samples`` (which is
    ``DEFAULT_SAMPLES`` unless the scenario sets it), so that all of them tell the same story."""
    return s.uncertainty.samples if samples is None else samples


def compare(scenario: Scenario | dict[str, Any] | str | Path, samples: int | None = None, seed: int | None = None,
            progress: Callable[[int, int], None] | None = None, all_break_evens: bool = False) -> CompareResult:
    """Compare every option of a scenario (a :class:`Scenario`, a parsed document or a file path).

    With ``samples`` (or when the scenario holds distributions), Monte Carlo ranges, the probability
    of being cheapest, a tornado and switching thresholds are added; ``seed`` makes them repeatable.
    Sampled break-even ranges cover the pairs that include one of the few cheapest options
    (:data:`~llmplace.conventions.SAMPLED_BREAK_EVEN_LEADERS`);
    ``all_break_evens`` samples every pair (their number grows with the square of the options).
    """
    s = as_scenario(scenario)
    n = samples if samples is not None else (s.uncertainty.samples if s.uncertainty.inputs else 0)
    seed_used = s.uncertainty.seed if seed is None else seed
    _check(s, n, seed_used)
    conv = Convention(hours_per_month=s.finance.hours_per_month, currency=s.finance.currency,
                      exchange_rate=exchange_rate(s), terminal_value=s.finance.terminal_value,
                      cash_view=cash_view_text(s.finance.terminal_value))
    with conv.money():  # every amount written in words on the way is in the scenario's currency
        return _compare(s, conv, n, seed_used, progress, all_break_evens)


def exchange_rate(s: Scenario) -> ExchangeRate | None:
    """The reference rate this scenario's money went through: None for a USD scenario with no money input
    written in another currency (nothing was converted)."""
    if s.finance.currency == fx.CATALOG_CURRENCY and not s.money_conversions:
        return None
    row, usd = fx.currency_row(s.finance.currency), fx.currency_row(fx.CATALOG_CURRENCY)
    rate = fx.units_per_usd(s.finance.currency)
    quoted = row if row.currency not in ("EUR", usd.currency) else usd  # the rate row the figure rests on
    how = "" if row.currency == usd.currency else (
        f"; {rate:.6g} {row.currency} per USD = {row.units_per_eur:g} {row.currency} per EUR / "
        f"{usd.units_per_eur:g} USD per EUR")
    return ExchangeRate(
        currency=row.currency, symbol=fx.money_prefix(row.currency), units_per_usd=rate, as_of=quoted.as_of,
        source=quoted.source + how,
        converted_inputs=s.money_conversions,
        note=f"Every amount is in {row.currency}: the catalog's USD prices and any input written in another "
             f"currency are converted at the ECB reference rates of {row.as_of}, fixed over the horizon; the "
             "Monte Carlo does not vary exchange rates (a simplification).")


def _compare(s: Scenario, conv: Convention, n: int, seed_used: int, progress: Callable[[int, int], None] | None,
             all_break_evens: bool) -> CompareResult:
    sv = site_values(s)
    deployments = resolve_deployments(s)
    point = run(s, deployments, sv)
    index = {id(o): i for i, o in enumerate(s.options)}
    costed = {d.id: out.assumptions for d in deployments if (out := point.outcomes.get(d.id)) is not None}
    options = [_option_result(d, s, sv, point, costed, index.get(id(d.scenario_option))) for d in deployments]
    draft = CompareResult(
        scenario=s.name, convention=conv, horizon_months=s.finance.horizon_months, demand=_demand(s, point),
        options=options,
        break_even=_break_evens(options, point),
        cheapest=cheapest_with_ties([(o.id, o.tco_usd) for o in serving(options)]),
        assumptions=[SiteAssumption(name=k, value=v, source=sv.sources[k][0], as_of=sv.sources[k][1])
                     for k, v in sv.values.items()],
    )
    if n:  # options a hard constraint excludes are simulated but never ranked
        risk = assess_risk(draft, s, deployments, sv, n, seed_used, progress, set(excluded_options(s, draft)),
                           all_break_evens)
        return _with_strategy(_assemble(s, _with_risk(draft, risk), risk.samples), s, deployments, sv, point)
    return _with_strategy(_assemble(s, draft, None), s, deployments, sv, point)


def _with_strategy(result: CompareResult, s: Scenario, deployments: list[Deployment], sv: SiteValues,
                   point: Run) -> CompareResult:
    """The result with the cheapest two-phase strategy over the options no hard constraint excludes; options on a
    deprecated catalog row only when every feasible option is one (as the recommendation ranks them)."""
    feasible = [o for o in result.options if o.feasible]
    eligible = {o.id for o in feasible if not o.deprecated} or {o.id for o in feasible}
    single = next(((o.id, o.tco_usd) for o in result.options if o.id == result.cheapest), None)
    phased = [planned_strategy(s, deployments, sv, point, p.id, p.phases[0].option, p.phases[1].option,
                               p.phases[1].start_month, single, f"phased[{k}]") for k, p in enumerate(s.phased)]
    plan = best_strategy(s, deployments, sv, point, eligible, single)
    if plan is None:
        if not phased:
            return result
        out = result.model_copy(update={"phased": phased})
        out._samples = result.samples
        return out
    if result.samples is not None and plan.pays_off:  # where the switch falls, when switching pays at all
        plan = strategy_under_uncertainty(plan, s, deployments, sv, result.samples,
                                          [o.id for o in serving(result.options)])
    plan, chosen = choose_strategy(result, plan)
    update: dict[str, Any] = {"strategy": plan, "phased": phased}
    rec = result.recommendation
    if chosen is not None:  # the strategy wins on the same criteria basis: it is the recommendation
        update["recommendation"] = chosen
    elif plan.pays_off and rec is not None and rec.option in (plan.first, plan.best_single):
        # the recommended option is where the strategy starts (or the single option it beats): say when to move on
        why = f" Not recommended in place of {rec.option}: {plan.not_recommended_because}." \
            if plan.not_recommended_because else ""
        update["recommendation"] = rec.model_copy(update={"plan": [*rec.plan, f"Over time: {plan.plain_words}{why}"]})
    out = result.model_copy(update=update)
    out._samples = result.samples
    return out


def _with_risk(draft: CompareResult, risk: RiskAssessment) -> CompareResult:
    options = [o.model_copy(update={"risk": risk.options.get(o.id)}) for o in draft.options]
    return draft.model_copy(update={"options": options, "risk": risk.summary, "tornado": risk.tornado,
                                    "thresholds": risk.thresholds})


def _assemble(s: Scenario, costed: CompareResult, samples: SampleArrays | None) -> CompareResult:
    """The final result: criteria per option, exclusions, the cheapest among what is left, the recommendation."""
    ev = evaluate_criteria(s, costed, full_service=FULL_SERVICE_SHARE)
    options = []
    for o in costed.options:
        crit = ev.options.get(o.id)
        update: dict[str, Any] = {"criteria": crit}
        if crit is not None and crit.excluded_by:
            update.update(feasible=False, infeasible_reason="; ".join(crit.excluded_by))
        options.append(o.model_copy(update=update))
    result = costed.model_copy(update={
        "options": options, "cheapest": cheapest_with_ties([(o.id, o.tco_usd) for o in serving(options)]),
        "recommendation": ev.recommendation, "weights": ev.weights, "criteria_sources": ev.sources})
    result._samples = samples
    result.ensure_finite()
    return result
