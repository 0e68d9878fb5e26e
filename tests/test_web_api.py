"""REST API: same documents as the CLI, error shapes, saved-scenario CRUD, auth, the served page."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

import llmplace  # noqa: E402
from llmplace.conventions import DEFAULT_SAMPLES  # noqa: E402
from llmplace.web import create_app  # noqa: E402

from .conftest import EXAMPLES  # noqa: E402

SMALL = {
    "name": "small api scenario",
    "model": {"name": "llama-3.1-8b", "precision": "fp8"},
    "workload": {"requests_per_month": 100000, "input_tokens_per_request": 500,
                 "output_tokens_per_request": 100},
    "options": [
        {"kind": "api", "id": "cheap-api", "input_usd_per_mtok": 0.1, "output_usd_per_mtok": 0.2},
        {"kind": "api", "id": "dear-api", "input_usd_per_mtok": 1.0, "output_usd_per_mtok": 2.0},
    ],
    "finance": {"horizon_months": 12},
}


@pytest.fixture
def client(tmp_path: Path):
    with TestClient(create_app(f"sqlite:///{tmp_path / 'api.db'}")) as c:
        yield c


def _example(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- compare ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_compare_answers_the_compare_json_document(client: TestClient, path: Path):
    doc = _example(path)
    r = client.post("/api/v1/compare", json=doc)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == llmplace.compare(doc, samples=DEFAULT_SAMPLES).to_dict()  # the CLI's default draws


def test_the_answer_body_is_the_to_dict_document_and_refuses_non_finite_numbers():
    """The compare body is serialised by pydantic's core (``result_json``), not ``json.dumps(to_dict())``: the
    same document parsed back, also when a text holds the letters of a non-finite constant (which sends it
    the exact way), and a non-finite number is still refused as an evaluation error (a 422, never a
    ``NaN`` that a JSON parser rejects): ``json.dumps(..., allow_nan=False)`` refused it before."""
    from llmplace.web.documents import EvaluationError, result_json

    r = llmplace.compare(SMALL, samples=0)
    assert json.loads(result_json(r)) == r.to_dict()
    named = r.model_copy(update={"scenario": "NaN or -Infinity"})
    assert json.loads(result_json(named)) == named.to_dict()
    broken = r.model_copy(update={"options": [r.options[0].model_copy(update={"tco_usd": float("nan")}),
                                              *r.options[1:]]})
    with pytest.raises(EvaluationError, match="non-finite"):
        result_json(broken)


def test_compare_matches_cli_json(client: TestClient, invoke):
    path = EXAMPLES[0]
    res = invoke("compare", str(path), "--json")
    assert res.exit_code == 0, res.output
    assert client.post("/api/v1/compare", json=_example(path)).json() == json.loads(res.stdout)


def test_invalid_fields_are_422_with_each_fields_errors(client: TestClient):
    bad = copy.deepcopy(SMALL)
    bad["workload"]["requests_per_month"] = -5
    bad["model"]["precision"] = "fp7"
    bad["finance"]["horizon_months"] = 0
    r = client.post("/api/v1/compare", json=bad)
    assert r.status_code == 422
    detail = r.json()["detail"]
    by_field = {d["field"]: d for d in detail}
    assert set(by_field) == {"workload.requests_per_month", "model.precision", "finance.horizon_months"}
    assert by_field["workload.requests_per_month"]["value"] == -5
    assert by_field["workload.requests_per_month"]["allowed"] == "a number >= 0"
    assert by_field["workload.requests_per_month"]["loc"] == ["body", "workload", "requests_per_month"]
    assert "fp8" in by_field["model.precision"]["allowed"]
    for d in detail:
        assert set(d) >= {"loc", "msg", "type", "field", "value", "allowed"}


def test_unknown_and_missing_fields_are_named(client: TestClient):
    bad = copy.deepcopy(SMALL)
    bad["workload"]["requests_per_mnth"] = 5
    del bad["model"]
    detail = client.post("/api/v1/compare", json=bad).json()["detail"]
    fields = {d["field"]: d for d in detail}
    assert fields["model"]["type"] == "missing"
    assert fields["workload.requests_per_mnth"]["type"] == "extra_forbidden"
    assert fields["workload.requests_per_mnth"]["value"] == 5


def test_a_bad_hybrid_field_is_reported_once_under_one_name(client: TestClient):
    bad = copy.deepcopy(SMALL)
    bad["options"].append({"kind": "hybrid", "id": "mix", "base": "cheap-api", "overflow": "dear-api",
                           "base_units": -1})
    r = client.post("/api/v1/compare", json=bad)
    assert r.status_code == 422
    detail = r.json()["detail"]
    named = [d for d in detail if "base_units" in d["field"]]
    assert [d["field"] for d in named] == ["options[2].base_units"]
    assert named[0]["value"] == -1


def test_engine_input_errors_are_422_with_the_field(client: TestClient):
    bad = copy.deepcopy(SMALL)
    bad["model"]["name"] = "llama-3.1-8bb"
    bad["options"].append({"kind": "cloud", "id": "rent", "instance": "aws/g6e.xlarge"})
    r = client.post("/api/v1/compare", json=bad)
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == "model.name" and d["value"] == "llama-3.1-8bb"
    assert d["loc"] == ["body", "model", "name"]
    assert "did you mean" in d["msg"] and "llama-3.1-8b" in d["msg"]

    bad = copy.deepcopy(SMALL)
    bad["options"][1] = {"kind": "api", "provider": "togther"}
    (d,) = client.post("/api/v1/compare", json=bad).json()["detail"]
    assert d["field"] == "options[1].provider" and d["loc"] == ["body", "options", 1, "provider"]
    assert "together" in d["allowed"]


@pytest.mark.parametrize("body", [
    b'{"name": NaN}', b'{"workload": {"requests_per_month": Infinity}}', b'{"x": 1e999}',
    b'{"x": ' + b"9" * 5000 + b"}", b'{"model": ', b"\xff\xfe", b"[1, 2]", b'"text"', b"null",
])
def test_malformed_bodies_are_422_never_500(client: TestClient, body: bytes):
    r = client.post("/api/v1/compare", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert isinstance(r.json()["detail"], list) and r.json()["detail"][0]["field"]


def test_documents_may_hold_distributions_like_scenario_files(client: TestClient):
    doc = copy.deepcopy(SMALL)
    doc["workload"]["requests_per_month"] = {"low": 80000, "mode": 100000, "high": 150000}
    doc["uncertainty"] = {"samples": 200, "seed": 3}
    r = client.post("/api/v1/compare", json=doc)
    assert r.status_code == 200, r.text
    assert r.json() == llmplace.compare(doc).to_dict()  # the scenario's own 200 draws
    assert r.json()["risk"]["samples"] == 200
    deterministic = client.post("/api/v1/compare?samples=0", json=doc).json()
    assert deterministic == llmplace.compare(doc, samples=0).to_dict()
    assert deterministic.get("risk") is None
    saved = client.post("/api/v1/scenarios", json={"document": doc}).json()
    assert saved["document"] == doc  # stored as given, distributions included


def test_files_named_in_a_request_are_not_read(client: TestClient, tmp_path: Path):
    trace = tmp_path / "trace.csv"
    trace.write_text("timestamp,tokens\n" + "".join(f"2025-01-01T{h:02d}:00,{1000 + h}\n" for h in range(24)))
    doc = copy.deepcopy(SMALL)
    doc["workload"] = {"trace_csv": str(trace)}
    r = client.post("/api/v1/compare", json=doc)
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == "workload.trace_csv" and "no file over HTTP" in d["allowed"]


def test_a_model_config_named_in_a_request_is_not_read(client: TestClient, tmp_path: Path):
    """model.hf_config names a file like workload.trace_csv does: over HTTP it is refused before anything reads it
    (a request could otherwise make the server open any path it can read), with the field named."""
    config = tmp_path / "config.json"
    config.write_text("{not json")  # were it read, the error would name its content, not the rule
    doc = copy.deepcopy(SMALL)
    doc["model"] = {"name": "my-model", "hf_config": str(config)}
    r = client.post("/api/v1/compare", json=doc)
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == "model.hf_config" and "no file over HTTP" in d["allowed"]


def test_wrong_content_type_is_not_a_server_error(client: TestClient):
    r = client.post("/api/v1/compare", content=b"name: x", headers={"content-type": "text/yaml"})
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == "content-type" and d["value"] == "text/yaml" and d["allowed"] == "application/json"


@pytest.mark.parametrize("headers", [{"origin": "http://evil.example"}, {"origin": "null"},
                                     {"origin": "http://testserver:8080"}, {"sec-fetch-site": "cross-site"}])
def test_cross_origin_writes_are_refused(client: TestClient, headers: dict[str, str]):
    """A page on another origin must not save scenarios or start work (CSRF); the store stays as it was."""
    before = client.get("/api/v1/scenarios").json()
    r = client.post("/api/v1/scenarios", json={"document": SMALL}, headers=headers)
    assert r.status_code == 403
    assert r.json()["detail"][0]["field"] in ("origin", "sec-fetch-site")
    assert client.post("/api/v1/compare", json=SMALL, headers=headers).status_code == 403
    assert client.get("/api/v1/scenarios").json() == before


def test_same_origin_writes_are_accepted(client: TestClient):
    r = client.post("/api/v1/compare", json=SMALL, headers={"origin": "http://testserver",
                                                           "sec-fetch-site": "same-origin"})
    assert r.status_code == 200


def test_oversized_body_is_refused_before_it_is_read(client: TestClient):
    from llmplace.web.access import MAX_BODY_BYTES

    r = client.post("/api/v1/compare", content=b" " * (MAX_BODY_BYTES + 1),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["detail"][0]["field"] == "content-length"



SURROGATE_CASES = [  # (method, path, body): a lone UTF-16 surrogate, escaped as JSON allows, in some string
    ("post", "/api/v1/compare", {**SMALL, "name": "\ud800"}, "name"),
    ("post", "/api/v1/report", {**SMALL, "description": "ok \udfff"}, "description"),
    ("post", "/api/v1/scenario-file", {**SMALL, "model": {**SMALL["model"], "name": "\udc00"}}, "model.name"),
    ("post", "/api/v1/scenarios", {"document": {**SMALL, "name": "\ud800"}}, "document.name"),
    ("post", "/api/v1/scenarios", {"name": "\ud800", "document": SMALL}, "name"),
    ("post", "/api/v1/size", {"model": "\ud800", "gpu": "h100-sxm"}, "model"),
    ("post", "/api/v1/compare", {**SMALL, "options": [{**SMALL["options"][0], "id": "a\udbff"}]}, "options[0].id"),
    ("post", "/api/v1/compare", {**SMALL, "workload": {"\ud800": 1}}, "workload.\\ud800"),
    ("put", "/api/v1/scenarios/{id}", {"document": {**SMALL, "name": "\ud800"}, "version": 1}, "document.name"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), SURROGATE_CASES)
def test_lone_surrogates_are_422_naming_the_field(client: TestClient, method: str, path: str, body: dict,
                                                 field: str):
    saved = client.post("/api/v1/scenarios", json={"document": SMALL}).json()
    raw = json.dumps(body).encode("ascii")  # JSON escapes the surrogate: valid JSON, not valid text
    assert b"\\u" in raw
    r = client.request(method, path.format(id=saved["id"]), content=raw,
                       headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    (d,) = r.json()["detail"]
    assert d["field"] == field and d["type"] == "string_unicode"
    assert "surrogate" in d["msg"] and "\\u" in d["value"]
    listing = client.get("/api/v1/scenarios").json()["scenarios"]
    assert [(s["id"], s["version"]) for s in listing] == [(saved["id"], 1)]  # nothing stored or changed
    ok = json.dumps({**SMALL, "name": "emoji \ud83d\ude00 pairs are fine"}).encode("ascii")
    r = client.post("/api/v1/compare", content=ok, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["scenario"] == "emoji \U0001f600 pairs are fine"


# --- size ------------------------------------------------------------------------------------------------


SIZE_CASES = [
    ({"model": "llama-3.1-8b", "gpu": "h100-sxm"}, ["--model", "llama-3.1-8b", "--gpu", "h100-sxm"]),
    ({"model": "llama-3.1-70b", "gpu": "h100-sxm", "gpus": 8, "precision": "fp8", "engine": "trt-llm",
      "input_tokens": 1000, "output_tokens": 1000, "concurrency": 64, "ttft_ms": 2000, "tpot_ms": 50},
     ["--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--gpus", "8", "--precision", "fp8",
      "--engine", "trt-llm", "--input-tokens", "1000", "--output-tokens", "1000", "--concurrency", "64",
      "--ttft-ms", "2000", "--tpot-ms", "50"]),
    ({"model": "llama-3.1-8b", "gpu": "l40s", "precision": "fp16", "rps": 5, "peak_to_average": 2},
     ["--model", "llama-3.1-8b", "--gpu", "l40s", "--precision", "fp16", "--rps", "5",
      "--peak-to-average", "2"]),
    ({"model": "llama-3.1-70b", "gpu": "h100-sxm", "gpus": 4, "concurrency": 8, "spec_method": "draft",
      "spec_tokens": 5, "spec_acceptance": 0.6, "spec_draft_model": "llama-3.1-8b"},
     ["--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--gpus", "4", "--concurrency", "8", "--spec-method",
      "draft", "--spec-tokens", "5", "--spec-acceptance", "0.6", "--spec-draft-model", "llama-3.1-8b"]),
]


@pytest.mark.parametrize(("body", "argv"), SIZE_CASES)
def test_size_answers_the_size_json_document(client: TestClient, invoke, body: dict, argv: list[str]):
    cli = invoke("size", *argv, "--json")
    assert cli.exit_code == 0, cli.output
    r = client.post("/api/v1/size", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(cli.stdout)


def test_size_bad_input_is_422(client: TestClient):
    r = client.post("/api/v1/size", json={"model": "llama-3.1-8b", "gpu": "h100-sxmm"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "gpu"
    r = client.post("/api/v1/size", json={"model": "llama-3.1-8b", "gpu": "h100-sxm", "precision": "fp7"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "precision"
    r = client.post("/api/v1/size", json={"model": "llama-3.1-8b", "gpu": "h100-sxm", "concurrency": 0})
    assert r.status_code == 422 and r.json()["detail"][0]["field"].startswith("concurrency")
    r = client.post("/api/v1/size", json={"model": "llama-3.1-8b", "gpu": "h100-sxm", "spec_method": "mtp"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "spec_method"
    r = client.post("/api/v1/size", json={"model": "llama-3.1-8b", "gpu": "h100-sxm", "spec_acceptance": 0.5})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "spec_acceptance"


def test_size_over_two_servers_answers_its_layout_and_a_bad_fabric_is_422(client: TestClient):
    r = client.post("/api/v1/size", json={"model": "llama-3.1-405b", "gpu": "h100-sxm", "precision": "bf16",
                                          "gpus": 16, "fabric": "infiniband-ndr", "workload": "batch"})
    assert r.status_code == 200, r.text
    assert r.json()["layout"]["pipeline_stages"] == 2 and r.json()["layout"]["fabric"] == "infiniband-ndr"
    r = client.post("/api/v1/size", json={"model": "llama-3.1-405b", "gpu": "h100-sxm", "gpus": 16,
                                          "fabric": "token-ring"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "fabric"
    r = client.post("/api/v1/size", json={"model": "llama-3.1-8b", "gpu": "h100-sxm", "ep": True})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "ep"


# --- saved scenarios -------------------------------------------------------------------------------------


def test_scenarios_crud(client: TestClient):
    r = client.post("/api/v1/scenarios", json={"document": SMALL})
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["name"] == SMALL["name"] and rec["version"] == 1 and rec["document"] == SMALL
    sid = rec["id"]
    assert client.get(f"/api/v1/scenarios/{sid}").json() == rec
    listing = client.get("/api/v1/scenarios").json()["scenarios"]
    assert [s["id"] for s in listing] == [sid] and "document" not in listing[0]

    changed = copy.deepcopy(SMALL)
    changed["workload"]["requests_per_month"] = 200000
    r = client.put(f"/api/v1/scenarios/{sid}", json={"document": changed, "version": 1, "name": "renamed"})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["name"] == "renamed"
    assert r.json()["document"]["workload"]["requests_per_month"] == 200000

    stale = client.put(f"/api/v1/scenarios/{sid}", json={"document": SMALL, "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert client.get(f"/api/v1/scenarios/{sid}").json()["document"] == r.json()["document"]

    assert client.delete(f"/api/v1/scenarios/{sid}?version=1").status_code == 409
    assert client.delete(f"/api/v1/scenarios/{sid}?version=2").status_code == 204
    assert client.get(f"/api/v1/scenarios/{sid}").status_code == 404
    assert client.put(f"/api/v1/scenarios/{sid}", json={"document": SMALL, "version": 2}).status_code == 404
    assert client.delete(f"/api/v1/scenarios/{sid}").status_code == 404
    assert client.get("/api/v1/scenarios").json() == {"scenarios": []}


def test_saving_an_invalid_scenario_is_422_and_stores_nothing(client: TestClient):
    bad = copy.deepcopy(SMALL)
    bad["options"] = []
    r = client.post("/api/v1/scenarios", json={"document": bad})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "document.options"
    assert client.get("/api/v1/scenarios").json() == {"scenarios": []}
    assert client.put("/api/v1/scenarios/x", json={"document": SMALL}).status_code == 422  # no version


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_saved_examples_compare_like_the_originals(client: TestClient, path: Path):
    doc = _example(path)
    rec = client.post("/api/v1/scenarios", json={"document": doc}).json()
    saved = client.get(f"/api/v1/scenarios/{rec['id']}").json()["document"]
    assert llmplace.compare(saved).to_dict() == llmplace.compare(doc).to_dict()
    f = client.get(f"/api/v1/scenarios/{rec['id']}/file")
    assert f.status_code == 200 and "attachment" in f.headers["content-disposition"]
    assert llmplace.compare(yaml.safe_load(f.text)).to_dict() == llmplace.compare(doc).to_dict()


def test_scenario_file_download(client: TestClient):
    r = client.post("/api/v1/scenario-file?format=yaml", json=SMALL)
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="small-api-scenario.yaml"'
    assert yaml.safe_load(r.text) == SMALL
    assert "requests_per_month: 100000\n" in r.text  # whole numbers stay whole
    r = client.post("/api/v1/scenario-file?format=json", json=SMALL)
    assert json.loads(r.text) == SMALL


# --- report ----------------------------------------------------------------------------------------------


def test_report_formats_and_download_headers(client: TestClient):
    r = client.post("/api/v1/report?format=html&download=true", json=SMALL)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-disposition"] == 'attachment; filename="small-api-scenario-report.html"'
    r = client.post("/api/v1/report?format=md", json=SMALL)
    assert r.headers["content-type"].startswith("text/markdown") and "small api scenario" in r.text
    assert client.post("/api/v1/report?format=pdf", json=SMALL).status_code == 422


def test_report_xlsx_is_a_workbook(client: TestClient):
    import io

    openpyxl = pytest.importorskip("openpyxl")
    r = client.post("/api/v1/report?format=xlsx", json=SMALL)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert r.headers["content-disposition"].endswith('-report.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert len(book.sheetnames) >= 3


def test_report_pptx_is_a_deck_sent_as_an_attachment(client: TestClient):
    """The board deck through the REST API, as the CLI writes it (six slides)."""
    import io

    from pptx import Presentation

    r = client.post("/api/v1/report?format=pptx", json=SMALL)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.presentationml")
    assert r.headers["content-disposition"].endswith('-report.pptx"')
    assert len(Presentation(io.BytesIO(r.content)).slides) == 6


def test_report_is_the_report_modules_output(client: TestClient):
    from llmplace import report

    doc = _example(EXAMPLES[0])
    r = client.post("/api/v1/report?format=md", json=doc)
    assert r.status_code == 200, r.text
    assert r.text == report.render(llmplace.compare(doc, samples=DEFAULT_SAMPLES), "md")  # the CLI's default
    r = client.post("/api/v1/report?format=html", json=doc)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text.lower() and doc["name"] in r.text
    assert not re.search(r"""<script[^>]+src=["']https?://""", r.text)  # self-contained, no CDN



