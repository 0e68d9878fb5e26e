"""Bad input is an input error, never a silent NaN, a hang or an internal error (one test per defect found).

The fuzz test at the end mutates the bundled examples at random: every run either returns a result
whose JSON holds only finite numbers, or raises an ``InputError`` naming a field.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmplace import compare, parse_scenario
from llmplace.conventions import MAX_FLEET_UNITS, MAX_INPUT_MAGNITUDE
from llmplace.errors import InputError
from llmplace.scenario import load_scenario

from .conftest import ROOT
from .fuzzing import (
    EXAMPLE_DOCS,
    FINITE,
    GOOD,
    INPUT_ERROR,
    REPORT_FORMATS,
    _cli_error,
    api_compare_outcome,
    api_report_outcome,
    cli_compare_outcome,
    cli_report_outcome,
    engine_outcome,
    mutate,
    write_scenario,
)

EXAMPLE = ROOT / "examples" / "internal-assistant-70b.yaml"


def _doc() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _rejected(doc: dict[str, Any]) -> InputError:
    with pytest.raises(InputError) as err:
        parse_scenario(doc)
    return err.value


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "inf", "nan", "Infinity"])
def test_infinite_and_nan_inputs_are_refused(value: Any) -> None:
    """`.inf`, NaN and their string forms used to pass and print NaN costs with exit 0."""
    doc = _doc()
    doc["options"][0]["purchase_usd"] = value
    err = _rejected(doc)
    assert err.field == "options[0].purchase_usd"
    assert "finite" in err.allowed


@pytest.mark.parametrize("value", [1e300, 2**70])
def test_huge_numbers_are_refused_with_the_limit(value: float) -> None:
    """Values past 1e15 (and integers past 2^63) used to reach integer conversion as internal errors."""
    doc = _doc()
    doc["workload"]["requests_per_month"] = value
    err = _rejected(doc)
    assert err.field == "workload.requests_per_month"
    assert f"{MAX_INPUT_MAGNITUDE:g}" in err.allowed


def test_demand_no_fleet_can_carry_is_an_input_error() -> None:
    """1e12 requests a month needs ~390,000 8-GPU servers here; it used to run for minutes, now it is refused."""
    doc = _doc()
    doc["workload"]["requests_per_month"] = 1e12
    with pytest.raises(InputError) as err:
        compare(doc)
    assert err.value.field == "workload"
    assert f"{MAX_FLEET_UNITS:,}" in err.value.allowed


def test_distribution_below_the_fields_limit_is_refused() -> None:
    """Only the mode used to be validated: `low: -5` let Monte Carlo draw negative demand."""
    doc = _doc()
    doc["workload"]["requests_per_month"] = {"low": -5, "mode": 1_000_000, "high": 2_000_000}
    err = _rejected(doc)
    assert err.field == "uncertainty input workload.requests_per_month"
    assert ">= 0" in err.allowed


def test_distribution_above_a_share_limit_is_refused() -> None:
    """A utilisation is at most 1; a triangular up to 1.4 would draw impossible utilisations."""
    doc = _doc()
    doc["options"][0]["target_utilisation"] = {"low": 0.5, "mode": 0.8, "high": 1.4}
    err = _rejected(doc)
    assert err.field == "uncertainty input options[0].target_utilisation"
    assert "<= 1" in err.allowed


def test_distribution_within_limits_is_kept() -> None:
    doc = _doc()
    doc["options"][0]["target_utilisation"] = {"low": 0.5, "mode": 0.8, "high": 0.95}
    s = parse_scenario(doc)
    assert s.uncertainty.inputs[-1].support == (0.5, 0.95)


def test_deep_nesting_is_an_input_error_not_a_recursion_error() -> None:
    """Bodies nested 450-800 levels deep used to raise RecursionError (HTTP 500 over the REST API)."""
    doc = _doc()
    node: dict[str, Any] = {}
    doc["description"] = node
    for _ in range(900):
        node["a"] = {}
        node = node["a"]
    err = _rejected(doc)
    assert "levels deep" in err.allowed


def _write(tmp_path: Path, text: str, suffix: str = ".yaml") -> Path:
    path = tmp_path / f"scenario{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys, silently dropping the first block the user wrote."""
    text = EXAMPLE.read_text(encoding="utf-8") + "\nfinance:\n  horizon_months: 12\n"
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, text))
    assert "'finance' is given twice" in (err.value.detail or "")


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """Six levels of nine aliases expand to 9^6 = 531,441 values; it used to hang compare and report."""
    lines = ["a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]"]
    for prev, name in zip("abcde", "bcdef", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, "\n".join(lines) + "\n"))
    assert "aliases" in err.value.allowed


