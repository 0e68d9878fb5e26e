"""Monte Carlo for portfolios: per-workload options and per-plan totals sampled with shared draws."""

from __future__ import annotations

import copy
from functools import cache

import numpy as np
import pytest
import yaml

from llmplace.decision import compare, resolve_deployments
from llmplace.errors import InputError
from llmplace.portfolio import compare_portfolio
from llmplace.portfolio_risk import plan_samples, portfolio_draws
from llmplace.results.portfolio import PortfolioPlan, Showback
from llmplace.risk import uncertain_inputs
from llmplace.scenario import load_scenario
from llmplace.scenario.portfolio import load_portfolio, parse_portfolio
from llmplace.site import site_values

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
PORTFOLIO = EXAMPLES / "portfolios" / "two-teams.yaml"
SAMPLES, SEED = 400, 11


@cache
def _sampled():
    return compare_portfolio(PORTFOLIO, samples=SAMPLES, seed=SEED)


def test_a_one_workload_portfolio_samples_exactly_what_the_single_scenario_samples():
    """Same seed, same inputs in the same order, same engine: a portfolio of one workload draws what the single
    scenario draws, so every option's sampled P10/P50/P90 equals the single Monte Carlo's (to float equality: the
    very same arrays go into the same percentile call), and its one plan (mix, the cheapest option) has that
    option's range. (An option a hard constraint excludes is sampled, as in the single run, but shows no range.)
    Before portfolios had Monte Carlo, samples > 0 was refused."""
    path = EXAMPLES / "internal-assistant-70b.yaml"
    single = compare(load_scenario(path), samples=SAMPLES, seed=SEED)
    folio = yaml.safe_load(path.read_text())
    folio["workloads"] = [{"id": "assistant", "workload": folio.pop("workload")}]
    result = compare_portfolio(parse_portfolio(folio), samples=SAMPLES, seed=SEED)
    (w,) = result.workloads
    ranges = {o.option: o.tco_range_usd for o in w.options if o.tco_range_usd is not None}
    want = {o.id: o.risk.tco_usd for o in single.options if o.risk is not None and o.feasible}
    assert ranges and ranges == want
    (mix,) = result.plans
    assert mix.tco_range_usd == want[single.cheapest]
    assert result.uncertainty is not None and (result.uncertainty.samples, result.uncertainty.seed) == (SAMPLES, SEED)


def test_sampled_ranges_are_ordered_and_chances_add_up():
    """Percentiles of any sample are ordered (P10 <= P50 <= P90); the chance of each plan being cheapest adds up
    to 1 over the plans that are answers (ties split a sample), and likewise over each workload's candidates."""
    r = _sampled()
    ranged = [p.tco_range_usd for p in r.plans] + [o.tco_range_usd for w in r.workloads for o in w.options
                                                   if o.tco_range_usd is not None]
    assert len(ranged) >= 6
    assert all(x.p10 <= x.p50 <= x.p90 for x in ranged)
    assert sum(p.probability_cheapest or 0.0 for p in r.plans) == pytest.approx(1.0)
    for w in r.workloads:
        assert sum(o.probability_cheapest or 0.0 for o in w.options) == pytest.approx(1.0)


def test_common_inputs_are_drawn_once_and_each_workloads_demand_on_its_own():
    """Both teams' engines see the same electricity and hardware price in a sample (one state of the world),
    while each team's demand level is its own draw (two teams' volumes are not assumed to move together); the
    first workload's draws are those of its single-scenario run (one generator, same seed, same order)."""
    p = load_portfolio(PORTFOLIO)
    specs = []
    for wid, s in p.scenarios:
        specs.append((wid, uncertain_inputs(s, resolve_deployments(s), site_values(s, warn=False))))
    per, inputs = portfolio_draws(specs, 200, 5)
    a, b = (per[wid] for wid, _ in p.scenarios)
    assert a["electricity_price"] is b["electricity_price"] and a["hardware_price"] is b["hardware_price"]
    assert not np.array_equal(a["demand_level"], b["demand_level"])
    rng = np.random.default_rng(5)
    alone = {sp.name: sp.sample(rng, 200) for sp in specs[0][1]}
    assert all(np.array_equal(alone[k], a[k]) for k in alone)
    shared = {i.name for i in inputs if i.shared}
    assert "electricity_price" in shared and "demand_level" not in shared


