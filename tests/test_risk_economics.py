"""Risk that does not lean towards in-house (issue 12, point 9): fleets bought on the forecast, sampled in-house
inputs, dated price trends, spot availability from interruption rates."""

from __future__ import annotations

import re

import numpy as np
import pytest

from llmplace import catalog, compare, parse_scenario
from llmplace.criteria.availability import spot_row
from llmplace.decision import resolve_deployments
from llmplace.engine import forecast_fleets, run
from llmplace.risk import Target, UncertainSpec, run_monte_carlo, uncertain_inputs
from llmplace.scenario import UncertainInput
from llmplace.site import site_values

from .conftest import NO_EXTRA_LINES, NO_STAFF, ROOT

HOURS = 730.0
PER_SERVER_OUT_TPS = 4 * 1500.0  # 4 GPUs, one replica each, 1,500 output tokens/s per replica
MEAN_OUT_TPS = 20000.0  # forecast output rate, flat over every hour
TOKENS_PER_MONTH = MEAN_OUT_TPS * HOURS * 3600.0 * 4  # 3 input tokens per output token
#: no warranty (maintenance from month 1) and none of the later cost lines, so the arithmetic below stays that of
#: the rule under test
SITE = {"electricity_usd_per_kwh": 0.12, "pue": 1.5, "maintenance_pct_of_capex_per_year": 10, **NO_STAFF,
        "setup_usd_per_server": 2000, "colocation_usd_per_kw_month": 0.0, "hardware_warranty_years": 0,
        **NO_EXTRA_LINES}


def _doc() -> dict:
    """One flat load (peak = mean) that five 4-GPU servers carry at 80 %: 5 x 6,000 x 0.8 = 24,000 >= 20,000."""
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": TOKENS_PER_MONTH, "input_tokens_per_request": 3,
                     "output_tokens_per_request": 1, "peak_to_average": 1.0, "growth_pct_per_month": 0.0},
        "options": [
            {"kind": "in_house", "id": "own", "gpu": "l40s", "gpu_count": 4, "purchase_usd": 60000,
             "max_power_kw": 2.2, "idle_power_kw": 0.6, "throughput_tokens_per_s": 1500, "gpus_per_replica": 1,
             "throughput_counts": "output", "target_utilisation": 0.8, "lead_time_weeks": 0, "bridge": "api"},
            {"kind": "api", "id": "api", "input_usd_per_mtok": 0.2, "output_usd_per_mtok": 0.6},
        ],
        "site": SITE,
        "finance": {"horizon_months": 36, "useful_life_years": 5, "discount_rate_pct_per_year": 8,
                    "api_price_change_pct_per_year": 0, "cloud_price_change_pct_per_year": 0,
                    "hardware_price_change_pct_per_year": 0, "electricity_price_change_pct_per_year": 0},
        "uncertainty": {"defaults": False},
    }


def _demand_at(factor: float) -> UncertainSpec:
    """Every sample's demand at ``factor`` x the forecast (a degenerate distribution)."""
    v = factor * TOKENS_PER_MONTH
    dist = UncertainInput(path="workload.tokens_per_month", dist="triangular", low=v, mode=v, high=v)
    return UncertainSpec(name="demand", label="demand", unit="tokens/month", source="test", default=False, dist=dist,
                         targets=[Target("workload.tokens_per_month", "set", TOKENS_PER_MONTH)])


def _sampled_tco(factor: float) -> tuple[float, dict[str, float]]:
    s = parse_scenario(_doc())
    deps = resolve_deployments(s)
    point = run(s, deps, site_values(s)).outcomes["own"]
    assert point.flows is not None and int(point.flows.units[-1]) == 5
    mc = run_monte_carlo(s, deps, {}, [_demand_at(factor)], ["own", "api"], samples=4, seed=1)
    return float(mc.tco["own"][0]), {k: float(np.sum(v)) for k, v in point.flows.cash.items()}


def _power_per_month(served_out_tps: float) -> float:
    """Energy of five servers on all month, idle draw plus the load-proportional part, at PUE 1.5 and $0.12/kWh."""
    kwh = 5 * 0.6 * HOURS + (2.2 - 0.6) * served_out_tps * HOURS / PER_SERVER_OUT_TPS
    return kwh * 1.5 * 0.12


def test_demand_below_forecast_still_pays_the_fleet_bought():
    """Old behaviour: each sample re-planned its fleet with hindsight, so at half the demand it owned three servers
    instead of the five bought on the forecast, and its TCO fell by two servers' capex, setup and maintenance
    (about 2 x (60,000 + 2,000 + 3 x 6,000) = $160,000). Bought on the forecast, only the energy of the lighter
    load can fall: the five servers' capex, setup and maintenance are the point run's."""
    tco, point = _sampled_tco(0.5)
    expected = sum(point.values()) - point["power"] + 36 * _power_per_month(0.5 * MEAN_OUT_TPS)
    assert tco == pytest.approx(expected, rel=1e-9)
    assert point["capex"] == pytest.approx(5 * 60000)


