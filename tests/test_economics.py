"""Economics an infrastructure finance expert would sign: what the cash view counts, and how ties are shared.

Each test states the arithmetic (or the published figure) it checks in its docstring.
"""

from __future__ import annotations

import numpy as np
import pytest

from llmplace import InputError, compare, parse_scenario
from llmplace.catalog import site_defaults

# No running cost beyond what each test adds: the cash view's capital and commitment items stand alone.
SITE0 = {"electricity_usd_per_kwh": 0.0, "pue": 1.0, "maintenance_pct_of_capex_per_year": 0,
         "staff_fte_per_server": 0.0, "setup_usd_per_server": 0, "facility_usd_per_month": 0,
         "staff_loaded_usd_per_year": 120000}
PRICE = 317000.0  # the catalog's 8x H100 HGX build (servers.csv hgx-h100-8x-oem)


def _owned_doc(horizon: int, life_years: float = 5, **finance):
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 1e9, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "peak_to_average": 1},
        "options": [
            {"kind": "in_house", "id": "own", "gpu": "h100-sxm", "gpu_count": 8, "purchase_usd": PRICE,
             "max_power_kw": 10.2, "idle_power_kw": 2.0, "throughput_tokens_per_s": 1e6, "staff_fte": 0},
            {"kind": "api", "id": "api", "input_usd_per_mtok": 10, "output_usd_per_mtok": 30},
        ],
        "site": dict(SITE0),
        "finance": {"horizon_months": horizon, "useful_life_years": life_years, "discount_rate_pct_per_year": 0,
                    **finance},
    }


def _curve() -> dict[int, float]:
    rows = site_defaults()
    return {age: rows[f"resale_pct_at_{age}_months"].value for age in (12, 24, 36, 48, 60)}


# --- 1. residual value: the cash view credits only a sale, at market prices -------------------------------


def test_cash_view_credits_nothing_for_hardware_kept_at_the_horizon():
    """A server still owned when the horizon ends brings no cash back unless the scenario sells it.

    Before: the default ``terminal_value: book`` credited the straight-line book value, on a 12-month
    horizon 317,000 x (1 - (1 - 0.13) x 12/60) = $261,842 of the $317,000 price, so a server costing
    $317,000 in cash showed a TCO of $55,158 and ranked cheaper than a $180,000 API bill. A sale that
    does not happen is no cash: the TCO is the $317,000 paid, and the API is cheaper.
    """
    r = compare(parse_scenario(_owned_doc(12)))
    own = r.option("own")
    assert own.tco_usd == pytest.approx(PRICE)
    assert min(own.monthly_usd) >= 0  # no month shows a negative cost
    assert not any(k in own.by_category_usd for k in ("residual_credit", "resale_proceeds"))
    assert r.option("api").tco_usd == pytest.approx(12 * 1e9 * (0.75 * 10 + 0.25 * 30) / 1e6)  # $180,000
    assert r.cheapest == "api"


def test_sale_at_the_horizon_is_credited_at_the_market_resale_curve():
    """``terminal_value: resale``: the server is sold when the horizon ends, at the catalog's resale curve.

    The curve (site.csv, GPU Lease Rate Index secondary-market figures for the H100, Jan 2026) gives
    62.5 % of the purchase price at 12 months: 317,000 x 0.625 = $198,125 received in month 12, as
    its own sale item (``resale_proceeds``) beside the $317,000 capex, not netted into it.
    At 30 months the curve is interpolated: (42.5 + 30) / 2 = 36.25 %.
    """
    curve = _curve()
    assert curve == {12: 62.5, 24: 42.5, 36: 30.0, 48: 17.5, 60: 12.5}
    own = compare(parse_scenario(_owned_doc(12, terminal_value="resale"))).option("own")
    assert own.by_category_usd["capex"] == pytest.approx(PRICE)
    assert own.monthly_by_category_usd["resale_proceeds"][-1] == pytest.approx(-PRICE * 0.625)
    assert sum(own.monthly_by_category_usd["resale_proceeds"][:-1]) == 0
    own30 = compare(parse_scenario(_owned_doc(30, terminal_value="resale"))).option("own")
    assert own30.by_category_usd["resale_proceeds"] == pytest.approx(-PRICE * 0.3625)


