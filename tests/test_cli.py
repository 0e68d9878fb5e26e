"""The command line, in process: help, success paths and every bad-input path (exit 2, one line)."""

from __future__ import annotations

import json

import pytest
import yaml

from .conftest import EXAMPLES


def _one_line_error(res, *needles: str) -> None:
    assert res.exit_code == 2, (res.exit_code, res.output)
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.mark.parametrize("cmd", [[], ["compare"], ["size"], ["catalog"], ["catalog", "list"], ["schema"], ["diff"]])
def test_help_on_every_command(invoke, cmd):
    res = invoke(*cmd, "--help")
    assert res.exit_code == 0
    assert "Usage" in res.output


def test_version(invoke):
    import llmplace

    res = invoke("--version")
    assert res.exit_code == 0 and llmplace.__version__ in res.output


def test_schema_is_json_schema(invoke):
    res = invoke("schema")
    assert res.exit_code == 0
    schema = json.loads(res.stdout)
    assert schema["title"] == "llmplace scenario"
    assert {"model", "workload", "options"} <= set(schema["properties"])


def test_missing_file(invoke, tmp_path):
    _one_line_error(invoke("compare", str(tmp_path / "nope.yaml")), "scenario file", "nope.yaml")


def test_invalid_yaml(invoke, tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("model: [unclosed\n")
    _one_line_error(invoke("compare", str(p)), "scenario file", "valid YAML or JSON", "line")


def _write(tmp_path, text: str):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return str(p)


BASE = """
model: {name: llama-3.1-8b, precision: fp8}
workload: {requests_per_month: 1000000, input_tokens_per_request: 500, output_tokens_per_request: 100}
options:
  - {kind: api, provider: together}
"""


def test_wrong_type(invoke, tmp_path):
    text = BASE.replace("requests_per_month: 1000000", "requests_per_month: lots")
    _one_line_error(invoke("compare", _write(tmp_path, text)), "workload.requests_per_month", "lots")


def test_negative_price(invoke, tmp_path):
    text = BASE.replace("{kind: api, provider: together}",
                        "{kind: cloud, gpu: l4, gpu_count: 1, usd_per_hour: -2}")
    _one_line_error(invoke("compare", _write(tmp_path, text)), "options[0].usd_per_hour", "-2")


def test_unknown_model_suggests(invoke, tmp_path):
    text = BASE.replace("llama-3.1-8b", "llama-3.1-8")
    res = invoke("compare", _write(tmp_path, text))
    _one_line_error(res, "model.name", "llama-3.1-8", "did you mean")


def test_unknown_gpu(invoke, tmp_path):
    text = BASE.replace("{kind: api, provider: together}",
                        "{kind: cloud, gpu: h1000, gpu_count: 1, usd_per_hour: 2, throughput_tokens_per_s: 100}")
    _one_line_error(invoke("compare", _write(tmp_path, text)), "options[0].gpu", "h1000")


def test_unknown_provider(invoke, tmp_path):
    text = BASE.replace("provider: together", "provider: nosuchcloud")
    _one_line_error(invoke("compare", _write(tmp_path, text)), "options[0].provider", "nosuchcloud")


def test_unknown_field(invoke, tmp_path):
    text = BASE + "colour: blue\n"
    _one_line_error(invoke("compare", _write(tmp_path, text)), "colour", "unknown field")


def test_option_that_cannot_serve_is_reported_not_crashed(invoke, tmp_path):
    # 405B in fp16 (~810 GB of weights) cannot fit one 1x L4 instance: infeasible with a reason.
    text = """
model: {name: llama-3.1-405b, precision: fp16}
workload: {requests_per_month: 1000, input_tokens_per_request: 500, output_tokens_per_request: 100}
options:
  - {kind: cloud, id: tiny, instance: aws/g6.xlarge}
  - {kind: api, id: api, input_usd_per_mtok: 1, output_usd_per_mtok: 2}
"""
    res = invoke("compare", _write(tmp_path, text), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    tiny = next(o for o in data["options"] if o["id"] == "tiny")
    assert tiny["feasible"] is False and "fit" in tiny["infeasible_reason"]
    assert data["cheapest"] == "api"


def test_no_option_can_serve_is_bad_input(invoke, tmp_path):
    text = """
model: {name: llama-3.1-8b, precision: fp8}
workload: {requests_per_month: 1000000000, input_tokens_per_request: 500, output_tokens_per_request: 500}
options:
  - {kind: in_house, id: one, gpu: l4, gpu_count: 1, purchase_usd: 3000, servers: 1, throughput_tokens_per_s: 10}
"""
    res = invoke("compare", _write(tmp_path, text), "--json")
    assert res.exit_code == 0
    one = json.loads(res.stdout)["options"][0]
    assert one["feasible"] is False and "unserved" in one["infeasible_reason"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_compare_json_document(invoke, path):
    res = invoke("compare", str(path), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["convention"]["hours_per_month"] == 730
    assert data["convention"]["currency"] == "USD" and data["convention"]["view"] == "cash"
    horizon = yaml.safe_load(path.read_text())["finance"]["horizon_months"]  # as the example file says
    assert data["horizon_months"] == horizon
    keys = {"id", "kind", "label", "feasible", "infeasible_reason", "upfront_usd", "tco_usd", "npv_usd",
            "usd_per_mtok", "monthly_usd", "cumulative_usd", "by_category_usd"}
    kinds = set()
    for o in data["options"]:
        assert keys <= set(o), keys - set(o)
        assert o["kind"] in {"in_house", "cloud", "api", "hybrid"}
        kinds.add(o["kind"])
        if o["feasible"]:
            assert len(o["monthly_usd"]) == horizon and len(o["cumulative_usd"]) == horizon
            assert o["cumulative_usd"][-1] == pytest.approx(o["tco_usd"], rel=1e-9)
            assert sum(o["by_category_usd"].values()) == pytest.approx(o["tco_usd"], rel=1e-9)
    assert {"in_house", "cloud", "api"} <= kinds
    feasible = [o for o in data["options"] if o["feasible"]]
    assert data["cheapest"] == min(feasible, key=lambda o: o["tco_usd"])["id"]
    assert all({"a", "b", "month"} <= set(b) for b in data["break_even"])
    assert {b["view"] for b in data["break_even"]} == {"cash", "amortised"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_table(invoke, path):
    res = invoke("compare", str(path))
    assert res.exit_code == 0, res.output
    assert "Cheapest over the horizon" in res.output


@pytest.mark.parametrize("kind", ["gpus", "models", "servers", "clouds", "apis"])
def test_catalog_list(invoke, kind):
    res = invoke("catalog", "list", kind, "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows and all(r["as_of"] and r["source"] for r in rows)


def test_catalog_list_unknown_kind(invoke):
    _one_line_error(invoke("catalog", "list", "gpu"), "kind", "gpus")


def test_catalog_show_alias_and_unknown(invoke):
    res = invoke("catalog", "show", "H100 SXM5 80GB", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["id"] == "h100-sxm"
    _one_line_error(invoke("catalog", "show", "h100-sxmm"), "h100-sxmm", "did you mean")


def test_size_json_contract(invoke):
    res = invoke("size", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--gpus", "8", "--precision", "fp8",
                 "--engine", "trt-llm", "--input-tokens", "1000", "--output-tokens", "1000", "--concurrency", "max",
                 "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for key in ("model", "gpu", "gpus", "precision", "engine", "fits", "weights_gib", "kv_gib_per_sequence",
                "max_concurrency", "concurrency", "ttft_ms", "tpot_ms", "e2e_latency_s", "output_tokens_per_s",
                "output_tokens_per_s_per_gpu", "replicas_needed"):
        assert key in data, key
    assert data["fits"] is True and data["gpus"] == 8
    assert data["output_tokens_per_s_per_gpu"] == pytest.approx(data["output_tokens_per_s"] / 8, rel=1e-6)


def test_size_does_not_fit_is_an_answer(invoke):
    res = invoke("size", "--model", "llama-3.1-405b", "--gpu", "l4", "--gpus", "1", "--precision", "fp16", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["fits"] is False and data["reason"]


@pytest.mark.parametrize("args,field", [
    (["--precision", "fp3"], "--precision"),
    (["--engine", "llama.cpp"], "--engine"),
    (["--concurrency", "many"], "--concurrency"),
    (["--input-tokens", "0"], "--input-tokens"),
    (["--spec-method", "warp"], "--spec-method"),
    (["--spec-method", "mtp"], "--spec-method"),  # llama-3.1-8b ships no MTP layer
    (["--spec-method", "eagle", "--spec-acceptance", "1.5"], "--spec-acceptance"),
    (["--spec-tokens", "3"], "--spec-tokens"),  # without a method
    (["--spec-method", "draft"], "--spec-draft-model"),
    (["--spec-method", "draft", "--spec-draft-model", "lama-3.2-1b"], "--spec-draft-model"),
])
def test_size_bad_input(invoke, args, field):
    res = invoke("size", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", *args)
    _one_line_error(res, field)


def test_size_unknown_model(invoke):
    _one_line_error(invoke("size", "--model", "lama-3.1-8b", "--gpu", "h100"), "--model", "did you mean")


def test_compare_prints_without_the_report_modules() -> None:
    """The `compare` table needs the report's summary only: the other sections' modules (charts, plotly) are
    imported when a report is made, not for the table (they cost about a tenth of the command's start-up).
    Nor are the models and tables of the full report (``report.model``, ``report.tables``: about 20 ms of CPU,
    some 3 % of the command's start-up); the summary's own models are in ``report.summary_model``."""
    import subprocess
    import sys

    code = ("import sys; from llmplace.cli import app; from typer.testing import CliRunner; "
            f"r = CliRunner().invoke(app, ['compare', {str(EXAMPLES[0])!r}, '--samples', '0']); "
            "assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m == 'plotly' or m.startswith('llmplace.report.content') "
            "or m in ('llmplace.report.model', 'llmplace.report.tables')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
