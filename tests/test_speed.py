"""Speed work that must not change a number: the same results computed with less work.

Timings are measured by ``benchmarks/`` scripts, not here; these tests pin down that each shortcut gives what
the longer computation gave, and that the work it saves is really skipped.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmplace import compare, parse_scenario
from llmplace.conventions import WHOLE_UNIT_TOL, whole_units, whole_units_float
from llmplace.demand import Load, Rises

from .conftest import ROOT


def test_whole_units_float_is_whole_units_as_floats():
    """The in-place float rule is the integer rule: ceil(q - 1e-9), in steps, never below zero.

    3 + 1e-10 units is a rounding artefact (3), 3 + 1e-6 needs a fourth unit, negatives are 0; with a step of
    4, 5 units round up to 8.
    """
    q = np.array([0.0, -2.0, 1.0, 3.0 + 1e-10, 3.0 + 1e-6, 5.0, 7.999999, 12.5])
    for step in (1, 4):
        assert whole_units_float(q, step).tolist() == whole_units(q, step).astype(float).tolist()
    assert whole_units_float(q, 4).tolist() == [0, 0, 4, 4, 4, 8, 8, 16]
    rng = np.random.default_rng(3)
    big = rng.uniform(-5, 500, size=(50, 60, 7)) + WHOLE_UNIT_TOL * rng.integers(-2, 3, size=(50, 60, 7))
    assert np.array_equal(whole_units_float(big, 2), whole_units(big, 2).astype(float))


def test_starts_without_a_base_equal_the_general_formula():
    """Rises.starts with no base (the fleet's own starts) takes the short path: fleet(hi) - fleet(lo), summed with
    the times a month. It must equal the formula with an explicit zero base, max(f(hi) - 0, 0) - max(f(lo) - 0, 0)
    (fleets are never negative, so the max changes nothing)."""
    rng = np.random.default_rng(5)
    lo = rng.uniform(0, 50, size=(30, 24, 9))
    rises = Rises(lo=lo, hi=lo + rng.uniform(0, 50, size=lo.shape), per_month=rng.uniform(1, 30, size=9))

    def fleet(rate):
        return np.ceil(rate / 7.0)

    expected = np.sum((np.maximum(fleet(rises.hi) - 0.0, 0.0) - np.maximum(fleet(rises.lo) - 0.0, 0.0))
                      * rises.per_month, axis=-1)
    np.testing.assert_allclose(rises.starts(fleet), expected, rtol=1e-12)
    np.testing.assert_allclose(rises.starts(fleet, np.zeros((30, 24))), expected, rtol=1e-12)


def _bridged_doc() -> dict:
    """An owned server with a 12-week lead time (months 1-3 before delivery) bridged by an API."""
    return {
        "name": "bridge", "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 1e9, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "growth_pct_per_month": 5},
        "options": [{"kind": "in_house", "id": "own", "gpu": "h100-sxm", "gpu_count": 8, "purchase_usd": 317000,
                     "max_power_kw": 10.2, "idle_power_kw": 2.0, "throughput_tokens_per_s": 1e6,
                     "lead_time_weeks": 12},
                    {"kind": "api", "id": "api", "input_usd_per_mtok": 10, "output_usd_per_mtok": 30}],
        "finance": {"horizon_months": 24, "api_price_change_pct_per_year": 0},  # the arithmetic below: flat prices
    }


def test_bridge_does_not_build_the_load_above_the_fleet(monkeypatch):
    """In the point run the bridge serves only the months before the first delivery, when the fleet is empty: the
    load it serves is the whole load of those months. Building the load above the fleet's cap over the whole
    horizon was wasted work; the bridge's cost is the arithmetic of the old figure: 1e9 tokens a month (growing
    5 % a month) at 0.75 x $10 + 0.25 x $30 = $15/Mtok for months 1-3. (A Monte Carlo run does need the load
    above the fleet: the fleet is bought on the forecast and its bridge serves what a sample's demand exceeds.)"""
    def refuse(self, cap):
        raise AssertionError("Load.above called for a pure in-house option")

    monkeypatch.setattr(Load, "above", refuse)
    r = compare(parse_scenario(_bridged_doc()))
    own = r.option("own")
    bridge = [sum(v[m] for k, v in own.monthly_by_category_usd.items() if k.startswith("bridge_"))
              for m in range(5)]
    assert bridge == pytest.approx([15000 * 1.05 ** m for m in range(3)] + [0, 0])


def test_examples_do_not_build_the_residual_load_without_a_hybrid(monkeypatch):
    """No bundled example's pure options call Load.above in the point run (only a hybrid's base leaves load to an
    overflow there)."""
    import yaml

    monkeypatch.setattr(Load, "above", lambda self, cap: (_ for _ in ()).throw(AssertionError("Load.above")))
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        doc["options"] = [o for o in doc["options"] if o.get("kind") != "hybrid"]
        compare(parse_scenario(doc))


def test_sampled_break_evens_cover_the_cheapest_options_and_every_pair_on_request():
    """Sampling the break-even month of every pair grows with the square of the options (780 pairs for 40
    options, ~40 % of a 10,000-sample run): by default only the pairs with one of the 3 cheapest options are
    sampled (3 x (n - 1) - 3 pairs: linear), the full matrix with ``all_break_evens``. A pair sampled in both
    runs has the very same range (the same samples, the same arithmetic)."""
    from llmplace.conventions import SAMPLED_BREAK_EVEN_LEADERS

    path = ROOT / "examples" / "consumer-chat.yaml"
    short = compare(path, samples=200, seed=3)
    full = compare(path, samples=200, seed=3, all_break_evens=True)
    ids = [o.id for o in full.options if o.risk is not None]
    n = len(ids)
    pairs_full = set(full.samples.break_even_months)
    pairs_short = set(short.samples.break_even_months)
    assert len(pairs_full) == n * (n - 1) // 2
    k = SAMPLED_BREAK_EVEN_LEADERS
    assert len(pairs_short) == k * (n - 1) - k * (k - 1) // 2
    leaders = sorted((o for o in full.options if o.risk is not None), key=lambda o: o.tco_usd)[:k]
    lead_ids = {o.id for o in leaders}
    assert pairs_short == {p for p in pairs_full if set(p.split("|")) & lead_ids}
    for p in pairs_short:
        np.testing.assert_array_equal(short.samples.break_even_months[p], full.samples.break_even_months[p])
    for o in short.options:
        if o.risk is not None:
            full_be = full.option(o.id).risk.break_even_months
            kept = {k2: v for k2, v in full_be.items() if o.id in lead_ids or k2 in lead_ids}
            assert o.risk.break_even_months == kept


def test_cli_all_break_evens_flag(invoke):
    """``--all-break-evens`` reaches the comparison: the JSON lists a sampled range for every pair."""
    import json

    r = invoke("compare", str(ROOT / "examples" / "consumer-chat.yaml"), "--json", "--samples", "200",
               "--all-break-evens")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    ranged = [o for o in doc["options"] if o.get("risk")]
    assert all(len(o["risk"]["break_even_months"]) == len(ranged) - 1 for o in ranged)


# --- availability: the fleet's expected shortfall without one Python call per binomial term ----------------------


def _exact_shortfall(units: int, needed: int, u: float) -> float:
    """E[max(0, needed - up)] / needed with up ~ Binomial(units, 1 - u), in exact rational arithmetic."""
    from fractions import Fraction
    from math import comb

    q = Fraction(u)
    p = 1 - q
    miss = sum(comb(units, k) * p ** k * q ** (units - k) * (needed - k) for k in range(0, min(units, needed - 1) + 1))
    return float(miss / needed)


@settings(max_examples=60, deadline=None)
@given(units=st.integers(1, 400), spare=st.integers(-3, 40), u=st.sampled_from([1e-6, 1e-4, 0.004, 0.02, 0.2, 0.9]))
def test_fleet_shortfall_matches_exact_arithmetic(units, spare, u):
    """The vectorised, truncated sum equals the exact binomial expectation: the truncation drops < 1e-12 of
    probability mass (weights are at most 1), the log-space recurrence adds float error far below that."""
    from llmplace.criteria.availability import fleet_shortfall

    needed = max(units - spare, 1)
    assert fleet_shortfall(units, needed, u) == pytest.approx(_exact_shortfall(units, needed, u), rel=1e-9, abs=1e-12)


def test_fleet_shortfall_of_a_large_fleet_is_closed_form_and_quick(monkeypatch):
    """With no spare server the shortfall is E[down] / n = u exactly (the mean of a binomial), whatever the fleet
    size: 100,000 servers each down 0.4 % of the time miss 0.4 % of the capacity. The sum takes a few vectorised
    blocks and at most one scalar log-probability, where it took 100,000 scalar terms (which dominated a
    240-month comparison)."""
    from llmplace.criteria import availability

    calls = []
    real = availability._log_pmf
    monkeypatch.setattr(availability, "_log_pmf", lambda *a: calls.append(a) or real(*a))
    monkeypatch.setattr(availability, "_pmf", lambda *a: pytest.fail("one scalar term per state"))
    assert availability.fleet_shortfall(100_000, 100_000, 0.004) == pytest.approx(0.004, rel=1e-9)
    assert len(calls) == 1


# --- fixed costs: what a run with one API option prices -------------------------------------------------------


def test_an_api_option_prices_only_its_own_offer():
    """Resolving an api option prices that one pair (two genai-prices calls) instead of building the whole offer
    table (135 aliases, ~0.1 s of every run); the one offer is the very row the table lists."""
    from llmplace import catalog

    catalog._api_catalog.cache_clear()
    catalog._priced.cache_clear()
    r = compare(ROOT / "examples" / "consumer-chat.yaml")
    assert catalog._api_catalog.cache_info().currsize == 0
    assert catalog._priced.cache_info().currsize <= 3  # the providers the example names
    table = {o.id: o for o in catalog.api_offers()}
    for o in r.options:
        if o.kind == "api":
            offer = catalog.get_api_offer(o.id, "gpt-oss-120b")
            assert table[offer.id] == offer
    for alias in catalog._api_sources()[0].values():
        hit = catalog._api_lookup(alias.provider, alias.model)
        assert (hit == table[hit.id]) if isinstance(hit, catalog.ApiOffer) else \
            (catalog.withdrawn_api_offer(alias.provider, alias.model) == hit)


# --- the hybrid optimiser: owned base sizes costed together ------------------------------------------------------


def _hybrid_case(tokens_m: float, growth: float, lead_weeks: int, horizon: int, overflow: str, shape: str,
                 objective: str) -> dict:
    over = ({"kind": "api", "id": "over", "input_usd_per_mtok": 0.6, "output_usd_per_mtok": 2.4} if overflow == "api"
            else {"kind": "cloud", "id": "over", "gpu": "h100-sxm", "gpu_count": 1, "usd_per_hour": 4.0,
                  "throughput_tokens_per_s": 600, "billing": "autoscaled"})
    return {
        "name": "hybrid", "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": tokens_m * 1e6, "input_tokens_per_request": 3,
                     "output_tokens_per_request": 1, "growth_pct_per_month": growth, "shape": shape},
        "options": [
            {"kind": "in_house", "id": "own", "gpu": "h100-sxm", "gpu_count": 8, "purchase_usd": 317000,
             "max_power_kw": 10.2, "idle_power_kw": 2.0, "throughput_tokens_per_s": 900, "lead_time_weeks": lead_weeks,
             "bridge": "none"},
            over,
            {"kind": "hybrid", "id": "hyb", "base": "own", "overflow": "over", "objective": objective},
        ],
        "finance": {"horizon_months": horizon},
    }


