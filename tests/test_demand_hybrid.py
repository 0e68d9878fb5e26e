"""Demand over time, capacity planning, pricing plans and the hybrid optimiser (issue 4 properties)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmplace import InputError, compare, parse_scenario
from llmplace.demand import SHAPES, demand_from_scenario, flat_ldc, weights_ldc

from .conftest import FLAT_PRICES, NO_STAFF, wages

# staff linear in GPUs and no fixed team: 0.1 FTE per 4-GPU server (0.2 per 8 GPUs, exponent 1)
SITE = {"electricity_usd_per_kwh": 0.12, "pue": 1.4, "maintenance_pct_of_capex_per_year": 10,
        **NO_STAFF, "staff_variable_fte_at_8_gpus": 0.2, "staff_variable_gpu_exponent": 1.0,
        "setup_usd_per_server": 2000, **wages(150000)}


def _doc(tokens=3e9, growth=0.0, p2a=2.0, horizon=36, own=None, cloud=None, api=None, extra_options=(), **wl):
    workload = {"tokens_per_month": tokens, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                "growth_pct_per_month": growth, **wl}
    if not {"shape", "hourly_weights", "trace_csv"} & set(wl):
        workload["peak_to_average"] = p2a
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": workload,
        "options": [
            {"kind": "in_house", "id": "own", "gpu": "l40s", "gpu_count": 4, "purchase_usd": 60000,
             "max_power_kw": 2.2, "idle_power_kw": 0.6, "throughput_tokens_per_s": 1500, "gpus_per_replica": 1,
             "lead_time_weeks": 0, **(own or {})},  # in service from month 1 unless a test sets a lead time
            {"kind": "cloud", "id": "cloud", "gpu": "l40s", "gpu_count": 1, "usd_per_hour": 1.9,
             "throughput_tokens_per_s": 1500, "billing": "autoscaled", **(cloud or {})},
            {"kind": "api", "id": "api", "input_usd_per_mtok": 0.2, "output_usd_per_mtok": 0.6, **(api or {})},
            *extra_options,
        ],
        "site": SITE,
        "finance": {**FLAT_PRICES, "horizon_months": horizon, "useful_life_years": 5, "residual_value_pct": 10,
                    "discount_rate_pct_per_year": 8},
    }


HYBRIDS = (
    {"kind": "hybrid", "id": "own+api", "base": "own", "overflow": "api"},
    {"kind": "hybrid", "id": "own+cloud", "base": "own", "overflow": "cloud"},
)


def test_flat_ldc_has_mean_one_and_the_stated_peak():
    for p in (1.0, 1.5, 2.0, 3.0, 6.0):
        rel, frac, peak = flat_ldc(0.5, p)
        assert np.sum(rel * frac) == pytest.approx(1.0, rel=1e-12)
        assert np.sum(frac) == pytest.approx(1.0)
        assert peak == pytest.approx(p / 0.5)
        assert np.all(np.diff(rel[:-1]) <= 1e-12)  # sorted from the busiest down
        assert rel[0] <= peak + 1e-9


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_presets_are_normalised_load_duration_curves(shape):
    rel, frac, peak = weights_ldc(SHAPES[shape])
    assert len(SHAPES[shape]) == 168
    assert np.sum(rel * frac) == pytest.approx(1.0)
    assert peak == rel[0] == pytest.approx(max(SHAPES[shape]) / np.mean(SHAPES[shape]))


def test_flat_weights_reproduce_flat_load_results():
    """Zero growth and flat demand: a flat 24-hour weight profile equals the flat shape at p2a = 1."""
    flat = compare(parse_scenario(_doc(p2a=1.0)))
    weights = compare(parse_scenario(_doc(hourly_weights=[1.0] * 24)))
    for a, b in zip(flat.options, weights.options, strict=True):
        assert a.tco_usd == pytest.approx(b.tco_usd, rel=1e-9), a.id
        assert a.units == b.units


def test_flat_zero_growth_matches_hand_calculation():
    r = compare(parse_scenario(_doc(p2a=1.0)))
    own = r.option("own")
    out_rate = 3e9 / 4 / (730 * 3600)  # output tokens/s, flat over every hour
    servers = math.ceil(math.ceil(out_rate / (1500 * 0.8)) / 4)
    assert own.units == [servers] * 36
    util = out_rate / (servers * 4 * 1500)
    kw = 0.6 + (2.2 - 0.6) * util
    assert own.monthly_by_category_usd["power"][5] == pytest.approx(servers * kw * 730 * 1.4 * 0.12)
    assert own.monthly_by_category_usd["staff"][5] == pytest.approx(servers * 0.1 * 150000 / 12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.floats(1e8, 5e10), factor=st.floats(1.0, 4.0), growth=st.floats(0, 6), p2a=st.floats(1, 5))
def test_more_demand_never_lowers_any_option_cost(tokens, factor, growth, p2a):
    lo = compare(parse_scenario(_doc(tokens=tokens, growth=growth, p2a=p2a, extra_options=HYBRIDS)))
    hi = compare(parse_scenario(_doc(tokens=tokens * factor, growth=growth, p2a=p2a, extra_options=HYBRIDS)))
    for a, b in zip(lo.options, hi.options, strict=True):
        assert b.tco_usd >= a.tco_usd - 1e-6 * max(1.0, abs(a.tco_usd)), (a.id, a.tco_usd, b.tco_usd)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.floats(1e8, 5e10), growth=st.floats(-2, 8), p2a=st.floats(1, 6),
       cloud_price=st.floats(0.5, 6), api_out=st.floats(0.1, 5))
def test_hybrid_never_dearer_than_its_pure_parts(tokens, growth, p2a, cloud_price, api_out):
    """A hybrid is never dearer than the best pure option it combines, before the standby it pays for.

    Zero base is the pure overflow and the full base the pure base, so the optimiser never does worse
    (``standby: none``). A hybrid that keeps its overflow ready as a standby (``standby: tested``, the
    default) pays standby_* lines for every base size above zero, which the pure base does not: it is never
    dearer than its pure overflow (zero base, no standby) and never cheaper than the same hybrid without
    the standby.
    """
    unpaid = tuple({**h, "id": h["id"] + "-nostandby", "standby": "none"} for h in HYBRIDS)
    r = compare(parse_scenario(_doc(tokens=tokens, growth=growth, p2a=p2a, cloud={"usd_per_hour": cloud_price},
                                    api={"output_usd_per_mtok": api_out}, extra_options=HYBRIDS + unpaid)))
    for h, parts in (("own+api", ("own", "api")), ("own+cloud", ("own", "cloud"))):
        best = min(r.option(p).tco_usd for p in parts)
        bare = r.option(h + "-nostandby")
        assert bare.tco_usd <= best + 1e-6 * best, (h, bare.tco_usd, best)
        paid, over = r.option(h), r.option(parts[1])
        assert paid.tco_usd <= over.tco_usd * (1 + 1e-6), (h, paid.tco_usd, over.tco_usd)
        assert paid.tco_usd >= bare.tco_usd * (1 - 1e-6), (h, paid.tco_usd, bare.tco_usd)
        assert paid.served_share == pytest.approx(1.0) and bare.served_share == pytest.approx(1.0)


def test_hybrid_reports_plan_and_cost_curve():
    r = compare(parse_scenario(_doc(tokens=2e10, p2a=4.0, api={"output_usd_per_mtok": 2.0},
                                    extra_options=HYBRIDS)))
    h = r.option("own+api")
    plan = h.hybrid
    assert plan.base == "own" and plan.overflow == "api"
    curve = plan.cost_curve
    assert curve[0].base_units == 0 and curve[0].share_served_by_base == 0
    costs = [c.cost_usd for c in curve]
    assert min(costs) == pytest.approx(h.tco_usd, rel=1e-6)
    assert plan.share_served_by_base + plan.share_served_by_overflow == pytest.approx(1.0)
    assert any(k.startswith("overflow_") for k in h.by_category_usd)


def _reactive(weeks: float):
    doc = _doc(tokens=2e10, growth=10.0, p2a=1.0, horizon=24,
               own={"planning": "reactive", "headroom_pct": 20, "lead_time_weeks": weeks, "target_utilisation": 1.0,
                    "gpu_count": 1})
    return compare(parse_scenario(doc)).option("own")


def test_unserved_tokens_appear_when_lead_time_exceeds_time_to_outgrow():
    # 20 % headroom at 10 %/month growth is outgrown in ln(1.2)/ln(1.1) = 1.9 months
    short = _reactive(4)    # 1 month: orders land before the headroom is used up
    long = _reactive(26)    # 6 months: demand outgrows the fleet while orders are in transit
    assert sum(short.unserved_tokens) == 0
    assert sum(long.unserved_tokens) > 0
    assert long.served_share < 1.0 and long.feasible
    assert any("falls short" in n for n in long.notes)


def test_forecast_planning_serves_everything_despite_lead_time():
    doc = _doc(tokens=2e10, growth=10.0, horizon=24, own={"lead_time_weeks": 26})
    own = compare(parse_scenario(doc)).option("own")
    assert sum(own.unserved_tokens) == 0 and own.purchases[0] > 0 and sum(own.purchases) > own.purchases[0]


def test_n_plus_one_and_second_site_add_servers():
    base = compare(parse_scenario(_doc())).option("own")
    n1 = compare(parse_scenario(_doc(own={"n_plus_one": True}))).option("own")
    dr = compare(parse_scenario(_doc(own={"n_plus_one": True, "second_site": True}))).option("own")
    assert n1.units[0] == base.units[0] + 1
    assert dr.units[0] == 2 * n1.units[0]
    assert base.tco_usd < n1.tco_usd < dr.tco_usd


def test_lease_has_no_upfront_and_pays_monthly():
    own = compare(parse_scenario(_doc(own={"acquisition": "lease"}))).option("own")
    # only the one-time setup (site default overridden to $2,000 a server) and the in-house network and
    # storage bought with it (site.csv network_storage_pct_of_server_price, 5 % of the $60,000 price) are paid upfront
    assert own.upfront_usd == pytest.approx((2000 + 0.05 * 60000) * own.units[0])
    assert own.by_category_usd.get("capex", 0) == 0
    assert own.by_category_usd["lease"] > 0


def test_capex_opex_split_adds_up():
    for o in compare(parse_scenario(_doc(extra_options=HYBRIDS))).options:
        assert o.capex_usd + o.opex_usd == pytest.approx(o.tco_usd, rel=1e-9, abs=1e-6)


def test_autoscaling_beats_always_on_for_a_peaky_load():
    auto = compare(parse_scenario(_doc(p2a=5.0))).option("cloud")
    always = compare(parse_scenario(_doc(p2a=5.0, cloud={"billing": "always_on"}))).option("cloud")
    assert auto.tco_usd < always.tco_usd
    assert max(auto.units) == max(always.units)  # both must carry the same busiest hour


def test_reserved_baseline_with_on_demand_above():
    cloud = {"plan": "reserved_1y", "billing": "autoscaled", "reserved_instances": 2, "instance": None}
    doc = _doc(p2a=3.0, cloud=cloud)
    doc["options"][1]["usd_per_hour"] = 1.0  # explicit price: the reserved rate for this plan
    r = compare(parse_scenario(doc)).option("cloud")
    assert r.by_category_usd["compute"] >= 2 * 730 * 1.0 * 36 - 1e-6


def test_batch_share_discounts_api():
    full = compare(parse_scenario(_doc())).option("api")
    half = compare(parse_scenario(_doc(api={"batch_share": 0.5}))).option("api")
    assert half.tco_usd == pytest.approx(full.tco_usd * (1 - 0.5 * 0.5))


def test_price_trends_move_monthly_costs():
    doc = _doc()
    doc["finance"]["api_price_change_pct_per_year"] = -20
    r = compare(parse_scenario(doc)).option("api")
    assert r.monthly_usd[12] == pytest.approx(r.monthly_usd[0] * 0.8)


def test_seasonality_and_bursts():
    doc = _doc(monthly_multipliers=[1] * 11 + [2], bursts=[{"month": 3, "multiplier": 3}])
    dem = demand_from_scenario(parse_scenario(doc))
    assert dem.total_tokens[11] == pytest.approx(2 * dem.total_tokens[0])
    assert dem.total_tokens[2] == pytest.approx(3 * dem.total_tokens[0])


def test_trace_csv_sets_shape_and_volume(tmp_path):
    p = tmp_path / "trace.csv"
    lines = ["timestamp,tokens"]
    for h in range(24 * 7):
        lines.append(f"2026-01-{1 + h // 24:02d}T{h % 24:02d}:00:00,{1000 if 9 <= h % 24 < 17 else 100}")
    p.write_text("\n".join(lines) + "\n")
    doc = _doc()
    doc["workload"] = {"trace_csv": str(p), "input_tokens_per_request": 3, "output_tokens_per_request": 1}
    s = parse_scenario(doc)
    dem = demand_from_scenario(s)
    mean = (8 * 1000 + 16 * 100) / 24
    assert dem.total_tokens[0] == pytest.approx(mean * 730)
    assert dem.peak_rel[0] == pytest.approx(1000 / mean)


@pytest.mark.parametrize("bad,field", [
    ({"hourly_weights": [1, 2, 3]}, "workload.hourly_weights"),
    ({"trace_csv": "/nonexistent/trace.csv"}, "workload.trace_csv"),
])
def test_bad_demand_inputs(bad, field):
    doc = _doc(**bad)
    with pytest.raises(InputError) as exc:
        compare(parse_scenario(doc))
    assert exc.value.field == field


def test_shape_and_peak_to_average_conflict():
    doc = _doc(shape="business_hours")
    doc["workload"]["peak_to_average"] = 3
    with pytest.raises(InputError, match="flat shape"):
        parse_scenario(doc)


def test_hybrid_must_reference_compatible_options():
    doc = _doc(extra_options=({"kind": "hybrid", "base": "api", "overflow": "own"},))
    with pytest.raises(InputError) as exc:
        parse_scenario(doc)
    assert exc.value.field == "options[3].base" and exc.value.value == "api"