def test_deep_json_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, "[" * 100_000 + "]" * 100_000, ".json"))
    assert "levels deep" in err.value.allowed


def test_error_message_does_not_echo_a_10kb_value() -> None:
    """Error lines used to repeat inputs of 10 kB in full."""
    doc = _doc()
    doc["model"] = "x" * 10_000
    err = _rejected(doc)
    assert len(str(err)) < 600
    assert "10,002 characters" in str(err)  # repr adds the two quotes


_FUZZ = settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))


@settings(_FUZZ, max_examples=30)
@given(name=st.sampled_from(sorted(EXAMPLE_DOCS)), rng=st.randoms(use_true_random=False))
def test_fuzz_mutated_examples_give_finite_results_or_an_input_error(name: str, rng: random.Random) -> None:
    """Mutate one to three numeric fields of a bundled example; a result is all finite or an InputError names a field.

    A fixed derandomised seed and 30 cases keep this reproducible and short; a larger run of the same
    property (same mutations: ``tests/fuzzing.py``) is ``benchmarks/fuzz_inputs.py``.
    """
    doc, changes = mutate(EXAMPLE_DOCS[name], rng)
    assert engine_outcome(doc) in GOOD, changes


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(_FUZZ, max_examples=25)
@given(name=st.sampled_from(sorted(EXAMPLE_DOCS)), rng=st.randoms(use_true_random=False))
def test_fuzz_through_the_command_line(fuzz_dir: Path, name: str, rng: random.Random) -> None:
    """`compare --json` on a mutated file: exit 0 with finite JSON, or exit 2 with one line naming a field.

    Exit 1 (an internal error) is what the engine-level fuzz cannot see: a failure while reading the
    file, printing the JSON or in the CLI's own checks.
    """
    doc, changes = mutate(EXAMPLE_DOCS[name], rng)
    outcome = cli_compare_outcome(write_scenario(doc, fuzz_dir / "scenario.yaml"))
    assert outcome in GOOD, (outcome, changes)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    db = tmp_path_factory.mktemp("fuzz-db") / "fuzz.db"
    with TestClient(create_app(f"sqlite:///{db}"), raise_server_exceptions=False) as client:
        yield client


@settings(_FUZZ, max_examples=25)
@given(name=st.sampled_from(sorted(EXAMPLE_DOCS)), rng=st.randoms(use_true_random=False))
def test_fuzz_through_the_rest_api(api: Any, name: str, rng: random.Random) -> None:
    """`POST /api/v1/compare` with a mutated body: 200 with finite JSON, or 422 naming a field; never 500.

    NaN and infinities are sent as the bare words `NaN`/`Infinity` a careless JSON encoder writes.
    """
    doc, changes = mutate(EXAMPLE_DOCS[name], rng)
    outcome = api_compare_outcome(api, doc)
    assert outcome in GOOD, (outcome, changes)


@settings(_FUZZ, max_examples=2)
@given(name=st.sampled_from(sorted(EXAMPLE_DOCS)), rng=st.randoms(use_true_random=False))
def test_fuzz_reports_in_every_format(fuzz_dir: Path, api: Any, name: str, rng: random.Random) -> None:
    """`llmplace report` in html, md, json, xlsx and pptx and `POST /api/v1/report` in the same five formats, on the
    same mutated scenario: a report, or an input error naming a field.

    Mild mutations (factors of 0.5 to 2), so that the cases reach the renderers: hostile values stop at the
    same validation as `compare`, which the tests above cover.
    """
    doc, changes = mutate(EXAMPLE_DOCS[name], rng, mild=True)
    path = write_scenario(doc, fuzz_dir / "report-scenario.yaml")
    formats = [f for f in REPORT_FORMATS if f != "pdf"]
    outcomes = {f"cli {fmt}": cli_report_outcome(path, fmt, fuzz_dir) for fmt in formats}
    outcomes |= {f"api {fmt}": api_report_outcome(api, doc, fmt) for fmt in formats}
    assert set(outcomes.values()) <= GOOD, (outcomes, changes)