@settings(max_examples=12, deadline=None)
@given(tokens_m=st.floats(200, 60000), growth=st.sampled_from([0.0, 3.0, 9.0]),
       lead_weeks=st.sampled_from([0, 12]), horizon=st.integers(6, 30), overflow=st.sampled_from(["api", "cloud"]),
       shape=st.sampled_from(["flat", "always_on_consumer", "business_hours"]),
       objective=st.sampled_from(["tco", "npv"]))
def test_batched_base_sizes_find_the_exhaustive_optimum(tokens_m, growth, lead_weeks, horizon, overflow, shape,
                                                        objective):
    """Costing the owned base sizes together (a leading axis) gives, for every size, the objective of costing that
    size alone, so the optimiser picks the same size as the one-by-one exhaustive scan (ties aside: equal costs
    within 1e-9). Random small cases: volume, growth, lead time, horizon, overflow kind, load shape, objective."""
    from llmplace.decision import resolve_deployments
    from llmplace.demand import demand_from_scenario, load_from_demand
    from llmplace.hybrid import hybrid_at, objective_usd, optimise
    from llmplace.site import site_values

    s = parse_scenario(_hybrid_case(tokens_m, growth, lead_weeks, horizon, overflow, shape, objective))
    sv = site_values(s)
    d = next(x for x in resolve_deployments(s) if x.id == "hyb")
    load = load_from_demand(demand_from_scenario(s), s.workload.cached_input_share)
    search = optimise(d, s, load, sv, point=True)
    rate = sv["discount_rate_pct_per_year"]
    alone = [float(objective_usd(hybrid_at(d, s, load, sv, n), objective, rate)) for n in search.sizes]
    np.testing.assert_allclose(search.objective, alone, rtol=1e-9)
    best = int(np.argmin(alone))
    assert alone[int(search.best)] == pytest.approx(alone[best], rel=1e-9)
    winner = hybrid_at(d, s, load, sv, search.sizes[int(search.best)])
    np.testing.assert_allclose(search.flows[int(search.best)].monthly("cash"), winner.monthly("cash"), rtol=1e-12)


