"""Economics an infrastructure finance expert would sign: what the cash view counts, and how ties are shared.

Each test states the arithmetic (or the published figure) it checks in its docstring.
"""

from __future__ import annotations

import numpy as np
import pytest

from llmplace import InputError, compare, parse_scenario
from llmplace.catalog import site_defaults

from .conftest import FLAT_PRICES, NO_EXTRA_LINES, NO_STAFF, ROOT, wages

EXAMPLES_DIR = ROOT / "examples"

# No running cost beyond what each test adds: the cash view's capital and commitment items stand alone.
SITE0 = {"electricity_usd_per_kwh": 0.0, "pue": 1.0, "maintenance_pct_of_capex_per_year": 0,
         **NO_STAFF, **NO_EXTRA_LINES, "setup_usd_per_server": 0, "facility_usd_per_month": 0, **wages(120000)}
PRICE = 317000.0  # the catalog's 8x H100 HGX build (servers.csv hgx-h100-8x-oem)


def _owned_doc(horizon: int, life_years: float = 5, **finance):
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 1e9, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "peak_to_average": 1},
        "options": [
            {"kind": "in_house", "id": "own", "gpu": "h100-sxm", "gpu_count": 8, "purchase_usd": PRICE,
             "max_power_kw": 10.2, "idle_power_kw": 2.0, "throughput_tokens_per_s": 1e6, "staff_fte": 0,
             "lead_time_weeks": 0},  # in service from month 1: the cash-view figures below count from then
            {"kind": "api", "id": "api", "input_usd_per_mtok": 10, "output_usd_per_mtok": 30},
        ],
        "site": dict(SITE0),
        "finance": {**FLAT_PRICES, "horizon_months": horizon, "useful_life_years": life_years,
                    "discount_rate_pct_per_year": 0, **finance},
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
        "finance": {**FLAT_PRICES, "horizon_months": horizon, "discount_rate_pct_per_year": rate},
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
        "finance": {**FLAT_PRICES, "horizon_months": 12},
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
        "finance": {**FLAT_PRICES, "horizon_months": 12, "discount_rate_pct_per_year": 0},
    }


OWNED = {"kind": "in_house", "gpu": "h100-sxm", "gpu_count": 8, "purchase_usd": PRICE, "max_power_kw": 10.2,
         "idle_power_kw": 2.0, "lead_time_weeks": 0}  # in service from month 1
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


# --- 5. staff: a fixed team per option kind plus a variable part by GPUs, each role at its own wage -----------

SYSADMIN, ML = 137800.0, 205800.0  # site.csv loaded wages: BLS 15-1244 and 15-1252 x 1.4235 benefits load


def _staff_doc(site=None, **extra):
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 1e9, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "peak_to_average": 1},
        "options": [
            {"kind": "in_house", "id": "tower", "gpu": "l40s", "gpu_count": 1, "purchase_usd": 15000,
             "max_power_kw": 0.6, "idle_power_kw": 0.1, "throughput_tokens_per_s": 1e6, "lead_time_weeks": 0},
            {"kind": "in_house", "id": "hgx", "gpu": "h100-sxm", "gpu_count": 8, "purchase_usd": PRICE,
             "max_power_kw": 10.2, "idle_power_kw": 2.0, "throughput_tokens_per_s": 1e6, "lead_time_weeks": 0,
             **extra},
            {"kind": "cloud", "id": "rented", "gpu": "h100-sxm", "gpu_count": 8, "usd_per_hour": 30,
             "throughput_tokens_per_s": 1e6},
            {"kind": "api", "id": "api", "input_usd_per_mtok": 10, "output_usd_per_mtok": 30},
        ],
        "site": site or {},
        "finance": {**FLAT_PRICES, "horizon_months": 12},
    }


def _fte(result, option_id: str) -> float:
    return float(np.mean(result.option(option_id).footprint.staff_fte))


