"""Portfolios: several workloads in one file, compared on their own and on one shared in-house fleet."""

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

from llmplace.decision import compare
from llmplace.errors import InputError
from llmplace.portfolio import _member, _shared_plan, compare_portfolio, pack_servers
from llmplace.scenario import load_scenario
from llmplace.scenario.portfolio import load_portfolio, parse_portfolio

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
PORTFOLIO = EXAMPLES / "portfolios" / "two-teams.yaml"


def _cents(x: float) -> int:
    return round(x * 100)


@cache
def _example():
    return compare_portfolio(PORTFOLIO)


def _single_doc() -> dict:
    return yaml.safe_load((EXAMPLES / "internal-assistant-70b.yaml").read_text())


def test_a_portfolio_of_one_workload_is_the_single_scenario_to_the_cent():
    """The single-workload example rewritten as a portfolio of one (its workload moved under ``workloads``)
    costs every option as the single scenario does, to the cent, and its one plan is the single cheapest."""
    doc = _single_doc()
    single = compare(load_scenario(EXAMPLES / "internal-assistant-70b.yaml"), samples=0)
    folio = copy.deepcopy(doc)
    folio["workloads"] = [{"id": "assistant", "workload": folio.pop("workload")}]
    result = compare_portfolio(parse_portfolio(folio))
    (w,) = result.workloads
    assert {o.option: (o.feasible, o.tco_usd and _cents(o.tco_usd)) for o in w.options} == \
        {o.id: (o.feasible, o.tco_usd and _cents(o.tco_usd)) for o in single.options if o.feasible} | \
        {o.id: (False, None) for o in single.options if not o.feasible}
    assert w.cheapest == single.cheapest
    (mix,) = result.plans  # one workload: nothing to share
    best = next(o for o in single.options if o.id == single.cheapest)
    assert mix.tco_usd == round(best.tco_usd, 2)


def test_packing_places_whole_replicas_first_fit_decreasing():
    """Hand-packed cases on 8-GPU servers: a 4-GPU replica and two 2-GPU ones fill one server; three 4-GPU
    replicas need two (a replica never spans servers); two 6-GPU replicas leave 2 GPUs each, which take two
    2-GPU replicas, and a third 2-GPU replica opens a third server."""
    assert pack_servers([(1, 4), (2, 2)], 8) == 1
    assert pack_servers([(3, 4)], 8) == 2
    assert pack_servers([(2, 2), (2, 6)], 8) == 2
    assert pack_servers([(3, 2), (2, 6)], 8) == 3
    assert pack_servers([], 8) == 0
    with pytest.raises(ValueError):
        pack_servers([(1, 16)], 8)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.sampled_from([1, 2, 4, 8])), max_size=4), st.sampled_from([8, 4]))