def test_demand_above_forecast_buys_the_shortfall_from_the_bridge():
    """At 1.5 x the forecast (30,000 output tokens/s) the five servers carry 24,000 at their 80 % target; the
    6,000 tokens/s above go to the bridge (the api option) at its prices: 6,000 x 730 h x 3,600 s = 15.768 bn
    output tokens a month, plus 3 input tokens each: 15,768 Mtok x (0.6 + 3 x 0.2) USD = $18,921.60 a month.
    Old behaviour: the sample bought seven servers with hindsight and paid no bridge."""
    tco, point = _sampled_tco(1.5)
    bridge_per_month = 6000 * HOURS * 3600 / 1e6 * (0.6 + 3 * 0.2)
    assert bridge_per_month == pytest.approx(18921.6)
    expected = sum(point.values()) - point["power"] + 36 * (_power_per_month(24000.0) + bridge_per_month)
    assert tco == pytest.approx(expected, rel=1e-9)


def test_shortfall_without_a_bridge_is_reported_unserved():
    """With ``bridge: none`` the five servers bought on the forecast, facing 1.5 x the demand, leave the 6,000
    tokens/s above their 24,000 unserved (4 x 15.768 bn tokens a month with their input), and a row says so."""
    doc = _doc()
    doc["options"][0]["bridge"] = "none"
    s = parse_scenario(doc)
    fleets = forecast_fleets(s, resolve_deployments(s), site_values(s))
    doc["workload"]["tokens_per_month"] = 1.5 * TOKENS_PER_MONTH
    s_high = parse_scenario(doc)
    flows = run(s_high, resolve_deployments(s_high), site_values(s_high), fleets=fleets).outcomes["own"].flows
    assert flows is not None and not any(k.startswith("bridge_") for k in flows.cash)
    assert float(flows.unserved_tokens[0]) == pytest.approx(4 * 6000 * HOURS * 3600, rel=1e-9)
    assert any(a.name == "when the fleet falls short" and "unserved" in str(a.value) for a in flows.assumptions)


def test_forecast_fleet_is_the_point_plan():
    s = parse_scenario(_doc())
    deps = resolve_deployments(s)
    fleets = forecast_fleets(s, deps, site_values(s))
    assert fleets["own"].tolist() == [5] * 36


IN_HOUSE_DEFAULTS = {"staff_cost", "in_house_staff", "maintenance", "colocation_price"}


def test_in_house_inputs_are_sampled_by_default_with_dated_sources():
    """Staff wages and FTE, maintenance and the colocation price were held at their point values, so an owned
    fleet's TCO looked far more certain than an API's. Each now has a default row with a date and a source."""
    doc = _doc()
    doc["options"][0]["hosting"] = "colocation"
    doc["uncertainty"] = {"defaults": True}
    s = parse_scenario(doc)
    deps = resolve_deployments(s)
    specs = {sp.name: sp for sp in uncertain_inputs(s, deps, site_values(s))}
    assert IN_HOUSE_DEFAULTS <= set(specs)
    rows = {r["input"]: r for r in catalog.uncertainty_defaults()}
    for name in IN_HOUSE_DEFAULTS:
        assert re.fullmatch(r"\d{4}-\d{2}", rows[name]["as_of"]), name
        assert "http" in specs[name].source, name
        lo, hi = specs[name].support()
        assert lo < 1 < hi, name
    paths = {t.path for sp in specs.values() for t in sp.targets}
    assert {"site.maintenance_pct_of_capex_per_year", "site.colocation_usd_per_kw_month",
            "site.in_house_team_sysadmin_fte", "site.sysadmin_loaded_usd_per_year"} <= paths


def test_in_house_defaults_apply_only_where_an_option_uses_them():
    """An API-only scenario owns no servers: no maintenance, colocation or in-house staff to sample."""
    doc = _doc()
    doc["options"] = [doc["options"][1]]
    doc["uncertainty"] = {"defaults": True}
    s = parse_scenario(doc)
    names = {sp.name for sp in uncertain_inputs(s, resolve_deployments(s), site_values(s))}
    assert not names & {"in_house_staff", "maintenance", "colocation_price"}