def test_report_runs_monte_carlo_like_the_cli(client: TestClient, invoke, tmp_path: Path):
    def result(text: str) -> dict:
        d = json.loads(text)
        d.pop("report")  # the report's own header names the scenario file, which a request has none of
        return d

    path = EXAMPLES[0]  # lists no uncertain inputs: the CLI samples DEFAULT_SAMPLES times
    cli = invoke("report", str(path), "--format", "json", "-o", "-")
    assert cli.exit_code == 0, cli.output
    r = client.post("/api/v1/report?format=json", json=_example(path))
    assert r.status_code == 200, r.text
    assert result(r.text) == result(cli.stdout)
    assert result(r.text)["risk"]["samples"] == DEFAULT_SAMPLES

    doc = copy.deepcopy(SMALL)  # inline distributions: the scenario's own sample count, as the CLI
    doc["workload"]["requests_per_month"] = {"low": 80000, "mode": 100000, "high": 150000}
    doc["uncertainty"] = {"samples": 300, "seed": 5}
    (tmp_path / "dist.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    cli = invoke("report", str(tmp_path / "dist.yaml"), "--format", "json", "-o", "-")
    assert cli.exit_code == 0, cli.output
    r = client.post("/api/v1/report?format=json", json=doc)
    assert result(r.text) == result(cli.stdout) and result(r.text)["risk"]["samples"] == 300

    none = client.post("/api/v1/report?format=json&samples=0", json=doc)
    assert none.status_code == 200 and result(none.text).get("risk") is None


# --- OpenAPI, page, assets -------------------------------------------------------------------------------


def test_openapi_document(client: TestClient):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for p in ("/api/v1/compare", "/api/v1/size", "/api/v1/report", "/api/v1/scenarios",
              "/api/v1/scenarios/{scenario_id}"):
        assert p in paths, p
    assert set(paths["/api/v1/scenarios/{scenario_id}"]) == {"get", "put", "delete"}
    assert "Scenario" in spec["components"]["schemas"]
    docs = client.get("/docs")  # rendered here from this document: no asset from a CDN
    assert docs.status_code == 200 and "/api/v1/compare" in docs.text
    refs = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert refs and all(not re.match(r"[a-z]+://|//", u) for u in refs), refs


def test_page_is_served_with_local_assets_only(client: TestClient):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert 'data-path="workload.requests_per_month"' in html and 'data-path="options"' in html
    assert 'class="slider"' in html
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(not re.match(r"[a-z]+://|//", u) for u in refs), refs
    assert "default-src 'self'" in r.headers["content-security-policy"]
    initial = re.search(r'<script type="application/json" id="llmplace-initial">(.*?)</script>', html, re.S)
    assert initial and llmplace.compare(json.loads(initial.group(1))).cheapest
    for ref in refs:
        if not ref.startswith("data:"):
            assert client.get("/" + ref).status_code == 200, ref
    js = client.get("/static/app.js").text
    assert not re.search(r"https?://", js)


def test_charting_library_is_served_locally_and_compressed(client: TestClient):
    pytest.importorskip("plotly")
    r = client.get("/assets/plotly.min.js", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert "plotly" in r.text[:2000].lower() and len(r.content) > 1_000_000


def test_form_sections_follow_the_schema():
    from llmplace.scenario import Scenario
    from llmplace.web.form import form_sections

    schema = Scenario.model_json_schema()
    sections = {s.key: s for s in form_sections(schema)}
    for key, node in schema["properties"].items():
        if "$ref" in node or node.get("type") in ("array", "object"):
            assert key in sections, key
    fields = {f.path: f for s in sections.values() for f in s.fields}
    assert fields["workload.growth_pct_per_month"].slider
    assert fields["model.precision"].kind == "select" and "fp8" in fields["model.precision"].choices
    assert fields["workload.requests_per_month"].kind == "number"
    assert fields["options"].kind == "json"
    # the profile is a catalog name: a list to pick from (it was a free-text box)
    from llmplace.catalog.criteria_data import profiles

    assert fields["criteria.profile"].kind == "select" and fields["criteria.profile"].choices == list(profiles())
    assert {"startup", "mid_size_saas", "regulated_enterprise"} <= set(fields["criteria.profile"].choices)


@pytest.mark.parametrize("key,label", [
    ("api_price_change_pct_per_year", "API price change (% per year)"), ("ttft_ms", "TTFT (ms)"),
    ("requests_per_month", "requests per month"), ("electricity_usd_per_kwh", "electricity (USD per kWh)"),
    ("colocation_usd_per_kw_month", "colocation (USD per kW month)"), ("lead_time_weeks", "lead time (weeks)"),
    ("staff_variable_fte_at_8_gpus", "staff variable (FTE at 8 GPUs)")])
def test_form_labels_read_as_words_with_units(key, label):
    """The page showed raw keys (api_price_change_pct_per_year); the label now reads as words with the unit in
    brackets, while the field keeps its path (data-path) for the scenario document."""
    from llmplace.web.form import human_label

    assert human_label(key) == label


# --- access control --------------------------------------------------------------------------------------

TOKEN = "s3cret-token-0123456789"


def test_token_protects_pages_and_api(tmp_path: Path):
    with TestClient(create_app(f"sqlite:///{tmp_path / 't.db'}", token=TOKEN)) as c:
        assert c.get("/").status_code == 401
        assert c.get("/api/v1/scenarios").status_code == 401
        assert c.get("/api/v1/openapi.json").status_code == 401
        assert c.get("/api/v1/scenarios", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/v1/scenarios", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert c.get("/static/app.css").status_code == 200  # static assets hold no data
        r = c.get(f"/?token={TOKEN}&id=abc")
        assert r.status_code == 200 and str(r.url).endswith("/?id=abc")  # the token left the address
        (login,) = r.history
        assert login.status_code == 303 and "HttpOnly" in login.headers["set-cookie"]
        assert TOKEN not in login.headers["location"]
        assert c.get("/api/v1/scenarios").status_code == 200  # the page's cookie now passes
        c.cookies.clear()
        assert c.get("/api/v1/scenarios").status_code == 401


def test_host_header_is_checked_when_bound_to_loopback(tmp_path: Path):
    app = create_app(f"sqlite:///{tmp_path / 'h.db'}", allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/v1/scenarios").status_code == 200
        assert c.get("/api/v1/scenarios", headers={"host": "attacker.example"}).status_code == 400



def test_tokens_must_be_url_and_cookie_safe(tmp_path: Path, invoke, monkeypatch: pytest.MonkeyPatch):
    import uvicorn

    from llmplace.errors import InputError
    from llmplace.web.access import check_bind

    monkeypatch.delenv("LLMPLACE_TOKEN", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not start"))
    for bad in ("has;semicolon-0123456789", "has space 0123456789", "has,comma-0123456789",
                "caf\u00e9-token-0123456789", "euro\u20ac-token-0123456789", "quote\"token-0123456789"):
        with pytest.raises(InputError, match="A-Z a-z 0-9"):
            check_bind("0.0.0.0", 8000, True, bad)
        with pytest.raises(InputError):
            create_app("sqlite://", token=bad)
        r = invoke("serve", "--host", "0.0.0.0", "--allow-remote", "--token", bad)
        assert r.exit_code == 2 and "--token" in r.output and len(r.output.strip().splitlines()) == 1, r.output
        assert bad not in r.output  # the token is never echoed

    token = "Az09._~-Az09._~-xyz"  # every allowed kind of character
    check_bind("0.0.0.0", 8000, True, token)
    with TestClient(create_app(f"sqlite:///{tmp_path / 'ok.db'}", token=token)) as c:
        r = c.get(f"/?token={token}")
        assert r.status_code == 200
        assert r.history[0].headers["set-cookie"].startswith(f"llmplace_token={token};")
        assert c.get("/").status_code == 200 and c.get("/api/v1/scenarios").status_code == 200  # by cookie


@pytest.mark.parametrize("value", ["%ff", "%ED%A0%80", "%C0%80", "t%E2%82%AC", "a;b", "%00", "%", "%%%",
                                   "\u00e9", "x" * 5000, TOKEN[:-1] + "%ff"])
def test_bad_token_values_are_401_never_500(tmp_path: Path, value: str):
    with TestClient(create_app(f"sqlite:///{tmp_path / 'q.db'}", token=TOKEN),
                    raise_server_exceptions=False) as c:
        assert c.get(f"/?token={value}").status_code == 401
        assert c.get("/api/v1/scenarios", params={"token": value}).status_code == 401
        assert c.get("/", headers={"cookie": f"llmplace_token={value}".encode()}).status_code == 401
        assert c.get("/", headers={"authorization": f"Bearer {value}".encode()}).status_code == 401


# --- speed -----------------------------------------------------------------------------------------------


# --- serve command ---------------------------------------------------------------------------------------


def test_serve_refuses_remote_hosts_without_flag_and_token(invoke, monkeypatch: pytest.MonkeyPatch):
    import uvicorn

    monkeypatch.delenv("LLMPLACE_TOKEN", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not start"))
    r = invoke("serve", "--host", "0.0.0.0")
    assert r.exit_code == 2 and "--allow-remote" in r.output
    r = invoke("serve", "--host", "0.0.0.0", "--allow-remote")
    assert r.exit_code == 2 and "--token" in r.output
    r = invoke("serve", "--host", "0.0.0.0", "--allow-remote", "--token", "short")
    assert r.exit_code == 2 and "16 characters" in r.output
    r = invoke("serve", "--port", "70000")
    assert r.exit_code == 2 and "--port" in r.output


def test_serve_starts_uvicorn_with_the_checked_settings(invoke, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path):
    import uvicorn

    seen: dict = {}

    def fake_run(app, **kwargs):
        seen.update(kwargs, app=app)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("LLMPLACE_TOKEN", TOKEN)
    r = invoke("serve", "--host", "0.0.0.0", "--port", "8123", "--allow-remote",
               "--db", str(tmp_path / "s.db"))
    assert r.exit_code == 0, r.output
    assert seen["host"] == "0.0.0.0" and seen["port"] == 8123
    assert (tmp_path / "s.db").exists()
    with TestClient(seen["app"]) as c:
        assert c.get("/api/v1/scenarios").status_code == 401
        assert c.get("/api/v1/scenarios", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