@settings(_FUZZ, max_examples=1)
@given(name=st.sampled_from(sorted(EXAMPLE_DOCS)), rng=st.randoms(use_true_random=False))
def test_fuzz_pdf_report(fuzz_dir: Path, name: str, rng: random.Random) -> None:
    """`llmplace report -f pdf` on one mildly mutated scenario (a browser print takes 5-20 s, so one case)."""
    from llmplace.report.pdf import find_chromium

    if find_chromium() is None:
        pytest.skip("the system chromium is not installed")
    doc, changes = mutate(EXAMPLE_DOCS[name], rng, mild=True)
    outcome = cli_report_outcome(write_scenario(doc, fuzz_dir / "pdf-scenario.yaml"), "pdf", fuzz_dir)
    assert outcome in GOOD, (outcome, changes)


def test_the_fuzz_checks_tell_good_from_bad(fuzz_dir: Path, api: Any) -> None:
    """The checks above can fail: an unmodified example is a finite result on every path, a NaN an input
    error, and a bare stack trace on standard error is not an error line naming a field."""
    from llmplace.report.pdf import find_chromium

    doc = copy.deepcopy(EXAMPLE_DOCS["consumer-chat"])
    path = write_scenario(doc, fuzz_dir / "good.yaml")
    assert engine_outcome(doc) == cli_compare_outcome(path) == api_compare_outcome(api, doc) == FINITE
    if find_chromium() is None:
        assert cli_report_outcome(path, "pdf", fuzz_dir) == INPUT_ERROR
    doc["workload"]["requests_per_month"] = float("nan")
    path = write_scenario(doc, fuzz_dir / "bad.yaml")
    assert engine_outcome(doc) == cli_compare_outcome(path) == api_compare_outcome(api, doc) == INPUT_ERROR
    assert _cli_error("Traceback (most recent call last):\n  ValueError: x") != INPUT_ERROR
    assert _cli_error("error: workload.requests_per_month: got nan; allowed: a finite number") == INPUT_ERROR


def test_vanishing_active_hours_is_refused() -> None:
    """`active_hours_per_month: 1e-300` used to overflow the hourly rate into an internal error."""
    doc = _doc()
    doc["workload"]["active_hours_per_month"] = 1e-300
    err = _rejected(doc)
    assert err.field == "workload.active_hours_per_month"


def test_terminal_escape_sequences_in_names_are_refused() -> None:
    """An escape sequence in a name or label reached the terminal raw (it could rewrite the screen)."""
    doc = _doc()
    doc["options"][0]["label"] = "own \x1b[2J\x1b[31mfleet"
    err = _rejected(doc)
    assert err.field == "options[0].label"
    assert "U+001B" in (err.detail or "")
    doc["description"] = "a description\twith a tab\nand a line break"
    doc["options"][0]["label"] = "own fleet"
    parse_scenario(doc)
    doc["options"][0]["label"] = "own fleet\n# a heading"
    assert "one line" in _rejected(doc).allowed


def test_too_many_options_are_refused() -> None:
    """600 options in a 51 kB body took 26 s (work grows with the square of the option count)."""
    from llmplace.conventions import MAX_OPTIONS

    doc = _doc()
    doc["options"] = [dict(doc["options"][-1], id=f"api-{i}") for i in range(MAX_OPTIONS + 1)]
    err = _rejected(doc)
    assert err.field == "options" and f"at most {MAX_OPTIONS}" in err.allowed


def test_two_million_character_name_is_refused() -> None:
    """A 2,000,000-character name hung the PDF report for over 300 s."""
    doc = _doc()
    doc["name"] = "n" * 2_000_000
    err = _rejected(doc)
    assert err.field == "name" and "200 characters" in err.allowed


def test_a_million_samples_is_refused_with_the_most_allowed() -> None:
    """10^6 samples took 51 s and 2.6 GB; the limit is samples x options x months, and the message says how many fit."""
    from llmplace.conventions import MAX_SAMPLE_CELLS

    s = parse_scenario(_doc())
    most = MAX_SAMPLE_CELLS // (len(s.options) * s.finance.horizon_months)
    with pytest.raises(InputError) as err:
        compare(s, samples=1_000_000)
    assert err.value.field == "samples"
    assert f"at most {most:,} samples" in err.value.allowed


