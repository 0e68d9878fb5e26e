"""`llmplace report` and `llmplace init` in process: help, success paths, bad input (exit 2, one line),
and the content of the Markdown, JSON and workbook reports."""

from __future__ import annotations

import io
import json
import shutil
import time

import pytest
import yaml
from openpyxl import load_workbook

from llmplace import parse_scenario
from llmplace.conventions import DEFAULT_SAMPLES
from llmplace.report.xlsx import SHEETS

from .conftest import EXAMPLES
from .test_cli import _one_line_error

EXAMPLE = str(next(p for p in EXAMPLES if p.stem == "internal-assistant-70b"))


@pytest.mark.parametrize(
    "cmd",
    [
        ["report"],
        ["init"],
        ["compare"],
        ["size"],
        ["schema"],
        ["catalog"],
        ["catalog", "list"],
        ["catalog", "show"],
    ],
)
def test_help_has_examples(invoke, cmd):
    res = invoke(*cmd, "--help")
    assert res.exit_code == 0, res.output
    assert "Usage" in res.output and "Example" in res.output
    assert f"llmplace {' '.join(cmd)}" in res.output


def test_top_level_help_lists_report_and_init(invoke):
    res = invoke("--help")
    assert res.exit_code == 0
    assert "report" in res.output and "init" in res.output


# ---------------------------------------------------------------- report: bad input


def test_report_unknown_format(invoke, tmp_path):
    _one_line_error(
        invoke("report", EXAMPLE, "--format", "docx", "-o", str(tmp_path / "r.docx")),
        "--format",
        "docx",
        "html, md, json, xlsx, pdf",
    )


def test_report_output_folder_missing(invoke, tmp_path):
    _one_line_error(
        invoke("report", EXAMPLE, "-o", str(tmp_path / "no" / "such" / "r.html")),
        "--output",
        "existing folder",
    )


def test_report_output_is_a_folder(invoke, tmp_path):
    _one_line_error(invoke("report", EXAMPLE, "-o", str(tmp_path)), "--output", "not a folder")


def test_report_output_under_a_file(invoke, tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    _one_line_error(invoke("report", EXAMPLE, "-o", str(f / "r.html")), "--output")


def test_report_bad_samples(invoke, tmp_path):
    _one_line_error(
        invoke("report", EXAMPLE, "--samples", "5", "-o", str(tmp_path / "r.html")), "--samples", "5"
    )


def test_report_runs_monte_carlo_by_default(invoke, tmp_path):
    out = tmp_path / "r.json"
    res = invoke("report", EXAMPLE, "-o", str(out), "--seed", "7")
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["risk"]["samples"] == DEFAULT_SAMPLES and data["risk"]["seed"] == 7
    rep = data["report"]
    assert rep["risk"]["computed"] and rep["sensitivity"]["tornado"]["computed"]
    titles = [t["title"] for t in rep["risk"]["tables"]]
    assert "Total cost over the horizon by option (cash view)" in titles
    again = tmp_path / "again.json"
    assert invoke("report", EXAMPLE, "-o", str(again), "--seed", "7").exit_code == 0
    assert json.loads(again.read_text())["risk"] == data["risk"]  # the seed makes it repeatable


def test_report_binary_format_to_stdout(invoke):
    _one_line_error(invoke("report", EXAMPLE, "--format", "xlsx", "-o", "-"), "--output", "binary")


def test_report_missing_scenario(invoke, tmp_path):
    _one_line_error(
        invoke("report", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "r.html")),
        "scenario file",
        "nope.yaml",
    )


