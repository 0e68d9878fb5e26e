"""Cost engine: whole units, categories, views, and consistency between fleet cost and capacity."""

from __future__ import annotations

import numpy as np
import pytest

from llmplace import compare, parse_scenario
from llmplace.options import Capacity, units_needed

from .conftest import FLAT_PRICES, NO_EXTRA_LINES, NO_STAFF, wages

# a quote without included warranty: maintenance from month 1 (tests/test_cost_lines.py covers the warranty)
SITE0 = {"electricity_usd_per_kwh": 0.1, "pue": 1.5, "maintenance_pct_of_capex_per_year": 12,
         "hardware_warranty_years": 0, **NO_STAFF, **NO_EXTRA_LINES, "setup_usd_per_server": 0, **wages(120000)}


def _scenario(tokens=1e9, growth=0.0, **fin):
    return parse_scenario({
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": tokens, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "peak_to_average": 2, "growth_pct_per_month": growth},
        "options": [
            {"kind": "in_house", "id": "own", "gpu": "l40s", "gpu_count": 4, "purchase_usd": 40000,
             "max_power_kw": 2.0, "idle_power_kw": 0.5, "throughput_tokens_per_s": 1000, "gpus_per_replica": 1,
             "target_utilisation": 0.5, "lead_time_weeks": 0},  # in service from month 1
            {"kind": "cloud", "id": "rent", "gpu": "l40s", "gpu_count": 1, "usd_per_hour": 2,
             "throughput_tokens_per_s": 1000, "target_utilisation": 0.5, "staff_fte": 0},
            {"kind": "api", "id": "api", "input_usd_per_mtok": 0.5, "output_usd_per_mtok": 1.5},
        ],
        "site": SITE0,
        "finance": {**FLAT_PRICES, "horizon_months": 24, "useful_life_years": 4, "residual_value_pct": 10,
                    "discount_rate_pct_per_year": 8, **fin},
    })


def test_units_needed_whole_and_stepwise():
    cap = Capacity(output_tokens_per_s=100, gpus_per_replica=1, replicas_per_unit=4, source="t")
    got = units_needed(np.array([0.0, 40.0, 40.0001, 160.0, 160.01]), cap, 0.4)
    # 40 tok/s at 40 % of 100 tok/s = one replica; 4 replicas per unit -> one unit up to 160 tok/s
    assert list(got) == [0, 1, 1, 1, 2]


def test_fleet_cost_and_capacity_describe_the_same_fleet():
    r = compare(_scenario())
    own, rent = r.option("own"), r.option("rent")
    # 1e9 tokens, a quarter output, over 730 h: 95.1 out tok/s average, x2 peak = 190.3; at 50 % of
    # 1,000 tok/s per replica -> 1 replica -> 1 server (4 replicas each) and 1 instance.
    assert own.units[0] == 1 and rent.units[0] == 1
    assert rent.monthly_usd[0] == pytest.approx(2 * 730)
    util = 1e9 / 4 / (730 * 3600) / (4 * 1000)
    assert own.utilisation[0] == pytest.approx(util)
    power = (0.5 + 1.5 * util) * 730 * 1.5 * 0.1
    assert own.monthly_by_category_usd["power"][0] == pytest.approx(power)
    assert own.monthly_by_category_usd["maintenance"][0] == pytest.approx(40000 * 0.12 / 12)


def test_cash_vs_amortised_views():
    r = compare(_scenario())
    own = r.option("own")
    assert own.upfront_usd == 40000
    assert own.by_category_usd["capex"] == 40000
    # kept at the horizon: no sale, no credit in the cash view (finance.terminal_value: none)
    assert "residual_credit" not in own.by_category_usd and "resale_proceeds" not in own.by_category_usd
    assert own.amortised.by_category_usd["depreciation"] == pytest.approx((40000 - 4000) / 48 * 24)
    # the book convention: 24 months of a 48-month life, 40,000 - (40,000 - 4,000) x 24/48 = 22,000 credited
    book = compare(_scenario(terminal_value="book")).option("own")
    assert book.by_category_usd["residual_credit"] == pytest.approx(-22000)