def test_packing_never_needs_more_servers_than_separate_fleets(replicas, gpus_per_server):
    """Separate fleets hold ``sum(ceil(n / (C // g)))`` servers; packing all replicas together never needs more,
    and never fewer than the GPUs require (``ceil(sum(n x g) / C)``)."""
    replicas = [(n, g) for n, g in replicas if g <= gpus_per_server]
    separate = sum(-(-n // (gpus_per_server // g)) for n, g in replicas)
    packed = pack_servers(replicas, gpus_per_server)
    assert -(-sum(n * g for n, g in replicas) // gpus_per_server) <= packed <= separate


@cache
def _members():
    return [_member(wid, s, "own-8xh100") for wid, s in load_portfolio(PORTFOLIO).scenarios]


@settings(max_examples=12, deadline=None)
@given(st.floats(0.05, 30.0), st.floats(0.05, 30.0))
def test_sharing_servers_never_costs_more_than_separate_fleets(scale_a, scale_b):
    """The 70B and the 8B workload of the example, each demand scaled, on one shared fleet of 8x H100 servers:
    the plan's total never exceeds the two separate fleets' (fewer or as many servers, one platform team whose
    variable part grows as GPUs ^ b with b <= 1, so shared GPUs never need more staff)."""
    a, b = _members()
    months = len(np.asarray(a.load.peak))
    members = [dataclasses.replace(m, load=m.load.in_months(np.full(months, k)))
               for m, k in ((a, scale_a), (b, scale_b))]
    plan = _shared_plan("own-8xh100", members, {}, {m.id: 1.0 for m in members})
    assert plan.separate_tco_usd is not None
    assert _cents(plan.tco_usd) <= _cents(plan.separate_tco_usd) + 1  # rounding of each part to the cent
    assert all(s <= t for s, t in zip(plan.shared_servers or [], plan.separate_servers or [], strict=True))


def test_a_shared_plan_of_one_workload_is_its_own_fleet():
    """The decomposition (fleet without load + each load's power above idle + what it pays outside the fleet)
    adds back up to the option's own cost in that workload's comparison when it is on the fleet alone."""
    own = {w.id: next(o.tco_usd for o in w.options if o.option == "own-8xh100") for w in _example().workloads}
    for m in _members():
        plan = _shared_plan("own-8xh100", [m], {}, {m.id: 1.0})
        assert _cents(plan.tco_usd) == _cents(plan.separate_tco_usd) == _cents(own[m.id])


def test_the_shared_plan_keeps_the_cheapest_group_on_the_fleet():
    """Three workloads eligible for the owned servers: the plan chosen costs no more than all three on the
    shared fleet, and each workload left off the fleet is on its own cheapest option."""
    doc = yaml.safe_load(PORTFOLIO.read_text())
    third = copy.deepcopy(doc["workloads"][1])
    third["id"] = "batch-summaries"
    third["workload"]["requests_per_month"] = 20_000_000
    doc["workloads"].append(third)
    result = compare_portfolio(parse_portfolio(doc))
    shared = next(p for p in result.plans if p.kind == "shared")
    members = [_member(wid, s, "own-8xh100") for wid, s in parse_portfolio(doc).scenarios]
    everyone = _shared_plan("own-8xh100", members, {}, {m.id: 1.0 for m in members})
    assert _cents(shared.tco_usd) <= _cents(everyone.tco_usd)
    cheapest = {w.id: w.cheapest for w in result.workloads}
    for row in shared.showback:
        assert row.option == ("own-8xh100" if row.workload in shared.members else cheapest[row.workload])


def test_showback_adds_up_to_each_plan_total_to_the_cent():
    result = _example()
    assert {p.kind for p in result.plans} == {"mix", "shared"}
    for plan in result.plans:
        assert sum(_cents(r.usd) for r in plan.showback) == _cents(plan.tco_usd), plan.id
        assert {r.workload for r in plan.showback} == {w.id for w in result.workloads}


def test_shared_fleet_is_split_by_gpu_hours():
    """The 70B replica takes 2 H100s at FP8 and needs two replicas at peak here, the 8B one GPU and one replica:
    4 and 1 GPUs every month, so 80 % and 20 % of the fleet's costs (the rest is each one's own)."""
    shared = next(p for p in _example().plans if p.kind == "shared")
    hours = {r.workload: r.gpu_hours for r in shared.showback}
    assert hours["internal-assistant"] == pytest.approx(4 * hours["public-chat"])
    assert max(shared.shared_servers or [0]) < max(shared.separate_servers or [0])


def test_a_constraint_of_one_workload_excludes_the_option_only_for_it():
    """The regulated assistant forbids third-party processing, so the managed API is out for it alone; the
    public chat may use it, and the mix routes the public chat there."""
    result = _example()
    opts = {w.id: {o.option: o for o in w.options} for w in result.workloads}
    assert not opts["internal-assistant"]["together"].feasible
    assert "third_party_processing" in (opts["internal-assistant"]["together"].infeasible_reason or "")
    assert opts["public-chat"]["together"].feasible
    mix = next(p for p in result.plans if p.kind == "mix")
    routed = {r.workload: r.option for r in mix.showback}
    assert routed["public-chat"] == "together" and routed["internal-assistant"] != "together"


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d.update(workload=d["workloads"][0]["workload"]), "workloads"),
    (lambda d: d["workloads"][1].update(id=d["workloads"][0]["id"]), "workloads[1].id"),
    (lambda d: d["workloads"][1]["workload"].update(requests_per_month=-1), "workloads[1].workload.requests_per_month"),
    (lambda d: d["workloads"][0].update(colour="red"), "workloads[0].colour"),
    (lambda d: d.update(workloads=[]), "workloads"),
])
def test_bad_portfolio_names_the_field(change, field):
    doc = yaml.safe_load(PORTFOLIO.read_text())
    change(doc)
    with pytest.raises(InputError) as exc:
        parse_portfolio(doc)
    assert exc.value.field == field