def test_a_shared_plan_sample_scales_the_fleet_by_its_members_and_adds_the_others():
    """Arithmetic on a hand-made plan: members a and b share fleet f at a point showback of 60 + 40 = 100 while
    their own fleets cost 80 + 70 = 150 at point values; a sample where their own fleets cost 165 and 135 (300, twice
    the point) charges the shared fleet 100 x 300 / 150 = 200; c, off the fleet on its API, adds its sampled 7."""
    plan = PortfolioPlan(id="shared:f", kind="shared", shared_option="f", members=["a", "b"], tco_usd=105.0,
                         showback=[Showback(workload="a", option="f", usd=60.0, tokens=1.0, basis=""),
                                   Showback(workload="b", option="f", usd=40.0, tokens=1.0, basis=""),
                                   Showback(workload="c", option="api", usd=5.0, tokens=1.0, basis="")])
    point = {"a": {"f": 80.0}, "b": {"f": 70.0}, "c": {"api": 5.0}}
    sampled = {"a": {"f": np.array([80.0, 165.0])}, "b": {"f": np.array([70.0, 135.0])},
               "c": {"api": np.array([5.0, 7.0])}}
    assert plan_samples(plan, point, sampled, 2).tolist() == [105.0, 207.0]


def test_sampled_plans_keep_their_point_totals_and_state_the_simplification():
    """Sampling adds ranges and leaves the point figures alone; the note that a portfolio has no Monte Carlo gives
    way to the note on how a shared fleet is sampled."""
    point, r = compare_portfolio(PORTFOLIO), _sampled()
    assert [(p.id, p.tco_usd) for p in r.plans] == [(p.id, p.tco_usd) for p in point.plans]
    assert not any(n.startswith("point values only") for n in r.notes)
    assert any("not re-packed per sample" in n for n in r.notes)
    assert "tco_range_usd" not in point.to_dict()["plans"][0]  # the point document is unchanged


def test_too_many_samples_for_a_portfolio_name_samples():
    """The single-workload cap on samples x options x months counts every workload of a portfolio."""
    with pytest.raises(InputError) as err:
        compare_portfolio(PORTFOLIO, samples=400_000)
    assert err.value.field == "samples" and "summed over its 2 workloads" in str(err.value)


def test_rest_and_cli_accept_samples_for_a_portfolio(tmp_path):
    """POST /api/v1/compare?samples=N with a portfolio answers the sampled document (it was a 422); too many samples
    is a 422 naming samples; the CLI prints the plans' P10 - P90."""
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from llmplace.cli import app
    from llmplace.web import create_app

    doc = yaml.safe_load(PORTFOLIO.read_text())
    with TestClient(create_app(f"sqlite:///{tmp_path / 'api.db'}")) as client:
        ok = client.post(f"/api/v1/compare?samples={SAMPLES}&seed={SEED}", json=copy.deepcopy(doc))
        assert ok.status_code == 200, ok.text
        assert ok.json() == _sampled().to_dict()
        big = client.post("/api/v1/compare?samples=400000", json=doc)
        assert big.status_code == 422 and big.json()["detail"][0]["field"] == "samples"
    res = CliRunner().invoke(app, ["compare", str(PORTFOLIO), "--samples", "200", "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert "P10 - P90" in res.output and "P(cheapest)" in res.output


def test_an_infeasible_plan_gets_no_sampled_range():
    """A plan with an infeasible_reason is no answer, so its point total is not shown as a cost to plan on and a
    P10-P90 range would present it as one (the defect: it got a range anyway). The shared own-server plan of the
    site-power case in test_portfolio (demand tripled, site_power_kw = 12 under a 20.4 kW shared fleet) is
    infeasible: sampled, its tco_range_usd must be None, and it has no chance of being the cheapest; a feasible
    plan keeps its range."""
    doc = yaml.safe_load(PORTFOLIO.read_text())
    doc["options"][0]["hosting"] = "on_site"
    for entry in doc["workloads"]:
        entry["workload"]["requests_per_month"] *= 3
    doc["workloads"][0]["constraints"]["site_power_kw"] = 12
    result = compare_portfolio(parse_portfolio(doc), samples=100, seed=SEED)
    shared = next(p for p in result.plans if p.kind == "shared" and p.infeasible_reason)
    assert shared.tco_range_usd is None and shared.probability_cheapest is None
    assert all(p.tco_range_usd is not None for p in result.plans if p.infeasible_reason is None)