@settings(max_examples=8, deadline=None)
@given(tokens_m=st.floats(200, 60000), growth=st.sampled_from([0.0, 3.0]), lead_weeks=st.sampled_from([0, 12]),
       horizon=st.integers(6, 24), overflow=st.sampled_from(["api", "cloud"]),
       shape=st.sampled_from(["flat", "always_on_consumer"]), objective=st.sampled_from(["tco", "npv"]),
       sampled=st.sampled_from(["workload.growth_pct_per_month", "site.electricity_usd_per_kwh",
                                "finance.api_price_change_pct_per_year"]))
def test_batched_base_sizes_on_sampled_inputs_match_one_by_one(tokens_m, growth, lead_weeks, horizon, overflow,
                                                               shape, objective, sampled):
    """The same on sampled inputs (rows of shape (samples, 1), as a threshold or strategy search runs the hybrid
    search): each base size costed in a batch has, sample by sample, the objective and the monthly cash of that
    size costed alone, so the winner per sample is the one-by-one scan's (ties aside: equal within 1e-9). The
    sampled input is one that moves the load (growth), the base's running cost (electricity) or the overflow's
    price (API price trend)."""
    from llmplace.decision import resolve_deployments
    from llmplace.demand import demand_from_scenario, load_from_demand
    from llmplace.hybrid import hybrid_at, objective_usd, optimise
    from llmplace.risk import apply_values

    s0 = parse_scenario(_hybrid_case(tokens_m, growth, lead_weeks, horizon, overflow, shape, objective))
    deps0 = resolve_deployments(s0)
    values = {sampled: np.array([0.5, 1.0, 2.0, 4.0]).reshape(-1, 1) * (0.1 if "kwh" in sampled else 1.0)}
    s, deps, sv = apply_values(s0, deps0, values)
    d = next(x for x in deps if x.id == "hyb")
    load = load_from_demand(demand_from_scenario(s), s.workload.cached_input_share)
    search = optimise(d, s, load, sv, point=False)
    rate = sv["discount_rate_pct_per_year"]
    for k, n in enumerate(search.sizes):
        alone = hybrid_at(d, s, load, sv, n)
        np.testing.assert_allclose(np.broadcast_to(search.objective[k], (4,)),
                                   np.broadcast_to(objective_usd(alone, objective, rate), (4,)), rtol=1e-9)
        cash = search.flows[k].monthly("cash")
        np.testing.assert_allclose(np.broadcast_to(cash, (4, horizon)),
                                   np.broadcast_to(alone.monthly("cash"), (4, horizon)), rtol=1e-12, atol=1e-6)