def test_a_bad_name_in_one_workload_names_that_workload():
    """Catalog names are checked when the workload is compared: the message says in which workload, and the
    field is where the file writes it (workload 1's own model: workloads[1].model.name)."""
    doc = yaml.safe_load(PORTFOLIO.read_text())
    doc["workloads"][1]["model"]["name"] = "llama-9999"
    with pytest.raises(InputError) as exc:
        compare_portfolio(parse_portfolio(doc))
    assert exc.value.field == "workloads[1].model.name" and "in workload public-chat" in str(exc.value)


def test_single_scenario_readers_refuse_a_portfolio_in_one_line(invoke):
    """report (other than json, md, html and xlsx) and map read one workload: a portfolio is named, not a
    traceback."""
    with pytest.raises(InputError, match="workloads"):
        load_scenario(PORTFOLIO)
    res = invoke("map", str(PORTFOLIO), "--x", "workload.requests_per_month=1e6:1e7", "--y",
                 "finance.horizon_months=12:36")
    assert res.exit_code == 2 and "workloads" in res.stderr and "Traceback" not in res.output
    res = invoke("report", str(PORTFOLIO), "--format", "pptx", "-o", "x.pptx")
    assert res.exit_code == 2 and "--format" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_cli_compares_a_portfolio(invoke, tmp_path):
    res = invoke("compare", str(PORTFOLIO), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [w["id"] for w in data["workloads"]] == ["internal-assistant", "public-chat"]
    assert data["cheapest_plan"] in {p["id"] for p in data["plans"]}
    text = invoke("compare", str(PORTFOLIO))
    assert text.exit_code == 0 and "showback" in text.output and "Cheapest plan" in text.output
    doc = yaml.safe_load(PORTFOLIO.read_text())
    doc["workloads"][0]["workload"]["peak_to_average"] = 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc))
    res = invoke("compare", str(bad))
    assert res.exit_code == 2 and "workloads[0].workload.peak_to_average" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_schema_covers_the_portfolio_form(invoke):
    schema = json.loads(invoke("schema").stdout)
    assert schema["properties"]["workloads"]["items"] == {"$ref": "#/$defs/PortfolioEntry"}
    assert set(schema["$defs"]["PortfolioEntry"]["properties"]) == {"id", "workload", "model", "latency",
                                                                    "constraints"}


def test_a_replica_larger_than_a_server_is_not_packed():
    """A replica of 16 GPUs spans two 8-GPU servers: packing whole replicas into one server cannot place it, so
    that workload stays off the shared fleet (its own comparison costs it)."""
    m = _members()[0]
    cap = dataclasses.replace(m.d.capacity, gpus_per_replica=16, replicas_per_unit=1)
    assert m.fits() and not dataclasses.replace(m, d=dataclasses.replace(m.d, capacity=cap)).fits()