def test_refresh_sells_the_retired_server_only_when_the_scenario_sells_hardware():
    """A 4-year life on a 60-month horizon: bought in month 1, replaced in month 49.

    Default (``none``): both purchases are paid (2 x 317,000) and nothing is credited; before, the
    retired server was credited at residual_value_pct (13 % = $41,210) although nothing said it was sold.
    ``resale``: the retired server fetches 17.5 % at 48 months ($55,475) in month 49 and its
    12-month-old replacement 62.5 % ($198,125) at the horizon.
    """
    kept = compare(parse_scenario(_owned_doc(60, life_years=4))).option("own")
    assert kept.by_category_usd["capex"] == pytest.approx(2 * PRICE)
    assert kept.tco_usd == pytest.approx(2 * PRICE)
    sold = compare(parse_scenario(_owned_doc(60, life_years=4, terminal_value="resale"))).option("own")
    proceeds = sold.monthly_by_category_usd["resale_proceeds"]
    assert proceeds[48] == pytest.approx(-PRICE * 0.175)
    assert proceeds[59] == pytest.approx(-PRICE * 0.625)
    assert sold.tco_usd == pytest.approx(2 * PRICE - PRICE * (0.175 + 0.625))


def test_amortised_view_keeps_straight_line_depreciation_and_book_stays_a_named_convention():
    """The amortised view still spreads (price - residual) over the life: (317,000 - 13 %) / 60 x 12 months.

    ``terminal_value: book`` (a non-cash convention some published TCO tables use) is still read and
    still credits the straight-line book value: 317,000 x (1 - 0.87 x 12/60) = $261,842, labelled
    ``residual_credit``.
    """
    doc = _owned_doc(12, residual_value_pct=13)
    own = compare(parse_scenario(doc)).option("own")
    assert own.amortised.by_category_usd["depreciation"] == pytest.approx(PRICE * 0.87 / 60 * 12)
    doc["finance"]["terminal_value"] = "book"
    book = compare(parse_scenario(doc)).option("own")
    assert book.by_category_usd["residual_credit"] == pytest.approx(-PRICE * (1 - 0.87 * 12 / 60))


def test_unknown_terminal_value_is_a_one_line_error_naming_the_choices():
    """A misspelt choice names the field, the value and what to write instead, on one line."""
    with pytest.raises(InputError) as e:
        parse_scenario(_owned_doc(12, terminal_value="market"))
    msg = str(e.value)
    assert "\n" not in msg and "finance.terminal_value" in msg and "market" in msg
    assert all(v in msg for v in ("none", "resale", "book"))


def test_result_states_what_the_cash_view_includes():
    """The owned option lists how hardware leaving the fleet is counted; the convention says it too."""
    r = compare(parse_scenario(_owned_doc(12)))
    rows = {a.name: a for a in r.option("own").assumptions}
    assert "cash view: hardware at refresh and at the horizon" in rows
    assert "no sale" in str(rows["cash view: hardware at refresh and at the horizon"].value)
    assert "commitment_remaining" in r.convention.cash_view and "sale" in r.convention.cash_view
    sold = compare(parse_scenario(_owned_doc(12, terminal_value="resale")))
    row = {a.name: a for a in sold.option("own").assumptions}["cash view: hardware at refresh and at the horizon"]
    assert row.as_of == site_defaults()["resale_pct_at_12_months"].as_of


# --- 2. commitments that run past the horizon are charged in full -----------------------------------------


def _reserved_doc(horizon: int, plan: str = "reserved_3y", rate: float = 0.0):
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 1e9, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "peak_to_average": 1},
        "options": [
            {"kind": "cloud", "id": "rsv", "gpu": "h100-sxm", "gpu_count": 8, "usd_per_hour": 23.78, "plan": plan,
             "throughput_tokens_per_s": 1e6, "staff_fte": 0},
            {"kind": "cloud", "id": "od", "gpu": "h100-sxm", "gpu_count": 8, "usd_per_hour": 40.0,
             "throughput_tokens_per_s": 1e6, "staff_fte": 0},
        ],
        "site": dict(SITE0),
        "finance": {"horizon_months": horizon, "discount_rate_pct_per_year": rate},
    }


