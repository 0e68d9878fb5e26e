"""Did-you-mean wherever an id, a value or a field is named: a misspelling gets the nearest valid names in its
one-line error (exit status 2), so the user need not look the list up.

Each case is a one-letter slip of a name that exists (the expected suggestion is that name, written
out here), and each used to be refused without any suggestion.
"""

from __future__ import annotations

import pytest
import yaml

from llmplace.errors import InputError
from llmplace.scenario import parse_scenario
from llmplace.scenario.fields import known_fields
from llmplace.scenario.schema import Scenario

from .conftest import EXAMPLES
from .test_cli import _one_line_error

EXAMPLE = next(p for p in EXAMPLES if p.stem == "internal-assistant-70b")


def _doc() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _error(doc: dict) -> str:
    with pytest.raises(InputError) as exc:
        parse_scenario(doc)
    return str(exc.value)


def test_unknown_scenario_key_suggests_the_field():
    doc = _doc()
    doc["workload"]["request_per_month"] = doc["workload"].pop("requests_per_month")
    assert "did you mean 'requests_per_month'" in _error(doc)


def test_unknown_key_inside_an_option_suggests_from_that_kind():
    """The option is tagged in_house: its fields (server), not the cloud's (instance), are suggested."""
    doc = _doc()
    own = next(o for o in doc["options"] if o["kind"] == "in_house")
    own["sever"] = own.pop("server")
    text = _error(doc)
    assert "sever" in text and "did you mean 'server'" in text


def test_misspelt_section_is_named_before_the_missing_one():
    """'worklaod' was reported as 'workload: required'; the unknown key is named with its correction.
    ('workloads' itself is now the portfolio form, with its own message.)"""
    doc = _doc()
    doc["worklaod"] = doc.pop("workload")
    text = _error(doc)
    assert text.startswith("worklaod:") and "did you mean 'workload'" in text


def test_hybrid_base_typo_suggests_the_option_id():
    doc = _doc()
    hybrid = next(o for o in doc["options"] if o["kind"] == "hybrid")
    base = hybrid["base"]
    hybrid["base"] = base[:-1]
    assert f"did you mean {base!r}" in _error(doc)


def test_known_fields_follow_the_union_tag():
    names = known_fields(Scenario, ("options", 0, "cloud", "instanc"))
    assert "instance" in names and "server" not in names
    assert known_fields(Scenario, ("nowhere", "x")) == []


@pytest.mark.parametrize(("args", "needles"), [
    (["size", "--model", "llama-3.1-70b", "--gpu", "h100", "--precision", "fp88"], ["--precision", "'fp8'"]),
    (["size", "--model", "llama-3.1-70b", "--gpu", "h100", "--engine", "vlm"], ["--engine", "'vllm'"]),
    (["size", "--model", "llama-3.1-70b", "--gpu", "h100", "--workload", "bach"], ["--workload", "'batch'"]),
    (["size", "--model", "llama-3.1-70", "--gpu", "h100"], ["--model", "did you mean"]),
    (["report", str(EXAMPLE), "--format", "htm"], ["--format", "'html'"]),
    (["compare", str(EXAMPLE), "--view", "amortise"], ["--view", "amortised"]),
    (["catalog", "show", "h100sxm"], ["name", "'h100-sxm'"]),
    (["map", str(EXAMPLE), "--x", "workload.request_per_month=1e6:1e7", "--y", "finance.horizon_months=12:48"],
     ["workload.request_per_month", "'requests_per_month'"]),
])
def test_cli_values_get_near_names(invoke, args, needles):
    _one_line_error(invoke(*args), *needles)
