"""Portfolios on shared rented instances: replicas of several models packed into the same cloud instances."""

from __future__ import annotations

import copy
import dataclasses
import json
from functools import cache

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from llmplace.portfolio import compare_portfolio
from llmplace.portfolio_cloud import cloud_member, cloud_shared_plan
from llmplace.scenario.portfolio import parse_portfolio

from .conftest import ROOT

PORTFOLIO = ROOT / "examples" / "portfolios" / "two-teams.yaml"
CLOUD = "aws-p5-on-demand"


def _cents(x: float) -> int:
    return round(x * 100)


def _doc(**cloud: object) -> dict:
    doc = yaml.safe_load(PORTFOLIO.read_text())
    opt = next(o for o in doc["options"] if o["id"] == CLOUD)
    opt.update(cloud)
    if str(cloud.get("plan", "on_demand")).startswith("reserved"):
        doc["options"][0]["bridge"] = "none"  # a bridge is elastic: not a reserved option
    return doc


@cache
def _members(plan: str = "on_demand", billing: str = "autoscaled"):
    folio = parse_portfolio(_doc(plan=plan, billing=billing))
    return folio, [cloud_member(wid, s, CLOUD) for wid, s in folio.scenarios]


@pytest.mark.parametrize(("plan", "billing"), [("on_demand", "autoscaled"), ("reserved_1y", "always_on"),
                                               ("reserved_1y", "autoscaled"), ("spot", "active_hours")])
def test_a_shared_cloud_plan_of_one_workload_is_its_own_option_to_the_cent(plan, billing):
    """One workload alone on the shared instances: its replicas packed into instances are
    ``ceil(ceil(rate / replica rate) / replicas per instance) = ceil(rate / instance rate)`` instances, the
    count its own option rents, billed by the same cost function (price, warm-up, reserved terms charged in
    full, storage, support, team), so the plan costs what the option costs in that workload's comparison."""
    folio, members = _members(plan, billing)
    result = compare_portfolio(folio)
    own = {w.id: next(o.tco_usd for o in w.options if o.option == CLOUD) for w in result.workloads}
    for m in members:
        shared = cloud_shared_plan(CLOUD, [m], {}, {m.id: 1.0})
        assert own[m.id] is not None
        assert _cents(shared.tco_usd) == _cents(shared.separate_tco_usd) == _cents(own[m.id]), (plan, billing, m.id)


@settings(max_examples=10, deadline=None)
@given(st.floats(0.05, 30.0), st.floats(0.05, 30.0), st.sampled_from([("on_demand", "autoscaled"),
                                                                     ("reserved_1y", "always_on")]))
def test_sharing_instances_never_costs_more_than_separate_fleets(scale_a, scale_b, pricing):
    """The 70B and the 8B workload, each demand scaled, on one fleet of p5 instances: in every hour the packed
    instances are at most the separate fleets' (first-fit decreasing never opens more than
    ``sum(ceil(n / per instance))``), each instance-hour is billed at the same price, the support plan's minimum
    is paid once and the one cloud team grows with GPUs as GPUs ^ b, b <= 1; so the total never exceeds the
    separate fleets'. (An autoscaled reserved plan commits its launch month's peak fleet, and a smaller packed
    commitment can leave more hours above it at the on-demand rate: that pricing is not claimed here.)"""
    _, base = _members(*pricing)
    months = len(np.asarray(base[0].load.peak))
    members = [dataclasses.replace(m, load=m.load.in_months(np.full(months, k)))
               for m, k in ((base[0], scale_a), (base[1], scale_b))]
    plan = cloud_shared_plan(CLOUD, members, {}, {m.id: 1.0 for m in members})
    assert plan.separate_tco_usd is not None
    assert _cents(plan.tco_usd) <= _cents(plan.separate_tco_usd) + 1  # each share rounded to the cent
    assert all(s <= t for s, t in zip(plan.shared_servers or [], plan.separate_servers or [], strict=True))