def test_three_year_reservation_on_a_one_year_horizon_charges_the_whole_commitment():
    """One instance reserved for 36 months at $23.78/h: 36 x 730 x 23.78 = $624,935 owed.

    Before, a 12-month horizon counted 12 x 730 x 23.78 = $208,312 and ranked it below on-demand
    (12 x 730 x 40 = $350,400). The 24 unexpired months (24 x 730 x 23.78 = $416,623) are a liability
    at the horizon: charged in month 12 as ``commitment_remaining``, so on-demand is cheaper.
    """
    r = compare(parse_scenario(_reserved_doc(12)))
    rsv = r.option("rsv")
    assert rsv.by_category_usd["compute"] == pytest.approx(12 * 730 * 23.78)
    assert rsv.monthly_by_category_usd["commitment_remaining"][-1] == pytest.approx(24 * 730 * 23.78)
    assert rsv.tco_usd == pytest.approx(36 * 730 * 23.78)
    assert r.cheapest == "od"
    row = {a.name: a for a in rsv.assumptions}["cash view: commitment after the horizon"]
    assert row.value == pytest.approx(24 * 730 * 23.78)


def test_commitment_npv_does_not_depend_on_where_the_horizon_cuts_it():
    """At 8 %/year the reservation's NPV over 12 months equals its NPV over the full 36-month term.

    The remaining liability is discounted month by month when each payment falls due (t = 13..36),
    exactly as the payments inside the horizon are, so cutting the horizon moves no value. The
    amortised view charges the horizon's months only (12 x 730 x 23.78).
    """
    short = compare(parse_scenario(_reserved_doc(12, rate=8))).option("rsv")
    full = compare(parse_scenario(_reserved_doc(36, rate=8))).option("rsv")
    r = 1.08 ** (1 / 12) - 1
    expected = sum(730 * 23.78 / (1 + r) ** m for m in range(1, 37))
    assert full.npv_usd == pytest.approx(expected, rel=1e-9)
    assert short.npv_usd == pytest.approx(expected, rel=1e-9)
    assert short.amortised.tco_usd == pytest.approx(12 * 730 * 23.78)


def test_renewed_one_year_reservation_charges_its_unexpired_months():
    """A 1-year reservation billed for 18 months was renewed in month 13: 6 of its months remain.

    18 x 730 x 23.78 in the horizon + 6 x 730 x 23.78 remaining = 24 x 730 x 23.78 = $416,623.
    """
    rsv = compare(parse_scenario(_reserved_doc(18, plan="reserved_1y"))).option("rsv")
    assert rsv.by_category_usd["commitment_remaining"] == pytest.approx(6 * 730 * 23.78)
    assert rsv.tco_usd == pytest.approx(24 * 730 * 23.78)


def test_reservation_is_paid_when_demand_falls_inside_its_term():
    """Two instances reserved in month 1 for a year are billed all year, even when a burst month ends.

    Demand needs 2 instances in month 1 (a 2x burst) and 1 afterwards: the always-on reserved plan
    commits 2 for 12 months, so months 1-12 bill 2 x 730 x 23.78 each.
    """
    doc = _reserved_doc(12, plan="reserved_1y")
    doc["options"][0]["throughput_tokens_per_s"] = 1e9 / 4 / (730 * 3600) * 1.5  # 1.5x the mean per instance
    doc["options"][0]["target_utilisation"] = 1.0
    doc["workload"]["bursts"] = [{"month": 1, "multiplier": 2}]
    rsv = compare(parse_scenario(doc)).option("rsv")
    assert rsv.units[0] == 2
    assert rsv.monthly_by_category_usd["compute"] == pytest.approx([2 * 730 * 23.78] * 12)


def test_lease_running_past_the_horizon_is_charged_in_full():
    """A server leased over its 5-year life at 8 %/year, discounted at the same 8 %: NPV = its price.

    The level payment P = 317,000 x r / (1 - (1 + r)^-60), r = 1.08^(1/12) - 1, is an annuity whose
    present value is the price. Before, a 12-month horizon counted 12 payments (NPV ~ $79k); the 48
    unexpired payments are now charged as ``commitment_remaining`` in month 12 and discounted when due.
    """
    doc = _owned_doc(12, discount_rate_pct_per_year=8)
    doc["options"][0].update({"acquisition": "lease", "lease_rate_pct_per_year": 8})
    own = compare(parse_scenario(doc)).option("own")
    r = 1.08 ** (1 / 12) - 1
    pay = PRICE * r / (1 - (1 + r) ** -60)
    assert own.by_category_usd["lease"] == pytest.approx(12 * pay)
    assert own.monthly_by_category_usd["commitment_remaining"][-1] == pytest.approx(48 * pay)
    assert own.npv_usd == pytest.approx(PRICE, rel=1e-9)