def test_a_shared_fleet_too_big_for_the_site_is_no_answer():
    """On the business's own site, demand tripled: each workload alone needs one 8x H100 server (10.2 kW at full
    load, the catalog's hgx-h100-8x-oem row), together they need two. With site_power_kw = 12 on the
    regulated workload, its own option fits (10.2 kW) but the shared fleet (20.4 kW) does not: the shared
    plan carries the reason."""
    doc = yaml.safe_load(PORTFOLIO.read_text())
    doc["options"][0]["hosting"] = "on_site"
    for entry in doc["workloads"]:
        entry["workload"]["requests_per_month"] *= 3
    doc["workloads"][0]["constraints"]["site_power_kw"] = 12
    result = compare_portfolio(parse_portfolio(doc))
    own = next(o for o in result.workloads[0].options if o.option == "own-8xh100")
    assert own.feasible
    shared = next(p for p in result.plans if p.kind == "shared")
    assert max(shared.shared_servers or [0]) == 2
    assert "site_power_kw = 12" in (shared.infeasible_reason or "")


def test_cli_writes_a_eur_portfolio_in_euros(invoke, tmp_path):
    """finance.currency EUR: the result counts in euros (result.currency), so the tables must not write '$'
    before those amounts (the old tables did). Each plan total is found in the text with the euro sign the
    catalog's EUR row gives, to the whole euro of the result."""
    from llmplace.catalog.fx import money_prefix

    doc = yaml.safe_load(PORTFOLIO.read_text())
    doc["finance"] = {**doc.get("finance", {}), "currency": "EUR"}
    path = tmp_path / "eur.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = compare_portfolio(path)
    assert result.currency == "EUR"
    euro = money_prefix("EUR")
    res = invoke("compare", str(path))
    assert res.exit_code == 0, res.output
    assert "$" not in res.stdout
    for p in result.plans:
        assert f"{euro}{p.tco_usd:,.0f}" in res.stdout


@pytest.mark.parametrize("view", ["amortised", "Amortized"])
def test_cli_refuses_a_view_a_portfolio_does_not_have(invoke, view):
    """A portfolio's plans are in the cash view only: --view amortised used to print the cash figures silently
    under a request for amortised ones. Now it is one line naming the option, exit status 2."""
    res = invoke("compare", str(PORTFOLIO), "--view", view)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.stderr.strip() == (f"error: --view: got '{view}'; allowed: cash "
                                  "(portfolios have no amortised view yet)")
    assert invoke("compare", str(PORTFOLIO), "--view", "cash", "--seed", "7").exit_code == 0


def test_rest_compare_answers_a_portfolio_as_compare_json(tmp_path):
    """POST /api/v1/compare with a portfolio document answers compare_portfolio's JSON (the `compare --json`
    document of the file); samples 0 or none is the same point answer (more samples: test_portfolio_risk); the
    result cache keys on the document, so a changed workload is computed again;
    a bad workload field is a 422 naming it."""
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    doc = yaml.safe_load(PORTFOLIO.read_text())
    want = _example().to_dict()
    with TestClient(create_app(f"sqlite:///{tmp_path / 'api.db'}")) as client:
        first = client.post("/api/v1/compare", json=doc)
        assert first.status_code == 200, first.text
        assert first.json() == want
        again = client.post("/api/v1/compare?samples=0", json=doc)
        assert again.json() == want
        assert client.post("/api/v1/compare", json=doc).headers["X-Llmplace-Cache"] == "hit"
        more = copy.deepcopy(doc)
        more["workloads"][1]["workload"]["requests_per_month"] *= 2
        changed = client.post("/api/v1/compare", json=more)
        assert changed.headers["X-Llmplace-Cache"] == "miss"
        assert changed.json() == compare_portfolio(parse_portfolio(more)).to_dict() != want
        more["workloads"][1]["workload"]["requests_per_month"] = -1
        bad = client.post("/api/v1/compare", json=more)
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["field"] == "workloads[1].workload.requests_per_month"
        files = copy.deepcopy(doc)
        shape = files["workloads"][0]["workload"]
        for key in ("peak_to_average", "active_hours_per_month", "shape", "hourly_weights"):
            shape.pop(key, None)
        shape["trace_csv"] = "/etc/hostname"  # the server reads no path a request names
        named = client.post("/api/v1/compare", json=files)
        assert named.status_code == 422 and named.json()["detail"][0]["field"] == "workloads[0].workload.trace_csv"