def test_the_example_packs_both_models_into_one_p5_instance():
    """The 70B replica takes 2 of a p5's 8 H100s at FP8 (4 replicas per instance), the 8B replica 1: at their
    peaks (2 and 1 replicas) they fill 5 GPUs of one instance where separate fleets rent two. The plan lists the
    instances per month, the showback adds up to the cent and splits by GPU-hours."""
    result = compare_portfolio(PORTFOLIO)
    plan = next(p for p in result.plans if p.id == f"shared:{CLOUD}")
    assert plan.shared_unit == "instance" and plan.members == ["internal-assistant", "public-chat"]
    assert max(plan.shared_servers or [0]) == 1 and max(plan.separate_servers or [0]) == 2
    assert sum(_cents(r.usd) for r in plan.showback) == _cents(plan.tco_usd)
    hours = {r.workload: r.gpu_hours or 0.0 for r in plan.showback}
    usd = {r.workload: r.usd for r in plan.showback}
    assert usd["internal-assistant"] / plan.tco_usd == pytest.approx(hours["internal-assistant"] / sum(hours.values()),
                                                                     abs=1e-6)
    assert plan.tco_usd < (plan.separate_tco_usd or 0.0)
    assert any("busiest hour with busiest hour" in n for n in plan.notes)


def test_a_portfolio_with_the_tax_shield_shares_no_cloud_option():
    """The tax shield is not modelled for shared fleets: no shared plan is built, the mix stays."""
    doc = copy.deepcopy(_doc())
    doc.setdefault("finance", {})["tax_shield"] = True
    doc["finance"]["tax_rate_pct"] = 25
    result = compare_portfolio(parse_portfolio(doc))
    assert [p.kind for p in result.plans] == ["mix"]


def test_the_report_shows_the_shared_cloud_plan_in_instances():
    """The Markdown and HTML portfolio reports list the shared cloud plan with its showback and count its fleet
    in rented instances (the in-house plan in servers); the JSON report carries shared_unit."""
    from llmplace.report.portfolio import render_portfolio

    result = compare_portfolio(PORTFOLIO)
    md = render_portfolio(result, "md")
    assert f"### Plan shared:{CLOUD}" in md and "Instances rented: at most 1 shared against 2" in md
    assert "Servers in service: at most 1 shared against 2" in md
    assert f"shared:{CLOUD}" in render_portfolio(result, "html")
    data = json.loads(render_portfolio(result, "json"))
    assert {p["id"]: p["shared_unit"] for p in data["plans"] if p["kind"] == "shared"} == \
        {"shared:own-8xh100": "server", f"shared:{CLOUD}": "instance"}


@pytest.mark.parametrize("billing", ["autoscaled", "active_hours"])
def test_one_workload_with_a_shaped_week_and_empty_months_is_its_own_option(billing):
    """The public chat with a weekly shape (168 hourly weights, office hours 4x) and four seasonal months without
    load (January to March, December): its curve has other bins than the assistant's, and the merged bins must add
    back to its own hours; the hours with load (for min_instances and active-hours billing) are read from each curve
    as its own fleet reads them, and min_instances is kept warm from its first month with load to the end of the
    horizon (none before it, months 1-3; kept in the quiet months after, the off-season of month 36 included, as
    the scenario has no end of service), as its own fleet keeps it. One workload on the shared instances still
    costs its own option to the cent."""
    doc = _doc(billing=billing)
    work = doc["workloads"][1]["workload"]
    work.pop("peak_to_average")
    work["hourly_weights"] = [4 if 9 <= h % 24 < 18 else 1 for h in range(168)]
    work["monthly_multipliers"] = [0, 0, 0] + [1] * 8 + [0]
    folio = parse_portfolio(doc)
    result = compare_portfolio(folio)
    own = {w.id: next(o.tco_usd for o in w.options if o.option == CLOUD) for w in result.workloads}
    for wid, s in folio.scenarios:
        plan = cloud_shared_plan(CLOUD, [cloud_member(wid, s, CLOUD)], {}, {wid: 1.0})
        assert _cents(plan.tco_usd) == _cents(own[wid] or 0.0), wid
