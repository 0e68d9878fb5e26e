"""Cost lines a finance team expects besides hardware, instances and tokens, and a standby that is paid for.

Each test states the arithmetic, or the published figure, it checks in its docstring, and fails on the
code before these lines existed (maintenance from month 1, no licence, no support plan, no GPU
replacements, a flat setup per server, no tax line, an unpriced standby earning availability credit).
"""

from __future__ import annotations

import numpy as np
import pytest

from llmplace import compare, parse_scenario
from llmplace import load_scenario as parse_scenario_file
from llmplace.catalog import site_defaults
from llmplace.costs.lines import cloud_support_usd
from llmplace.report import render
from llmplace.scenario import parse_scenario as parse
from llmplace.site import site_values

from .conftest import NO_EXTRA_LINES, NO_STAFF, wages

PRICE = 317000.0  # servers.csv hgx-h100-8x-oem (8x H100 SXM, 10.2 kW max)
# nothing but what each test turns on: no power, staff, setup, maintenance or extra line
BARE = {"electricity_usd_per_kwh": 0.0, "pue": 1.0, "maintenance_pct_of_capex_per_year": 0, **NO_STAFF,
        **NO_EXTRA_LINES, "setup_usd_per_server": 0, **wages(120000)}


def _doc(site=None, finance=None, server="hgx-h100-8x-oem", horizon=60, extra=()):
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 1e9, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "peak_to_average": 1},
        "options": [
            {"kind": "in_house", "id": "own", "server": server, "throughput_tokens_per_s": 1e6,
             "gpus_per_replica": 8, "lead_time_weeks": 0, "servers": 1},
            {"kind": "api", "id": "api", "input_usd_per_mtok": 1, "output_usd_per_mtok": 3},
            *extra,
        ],
        "site": {**BARE, **(site or {})},
        "finance": {"horizon_months": horizon, "useful_life_years": 5, "discount_rate_pct_per_year": 0,
                    "residual_value_pct": 0, **(finance or {})},
    }


def _own(**kw):
    return compare(parse_scenario(_doc(**kw))).option("own")


def test_maintenance_starts_when_the_included_warranty_ends():
    """No maintenance contract is bought while the server's own warranty runs.

    Supermicro complete systems carry three years of parts and labour (site.csv hardware_warranty_years,
    ServeTheHome 2012). Maintenance at 10 % a year of $317,000 is $2,641.67 a month from month 37 of a
    server in service from month 1; before, it was charged from month 1 ($158,500 over 60 months instead
    of $63,400).
    """
    own = _own(site={"maintenance_pct_of_capex_per_year": 10, "hardware_warranty_years": 3})
    m = own.monthly_by_category_usd["maintenance"]
    assert m[:36] == [0.0] * 36
    assert m[36:] == pytest.approx([PRICE * 0.10 / 12] * 24)
    assert own.by_category_usd["maintenance"] == pytest.approx(PRICE * 0.10 * 2)


def test_gpus_failing_out_of_warranty_are_replaced_at_the_catalog_failure_rate():
    """GPU failures cost money once the warranty ends: 8 GPUs x 9.1 %/yr (Meta, Llama 3 paper) / 12 x the
    price of one GPU (65 % of the $317,000 server / 8 = $25,756) = $1,562.55 a month from month 37.

    The catalog carried gpu_annual_failure_rate, but no cost read it: replacements cost nothing before.
    """
    rate = site_defaults()["gpu_annual_failure_rate"].value
    assert rate == pytest.approx(0.091)
    own = _own(site={"gpu_annual_failure_rate": rate, "gpu_share_of_server_price_pct": 65,
                     "hardware_warranty_years": 3})
    g = own.monthly_by_category_usd["gpu_replacements"]
    assert g[:36] == [0.0] * 36
    assert g[36] == pytest.approx(8 * 0.091 / 12 * PRICE * 0.65 / 8)
    assert g[36] == pytest.approx(1562.55, abs=0.01)