def test_staff_is_a_fixed_team_per_kind_plus_a_variable_part_by_gpus():
    """Staff = the kind's fixed team + 0.25 x (GPUs / 8) ^ 0.5 sysadmin FTE (rented GPUs: half), roles at own wages.

    Before, every server was 0.25 FTE whatever its size (a 1-GPU tower like an 8-GPU HGX), a rented
    instance 0.125, an API nothing, all at the sysadmin wage. Now (site.csv defaults):
    tower 0.25 + 0.2 + 0.25 x (1/8)^0.5 = 0.538 FTE; HGX 0.45 + 0.25 = 0.70 (0.5 FTE of infrastructure
    engineer for one 8x H100 server, as Spheron's cost analysis puts it, plus 0.2 FTE of model work);
    the rented 8-GPU instance 0.1 + 0.2 + 0.125 = 0.425; the API 0.1 FTE of ML engineer.
    HGX staff a month: (0.5 x 137,800 + 0.2 x 205,800) / 12 = $9,171.67; API: 0.1 x 205,800 / 12 = $1,715.
    On examples/classification-8b.yaml the 8-GPU server was charged less staff (0.25 FTE) than the
    fleet of 1-GPU cloud instances serving the same load (0.31 FTE); now 0.70 against 0.37.
    """
    rows = site_defaults()
    assert {k: rows[k].value for k in ("in_house_team_sysadmin_fte", "in_house_team_ml_engineer_fte",
                                       "cloud_team_sysadmin_fte", "cloud_team_ml_engineer_fte",
                                       "api_team_sysadmin_fte", "api_team_ml_engineer_fte",
                                       "staff_variable_fte_at_8_gpus", "staff_variable_gpu_exponent",
                                       "cloud_staff_variable_share")} == {
        "in_house_team_sysadmin_fte": 0.25, "in_house_team_ml_engineer_fte": 0.2, "cloud_team_sysadmin_fte": 0.1,
        "cloud_team_ml_engineer_fte": 0.2, "api_team_sysadmin_fte": 0.0, "api_team_ml_engineer_fte": 0.1,
        "staff_variable_fte_at_8_gpus": 0.25, "staff_variable_gpu_exponent": 0.5, "cloud_staff_variable_share": 0.5}
    assert (rows["sysadmin_loaded_usd_per_year"].value, rows["ml_engineer_loaded_usd_per_year"].value) == (SYSADMIN, ML)
    r = compare(parse_scenario(_staff_doc()))
    assert _fte(r, "tower") == pytest.approx(0.45 + 0.25 * (1 / 8) ** 0.5)
    assert _fte(r, "hgx") == pytest.approx(0.70)
    assert _fte(r, "rented") == pytest.approx(0.425)
    assert _fte(r, "api") == pytest.approx(0.1)
    assert r.option("hgx").monthly_by_category_usd["staff"][0] == pytest.approx((0.5 * SYSADMIN + 0.2 * ML) / 12)
    assert r.option("api").monthly_by_category_usd["staff"][0] == pytest.approx(0.1 * ML / 12)
    example = compare(EXAMPLES_DIR / "classification-8b.yaml")
    assert _fte(example, "own-8xl40s") > _fte(example, "aws-l40s-on-demand") > _fte(example, "novita") > 0


def test_variable_staff_grows_less_than_the_fleet():
    """Four 8-GPU servers: 0.45 + 0.25 x (32 / 8) ^ 0.5 = 0.95 FTE, not 0.45 + 4 x 0.25 = 1.45.

    The exponent 0.5 sits between the conventional 1 sysadmin per 20 servers and the ~1 per 1,000 of a
    modern, automated data centre (TechTarget; site.csv staff_variable_gpu_exponent): four times the
    GPUs need twice the variable staff, so the variable FTE per GPU halves (0.25 / 8 -> 0.5 / 32).
    """
    r = compare(parse_scenario(_staff_doc(servers=4)))
    assert _fte(r, "hgx") == pytest.approx(0.95)
    linear = compare(parse_scenario(_staff_doc(site={"staff_variable_gpu_exponent": 1}, servers=4)))
    assert _fte(linear, "hgx") == pytest.approx(1.45)


