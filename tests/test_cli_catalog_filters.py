"""`catalog list` filters (--gpu, --provider, --region, --model; any case; unknown values one line with the
nearest names) and shell completion (typer's --show-completion; catalog ids completed for --gpu).

Expected rows are read straight from the bundled CSV files with the csv module, not through the
catalog code under test.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import llmplace
from llmplace.errors import did_you_mean, near_matches

from .test_cli import _one_line_error

DATA = Path(llmplace.__file__).parent / "catalog" / "data"


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _ids(stdout: str) -> list[str]:
    return [ln.split("\t")[0] for ln in stdout.splitlines()[1:] if ln]


def test_clouds_filtered_by_gpu_alias_provider_and_region(invoke):
    """`--gpu H100` is the alias of h100-sxm (gpus.csv); provider and region match in any case."""
    want = {f"{r['provider']}/{r['instance_type']}/{r['region']}" for r in _csv("clouds.csv")
            if r["gpu"] == "h100-sxm" and r["provider"] == "aws" and r["region"] == "us-east-1"}
    assert want  # the bundled data has AWS H100 offers in us-east-1
    res = invoke("catalog", "list", "clouds", "--gpu", "H100", "--provider", "AWS", "--region", "US-East-1",
                 "--format", "tsv")
    assert res.exit_code == 0, res.output
    assert set(_ids(res.stdout)) == want


def test_servers_by_gpu_and_apis_by_model(invoke):
    servers = {r["id"] for r in _csv("servers.csv") if r["gpu"] == "h200"}
    res = invoke("catalog", "list", "servers", "--gpu", "h200", "--format", "tsv")
    assert res.exit_code == 0 and set(_ids(res.stdout)) == servers and servers
    rows = json.loads(invoke("catalog", "list", "apis", "--model", "llama-3.3-70b", "--json").stdout)
    assert rows and {r["model"] for r in rows} == {"llama-3.3-70b"}


@pytest.mark.parametrize(("args", "needles"), [
    (["clouds", "--provider", "awss"], ["--provider", "'awss'", "did you mean 'aws'"]),
    (["clouds", "--region", "us-est-1"], ["--region", "did you mean 'us-east-1'"]),
    (["servers", "--gpu", "h1000"], ["--gpu", "did you mean", "h100-sxm"]),
    (["gpus", "--region", "us-east-1"], ["--region", "a filter of clouds"]),
    (["gpu"], ["kind", "did you mean 'gpus'"]),
])
def test_unknown_filter_values_are_one_line_with_near_names(invoke, args, needles):
    _one_line_error(invoke("catalog", "list", *args), *needles)


def test_near_matches_reads_any_case_and_parts():
    assert near_matches("AMORTIZED", ["cash", "amortised"]) == ["amortised"]
    assert near_matches("aws", ["aws-p5-on-demand", "gcp-a3"]) == ["aws-p5-on-demand"]
    assert did_you_mean("zzz", ["cash", "amortised"]) is None


def _complete(runner, words: str) -> list[str]:
    from llmplace.cli import app

    env = {"_LLMPLACE_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    res = runner.invoke(app, [], env=env, prog_name="llmplace")
    assert res.exit_code == 0, res.output
    return res.stdout.split()


def test_gpu_ids_complete_from_the_catalog(runner):
    """Tab after `--gpu h1` lists the GPU ids of gpus.csv that start with h1; commands complete too."""
    want = [r["id"] for r in _csv("gpus.csv") if r["id"].startswith("h1")]
    assert _complete(runner, "llmplace catalog list clouds --gpu h1") == want
    assert _complete(runner, "llmplace size --gpu h1") == want
    assert _complete(runner, "llmplace comp") == ["compare"]
    assert _complete(runner, "llmplace compare s.yaml --view am") == ["amortised"]
    assert _complete(runner, "llmplace report s.yaml --format pp") == ["pptx"]
    assert "h100-sxm" in _complete(runner, "llmplace catalog show h100")


def test_show_completion_prints_a_bash_hook(runner):
    from llmplace.cli import app

    res = runner.invoke(app, ["--show-completion", "bash"], prog_name="llmplace")
    assert res.exit_code == 0
    assert "complete -o default -F _llmplace_completion llmplace" in res.stdout