def test_a_large_base_is_searched_in_batches(monkeypatch):
    """A base of thousands of servers: the sizes tried are costed in a few batched calls, not one call each (the
    one-by-one scan of the refinement bracket took most of a 240-month comparison)."""
    from llmplace import hybrid

    calls = []
    real = hybrid.hybrid_at
    monkeypatch.setattr(hybrid, "hybrid_at", lambda *a: calls.append(a[-1]) or real(*a))
    # only the option's own search is counted: the strategy search (tests/test_strategy.py) is switched off
    monkeypatch.setattr("llmplace.decision.best_strategy", lambda *a, **k: None)
    doc = _hybrid_case(3e7, 2.0, 12, 36, "api", "flat", "tco")
    doc["options"][1].update(input_usd_per_mtok=20, output_usd_per_mtok=60)  # dear overflow: a large base wins
    r = compare(parse_scenario(doc))
    plan = r.option("hyb").hybrid
    assert len(plan.cost_curve) > 150
    assert len(calls) < len(plan.cost_curve) / 10


def test_a_winner_read_from_its_batch_row_has_the_series_of_its_own_costing():
    """The strategy's per-switch-month search reads the winner's monthly series from its batch row
    (``own_winner=False``) instead of costing it again: cash, start-of-month cash, servers ordered and unserved
    tokens are exactly (bitwise) those of the size costed alone. A base of hundreds of servers (thinned grid and
    refinement), with the load of a switch in month 7."""
    from llmplace.decision import resolve_deployments
    from llmplace.demand import demand_from_scenario, load_from_demand
    from llmplace.hybrid import hybrid_at, optimise
    from llmplace.site import site_values

    doc = _hybrid_case(3e7, 2.0, 12, 36, "api", "flat", "tco")
    doc["options"][1].update(input_usd_per_mtok=20, output_usd_per_mtok=60)  # dear overflow: a large base wins
    s = parse_scenario(doc)
    sv = site_values(s)
    d = next(x for x in resolve_deployments(s) if x.id == "hyb")
    load = load_from_demand(demand_from_scenario(s), s.workload.cached_input_share).in_months(
        (np.arange(36) >= 6).astype(float))
    search = optimise(d, s, load, sv, point=True, own_winner=False)
    size = search.sizes[int(search.best)]
    assert isinstance(size, int) and size > 120
    row, alone = search.flows[int(search.best)], hybrid_at(d, s, load, sv, size)
    for a, b in [(row.monthly("cash"), alone.monthly("cash")), (row.start_of_month(), alone.start_of_month()),
                 (row.purchases, alone.purchases), (row.unserved_tokens, alone.unserved_tokens)]:
        np.testing.assert_array_equal(a, b)


