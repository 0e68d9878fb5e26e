"""The CLI in a pipeline: a reader that stops early is not an error, the output file's suffix and
--format agree, enum values are read in any case, `catalog list` prints whole ids as TSV when piped,
and help shows no internal sentinel defaults."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from llmplace import catalog
from llmplace.cli.listing import LIST_COLUMNS

from .conftest import EXAMPLES, ROOT
from .test_cli import _one_line_error

EXAMPLE = str(next(p for p in EXAMPLES if p.stem == "internal-assistant-70b"))


@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["table", "json"])
def test_a_reader_that_stops_early_is_not_an_error(extra):
    """`llmplace compare ... | head -1` exited with status 1 (rich's broken-pipe handler) on the table."""
    proc = subprocess.Popen([sys.executable, "-m", "llmplace", "compare", EXAMPLE, "--samples", "0", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away; the command still has most of its output to write
    errors = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, errors
    assert errors == ""


def test_an_output_suffix_that_names_no_format_is_refused(invoke, tmp_path):
    """`report -o out.docx` wrote HTML into out.docx without a word."""
    res = invoke("report", EXAMPLE, "-o", str(tmp_path / "out.docx"), "--samples", "0")
    _one_line_error(res, "--output", "out.docx", ".docx names no report format")
    assert not (tmp_path / "out.docx").exists()


def test_format_and_suffix_must_agree(invoke, tmp_path):
    res = invoke("report", EXAMPLE, "-o", str(tmp_path / "board.pdf"), "--format", "md", "--samples", "0")
    _one_line_error(res, "--output", "board.pdf", "--format md", "says pdf")
    assert not (tmp_path / "board.pdf").exists()


def test_format_given_writes_a_file_whose_suffix_names_none(invoke, tmp_path):
    out = tmp_path / "notes.txt"
    res = invoke("report", EXAMPLE, "-o", str(out), "--format", "MD", "--samples", "0")
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith("# ")


def test_enum_values_are_read_in_any_case(invoke):
    """`--precision FP8` was refused ('allowed: fp16, bf16, fp8, ...')."""
    res = invoke("size", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--precision", "FP8", "--engine", "VLLM",
                 "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["engine"] == "vllm"
    assert invoke("catalog", "list", "GPUS", "--format", "JSON").exit_code == 0


def test_catalog_list_is_tsv_with_whole_ids_when_piped(invoke):
    """rich cut ids at 80 columns ('aws/g6e.12xlarg…'); piped, the list is tab-separated and whole."""
    res = invoke("catalog", "list", "clouds")  # the test runner's stdout is not a terminal
    assert res.exit_code == 0, res.output
    lines = res.stdout.rstrip("\n").split("\n")
    assert lines[0].split("\t") == list(LIST_COLUMNS["clouds"])
    ids = [line.split("\t")[0] for line in lines[1:]]
    assert ids == [r.id for r in catalog.table("clouds")]
    assert max(len(i) for i in ids) > 20
    assert all(len(line.split("\t")) == len(LIST_COLUMNS["clouds"]) for line in lines)


def test_catalog_list_formats(invoke):
    rows = json.loads(invoke("catalog", "list", "gpus", "--format", "json").stdout)
    assert [r["id"] for r in rows] == [r.id for r in catalog.table("gpus")]
    assert "┃" in invoke("catalog", "list", "gpus", "--format", "table").stdout
    _one_line_error(invoke("catalog", "list", "gpus", "--format", "csv"), "--format", "table, tsv, json")


@pytest.mark.parametrize("cmd", ["compare", "report"])
def test_samples_help_shows_no_sentinel(invoke, cmd):
    res = invoke(cmd, "--help")
    assert res.exit_code == 0
    assert "[default: -1]" not in res.output and "10,000" in res.output