def test_overflow_carries_variable_staff_only_while_it_is_used():
    """One owned 8-GPU server (800 output tokens/s at 80 %) with 1-GPU cloud instances as overflow.

    Demand starts at 600 tokens/s and grows 10 % a month, so the overflow runs from month 5
    (600 x 1.1^4 = 878 > 800). One team runs both: per role the larger fixed team (in-house 0.25
    sysadmin + 0.2 ML against cloud 0.1 + 0.2), so months 1-4 carry the in-house 0.70 FTE and no more;
    from month 5 the overflow adds only its variable part, 0.125 x (GPUs in use on average / 8) ^ 0.5,
    its GPUs being the instance-hours billed ($1 an hour) over the month's 730 hours. The overflow is kept
    as a paid standby (the default ``standby: tested``), which adds its 0.05 FTE of SRE
    (site.csv standby_sysadmin_fte) in every month the base is in service.
    """
    out_per_month = 600 * 730 * 3600
    doc = {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 4 * out_per_month, "input_tokens_per_request": 3,
                     "output_tokens_per_request": 1, "peak_to_average": 1, "growth_pct_per_month": 10},
        "options": [
            {"kind": "in_house", "id": "own", **{k: v for k, v in OWNED.items() if k != "kind"},
             "throughput_tokens_per_s": 1000},
            {"kind": "cloud", "id": "burst", "gpu": "l40s", "gpu_count": 1, "usd_per_hour": 1.0,
             "throughput_tokens_per_s": 100, "billing": "autoscaled"},
            {"kind": "hybrid", "id": "hyb", "base": "own", "overflow": "burst", "base_units": 1},
        ],
        "finance": {**FLAT_PRICES, "horizon_months": 12},
    }
    hyb = compare(parse_scenario(doc)).option("hyb")
    gpus = np.array(hyb.monthly_by_category_usd["overflow_compute"]) / (730 * 1.0)
    assert list(gpus[:4] > 0) == [False] * 4 and all(gpus[4:] > 0)
    assert hyb.footprint.staff_fte == pytest.approx(list(0.70 + 0.05 + 0.125 * np.sqrt(gpus / 8)))
    assert "overflow_staff" not in hyb.by_category_usd


def test_staff_defaults_are_overridable_and_old_site_keys_still_read():
    """Site keys replace each default; an option's staff_fte replaces the total; old keys still work.

    ``staff_fte: 2`` on the HGX is priced at the in-house team's role mix (0.25 : 0.2):
    (2 x 0.25/0.45 x 137,800 + 2 x 0.2/0.45 x 205,800) / 12 = $27,999 a month. The deprecated
    ``staff_fte_per_server`` is read as the variable FTE at 8 GPUs and ``staff_loaded_usd_per_year`` as
    both wages, with a note naming the fields to write; giving an old key and its new one is an error.
    """
    r = compare(parse_scenario(_staff_doc(site={"in_house_team_sysadmin_fte": 1.0, "api_team_ml_engineer_fte": 0.5,
                                                "cloud_staff_variable_share": 1.0})))
    assert _fte(r, "hgx") == pytest.approx(1.0 + 0.2 + 0.25)
    assert _fte(r, "rented") == pytest.approx(0.3 + 0.25)
    assert _fte(r, "api") == pytest.approx(0.5)
    own = compare(parse_scenario(_staff_doc(staff_fte=2))).option("hgx")
    assert own.footprint.staff_fte == pytest.approx([2.0] * 12)
    assert own.monthly_by_category_usd["staff"][0] == pytest.approx((2 * 0.25 / 0.45 * SYSADMIN
                                                                     + 2 * 0.2 / 0.45 * ML) / 12)
    with pytest.warns(FutureWarning, match="is deprecated; write site.") as caught:
        old = compare(parse_scenario(_staff_doc(site={"staff_fte_per_server": 0.1,
                                                      "staff_loaded_usd_per_year": 100000})))
    assert sorted(str(w.message).split()[0] for w in caught) == ["site.staff_fte_per_server",
                                                                 "site.staff_loaded_usd_per_year"]
    assert _fte(old, "hgx") == pytest.approx(0.45 + 0.1)
    assert old.option("api").monthly_by_category_usd["staff"][0] == pytest.approx(0.1 * 100000 / 12)
    noted = {a.name: a for a in old.assumptions}
    assert "deprecated" in noted["staff_variable_fte_at_8_gpus"].source
    assert noted["ml_engineer_loaded_usd_per_year"].value == 100000
    for site, field in (({"staff_fte_per_server": 0.1, "staff_variable_fte_at_8_gpus": 0.2}, "staff_fte_per_server"),
                        ({"staff_variable_gpu_exponent": 1.5}, "staff_variable_gpu_exponent")):
        with pytest.raises(InputError) as e:
            parse_scenario(_staff_doc(site=site))
        assert "\n" not in str(e.value) and f"site.{field}" in str(e.value)