def test_the_base_options_own_plan_costed_for_every_switch_month_at_once_matches_each_alone():
    """The strategy costs the hybrid with the base option's own plan for every switch month in one call
    (:func:`llmplace.hybrid.planned_rows`, the months on a leading axis): each row's objective and monthly cash
    are exactly (bitwise) those of that switch month's load costed alone, so the per-month search is unchanged."""
    from llmplace.decision import resolve_deployments
    from llmplace.demand import demand_from_scenario, load_from_demand
    from llmplace.hybrid import hybrid_at, objective_usd, planned_rows
    from llmplace.site import site_values

    s = parse_scenario(_hybrid_case(2e4, 3.0, 12, 24, "api", "always_on_consumer", "npv"))
    sv = site_values(s)
    d = next(x for x in resolve_deployments(s) if x.id == "hyb")
    whole = load_from_demand(demand_from_scenario(s), s.workload.cached_input_share)
    keep = (np.arange(24)[None, :] >= np.arange(3, 24)[:, None]).astype(float)
    rows = planned_rows(d, s, whole.in_months(keep), sv)
    assert len(rows) == len(keep)
    for (flows, objective), row in zip(rows, keep, strict=True):
        alone = hybrid_at(d, s, whole.in_months(row), sv, "planned")
        np.testing.assert_array_equal(objective, objective_usd(alone, "npv", sv["discount_rate_pct_per_year"]))
        np.testing.assert_array_equal(flows.monthly("cash"), alone.monthly("cash"))