def test_report_of_a_portfolio_in_json_md_and_html(invoke, tmp_path):
    """`llmplace report` of a portfolio: json is compare_portfolio's document; md and html carry every
    workload's option costs and every plan's showback rows, each row's cost per million tokens being its
    charge over the tokens its workload serves (arithmetic on the result's own fields, cents rounding)."""
    from llmplace.conventions import format_usd

    result = _example()
    res = invoke("report", str(PORTFOLIO), "--format", "json", "-o", "-")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == result.to_dict()
    md = invoke("report", str(PORTFOLIO), "--format", "md", "-o", "-").stdout
    page = tmp_path / "p.html"
    assert invoke("report", str(PORTFOLIO), "-o", str(page)).exit_code == 0  # html from the suffix
    html = page.read_text()
    assert f"Cheapest plan: {result.cheapest_plan}." in md and f"Cheapest plan: {result.cheapest_plan}." in html
    for w in result.workloads:
        for o in w.options:
            if o.feasible:
                assert f"| {o.kind} | {format_usd(o.tco_usd)} |" in md
    rows = 0
    for p in result.plans:
        assert f"### Plan {p.id}" in md and f"<h3>Plan {p.id}</h3>" in html
        for s in p.showback:
            per_mtok = f"${s.usd / s.tokens * 1e6:,.2f}"
            hours = f"{s.gpu_hours:,.0f}" if s.gpu_hours is not None else "-"
            assert f"| {s.workload} | {s.option} | {format_usd(s.usd)} | {hours} | {per_mtok} |" in md
            assert (f"<tr><td>{s.workload}</td><td>{s.option}</td><td class=num>{format_usd(s.usd)}</td>"
                    f"<td class=num>{hours}</td><td class=num>{per_mtok}</td>") in html
            rows += 1
    assert rows == sum(len(p.showback) for p in result.plans) >= 4
    for note in result.notes:
        assert f"<li>{note}</li>" in html.replace("&#x27;", "'")


def test_portfolio_report_text_is_escaped():
    """A name with markup stays text: no raw HTML in the page, no broken Markdown table."""
    from llmplace.report.portfolio import render_portfolio

    odd = _example().model_copy(update={"name": "<script>x</script> a|b"})
    assert "<script>" not in render_portfolio(odd, "html")
    assert "\\<script>x\\</script> a\\|b" in render_portfolio(odd, "md")


def test_rest_report_of_a_portfolio_is_its_report_or_a_422_naming_format(tmp_path):
    """POST /api/v1/report with a portfolio answered the compare JSON under HTTP 200 whatever the format asked
    (html, xlsx ...). Now html, md, json and xlsx are the portfolio report `llmplace report` writes; the other
    formats are a 422 naming ``format``."""
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from llmplace.report.portfolio import render_portfolio
    from llmplace.web import create_app

    doc = yaml.safe_load(PORTFOLIO.read_text())
    with TestClient(create_app(f"sqlite:///{tmp_path / 'api.db'}")) as client:
        md = client.post("/api/v1/report?format=md&samples=0", json=doc)
        assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
        assert md.text == render_portfolio(_example(), "md")
        html = client.post("/api/v1/report?format=html&samples=0", json=doc)
        assert html.status_code == 200 and html.text.lstrip().lower().startswith("<!doctype html")
        refused = client.post("/api/v1/report?format=pdf&samples=0", json=doc)
        assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "format"