def test_maintenance_score_reads_the_staff_the_engine_charged():
    """The maintenance criterion scores the engine's FTE: 10 / (1 + FTE / 0.5) before the skills penalty.

    On examples/classification-8b.yaml the API now carries its 0.10 FTE team (it scored as if no one
    ran it), and every option's criterion value is the mean FTE the costing charged.
    """
    r = compare(EXAMPLES_DIR / "classification-8b.yaml")
    for o in r.options:
        if o.feasible and o.criteria is not None and "maintenance_burden" in o.criteria.scores:
            assert o.criteria.scores["maintenance_burden"].value == pytest.approx(_fte(r, o.id))
    api = r.option("novita").criteria.scores["maintenance_burden"]
    assert api.value == pytest.approx(0.1) and "0.10 FTE" in api.reason


# --- 6. load shapes with idle hours: billing pays the hours with load, plus a warm-up per start ----------------

WARMUP_MIN = 10.0  # site.csv instance_warmup_minutes_per_start (an ASSUMPTION row, dated 2026-06)
EXAMPLE_70B = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples" / "internal-assistant-70b.yaml"


def _shaped_doc(workload: dict, options: list[dict], **site) -> dict:
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"input_tokens_per_request": 3, "output_tokens_per_request": 1, **workload},
        "options": options,
        "site": {**SITE0, **site},
        "finance": {**FLAT_PRICES, "horizon_months": 12, "discount_rate_pct_per_year": 0},
    }


def test_business_hours_preset_has_no_load_at_night_or_at_weekends():
    """``business_hours`` is Monday to Friday 08:00-18:00 local time and nothing else.

    Before, every night and weekend hour carried 5 % of the peak weight, so all 730 hours of a month had
    load. Now 10 hours x 5 days = 50 of the 168 hours of a week have load: 730 x 50 / 168 = 217.26 hours
    a month, and the load rises from none 5 times a week (730 / 168 x 5 = 21.73 times a month).
    """
    from llmplace.demand import SHAPES, demand_from_scenario

    week = np.asarray(SHAPES["business_hours"]).reshape(7, 24)
    assert np.all(week[5:] == 0)  # Saturday, Sunday
    assert np.all(week[:5, :8] == 0) and np.all(week[:5, 18:] == 0) and np.all(week[:5, 8:18] > 0)
    doc = _shaped_doc({"tokens_per_month": 1e9, "shape": "business_hours"},
                      [{"kind": "api", "id": "api", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2}])
    dem = demand_from_scenario(parse_scenario(doc))
    assert dem.active_hours_per_month == pytest.approx(730 * 50 / 168)
    idle_ends = np.sum(np.where(dem.rise_lo == 0, dem.rise_per_month, 0.0))
    assert idle_ends == pytest.approx(730 / 168 * 5)


def test_active_hours_billing_pays_the_hours_with_load_plus_a_warm_up_per_start():
    """An on-demand instance on ``active_hours`` billing for a business-hours load.

    Before: 730 billed hours a month at $2/h = $1,460 (the preset had no idle hour). Now: the 217.26 hours
    with load, plus 10 minutes of warm-up (boot, model load) each of the 21.73 times a month the instance
    starts after a night or weekend: 217.26 + 21.73 x 10 / 60 = 220.88 hours, $441.77 a month. An
    ``always_on`` instance still pays 730 hours.
    """
    cloud = {"kind": "cloud", "gpu": "l40s", "gpu_count": 1, "usd_per_hour": 2, "throughput_tokens_per_s": 1e4,
             "staff_fte": 0}
    doc = _shaped_doc({"tokens_per_month": 1e9, "shape": "business_hours"},
                      [{**cloud, "id": "scheduled", "billing": "active_hours"}, {**cloud, "id": "always"}])
    r = compare(parse_scenario(doc))
    hours = 730 * 50 / 168 + 730 / 168 * 5 * WARMUP_MIN / 60
    assert hours == pytest.approx(220.88, abs=0.005)
    assert r.option("scheduled").monthly_usd[0] == pytest.approx(2 * hours)
    assert r.option("always").monthly_usd[0] == pytest.approx(2 * 730)
    rows = {a.name: a for a in r.option("scheduled").assumptions}
    assert rows["warm-up per instance start"].value == WARMUP_MIN
    assert rows["warm-up per instance start"].as_of == "2026-06"
    assert rows["instance starts a month (mean over the horizon)"].value == pytest.approx(21.73, abs=0.005)
    doc["options"][0]["warmup_minutes_per_start"] = 0  # overridable: the hours with load alone
    assert compare(parse_scenario(doc)).option("scheduled").monthly_usd[0] == pytest.approx(2 * 730 * 50 / 168)