def test_a_trace_is_parsed_once_per_run_and_again_when_the_file_changes(tmp_path):
    """A Monte Carlo run builds the demand once per chunk and per tornado or threshold point (27 times for one
    run): the trace CSV is parsed once per version of the file; editing the file is seen by the next run."""
    from llmplace import demand

    p = tmp_path / "trace.csv"
    rows = [f"2026-01-{1 + h // 24:02d}T{h % 24:02d}:00:00,{1000 if 9 <= h % 24 < 17 else 100}" for h in range(168)]
    p.write_text("timestamp,tokens\n" + "\n".join(rows) + "\n")
    doc = _bridged_doc()
    doc["workload"] = {"trace_csv": str(p), "input_tokens_per_request": 3, "output_tokens_per_request": 1}
    demand._parsed_trace.cache_clear()
    first = compare(parse_scenario(doc), samples=500, seed=1)
    assert demand._parsed_trace.cache_info().misses == 1
    p.write_text("timestamp,tokens\n" + "\n".join(r.replace(",1000", ",2000") for r in rows) + "\n")
    second = compare(parse_scenario(doc))
    assert demand._parsed_trace.cache_info().misses == 2
    assert second.demand.tokens_per_month[0] > first.demand.tokens_per_month[0]


def test_break_evens_of_many_pairs_at_once_equal_one_pair_at_a_time():
    """The pairs that share an option are computed in one stacked call; each equals break_even_months on its own
    pair (either order: a crossing month does not depend on which curve is named first), including curves that
    start equal, touch, cross twice or never cross."""
    from llmplace.finance import break_even_months
    from llmplace.risk.montecarlo import _pair_break_evens, break_even_pairs

    rng = np.random.default_rng(11)
    ids = [f"o{k}" for k in range(23)]
    cum = {i: np.cumsum(rng.uniform(0, 10, size=(50, 13)), axis=-1) + rng.uniform(0, 30, size=(50, 1)) for i in ids}
    cum["o3"] = cum["o2"].copy()  # identical curves: never cross
    cum["o4"][:, :5] = cum["o2"][:, :5]  # start equal, then part
    for leaders in (None, {"o0", "o5", "o9"}):
        pairs = break_even_pairs(ids, leaders)
        out = {p: np.full(80, -1.0) for p in pairs}
        _pair_break_evens(cum, pairs, out, slice(10, 60))
        for a, b in pairs:
            np.testing.assert_array_equal(out[(a, b)][10:60], break_even_months(cum[a], cum[b]))
            np.testing.assert_array_equal(out[(a, b)][10:60], break_even_months(cum[b], cum[a]))


