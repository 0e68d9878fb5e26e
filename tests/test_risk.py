"""Monte Carlo, tornado and switching thresholds (issue 5)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from llmplace import InputError, compare, parse_scenario
from llmplace.risk import set_path

from .conftest import NO_STAFF, wages

# staff linear in GPUs and no fixed team: 0.1 FTE per 4-GPU server (0.2 per 8 GPUs, exponent 1)
SITE = {"electricity_usd_per_kwh": 0.12, "pue": 1.4, "maintenance_pct_of_capex_per_year": 10,
        **NO_STAFF, "staff_variable_fte_at_8_gpus": 0.2, "staff_variable_gpu_exponent": 1.0,
        "setup_usd_per_server": 2000, **wages(150000)}


def _doc(tokens=5e9, **workload):
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": tokens, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "peak_to_average": 2.0, "growth_pct_per_month": 1.0, **workload},
        "options": [
            {"kind": "in_house", "id": "own", "gpu": "l40s", "gpu_count": 4, "purchase_usd": 60000,
             "max_power_kw": 2.2, "idle_power_kw": 0.6, "throughput_tokens_per_s": 1500, "gpus_per_replica": 1},
            {"kind": "cloud", "id": "cloud", "gpu": "l40s", "gpu_count": 1, "usd_per_hour": 1.9,
             "throughput_tokens_per_s": 1500, "billing": "autoscaled"},
            {"kind": "api", "id": "api", "input_usd_per_mtok": 0.2, "output_usd_per_mtok": 0.6},
            {"kind": "hybrid", "id": "own+api", "base": "own", "overflow": "api"},
        ],
        "site": SITE,
        "finance": {"horizon_months": 36, "useful_life_years": 5, "residual_value_pct": 10,
                    "discount_rate_pct_per_year": 8},
    }


def test_inline_distributions_are_collected_with_point_values():
    doc = _doc()
    doc["workload"]["tokens_per_month"] = {"low": 3e9, "mode": 5e9, "high": 9e9}
    doc["options"][0]["purchase_usd"] = {"p10": 50000, "p90": 72000}
    doc["options"][2]["output_usd_per_mtok"] = [0.4, 0.6, 0.9]
    s = parse_scenario(doc)
    assert s.workload.tokens_per_month == 5e9
    assert s.options[0].purchase_usd == pytest.approx((50000 * 72000) ** 0.5)
    assert s.options[2].output_usd_per_mtok == 0.6
    assert {u.path for u in s.uncertainty.inputs} == {
        "workload.tokens_per_month", "options[0].purchase_usd", "options[2].output_usd_per_mtok"}


def test_collapsed_distributions_reproduce_the_deterministic_result():
    doc = _doc()
    doc["workload"]["tokens_per_month"] = {"low": 5e9, "mode": 5e9, "high": 5e9}
    doc["options"][1]["usd_per_hour"] = {"low": 1.9, "mode": 1.9, "high": 1.9}
    doc["uncertainty"] = {"defaults": False}
    r = compare(parse_scenario(doc), samples=500, seed=3)
    for o in r.options:
        assert o.risk.tco_usd.p50 == pytest.approx(o.tco_usd, rel=1e-9), o.id
        assert o.risk.npv_usd.p50 == pytest.approx(o.npv_usd, rel=1e-9), o.id


def test_same_seed_same_numbers_and_different_seed_differs():
    s = parse_scenario(_doc())
    a = compare(s, samples=1000, seed=7)
    b = compare(s, samples=1000, seed=7)
    c = compare(s, samples=1000, seed=8)
    assert a.to_dict()["options"] == b.to_dict()["options"]
    assert np.array_equal(a.samples.tco_usd["own"], b.samples.tco_usd["own"])
    assert not np.array_equal(a.samples.tco_usd["own"], c.samples.tco_usd["own"])


def test_risk_document_shape_and_probabilities():
    r = compare(parse_scenario(_doc()), samples=2000, seed=1)
    probs = r.risk.probability_cheapest
    assert sum(probs.values()) == pytest.approx(1.0)
    names = {i.name for i in r.risk.inputs}
    assert {"demand_level", "hardware_price", "throughput", "electricity_price"} <= names
    for o in r.options:
        risk = o.risk
        assert risk.tco_usd.p10 <= risk.tco_usd.p50 <= risk.tco_usd.p90
        assert risk.monthly_cost_spread_pct >= 0
        assert len(r.samples.tco_usd[o.id]) == 2000
    # the API bill moves one for one with demand; it is the least predictable monthly cost here
    spreads = {o.id: o.risk.monthly_cost_spread_pct for o in r.options}
    assert spreads["api"] > spreads["own"]


def test_tornado_ranked_by_swing():
    r = compare(parse_scenario(_doc()), samples=500, seed=1)
    swings = [t.swing_usd for t in r.tornado]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
    assert all(t.low_value <= t.median_value <= t.high_value for t in r.tornado)


def _apply(doc, changes, factor):
    d = copy.deepcopy(doc)
    for path, v in changes.items():
        set_path(d, path, v * factor if "growth" not in path and "change_pct" not in path else v + (factor - 1))
    return d


def test_thresholds_hold_when_rerun_either_side():
    doc = _doc(tokens=8e9)  # a demand near which the cheapest option changes
    r = compare(parse_scenario(doc), samples=300, seed=1)
    flips = [t for t in r.thresholds if t.flips]
    assert flips, r.thresholds
    for t in flips:
        lo_doc = copy.deepcopy(doc)
        hi_doc = copy.deepcopy(doc)
        a, b = t.bracket
        inp = next(i for i in r.risk.inputs if i.name == t.input)
        for path in t.scenario_changes:
            target = _target_value(doc, r, inp, path)
            set_path(lo_doc, path, target(a))
            set_path(hi_doc, path, target(b))
        lo, hi = compare(parse_scenario(lo_doc)), compare(parse_scenario(hi_doc))
        assert lo.cheapest != hi.cheapest, t
        assert {lo.cheapest, hi.cheapest} == {t.cheapest_before, t.cheapest_beyond}


def _target_value(doc, r, inp, path):
    """The field's value for an input value x, as the engine applied it (set, multiply or add)."""
    how = inp.how[0]
    if how == "set":
        return lambda x: x
    base = _base(doc, r, path)
    if how == "multiply":
        return lambda x: base * x
    return lambda x: min(max(base + x, 0.05), 1.0) if "utilisation" in path else base + x