def test_autoscaling_pays_a_warm_up_for_every_instance_it_starts():
    """An autoscaled fleet following a day of 0 / 1 / 2 / 2 / 1 / 0 load units (hours 08-11, nothing else).

    One output token/s on average (4 x 730 x 3,600 tokens a month, a quarter of them output); the weights
    sum to 6 over 24 hours, so a weight-1 hour runs at 24 / 6 = 4 tokens/s and a weight-2 hour at 8. An
    instance carries 6 tokens/s at full use: 1, 2, 2, 1 instances, 6 instance-hours a day, 730 / 24 x 6 =
    182.5 a month, and 2 starts a day (0 -> 1 at 08:00, 1 -> 2 at 09:00), 60.83 a month. Before, the
    starts cost nothing: 182.5 hours x $3 = $547.50. Now each start adds 10 minutes: 182.5 + 60.83 / 6 =
    192.64 hours, $577.92 a month.
    """
    doc = _shaped_doc({"tokens_per_month": 4 * 730 * 3600, "hourly_weights": [0] * 8 + [1, 2, 2, 1] + [0] * 12},
                      [{"kind": "cloud", "id": "auto", "gpu": "l40s", "gpu_count": 1, "usd_per_hour": 3,
                        "throughput_tokens_per_s": 6, "target_utilisation": 1.0, "billing": "autoscaled",
                        "staff_fte": 0}])
    auto = compare(parse_scenario(doc)).option("auto")
    days = 730 / 24
    assert auto.units[0] == 2
    assert auto.monthly_usd[0] == pytest.approx(3 * (6 * days + 2 * days * WARMUP_MIN / 60))


def test_servers_switched_off_when_idle_draw_nothing_at_night_and_idle_power_without_load():
    """Power of one server (2 kW idle, 10 kW busy, $1/kWh, PUE 1) under a business-hours load.

    With ``power_off_when_idle`` it runs the 217.26 hours with load plus a 10-minute warm-up at idle power
    each of the 21.73 mornings a month: 2 x (217.26 + 3.62) = 441.77 kWh of idle draw (before: 2 x 730 =
    1,460 kWh, as no hour was idle). Switched on all month it draws idle power in every hour without load,
    2 x 730 = 1,460 kWh; in both cases the busy part is (10 - 2) kW x the server-hours of work served.
    """
    own = {"kind": "in_house", "gpu": "h100-sxm", "gpu_count": 8, "purchase_usd": PRICE, "max_power_kw": 10.0,
           "idle_power_kw": 2.0, "throughput_tokens_per_s": 1000, "staff_fte": 0, "lead_time_weeks": 0}
    doc = _shaped_doc({"tokens_per_month": 4e8, "shape": "business_hours"},
                      [{**own, "id": "off", "power_off_when_idle": True}, {**own, "id": "on"}],
                      electricity_usd_per_kwh=1.0)
    r = compare(parse_scenario(doc))
    busy = 8.0 * (4e8 / 4 / 3600) / 1000  # kW x server-hours: output tokens / (tokens/s per server)
    powered = 730 * 50 / 168 + 730 / 168 * 5 * WARMUP_MIN / 60
    assert r.option("off").monthly_by_category_usd["power"][0] == pytest.approx(2.0 * powered + busy)
    assert r.option("on").monthly_by_category_usd["power"][0] == pytest.approx(2.0 * 730 + busy)