def test_in_warranty_running_sums_equal_the_age_matrix():
    """Units in warranty from running sums (linear in the months) equal the definition, a months x months matrix of
    each entry's covered share: 1 for ages 0 .. L - 1, the fraction L - floor(L) at age floor(L), 0 after, with
    L = 12 x years. Arithmetic: 2 units entering in month 0 with 0.25 years (L = 3) are covered in months 0-2;
    with 0.3 years (L = 3.6) month 3 counts 0.6 of them."""
    from llmplace.costs.lines import in_warranty

    def by_matrix(entries, years):
        months = entries.shape[-1]
        age = np.arange(months)[:, None] - np.arange(months)[None, :]
        return entries @ (np.clip(years * 12.0 - age, 0.0, 1.0) * (age >= 0)).T

    one = np.array([2.0, 0, 0, 0, 0, 0])
    assert in_warranty(one, 0.25).tolist() == [2, 2, 2, 0, 0, 0]
    np.testing.assert_allclose(in_warranty(one, 0.3), [2, 2, 2, 1.2, 0, 0], rtol=1e-12)
    rng = np.random.default_rng(11)
    entries = rng.integers(0, 9, size=(7, 40)).astype(float)
    for years in (0.0, 0.05, 1.0, 1.7, 3.0, 3.34, 10.0):
        np.testing.assert_allclose(in_warranty(entries, years), by_matrix(entries, years), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(in_warranty(entries[0], years), by_matrix(entries[0], years), rtol=1e-12,
                                   atol=1e-12)


def test_rises_above_a_cap_are_built_only_when_read(monkeypatch):
    """The rises of the load above a cap are max(lo - cap, 0) and max(hi - cap, 0) (arithmetic below), built when a
    user that counts starts reads them. An API bridge counts no starts: a Monte Carlo run of an owned fleet bridged
    by an API never builds them (each was two (samples, months, rises) arrays per option and chunk)."""
    from llmplace import rises

    lo = np.array([[0.0, 5.0, 30.0]])
    above = Rises(lo=lo, hi=lo + 10.0, per_month=np.ones(3)).above(np.array([12.0]))
    assert above.lo.tolist() == [[0.0, 0.0, 18.0]] and above.hi.tolist() == [[0.0, 3.0, 28.0]]

    def refuse(self):
        raise AssertionError("rises above a cap built for an API bridge")

    monkeypatch.setattr(rises._RisesAbove, "_rises", property(refuse))
    r = compare(parse_scenario(_bridged_doc()), samples=200, seed=1)
    assert r.risk is not None


# --- API prices: a disk cache keyed by the genai-prices version ---------------------------------------------------


def test_cached_api_prices_equal_the_package_prices_and_skip_the_package(monkeypatch, tmp_path):
    """Every alias priced through the cache is the offer (or withdrawal, or None) the package prices itself. A second
    process (here: the catalog reloaded) reads the cache and never calls the package, whose import took about
    0.4 s of a comparison naming an API."""
    from llmplace import catalog

    monkeypatch.setenv("LLMPLACE_CACHE_DIR", str(tmp_path))
    aliases = list(catalog._api_sources()[0].values())
    catalog.reload()
    first = [catalog._priced(a) for a in aliases]
    assert first == [catalog._priced_by_package(a) for a in aliases]
    assert len(list((tmp_path / "api_prices").glob("*.json"))) == len(set(aliases))

    def refuse(alias):
        raise AssertionError("priced by the package although cached")

    monkeypatch.setattr(catalog, "_priced_by_package", refuse)
    catalog.reload()
    assert [catalog._priced(a) for a in aliases] == first
    catalog.reload()


def test_an_api_price_cached_under_another_version_or_alias_is_not_read(monkeypatch, tmp_path):
    """The key holds the genai-prices version, the alias row and the data date: an entry stored for another version
    (here a made-up price of 123 USD/Mtok under version 0.0.0) or another alias row is never read, and an unreadable
    entry is priced again by the package."""
    from llmplace import catalog
    from llmplace.catalog import price_cache

    monkeypatch.setenv("LLMPLACE_CACHE_DIR", str(tmp_path))
    alias = next(a for a in catalog._api_sources()[0].values()
                 if isinstance(catalog._priced_by_package(a), catalog.ApiOffer))
    fresh = catalog._priced_by_package(alias)
    version = price_cache.installed_version()
    as_of = catalog.api_price_data_as_of(version)
    key = price_cache.cache_key(version, alias, as_of)
    assert key != price_cache.cache_key("0.0.0", alias, as_of)
    assert key != price_cache.cache_key(version, alias.model_copy(update={"provider_model_id": "other"}), as_of)
    assert key != price_cache.cache_key(version, alias, as_of + " (newer)")
    stale = fresh.model_copy(update={"input_usd_per_mtok": 123.0})
    price_cache.write(price_cache.cache_key("0.0.0", alias, as_of), stale)
    catalog.reload()
    assert catalog._priced(alias) == fresh
    (tmp_path / "api_prices" / f"{key}.json").write_text("{not json")
    catalog.reload()
    assert catalog._priced(alias) == fresh
    catalog.reload()


def test_the_genai_prices_version_is_read_from_the_metadata_headers_alone():
    """The version keys the API price cache, so reading it from the header lines must give exactly what
    ``importlib.metadata.version`` gives (which parses the whole file, long description included). The core
    metadata format (packaging.python.org, "Core metadata specifications") puts the fields in RFC 822 headers that
    end at the first blank line: ``Metadata-Version`` is not ``Version``, and a ``Version:`` line in the description
    after the blank line is not read."""
    from importlib import metadata

    from llmplace.catalog import price_cache

    assert price_cache.installed_version() == metadata.version("genai-prices")
    text = "Metadata-Version: 2.4\nName: genai-prices\nVersion: 0.2.3\nSummary: x\n\nVersion: 9.9.9 in the README\n"
    assert price_cache.header_version(text) == "0.2.3"
    assert price_cache.header_version("Metadata-Version: 2.4\nName: x\n\nVersion: 9.9.9\n") is None
    assert price_cache.header_version(None) is None


# --- switching thresholds: every input's grid in one engine run ---------------------------------------------------


@pytest.mark.parametrize(("example", "flips"), [("consumer-chat", True), ("internal-assistant-70b", False)])
def test_thresholds_of_all_inputs_at_once_equal_one_input_at_a_time(example, flips):
    """Without hybrids every row of an engine run is its own scenario, so running every input's grid (and its point
    value) in one call finds the same cheapest option per value as one call per input: the same flips, brackets
    and statements. (With hybrids each input keeps its own run: the base-size search spans the rows run together.)"""
    import yaml

    from llmplace.decision import resolve_deployments
    from llmplace.risk import thresholds, uncertain_inputs
    from llmplace.site import site_values

    doc = yaml.safe_load((ROOT / "examples" / f"{example}.yaml").read_text())
    doc["options"] = [o for o in doc["options"] if o.get("kind") != "hybrid"]
    s = parse_scenario(doc)
    sv = site_values(s, warn=False)
    deps = [d for d in resolve_deployments(s) if d.infeasible_reason is None]
    specs = uncertain_inputs(s, deps, sv)
    ids = [d.id for d in deps]
    at_once = thresholds(s, deps, {}, specs, ids, grid=9, rounds=1)
    one_by_one = thresholds(s, deps, {}, specs, ids, grid=9, rounds=1, at_once=False)
    assert len(specs) > 3 and any(getattr(t, "cheapest_beyond", None) for t in one_by_one) == flips
    assert [t.model_dump() for t in at_once] == [t.model_dump() for t in one_by_one]