def test_report_bad_scenario(invoke, tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("model: {name: llama-3.1-8b}\nworkload: {requests_per_month: lots}\noptions: []\n")
    _one_line_error(invoke("report", str(p), "-o", str(tmp_path / "r.html")), "workload.requests_per_month")
    assert not (tmp_path / "r.html").exists()


def test_report_will_not_overwrite_the_scenario(invoke, tmp_path):
    p = tmp_path / "s.html"
    shutil.copy(EXAMPLE, p)
    _one_line_error(invoke("report", str(p), "-o", str(p)), "--output", "scenario file")


def test_pdf_without_chromium_is_bad_input(invoke, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMPLACE_CHROMIUM", str(tmp_path / "no-browser"))
    _one_line_error(invoke("report", EXAMPLE, "-o", str(tmp_path / "r.pdf")), "pdf", "Chromium")
    assert not (tmp_path / "r.pdf").exists()


# ---------------------------------------------------------------- report: formats


def test_report_json_is_compare_plus_sections(invoke, tmp_path):
    cmp = invoke("compare", EXAMPLE, "--json", "--samples", "0")
    rep = invoke("report", EXAMPLE, "-o", str(tmp_path / "r.json"), "--json", "--samples", "0")
    assert cmp.exit_code == 0 and rep.exit_code == 0, rep.output
    written = json.loads(rep.stdout)  # --json describes the file, and nothing else is on stdout
    assert written["format"] == "json" and written["bytes"] == (tmp_path / "r.json").stat().st_size
    data = json.loads((tmp_path / "r.json").read_text())
    sections = data.pop("report")
    assert data == json.loads(cmp.stdout)
    assert sections["summary"]["cheapest"] == data["cheapest"]
    assert sections["scenario_file"] == "internal-assistant-70b.yaml"


def test_report_markdown_to_stdout(invoke):
    res = invoke("report", EXAMPLE, "--format", "md", "-o", "-", "--samples", "0")
    assert res.exit_code == 0, res.output
    md = res.stdout
    cmp = json.loads(invoke("compare", EXAMPLE, "--json").stdout)
    assert md.startswith("# " + cmp["scenario"])
    for heading in (
        "## Executive summary",
        "## Cost over time",
        "## Monthly cost",
        "## Hybrid split",
        "## Uncertainty",
        "## Sensitivity",
        "## Criteria beyond cost",
        "## Sizing",
        "## Assumptions and sources",
        "### Break-even months",
        "### Catalog rows used",
    ):
        assert heading in md, heading
    cheapest = next(o for o in cmp["options"] if o["id"] == cmp["cheapest"])
    assert f"${cheapest['tco_usd']:,.0f}" in md
    for a in cmp["assumptions"]:
        assert a["name"] in md and a["as_of"] in md
    assert "Not computed for this scenario." in md  # no Monte Carlo asked for: no ranges, no tornado


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_report_workbook(invoke, tmp_path, path):
    out = tmp_path / "r.xlsx"
    res = invoke("report", str(path), "-o", str(out))
    assert res.exit_code == 0, res.output
    cmp = json.loads(invoke("compare", str(path), "--json").stdout)
    wb = load_workbook(out)
    assert set(SHEETS) <= set(wb.sheetnames)
    ws = wb["Cash flows"]
    rows = list(ws.iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    assert head[0] == "option id" and head[1] == "month" and head[-1] == "total [USD]"
    totals = {r[0] for r in body if r[1] == "TCO"}  # one TCO row of formulas per option, after its months
    assert totals == {o["id"] for o in cmp["options"] if o["feasible"]}
    body = [r for r in body if r[1] != "TCO"]
    for o in cmp["options"]:
        mine = [r for r in body if r[0] == o["id"]]
        if not o["feasible"]:
            assert mine == []
            continue
        assert [r[1] for r in mine] == list(range(1, cmp["horizon_months"] + 1))
        assert sum(r[-1] for r in mine) == pytest.approx(o["tco_usd"], rel=1e-9)
        for r in mine:  # categories add up to the month's total
            assert sum(v for v in r[2:-1] if v is not None) == pytest.approx(r[-1], rel=1e-9, abs=1e-6)
    assumptions = list(wb["Assumptions"].iter_rows(values_only=True))
    assert assumptions[0] == ("applies to", "name", "value", "unit", "as of", "source")
    names = {r[1] for r in assumptions[1:]}
    assert {a["name"] for a in cmp["assumptions"]} <= names
    assert all(r[5] for r in assumptions[1:])  # every assumption has a source
    sizing = list(wb["Sizing"].iter_rows(values_only=True))
    assert len(sizing) - 1 == sum(1 for o in cmp["options"] if o["kind"] != "api")


def test_report_default_path_and_html(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = invoke("report", EXAMPLE)
    assert res.exit_code == 0, res.output
    out = tmp_path / "internal-assistant-70b-report.html"
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count('<script type="text/javascript">') == 1  # plotly.js embedded once
    assert "cdn.plot.ly" not in html.split('<script type="text/javascript">')[0]
    assert "@media print" in html
    assert 'src="http' not in html and "<link " not in html  # nothing to fetch


@pytest.mark.skipif(shutil.which("chromium") is None, reason="pdf needs Chromium; the CI script installs it")
def test_report_pdf(invoke, tmp_path):
    out = tmp_path / "r.pdf"
    res = invoke("report", EXAMPLE, "-o", str(out))
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000


def test_spinner_stays_off_stdout_and_off_non_terminals(monkeypatch):
    from rich.console import Console

    from llmplace import cli

    buf = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=buf, force_terminal=True))
    with cli._Working("quick job", delay_s=5.0):
        pass
    assert buf.getvalue() == ""  # under the delay: nothing shown
    with cli._Working("slow job", delay_s=0.05):
        time.sleep(0.4)
    assert "slow job" in buf.getvalue()
    buf2 = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=buf2, force_terminal=False))
    with cli._Working("slow job", delay_s=0.0):
        time.sleep(0.1)
    assert buf2.getvalue() == ""