def test_sampled_maintenance_moves_the_fleet_cost_by_its_arithmetic():
    """Maintenance at 2 x the 10 %/year default on the five $60,000 servers bought on the forecast: 5 x 60,000 x
    10 % x 3 years = $90,000 more over 36 months. The quote here includes no warranty (hardware_warranty_years
    0): with the 3-year default, maintenance starts only after the horizon."""
    doc = _doc()
    doc["site"] = {**doc["site"], "hardware_warranty_years": 0}
    s = parse_scenario(doc)
    deps = resolve_deployments(s)
    spec = UncertainSpec(name="maintenance", label="m", unit="x", source="test", default=False,
                         dist=UncertainInput(path="maintenance", dist="triangular", low=2, mode=2, high=2),
                         targets=[Target("site.maintenance_pct_of_capex_per_year", "multiply", 10.0)])
    base = run_monte_carlo(s, deps, {}, [_demand_at(1.0)], ["own"], samples=2, seed=1).tco["own"][0]
    more = run_monte_carlo(s, deps, {}, [_demand_at(1.0), spec], ["own"], samples=2, seed=1).tco["own"][0]
    assert more - base == pytest.approx(90000, rel=1e-9)


def _api_only(**finance: float) -> dict:
    doc = _doc()
    doc["options"] = [doc["options"][1]]
    doc["finance"] = {"horizon_months": 24, **finance}
    return doc


def test_default_price_trends_are_dated_sourced_assumptions():
    """API, cloud GPU-hour and server price trends defaulted to 0 %/year with no source. They now come from dated
    site.csv rows that cite the price history they rest on, and the result lists them as assumptions."""
    r = compare(parse_scenario(_api_only()))
    rows = {a.name: a for a in r.assumptions}
    for key, sources in {"api_price_change_pct_per_year": ("a16z.com", "epoch.ai"),
                         "cloud_price_change_pct_per_year": ("aws.amazon.com",),
                         "hardware_price_change_pct_per_year": ("pcserverandparts.com",)}.items():
        assert re.fullmatch(r"\d{4}-\d{2}", rows[key].as_of or ""), key
        assert all(src in rows[key].source for src in sources), key
    assert rows["api_price_change_pct_per_year"].value < 0 and rows["cloud_price_change_pct_per_year"].value < 0


def test_default_api_trend_applies_in_the_point_run():
    """The point run uses the central trend: month 13 of a flat API workload costs (1 - 15 %) of month 1, the
    site.csv default. A scenario that states 0 %/year (as old files could) keeps flat prices."""
    trend = catalog.site_defaults()["api_price_change_pct_per_year"].value
    assert trend == -15
    monthly = compare(parse_scenario(_api_only())).option("api").monthly_usd
    assert monthly[12] / monthly[0] == pytest.approx(1 + trend / 100, rel=1e-9)
    flat = compare(parse_scenario(_api_only(api_price_change_pct_per_year=0))).option("api").monthly_usd
    assert flat[12] == pytest.approx(flat[0], rel=1e-12)


def test_spot_availability_is_below_on_demand_from_the_interruption_band():
    """Spot used to get the on-demand SLA (99.5 %), though the SLA does not cover reclaims. With the default row
    (15 % of instances reclaimed a month, the H100 band of AWS's Spot Instance Advisor, x 12 = 1.8 a year, 8 h to
    replacement capacity): U = 1.8 x 8 / (8,760 + 14.4) = 0.164 %, in series with the SLA:
    99.5 % x (1 - 0.00164) = 99.337 %."""
    r = compare(ROOT / "examples" / "classification-8b.yaml")
    on_demand = r.option("aws-l40s-on-demand").criteria.availability
    spot = r.option("aws-l40s-spot").criteria.availability
    assert on_demand.availability_pct == pytest.approx(99.5)
    expected = 99.5 * (1 - 1.8 * 8 / (8760 + 1.8 * 8))
    assert spot.availability_pct == pytest.approx(expected, abs=1e-3)
    part = next(c for c in spot.components if c.name == "spot interruptions")
    assert "instance-advisor" in part.source.source


@pytest.mark.parametrize(("gpu", "band_midpoint_pct"), [("h100-sxm", 15.0), ("a100-80gb", 7.5), ("l4", 2.5)])
def test_spot_interruption_rows_follow_the_published_bands(gpu, band_midpoint_pct):
    """Thundercompute's reading of the Spot Instance Advisor (May 2025): H100 (p5) 10-20 %, A100 (p4d) 5-10 %,
    L4 <5 % of instances reclaimed a month; the rows carry the band's middle x 12 months."""
    row = spot_row(gpu)
    assert row.component == f"cloud_spot:{gpu}"
    assert row.failures_per_year == pytest.approx(band_midpoint_pct / 100 * 12)
    assert row.as_of == "2025-05"
