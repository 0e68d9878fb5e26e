"""The option builder's catalog pickers, the bundled examples and the diff of two saved scenarios (REST API and
the pure diff functions). The browser side is in test_web_e2e.py."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from llmplace.diffing import diff_inputs  # noqa: E402
from llmplace.results.scenario_diff import InputChange  # noqa: E402
from llmplace.web import create_app  # noqa: E402
from llmplace.web.app import DEFAULT_DOCUMENT  # noqa: E402

from .conftest import EXAMPLES  # noqa: E402

API = "/api/v1"


@pytest.fixture
def client(tmp_path: Path):
    with TestClient(create_app(f"sqlite:///{tmp_path / 'builder.db'}")) as c:
        yield c


def _pickers(client: TestClient, **params: object) -> dict:
    r = client.get(API + "/catalog/pickers", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_server_pickers_follow_the_models_memory(client: TestClient):
    """Llama 3.1 405B holds 405e9 weights: 810 GB in fp16, 405 GB in fp8 (Meta's model card: 405B parameters).
    One 8x H100 server has 8 x 80 GB = 640 GB, so it holds a replica in fp8 and in fp16 only as two servers
    (16 GPUs, the replica over both); an 8x H200 server (8 x 141 GB = 1,128 GB) holds one in both; a one-L4
    workstation (24 GB), which cannot be grouped with others, in neither."""
    fp16 = _pickers(client, model="llama-3.1-405b", precision="fp16", input_tokens=1000, output_tokens=300)
    fp8 = _pickers(client, model="llama-3.1-405b", precision="fp8", input_tokens=1000, output_tokens=300)
    by16 = {s["id"]: s for s in fp16["servers"]}
    by8 = {s["id"]: s for s in fp8["servers"]}
    assert by8["hgx-h100-8x-oem"]["gpus_per_replica"] == 8 and by16["hgx-h100-8x-oem"]["gpus_per_replica"] == 16
    assert by8["hgx-h200-8x-oem"]["gpus_per_replica"] <= 8 and by16["hgx-h200-8x-oem"]["gpus_per_replica"] == 8
    assert not any(s["gpu"] == "l4" and s["gpu_count"] == 1 for s in fp8["servers"] + fp16["servers"])
    assert all(s["gpus_per_replica"] > s["gpu_count"] for s in fp8["servers"] if s["gpu"] == "l4")
    assert fp16["servers_excluded"] >= fp8["servers_excluded"] > 0
    assert fp16["model"] == "llama-3.1-405b"


def test_instance_pickers_carry_regions_and_priced_plans(client: TestClient):
    """An 8x H100 instance holds a 70B model in fp8 (70 GB of weights in 640 GB); a 1x L4 instance (24 GB) does
    not. Each region lists only the plans the catalog prices there, on-demand always first."""
    c = _pickers(client, model="llama-3.3-70b", precision="fp8", input_tokens=1500, output_tokens=400)
    by_name = {i["instance"]: i for i in c["instances"]}
    assert "aws/p5.48xlarge" in by_name
    assert not any(i["gpu"] == "l4" and i["gpu_count"] == 1 for i in c["instances"])
    p5 = by_name["aws/p5.48xlarge"]
    assert p5["regions"][0]["default"] is True
    for region in p5["regions"]:
        assert region["plans"][0] == "on_demand"
    assert "reserved_1y" in p5["regions"][0]["plans"]  # the page's default scenario compares it
    assert "together" in {a["provider"] for a in c["apis"]}


def test_what_the_builder_offers_the_engine_accepts(client: TestClient):
    """Options written from the pickers (as the page writes them: a server id, provider/type[/region] with a plan
    the region prices, a provider) compare without an input error."""
    c = _pickers(client, model="llama-3.3-70b", precision="fp8", input_tokens=1500, output_tokens=400)
    inst = next(i for i in c["instances"] if len(i["regions"]) > 1)
    region = inst["regions"][1]
    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    doc["options"] = [
        {"kind": "in_house", "id": "a", "server": c["servers"][0]["id"], "hosting": "colocation"},
        {"kind": "cloud", "id": "b", "instance": f"{inst['instance']}/{region['region']}", "plan": region["plans"][-1]},
        {"kind": "api", "id": "c", "provider": c["apis"][0]["provider"]},
    ]
    r = client.post(API + "/compare?samples=0", json=doc)
    assert r.status_code == 200, r.text
    assert [o["id"] for o in r.json()["options"]] == ["a", "b", "c"]


def test_pickers_bad_input_is_one_line_naming_the_field(client: TestClient):
    r = client.get(API + "/catalog/pickers", params={"model": "llama-nope"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "model.name"
    r = client.get(API + "/catalog/pickers", params={"model": "llama-3.3-70b", "precision": "fp3"})
    assert r.status_code == 422


def test_bundled_examples_are_served_as_written(client: TestClient):
    """The examples are package data (so a pip install serves them too) and are served unchanged, the bundled
    portfolios (examples/portfolios/) after the scenarios, so the page can start from one."""
    import tomllib

    from .conftest import ROOT

    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert {"examples/*.yaml", "examples/portfolios/*.yaml"} <= set(package_data["package-data"]["llmplace"])
    bundled = EXAMPLES + sorted((ROOT / "examples" / "portfolios").glob("*.yaml"))
    listing = client.get(API + "/examples").json()
    assert [e["id"] for e in listing] == [p.stem for p in bundled]
    assert "two-teams" in [e["id"] for e in listing]
    for path in bundled:
        doc = client.get(API + f"/examples/{path.stem}").json()
        assert doc == yaml.safe_load(path.read_text(encoding="utf-8"))
    r = client.get(API + "/examples/no-such-example")
    assert r.status_code == 422 and "internal-assistant-70b" in r.json()["detail"][0]["allowed"]


def _change(path: str, a: object, b: object, change: str) -> InputChange:
    return InputChange.model_validate({"path": path, "a": a, "b": b, "change": change})


def test_diff_inputs_matches_options_by_id_and_names_each_change():
    a = {"name": "A", "workload": {"requests_per_month": 100, "peak_to_average": 2},
         "options": [{"kind": "api", "id": "x", "provider": "together"},
                     {"kind": "cloud", "id": "y", "instance": "aws/p5.48xlarge", "plan": "on_demand"}],
         "finance": {"horizon_months": 36}}
    b = {"name": "A", "workload": {"requests_per_month": 200, "peak_to_average": 2.0},
         "options": [{"kind": "cloud", "id": "y", "instance": "aws/p5.48xlarge", "plan": "reserved_1y"},
                     {"kind": "api", "id": "x", "provider": "together"}],
         "site": {"pue": 1.3}}
    assert diff_inputs(a, b) == [
        _change("workload.requests_per_month", 100, 200, "changed"),
        _change("options[y].plan", "on_demand", "reserved_1y", "changed"),
        _change("finance", {"horizon_months": 36}, None, "removed"),
        _change("site", None, {"pue": 1.3}, "added"),
    ]
    assert [c.only_in for c in diff_inputs(a, b)] == [None, None, "a", "b"]
    assert diff_inputs(a, copy.deepcopy(a)) == []
    # lists without ids compare item by item
    assert diff_inputs({"l": [1, 2]}, {"l": [1, 3, 4]}) == [_change("l[1]", 2, 3, "changed"),
                                                           _change("l[2]", None, 4, "added")]


def _save(client: TestClient, *docs: dict) -> list[str]:
    return [client.post(API + "/scenarios", json={"document": d}).json()["id"] for d in docs]


def test_scenario_diff_endpoint_gives_input_changes_and_cost_deltas(client: TestClient):
    """Ten times the requests: each option's upfront, TCO, NPV and $/Mtok change by b minus a as read from the two
    compare documents; the owned servers' upfront grows (more servers), the API's stays 0; the inputs list names
    the two edits; the recommendation and the cheapest option are those of the two compare documents. The
    answer is the model ``llmplace diff --json`` prints (one diff for every front end)."""
    doc_b = copy.deepcopy(DEFAULT_DOCUMENT)
    doc_b["name"] = "Ten times"
    doc_b["workload"]["requests_per_month"] = 17_600_000
    ids = _save(client, DEFAULT_DOCUMENT, doc_b)
    r = client.get(API + "/scenario-diff", params={"a": ids[0], "b": ids[1]})
    assert r.status_code == 200, r.text
    d = r.json()
    assert [c["path"] for c in d["inputs"]] == ["name", "workload.requests_per_month"]
    assert d["error"] is None and d["same_horizon"] and (d["samples_a"], d["samples_b"]) == (0, 0)
    ra, rb = (client.post(API + "/compare?samples=0", json=doc).json() for doc in (DEFAULT_DOCUMENT, doc_b))
    by_a, by_b = ({o["id"]: o for o in r["options"]} for r in (ra, rb))
    assert [o["id"] for o in d["options"]] == list(by_a)
    for o in d["options"]:
        for figure, key in (("upfront_usd", "upfront_delta_usd"), ("tco_usd", "tco_delta_usd"),
                            ("npv_usd", "npv_delta_usd"), ("usd_per_mtok", "usd_per_mtok_delta")):
            delta = o[key]
            # the diff rounds each delta to 1e-6 (a millionth of a dollar), hence the absolute tolerance
            assert delta == pytest.approx(by_b[o["id"]][figure] - by_a[o["id"]][figure], rel=1e-9, abs=1e-6)
    deltas = {o["id"]: o for o in d["options"]}
    assert deltas["own-8xh100"]["upfront_delta_usd"] > 0 and deltas["together"]["upfront_delta_usd"] == 0
    assert (d["recommendation"]["a"], d["recommendation"]["b"]) == (ra["recommendation"]["option"],
                                                                     rb["recommendation"]["option"])
    assert (d["cheapest"]["a"], d["cheapest"]["b"]) == (ra["cheapest"], rb["cheapest"])
    assert client.get(API + "/scenario-diff", params={"a": ids[0], "b": "nope"}).status_code == 404


def test_scenario_diff_compares_inputs_after_defaults(client: TestClient):
    """A horizon written as 36 months in one scenario and left out of the other is the same input: 36 is the
    schema's default (``Finance.horizon_months``), so neither the inputs nor any figure differ. Compared as
    written, the diff listed ``finance`` as added."""
    doc_a = {k: v for k, v in copy.deepcopy(DEFAULT_DOCUMENT).items() if k != "finance"}
    doc_b = {**copy.deepcopy(doc_a), "finance": {"horizon_months": 36}}
    ids = _save(client, doc_a, doc_b)
    d = client.get(API + "/scenario-diff", params={"a": ids[0], "b": ids[1]}).json()
    assert d["inputs"] == [] and d["horizon_months_a"] == d["horizon_months_b"] == 36
    assert {o["tco_delta_usd"] for o in d["options"] if o["a"]["feasible"]} == {0.0}


def test_scenario_diff_of_a_scenario_the_catalog_no_longer_knows_lists_its_inputs_as_written(client: TestClient):
    """A scenario saved under an older catalog may name a server that is gone: its results cannot be computed,
    so the diff gives the inputs as written, says why, and has no option figures and no picks."""
    old = copy.deepcopy(DEFAULT_DOCUMENT)
    old["options"][0]["server"] = "retired-server"
    store = client.app.state.store
    ids = [store.create("Old", old).id, store.create("Now", copy.deepcopy(DEFAULT_DOCUMENT)).id]
    r = client.get(API + "/scenario-diff", params={"a": ids[0], "b": ids[1]})
    assert r.status_code == 200, r.text
    d = r.json()
    assert [(c["path"], c["a"], c["b"]) for c in d["inputs"]] == [
        ("options[own-8xh100].server", "retired-server", "hgx-h100-8x-oem")]
    assert "retired-server" in d["error"] and d["options"] == [] and d["recommendation"]["a"] is None