# ---------------------------------------------------------------- init


def test_init_writes_a_scenario_that_compares(invoke, tmp_path):
    p = tmp_path / "scenario.yaml"
    res = invoke("init", str(p))
    assert res.exit_code == 0, res.output
    text = p.read_text()
    assert text.count("#") > 20  # commented
    s = parse_scenario(yaml.safe_load(text))
    assert {o.kind for o in s.options} == {"in_house", "cloud", "api"}
    res = invoke("compare", str(p), "--json")
    assert res.exit_code == 0, res.output
    assert all(o["feasible"] for o in json.loads(res.stdout)["options"])


def test_init_refuses_to_overwrite(invoke, tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text("keep me\n")
    _one_line_error(invoke("init", str(p)), "mine.yaml", "file exists", "--force")
    assert p.read_text() == "keep me\n"
    res = invoke("init", str(p), "--force")
    assert res.exit_code == 0, res.output
    assert "keep me" not in p.read_text()


def test_init_bad_model_and_folder(invoke, tmp_path):
    _one_line_error(
        invoke("init", str(tmp_path / "s.yaml"), "--model", "lama-3.1-8b"), "--model", "did you mean"
    )
    _one_line_error(invoke("init", str(tmp_path / "missing" / "s.yaml")), "PATH", "existing folder")


def test_init_interactive(runner, tmp_path):
    from llmplace.cli import app

    p = tmp_path / "asked.yaml"
    res = runner.invoke(
        app, ["init", str(p), "--interactive"], input="llama-3.1-8b\n2000000\n500\n200\n242\n"
    )
    assert res.exit_code == 0, res.output
    s = parse_scenario(yaml.safe_load(p.read_text()))
    assert s.model.name == "llama-3.1-8b"
    assert s.workload.requests_per_month == 2_000_000
    assert s.workload.input_tokens_per_request == 500 and s.workload.output_tokens_per_request == 200
    assert s.workload.active_hours_per_month == 242


def test_init_interactive_bad_answers(runner, tmp_path):
    from llmplace.cli import app

    p = tmp_path / "asked.yaml"
    res = runner.invoke(app, ["init", str(p), "-i"], input="no-such-model\n")
    _one_line_error(res, "model", "no-such-model")
    res = runner.invoke(app, ["init", str(p), "-i"], input="llama-3.1-8b\n1000\n500\n200\n900\n")
    _one_line_error(res, "hours a month", "900")
    assert not p.exists()


def test_report_internal_error_is_one_line_exit_1(invoke, tmp_path, monkeypatch):
    import llmplace.report

    def boom(*args, **kwargs):
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(llmplace.report, "render", boom)
    res = invoke("report", EXAMPLE, "--samples", "0", "-o", str(tmp_path / "r.html"))
    assert res.exit_code == 1
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert lines == ["internal error: RuntimeError: renderer broke"]
    assert "Traceback" not in res.output and not (tmp_path / "r.html").exists()