def test_software_licence_per_gpu_unless_bundled_with_the_gpu():
    """NVIDIA AI Enterprise lists at $4,500 per GPU per year (NVIDIA Q3 FY2024 call): an 8x H100 SXM server
    pays 8 x 4,500 / 12 = $3,000 a month. H100 PCIe and H100 NVL ship with a 5-year subscription: an 8x H100
    PCIe server pays nothing in its first 60 months. Before, no licence was counted at all.
    """
    sxm = _own(site={"software_licence_usd_per_gpu_year": 4500})
    assert sxm.monthly_by_category_usd["software_licences"] == pytest.approx([3000.0] * 60)
    pcie = _own(site={"software_licence_usd_per_gpu_year": 4500}, server="h100-pcie-8x-server", horizon=72,
                finance={"useful_life_years": 8})  # kept past its 5-year bundle (a refresh brings a new one)
    lic = pcie.monthly_by_category_usd["software_licences"]
    assert lic[:60] == [0.0] * 60 and lic[60:] == pytest.approx([3000.0] * 12)
    off = _own(site={"software_licence_usd_per_gpu_year": 0})  # an open-source stack without vendor support
    assert "software_licences" not in off.by_category_usd


def test_network_and_storage_are_bought_with_the_server_and_depreciated_with_it():
    """The in-house network, load balancer and storage (site.csv network_storage_pct_of_server_price, 5 %)
    cost $15,850 with a $317,000 server: paid upfront in the cash view, a capital item, and in the amortised
    view spread with the server over its 60-month life ((317,000 + 15,850) / 60 = $5,547.50 a month).
    """
    own = _own(site={"network_storage_pct_of_server_price": 5})
    assert own.by_category_usd["network_storage"] == pytest.approx(15850)
    assert own.monthly_by_category_usd["network_storage"][0] == pytest.approx(15850)
    assert own.upfront_usd == pytest.approx(PRICE + 15850)
    assert own.capex_usd == pytest.approx(PRICE + 15850)
    assert own.amortised is not None
    assert own.amortised.by_category_usd["depreciation"] == pytest.approx(PRICE * 1.05)


def test_installation_scales_with_the_size_of_the_build():
    """Setup defaults to setup_usd_per_kw x the server's max power: 2,600 x 10.2 kW = $26,520 for an 8x H100
    server, and a 1-GPU workstation its own (small) max power times the same rate. Before, every server cost a flat
    $10,000 to install, a one-GPU tower as much as an 8-GPU HGX node. A flat site.setup_usd_per_server
    in the scenario still applies as written.
    """
    site = {k: v for k, v in BARE.items() if k != "setup_usd_per_server"}
    doc = _doc()
    doc["site"] = site
    big = compare(parse_scenario(doc)).option("own")
    assert big.by_category_usd["setup"] == pytest.approx(2600 * 10.2)
    doc["options"][0].update(server="ws-1x-rtx5090", gpus_per_replica=1)
    small = compare(parse_scenario(doc)).option("own")
    assert small.by_category_usd["setup"] < 0.35 * big.by_category_usd["setup"]
    assert _own(site={"setup_usd_per_server": 7000}).by_category_usd["setup"] == pytest.approx(7000)


def test_cloud_support_plan_follows_the_published_business_tiers():
    """AWS Business Support (aws.amazon.com/premiumsupport/pricing): the greater of $100 or 10 % of the first
    $10,000 of monthly usage, 7 % to $80,000, 5 % to $250,000 and 3 % above. AWS's own worked example:
    $85,000 a month costs 1,000 + 4,900 + 250 = $6,150; $500 a month pays the $100 minimum.
    """
    sv = site_values(parse(_doc(site={"cloud_support_pct": None})))
    fee = cloud_support_usd(np.array([85000.0, 500.0, 0.0, 300000.0]), sv)
    assert fee == pytest.approx([6150.0, 100.0, 0.0, 1000 + 4900 + 8500 + 1500])