def test_refresh_at_end_of_life():
    r = compare(_scenario(horizon_months=60, terminal_value="book"))
    own = r.option("own")
    # bought in month 1, replaced in month 49 (48-month life): two purchases; the book convention credits
    # the retired server at its 10 % residual (4,000) and the replacement at its book value at month 60,
    # 40,000 - 36,000 x 12/48 = 31,000
    assert own.purchases[0] == 1 and sum(own.purchases) == 1  # fleet purchases exclude refreshes
    assert own.by_category_usd["capex"] == pytest.approx(80000)
    assert own.monthly_by_category_usd["residual_credit"][48] == pytest.approx(-4000)
    assert own.by_category_usd["residual_credit"] == pytest.approx(-35000)


def test_growth_adds_whole_servers_and_instances():
    r = compare(_scenario(tokens=2e9, growth=10.0))
    own, rent = r.option("own"), r.option("rent")
    assert own.units == sorted(own.units) and own.units[-1] > own.units[0]
    assert all(isinstance(u, int) for u in rent.units)
    # every month the fleet covers the peak at the planned utilisation
    peak = np.array(r.demand.peak_output_tokens_per_s)
    assert np.all(np.array(rent.units) * 1000 * 0.5 >= peak - 1e-6)


def test_npv_discounts_running_costs_but_not_upfront():
    r = compare(_scenario())
    for o in r.options:
        if all(m > 0 for m in o.monthly_usd):  # all-positive flows: discounting can only lower the total
            assert o.npv_usd < o.tco_usd
    own = r.option("own")
    rate = (1.08) ** (1 / 12) - 1
    running = np.array(own.monthly_usd)
    running[0] -= own.upfront_usd
    expected = own.upfront_usd + sum(x / (1 + rate) ** (m + 1) for m, x in enumerate(running))
    assert own.npv_usd == pytest.approx(expected, rel=1e-9)


def test_api_cost_is_linear_in_tokens():
    a = compare(_scenario(tokens=1e9)).option("api")
    b = compare(_scenario(tokens=2e9)).option("api")
    assert b.tco_usd == pytest.approx(2 * a.tco_usd)
    assert a.usd_per_mtok == pytest.approx(0.75 * 0.5 + 0.25 * 1.5)


def test_break_even_pairs_both_views_labelled():
    r = compare(_scenario())
    pairs = {(b.a, b.b, b.view) for b in r.break_even}
    assert len(pairs) == 6  # 3 pairs x 2 views


def _launch_late(billing: str, plan: str = "on_demand", horizon_months: int = 24, **option: int):
    """The 8B workload on one rented L40S ($2/h, flat prices, no staff or support plan, no warm-up), live 365 h a
    month, seasonal so that it has no load before its launch and in each Oct-Mar off-season, keeping
    ``min_instances: 2``."""
    return parse_scenario({
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 1e9, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "peak_to_average": 2, "active_hours_per_month": 365,
                     "monthly_multipliers": [0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0]},
        "options": [{"kind": "cloud", "id": "rent", "gpu": "l40s", "gpu_count": 1, "usd_per_hour": 2, "plan": plan,
                     "throughput_tokens_per_s": 1000, "target_utilisation": 0.5, "staff_fte": 0, "billing": billing,
                     "min_instances": 2, "warmup_minutes_per_start": 0, **option}],
        "site": {**NO_STAFF, **NO_EXTRA_LINES},
        "finance": {**FLAT_PRICES, "horizon_months": horizon_months},
    })