def test_internal_assistant_example_rents_on_demand_only_in_the_hours_with_load():
    """The 70B example's on-demand p5 option bills the 242 hours a month with load, not all 730.

    Its flat shape has no order of hours, so the load is taken to rise once a day (730 / 24 = 30.42 starts
    a month) and each start adds a 10-minute warm-up: 242 + 30.42 / 6 = 247.07 billed hours a month for
    its one instance. The reserved option stays always on: a reservation is paid every hour anyway.
    """
    r = compare(EXAMPLE_70B)
    od, rsv = r.option("aws-p5-on-demand"), r.option("aws-p5-reserved-1y")
    price = next(a.value for a in od.assumptions if a.name == "instance price (on demand)")
    assert od.units[0] == 1
    assert od.monthly_by_category_usd["compute"][0] == pytest.approx(price * (242 + 730 / 24 * WARMUP_MIN / 60))
    assert rsv.monthly_by_category_usd["compute"][0] > price * 0.3 * 730  # billed every hour at the reserved rate


# --- 5. procurement lead time: nothing serves before the first delivery ------------------------------------

API = {"kind": "api", "input_usd_per_mtok": 10, "output_usd_per_mtok": 30}


def _lead_doc(weeks: float | None = 12, bridge: str | None = None, horizon: int = 12, **extra) -> dict:
    doc = _owned_doc(horizon)
    own = doc["options"][0]
    own.pop("lead_time_weeks")
    if weeks is not None:
        own["lead_time_weeks"] = weeks
    if bridge is not None:
        own["bridge"] = bridge
    doc.update(extra)
    return doc


def test_no_server_serves_before_its_first_delivery_and_the_cheapest_api_bridges_the_gap():
    """A 12-week lead time (site.csv default, Dell 8-12 weeks, Apr 2024): the server serves from month 4.

    12 weeks x 7 / 30.42 days = 2.76 months, whole months: 3. Before, the server served from month 1.
    Now months 1-3 go to the cheapest API option the constraints allow (by its price for this token mix:
    0.75 x $10 + 0.25 x $30 = $15/Mtok against $20 for the other), 1e9 tokens a month x $15/Mtok = $15,000 a
    month as ``bridge_*`` items. The server is paid when ordered, at the start of month 1: the order is a
    firm commitment, the scarce GPU servers are commonly prepaid or deposited, and the upfront figure and
    the capex budget check then see the cash the decision commits.
    """
    doc = _lead_doc()
    doc["options"].append({**API, "id": "dear", "input_usd_per_mtok": 20, "output_usd_per_mtok": 20})
    own = compare(parse_scenario(doc)).option("own")
    assert own.units[:4] == [0, 0, 0, 1]
    assert own.upfront_usd == pytest.approx(PRICE) and own.monthly_by_category_usd["capex"][0] == pytest.approx(PRICE)
    bridge = sum(sum(v) for k, v in own.monthly_by_category_usd.items() if k.startswith("bridge_"))
    assert bridge == pytest.approx(3 * 15000)
    assert [sum(v[m] for k, v in own.monthly_by_category_usd.items() if k.startswith("bridge_")) for m in (2, 3)] \
        == pytest.approx([15000, 0])
    assert sum(own.unserved_tokens) == 0 and own.served_share == 1.0
    assert own.bridge == "api"
    rows = {a.name: a for a in own.assumptions}
    assert rows["first servers in service"].value == "month 4"
    assert rows["before the first delivery"].value == "months 1-3: served by api, paid as used"
    assert "default" in rows["before the first delivery"].source


def test_without_a_bridge_the_months_before_delivery_are_unserved():
    """``bridge: none`` (or no API the constraints allow): 3 of 24 months of demand are unserved tokens.

    The option then serves 21 / 24 = 87.5 % of the demand, under the 99.9 % a full-service option needs,
    so it cannot be the cheapest although its $317,000 is less than the API's 24 x $15,000 = $360,000.
    """
    r = compare(parse_scenario(_lead_doc(bridge="none", horizon=24)))
    own = r.option("own")
    assert sum(own.unserved_tokens) == pytest.approx(3 * 1e9) and own.served_share == pytest.approx(0.875)
    assert own.tco_usd < r.option("api").tco_usd and r.cheapest == "api"
    assert {a.name: a.value for a in own.assumptions}["before the first delivery"] == "months 1-3: demand unserved"
    private = compare(parse_scenario(_lead_doc(constraints={"third_party_processing": False}))).option("own")
    assert private.served_share == pytest.approx(0.75) and private.bridge is None
    assert "no api option" in {a.name: a.source for a in private.assumptions}["before the first delivery"]