def test_cloud_option_carries_its_support_plan_as_its_own_line():
    """A rented instance at $98.32/h always on is $71,773.60 a month: support 1,000 + 7 % x 61,773.60 =
    $5,324.15 a month, listed as support_plan; before, cloud options paid no support plan.
    """
    cloud = {"kind": "cloud", "id": "rent", "gpu": "h100-sxm", "gpu_count": 8, "usd_per_hour": 98.32,
             "throughput_tokens_per_s": 1e6, "gpus_per_replica": 8}
    doc = _doc(extra=[cloud], horizon=12)
    doc["site"].pop("cloud_support_pct")
    rent = compare(parse_scenario(doc)).option("rent")
    assert rent.monthly_by_category_usd["support_plan"][0] == pytest.approx(1000 + 0.07 * (98.32 * 730 - 10000))
    assert any(a.name == "cloud support plan" for a in rent.assumptions)


def test_tax_shield_is_off_by_default_and_deducts_expenses_as_booked_when_on():
    """With finance.tax_shield, each month's expenses as booked are deducted at the tax rate: a server bought
    for $317,000 and depreciated to zero over the 60-month horizon saves 25 % x 317,000 = $79,250 of cash tax;
    an API bill saves 25 % of itself as it is paid. Off by default; the default rate is the 21 % US federal
    corporate rate (26 U.S.C. 11(b)). Before, no tax line existed.
    """
    assert "tax_shield" not in _own().by_category_usd
    r = compare(parse_scenario(_doc(finance={"tax_shield": True, "tax_rate_pct": 25})))
    own, api = r.option("own"), r.option("api")
    assert own.by_category_usd["tax_shield"] == pytest.approx(-0.25 * PRICE)
    assert own.tco_usd == pytest.approx(0.75 * PRICE)
    api_bill = sum(v for k, v in api.by_category_usd.items() if k != "tax_shield")
    assert api.by_category_usd["tax_shield"] == pytest.approx(-0.25 * api_bill)
    default = compare(parse_scenario(_doc(finance={"tax_shield": True}))).option("own")
    assert default.by_category_usd["tax_shield"] == pytest.approx(-0.21 * PRICE)
    assert any(a.name == "tax shield" for a in default.assumptions)


def test_api_rate_limits_are_stated_as_not_modelled():
    """No sourced tier data is bundled: the API cost states that tier rate limits and enterprise minimum
    commitments are left out instead of implying they cost nothing."""
    api = compare(parse_scenario(_doc())).option("api")
    assert any(a.name == "API rate limits" and "not modelled" in str(a.value) for a in api.assumptions)


# --- point 6: a free standby earns no credit --------------------------------------------------------------

_CLOUD = {"kind": "cloud", "id": "burst", "gpu": "h100-sxm", "gpu_count": 8, "usd_per_hour": 98.32,
          "throughput_tokens_per_s": 1e6, "gpus_per_replica": 8}


def _hybrids():
    hybrid = {"kind": "hybrid", "base": "own", "overflow": "burst", "base_units": 1}
    doc = _doc(extra=[_CLOUD, {**hybrid, "id": "paid"}, {**hybrid, "id": "unpaid", "standby": "none"}],
               horizon=12, site={"standby_failover_tests_per_year": 4, "standby_failover_test_hours": 4,
                                 "standby_sysadmin_fte": 0.05})
    return compare(parse_scenario(doc))


def test_a_standby_costs_its_drills_and_its_staff():
    """Keeping the cloud overflow ready to carry the base costs, each month: 4 drills a year x 4 h at the
    base's full capacity (one $98.32/h instance) = 4/12 x 4 x 98.32 = $131.09, plus 0.05 FTE of SRE at
    $120,000 = $500. Before, the overflow stood by for free and still earned availability credit.
    """
    r = _hybrids()
    paid = r.option("paid")
    assert paid.monthly_by_category_usd["standby_drills"][0] == pytest.approx(4 / 12 * 4 * 98.32)
    assert paid.monthly_by_category_usd["standby_staff"][0] == pytest.approx(0.05 * 120000 / 12)
    unpaid = r.option("unpaid")
    assert not any(k.startswith("standby") for k in unpaid.by_category_usd)
    assert paid.tco_usd > unpaid.tco_usd
    # the SRE time is counted in the staff the option needs (maintenance burden), not only in dollars
    assert paid.footprint.staff_fte[0] == pytest.approx(unpaid.footprint.staff_fte[0] + 0.05)


