"""Bad input is an input error, never a silent NaN, a hang or an internal error (one test per defect found).

The fuzz test at the end mutates the bundled examples at random: every run either returns a result
whose JSON holds only finite numbers, or raises an ``InputError`` naming a field.
"""

from __future__ import annotations

import copy
import json
import math
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

from .conftest import EXAMPLES, ROOT

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


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path] if isinstance(node, (int, float)) and not isinstance(node, bool) else []


_EXAMPLE_DOCS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in EXAMPLES}
_BAD_NUMBERS = st.one_of(
    st.sampled_from([0, -1, -1e9, 1e14, 1e300, float("inf"), float("nan"), "inf", "1e999", None, True, "", [], {}]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**80), max_value=2**80),
)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(_EXAMPLE_DOCS)), data=st.data())
def test_fuzz_mutated_examples_give_finite_results_or_an_input_error(name: str, data: st.DataObject) -> None:
    """Mutate one to three numeric fields of a bundled example; a result is all finite or an InputError names a field.

    A fixed derandomised seed and 40 cases keep this reproducible and under a minute; a larger run of
    the same property is ``benchmarks/fuzz_inputs.py``.
    """
    doc = copy.deepcopy(_EXAMPLE_DOCS[name])
    leaves = _leaves(doc)
    for path in data.draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=3, unique=True)):
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = data.draw(_BAD_NUMBERS)
    try:
        result = compare(parse_scenario(doc))
    except InputError as exc:
        assert exc.field, "an input error names its field"
        return
    document = result.to_dict()
    assert _finite(document)
    json.dumps(document, allow_nan=False)


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
