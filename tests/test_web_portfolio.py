"""Portfolios in the web app's REST routes: saved, downloaded and listed among the examples like a scenario."""

from __future__ import annotations

import copy

import pytest
import yaml

from .conftest import ROOT

PORTFOLIO = ROOT / "examples" / "portfolios" / "two-teams.yaml"
API = "/api/v1"


@pytest.fixture
def client(tmp_path):
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    with TestClient(create_app(f"sqlite:///{tmp_path / 'web.db'}")) as c:
        yield c


def test_a_portfolio_is_saved_read_back_and_downloaded_as_written(client):
    """The page's Save and Download YAML send the document as the form holds it; for a portfolio that was a 422
    (it has workloads, not workload). Now it is stored under its name and written back unchanged; a bad workload
    field is still a 422 naming it."""
    doc = yaml.safe_load(PORTFOLIO.read_text())
    saved = client.post(API + "/scenarios", json={"document": doc})
    assert saved.status_code == 201, saved.text
    assert saved.json()["name"] == "Two teams, one platform"
    again = client.get(API + f"/scenarios/{saved.json()['id']}").json()
    assert again["document"] == doc
    changed = copy.deepcopy(doc)
    changed["finance"]["horizon_months"] = 48
    put = client.put(API + f"/scenarios/{saved.json()['id']}", json={"document": changed, "version": 1})
    assert put.status_code == 200 and put.json()["version"] == 2
    file = client.post(API + "/scenario-file?format=yaml", json=doc)
    assert file.status_code == 200 and yaml.safe_load(file.text) == doc
    bad = copy.deepcopy(doc)
    bad["workloads"][1]["workload"]["peak_to_average"] = 0.5
    refused = client.post(API + "/scenarios", json={"document": bad})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "document.workloads[1].workload.peak_to_average"


def test_the_api_documents_the_portfolio_result_with_its_ranges_and_sources(client):
    """The OpenAPI document describes a portfolio's answer field by field, the Monte Carlo keys (present only with
    samples) and the sources included; a result model whose JSON drops absent keys through a custom serializer
    is documented as an empty schema, so these models drop them in to_dict instead."""
    schemas = client.get(API + "/openapi.json").json()["components"]["schemas"]
    result = schemas["PortfolioResult"]["properties"]
    assert {"plans", "workloads", "uncertainty", "catalog_rows", "assumptions"} <= set(result)
    plan = schemas["PortfolioPlan"]
    assert {"tco_range_usd", "probability_cheapest"} <= set(plan["properties"])
    assert "tco_range_usd" not in plan.get("required", [])


def test_a_bad_model_in_a_workload_is_reported_at_its_workload(client, tmp_path):
    """An unknown model that workload 1 (public-chat) gives itself is written at workloads[1].model.name in the
    file, so the REST 422 must point there (loc body.workloads.1.model.name) and the CLI must name that field (the
    defect pointed at body.model.name, the file's own model, which was valid). A bad file-level model, inherited
    by every workload, stays at model.name."""
    from typer.testing import CliRunner

    from llmplace.cli import app

    doc = yaml.safe_load(PORTFOLIO.read_text())
    doc["workloads"][1]["model"] = {"name": "llama-9000"}
    detail = client.post(API + "/compare", json=doc).json()["detail"][0]
    assert detail["loc"] == ["body", "workloads", 1, "model", "name"]
    assert detail["field"] == "workloads[1].model.name"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    res = CliRunner().invoke(app, ["compare", str(path)])
    assert res.exit_code == 2 and "workloads[1].model.name: got 'llama-9000'" in res.output
    top = yaml.safe_load(PORTFOLIO.read_text())
    top["model"]["name"] = "llama-9000"
    assert client.post(API + "/compare", json=top).json()["detail"][0]["loc"] == ["body", "model", "name"]