@pytest.mark.parametrize("billing", ["autoscaled", "active_hours"])
def test_min_instances_are_not_billed_before_launch_but_through_a_quiet_end_of_the_horizon(billing):
    """The minimum fleet is kept warm from the first month with load to the end of the horizon.

    Seasonality (January first) gives months 1-3 (Jan-Mar) no load: before the first month with load; months 4-9
    load; months 10-15 (Oct-Mar) none: an off-season of the live service; months 16-21 load; months 22-24
    (Oct-Dec) none: the next off-season (the multipliers repeat and the scenario has no end of service, so this
    is not a retirement). In a month with load the peak is 1e9 / 4 output tokens over 365 h x 2 = 380 tokens/s,
    one instance at 50 % of 1,000, so ``min_instances`` (2) sets the fleet: 2 instances x 365 active hours x $2 =
    $1,460. Every month from month 4 keeps the 2 warm; months 1-3 cost nothing. 21 months x $1,460 = $30,660
    (the first fix stopped at month 21 as if retired: $26,280; the oldest bill charged all 24 months: $35,040)."""
    rent = compare(_launch_late(billing)).option("rent")
    expected = [0.0] * 3 + [1460.0] * 21
    assert rent.monthly_usd == pytest.approx(expected)
    assert rent.tco_usd == pytest.approx(30660.0)
    row = next(a for a in rent.assumptions if a.name.startswith("minimum fleet kept warm"))
    assert "none in months 1-3 (before the first month with load)" in row.source
    assert "months 4-24" in row.source and "retired" not in row.source


def test_a_quiet_end_of_the_horizon_is_an_off_season_not_a_retirement():
    """Horizon 27 vs 28 on the workload above: month 28 is an April (load again), so months 22-27 (Oct-Mar) are
    the same off-season in both. A repeating cycle with no end of service cannot tell them apart, so the 27-month
    bill must be the first 27 months of the 28-month bill: months 22-27 at 2 x 365 h x $2 = $1,460 each, not $0
    'retired' (the defect: the 27-month run charged nothing for them, the 28-month run charged them)."""
    short = compare(_launch_late("autoscaled", horizon_months=27)).option("rent")
    long = compare(_launch_late("autoscaled", horizon_months=28)).option("rent")
    assert short.monthly_usd[21:] == pytest.approx([1460.0] * 6)
    assert short.monthly_usd == pytest.approx(long.monthly_usd[:27])


def test_reserved_instances_committed_before_the_first_month_with_load_are_noted():
    """A fixed ``reserved_instances: 2`` (reserved_1y) on the workload above is committed from month 1, three
    months before its first month with load (month 4): charged in full, as a commitment is, and the assumptions
    must say so (the defect: they did not). Terms run months 1-12 and 13-24: 2 x 730 h x $2 = $2,920 every month,
    $70,080 in all; the three months before the load cost 3 x $2,920 = $8,760."""
    rent = compare(_launch_late("autoscaled", "reserved_1y", reserved_instances=2)).option("rent")
    assert rent.monthly_usd == pytest.approx([2920.0] * 24)
    row = next(a for a in rent.assumptions if a.name.startswith("reserved_instances committed before"))
    assert row.value == pytest.approx(8760.0) and row.unit == "USD"
    assert "reserved_instances 2 committed from month 1, 3 months before the first month with load" in row.source
    assert not any(a.name.startswith("reserved_instances committed before")
                   for a in compare(_launch_late("autoscaled", "reserved_1y")).option("rent").assumptions)


def test_an_autoscaled_reservation_commits_the_launch_month_fleet_from_launch():
    """reserved_1y, autoscaled, on the workload above: the plan commits the fleet its first month with load needs
    at its peak (2, the minimum) from that month, month 4, not month 1's (none before launch, which would leave the
    whole fleet on demand). Terms run months 4-15 and 16-27, the second renewed in month 16 while the service is
    live; none is renewed after it retires, but the running term is charged in full: 2 x 730 h x $2 = $2,920 in
    months 4-24, and months 25-27 (3 x $2,920 = $8,760) owed in month 24."""
    rent = compare(_launch_late("autoscaled", "reserved_1y")).option("rent")
    expected = [0.0] * 3 + [2920.0] * 20 + [2920.0 + 8760.0]
    assert rent.monthly_usd == pytest.approx(expected)