@pytest.mark.parametrize("path", ["/api/v1/compare", "/api/v1/report?format=json"])
def test_a_million_samples_over_rest_is_refused_at_once(path: str, tmp_path: Path) -> None:
    """The REST API's 10^6-sample request: with the example's 6 options over 36 months it is 216 million
    sample cells, over the 30 million bound, so it is refused before any draw (a 422 naming ``samples`` with the most
    that fit), and one over 10^6 is refused by the query's own bound; neither is cached or computed."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from llmplace.conventions import MAX_SAMPLE_CELLS, MAX_SAMPLES
    from llmplace.web import create_app

    doc = _doc()
    s = parse_scenario(copy.deepcopy(doc))
    most = MAX_SAMPLE_CELLS // (len(s.options) * s.finance.horizon_months)
    sep = "&" if "?" in path else "?"
    with TestClient(create_app(f"sqlite:///{tmp_path / 'h.db'}")) as client:
        r = client.post(f"{path}{sep}samples={MAX_SAMPLES}", json=doc)
        assert r.status_code == 422, r.text[:300]
        assert r.json()["detail"][0]["field"] == "samples" and f"at most {most:,} samples" in r.text
        over = client.post(f"{path}{sep}samples={MAX_SAMPLES + 1}", json=doc)
        assert over.status_code == 422 and over.json()["detail"][0]["field"] == "samples"
        assert client.app.state.result_cache.stats()["entries"] == 0  # type: ignore[attr-defined]


def test_terminated_pdf_report_leaves_no_temporary_files(tmp_path: Path) -> None:
    """A PDF report killed with SIGTERM used to leave its temporary page and browser profile behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from llmplace.report.pdf import find_chromium

    if find_chromium() is None:
        pytest.skip("the system chromium is not installed")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmplace", "report", str(EXAMPLE), "--format", "pdf",
         "-o", str(tmp_path / "r.pdf")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith("llmplace-pdf-") for p in tmp.iterdir()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the PDF report never started its browser")
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert not [p for p in tmp.iterdir() if p.name.startswith("llmplace-pdf-")]


def test_markdown_report_renders_user_text_literally() -> None:
    """Names could inject links (`javascript:`), remote images and raw HTML into the Markdown report."""
    from markdown_it import MarkdownIt

    from llmplace.report import render

    doc = _doc()
    doc["name"] = "[click](javascript:alert(1)) ![x](http://evil.example/p.png)"
    doc["options"][0]["label"] = "<img src=x onerror=alert(1)> [y](http://evil.example)"
    md = str(render(compare(parse_scenario(doc)), "md"))
    kinds: set[str] = set()
    for token in MarkdownIt("commonmark").parse(md):
        kinds.add(token.type)
        kinds.update(child.type for child in token.children or [])
    assert not kinds & {"link_open", "image", "html_inline", "html_block"}, kinds
    assert "javascript:alert(1)" in md  # still there, as text


def test_deprecated_field_is_one_note_line_on_the_command_line(tmp_path: Path) -> None:
    """A renamed field is still read; the CLI says what to write instead in one line, with no source path."""
    import subprocess
    import sys

    doc = _doc()
    doc["site"] = {**doc.get("site", {}), "staff_fte_per_server": 0.3}
    path = _write(tmp_path, yaml.safe_dump(doc))
    r = subprocess.run([sys.executable, "-m", "llmplace", "compare", str(path), "--json"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "note: site.staff_fte_per_server is deprecated; write site.staff_variable_fte_at_8_gpus"
    json.loads(r.stdout)


def test_a_non_finite_number_in_a_result_is_named_by_its_path() -> None:
    """The last check before any output: its fast path (no path strings) must still find a NaN deep in a result."""
    from llmplace.errors import LlmplaceError
    from llmplace.results import all_finite

    result = compare(parse_scenario(_doc()))
    result.ensure_finite()
    assert all_finite(result.model_dump())
    options = list(result.options)
    options[1] = options[1].model_copy(update={"tco_usd": float("nan")})
    broken = result.model_copy(update={"options": options})
    assert not all_finite(broken.model_dump())
    with pytest.raises(LlmplaceError, match=r"produced nan at options\[1\]\.tco_usd"):
        broken.ensure_finite()