def test_an_unpaid_standby_earns_no_availability_credit_and_is_its_base():
    """With standby: none the overflow carries only the load above the base, not the base's load while it is
    down: the hybrid is as available as its base alone, and, its overflow serving 0 % of tokens, it is the
    same deployment as its base (said so, not ranked as a second answer). The paid standby keeps the
    parallel-availability credit (down only when both parts are).
    """
    r = _hybrids()
    paid, unpaid, own = (r.option(i) for i in ("paid", "unpaid", "own"))
    assert unpaid.hybrid is not None and unpaid.hybrid.share_served_by_overflow == 0.0
    down = {o.id: o.criteria.availability.downtime_hours_per_year for o in (paid, unpaid, own)}
    assert down["unpaid"] == pytest.approx(down["own"])
    assert down["paid"] < 0.5 * down["own"]
    assert "unpaid is the same deployment as own" in r.recommendation.summary
    assert "paid is the same deployment" not in r.recommendation.summary.replace("unpaid", "")
    assert r.recommendation.same_as == {"unpaid": "own"}


def test_a_hybrid_equal_in_cost_and_tokens_to_its_base_is_that_base():
    """A base of one server with a 12-week lead time, its overflow serving only months 1-3 before delivery,
    and no standby paid for, is the pure in-house option bridged by the same cloud instances: the same cost
    and the same tokens in every month. Before, it was ranked as a second answer (its overflow serves
    tokens, so it was not recognised as a twin); it is now 'the same deployment as own'."""
    doc = _doc(extra=[_CLOUD, {"kind": "hybrid", "id": "unpaid", "base": "own", "overflow": "burst",
                               "base_units": 1, "standby": "none"}], horizon=12)
    doc["options"][0].update(lead_time_weeks=12, bridge="burst")
    r = compare(parse_scenario(doc))
    own, unpaid = r.option("own"), r.option("unpaid")
    assert unpaid.hybrid is not None and unpaid.hybrid.share_served_by_overflow > 0
    assert unpaid.monthly_usd == pytest.approx(own.monthly_usd)
    assert r.recommendation.same_as == {"unpaid": "own"}
    assert "unpaid is the same deployment as own (the same cost and tokens" in r.recommendation.summary


def test_a_hybrid_that_buys_no_base_is_shown_as_its_twin_in_the_report():
    """internal-assistant-70b: the hybrid own-base-cloud-burst buys no base, so it is aws-p5-on-demand (same
    cost, same tokens). Before, the report's option table listed it as a second answer ('base: 0 servers');
    it now says which option it is the same deployment as."""
    from .conftest import ROOT

    r = compare(parse_scenario_file(ROOT / "examples" / "internal-assistant-70b.yaml"))
    assert r.recommendation.same_as == {"own-base-cloud-burst": "aws-p5-on-demand"}
    md = render(r, "md")
    row = next(line for line in md.splitlines() if line.startswith("| ") and "overflow to aws p5.48xlarge" in line
               and "| hybrid |" in line)
    assert "same deployment as aws-p5-on-demand" in row


def test_report_lists_each_new_line():
    """The report's category table names every new line (the cash view's categories come from the flows)."""
    doc = _doc(extra=[_CLOUD, {"kind": "hybrid", "id": "paid", "base": "own", "overflow": "burst",
                               "base_units": 1}],
               site={"software_licence_usd_per_gpu_year": 4500, "network_storage_pct_of_server_price": 5,
                     "gpu_annual_failure_rate": 0.091, "maintenance_pct_of_capex_per_year": 10,
                     "cloud_support_pct": 5, "standby_sysadmin_fte": 0.05},
               finance={"tax_shield": True})
    md = render(compare(parse_scenario(doc)), "md")
    assert isinstance(md, str)
    for line in ("software licences", "network storage", "gpu replacements", "maintenance", "support plan",
                 "tax shield", "standby staff"):
        assert line in md, line