def _base(doc, r, path):
    if path.endswith(".capacity"):
        opt = r.option(doc["options"][int(path.split("[")[1].split("]")[0])]["id"])
        return opt.capacity.output_tokens_per_s_per_replica
    node = doc
    for part in path.replace("]", "").replace("[", ".").split("."):
        node = node[int(part)] if part.isdigit() else node.get(part, {})
    if node == {} and path.startswith(("site.", "finance.")) and any(a.name == path.split(".")[1]
                                                                     for a in r.assumptions):
        return next(a.value for a in r.assumptions if a.name == path.split(".")[1])
    if node == {} and "target_utilisation" in path:
        return 0.8
    if node == {} and path.startswith("finance."):  # a finance value the scenario leaves at its default
        return getattr(parse_scenario(doc).finance, path.split(".")[1])
    return node


def test_threshold_statement_or_no_flip():
    r = compare(parse_scenario(_doc()), samples=300, seed=1)
    for t in r.thresholds:
        assert t.statement
        if not t.flips:
            assert "stays cheapest" in t.statement


@pytest.mark.parametrize("bad,field", [
    ({"path": "finance.horizon_months", "low": 12, "mode": 24, "high": 36}, "uncertainty path finance.horizon_months"),
    ({"path": "options.nope.purchase_usd", "low": 1, "mode": 2, "high": 3},
     "uncertainty path options.nope.purchase_usd"),
])
def test_bad_uncertain_inputs(bad, field):
    doc = _doc()
    doc["uncertainty"] = {"inputs": [bad]}
    with pytest.raises(InputError) as exc:
        compare(parse_scenario(doc), samples=200)
    assert exc.value.field == field


def test_bad_distribution_is_named():
    doc = _doc()
    doc["workload"]["tokens_per_month"] = {"low": 9, "mode": 5, "high": 7}
    with pytest.raises(InputError) as exc:
        parse_scenario(doc)
    assert exc.value.field == "workload.tokens_per_month"


def test_samples_bounds():
    with pytest.raises(InputError):
        compare(parse_scenario(_doc()), samples=5)