def test_a_cloud_bridge_is_billed_only_in_the_months_it_serves():
    """``bridge`` may name on-demand cloud instances: one instance at $40/h, always on, for months 1-3 only
    (3 x 730 x $40 = $87,600), and nothing once the server serves."""
    doc = _lead_doc(bridge="rent")
    doc["options"].append({"kind": "cloud", "id": "rent", "gpu": "h100-sxm", "gpu_count": 8, "usd_per_hour": 40,
                           "throughput_tokens_per_s": 1e6, "staff_fte": 0})
    own = compare(parse_scenario(doc)).option("own")
    compute = own.monthly_by_category_usd["bridge_compute"]
    assert compute[:4] == pytest.approx([730 * 40] * 3 + [0])
    assert sum(compute) == pytest.approx(87600) and own.served_share == 1.0


@pytest.mark.parametrize("bridge", ["own", "reserved", "nobody"])
def test_a_bridge_must_be_an_option_paid_as_used(bridge):
    """A bridge names an api option or on-demand/spot cloud instances (or none): one-line error otherwise."""
    doc = _lead_doc(bridge=bridge)
    doc["options"].append({"kind": "cloud", "id": "reserved", "gpu": "h100-sxm", "gpu_count": 8, "usd_per_hour": 30,
                           "plan": "reserved_1y", "throughput_tokens_per_s": 1e6})
    with pytest.raises(InputError) as exc:
        parse_scenario(doc)
    assert exc.value.field == "options[0].bridge" and exc.value.value == bridge
    assert "none, or the id of an api option" in str(exc.value) and "\n" not in str(exc.value)


def test_servers_arriving_after_the_horizon_are_no_answer():
    """A 26-week lead time (6 months) on a 4-month horizon: the first servers would serve from month 7, so the
    option serves nothing itself; it is marked infeasible with that reason rather than shown as its bridge."""
    doc = _lead_doc(weeks=26, horizon=4)
    own = compare(parse_scenario(doc)).option("own")
    assert not own.feasible and "month 7, after the 4-month horizon" in own.infeasible_reason


def test_later_servers_are_paid_when_ordered_a_lead_time_before_they_serve():
    """Forecast planning orders each server 3 months (12 weeks, in whole months) before it must serve, and the
    cash leaves with the order.

    2e9 tokens a month growing 10 % a month, a quarter output: 2e9 / 4 / 2,628,000 s = 190.26 x 1.1^m tokens/s
    in month m + 1; a server carries 300 x 0.8 = 240. The first delivery (month 4, m = 3) needs
    190.26 x 1.331 / 240 -> 2 servers, ordered and paid in month 1 (2 x $317,000); a third is needed once
    190.26 x 1.1^m > 480, from month 11 (m = 10), so it is ordered and paid in month 8. The amortised view
    depreciates it from month 11, when it serves.
    """
    doc = _lead_doc()
    doc["options"][0]["throughput_tokens_per_s"] = 300
    doc["workload"].update({"tokens_per_month": 2e9, "growth_pct_per_month": 10})
    own = compare(parse_scenario(doc)).option("own")
    assert own.units == [0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 3, 3]
    assert own.purchases == [2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert own.monthly_by_category_usd["capex"] == pytest.approx([2 * PRICE] + [0] * 6 + [PRICE] + [0] * 4)
    dep = own.amortised.monthly_usd  # depreciation only from month 4: this scenario has no running costs
    assert dep[9] == pytest.approx(dep[3]) and dep[10] == pytest.approx(1.5 * dep[9])


def test_a_bridge_that_breaks_a_hard_constraint_excludes_the_in_house_option():
    """An in-house option whose named bridge is an API, when no third party may process the prompts: the API
    would process the first 3 months of them, so the option is excluded with the API's reason."""
    doc = _lead_doc(bridge="api", constraints={"third_party_processing": False})
    own = compare(parse_scenario(doc)).option("own")
    assert not own.feasible and "via api, its bridge before the first delivery" in own.infeasible_reason