# --- 3. Monte Carlo: exact ties share the win ------------------------------------------------------------


def test_tied_options_share_the_probability_of_being_cheapest():
    """Two APIs at the same prices cost the same in every sample: each is cheapest half the time.

    Before, the tie always went to the first listed, which showed 100 % for it and 0 % for its twin.
    Per sample, the win is split equally among options within the tie tolerance (conventions.is_tied),
    so the twins get 1/2 each, the dearer third option 0, and the shares still add up to 1.
    """
    doc = {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": {"low": 5e8, "mode": 1e9, "high": 3e9}, "input_tokens_per_request": 3,
                     "output_tokens_per_request": 1},
        "options": [
            {"kind": "api", "id": "a", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2},
            {"kind": "api", "id": "b", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2},
            {"kind": "api", "id": "c", "input_usd_per_mtok": 1.1, "output_usd_per_mtok": 2},
        ],
        "uncertainty": {"defaults": False},
        "finance": {"horizon_months": 12},
    }
    r = compare(parse_scenario(doc), samples=400, seed=1)
    p = r.risk.probability_cheapest
    assert p["a"] == pytest.approx(0.5) and p["b"] == pytest.approx(0.5) and p["c"] == 0
    assert sum(p.values()) == pytest.approx(1.0)
    assert r.option("b").risk.probability_cheapest == pytest.approx(0.5)
    assert np.isclose(sum(o.risk.probability_cheapest for o in r.options), 1.0)


# --- 4. a hybrid's base plans at the same utilisation as the pure option -----------------------------------

RATE = 4000.0  # output tokens/s, flat all month: 4 servers of 1,000 tokens/s at 100 %, 5 at the 80 % target


def _hybrid_doc(base: dict, **hybrid):
    out_per_month = RATE * 730 * 3600
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 4 * out_per_month, "input_tokens_per_request": 3,
                     "output_tokens_per_request": 1, "peak_to_average": 1},
        "options": [
            {"id": "base", "throughput_tokens_per_s": 1000, "target_utilisation": 0.8, "staff_fte": 0, **base},
            {"kind": "api", "id": "api", "input_usd_per_mtok": 10, "output_usd_per_mtok": 30, "staff_fte": 0},
            {"kind": "hybrid", "id": "hyb", "base": "base", "overflow": "api", **hybrid},
        ],
        "site": dict(SITE0),
        "finance": {"horizon_months": 12, "discount_rate_pct_per_year": 0},
    }


OWNED = {"kind": "in_house", "gpu": "h100-sxm", "gpu_count": 8, "purchase_usd": PRICE, "max_power_kw": 10.2,
         "idle_power_kw": 2.0}
RESERVED = {"kind": "cloud", "gpu": "h100-sxm", "gpu_count": 8, "usd_per_hour": 10.0, "plan": "reserved_1y"}


@pytest.mark.parametrize("base", [OWNED, RESERVED], ids=["owned", "reserved"])
def test_hybrid_base_carries_at_most_the_target_utilisation(base):
    """A hybrid's base is loaded like the pure option of its kind: at most 80 % of its capacity.

    4,000 output tokens/s, flat, on units of 1,000 tokens/s planned at 80 %: the pure option runs
    5 units (4,000 / 800). Before, the hybrid's base ran at 100 %: 4 units carried all of it with
    $0 overflow, one unit cheaper than the pure fleet serving the same tokens (owned: $1.27M against
    $1.59M; reserved: 4 x 730 x 12 x $10 = $350,400 against $438,000). Now 4 units carry 3,200
    tokens/s and 800 (20 % of the tokens) overflow to the API at ~$126k a month, so the optimiser
    keeps 5 units, the pure fleet's size, and the hybrid costs what the pure option costs.
    """
    r = compare(parse_scenario(_hybrid_doc(base)))
    pure, hyb = r.option("base"), r.option("hyb")
    assert max(pure.units) == 5
    assert hyb.tco_usd >= pure.tco_usd * (1 - 1e-9)
    for point in hyb.hybrid.cost_curve:  # any base that serves everything costs at least the pure option
        if point.share_served_by_base >= 1 - 1e-9:
            assert point.cost_usd >= pure.tco_usd * (1 - 1e-9), point
    four = compare(parse_scenario(_hybrid_doc(base, base_units=4))).option("hyb")
    assert four.hybrid.share_served_by_overflow == pytest.approx(0.2)
    assert max(four.utilisation) == pytest.approx(0.8)
