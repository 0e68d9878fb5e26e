"""Scenario validation: what is accepted, and the one-line errors for what is not."""

from __future__ import annotations

import json

import pytest

from llmplace import InputError, load_scenario, parse_scenario, scenario_json_schema
from llmplace.conventions import DEFAULT_SAMPLES, MAX_SAMPLES, MIN_SAMPLES

from .conftest import EXAMPLES

MIN = {
    "model": {"name": "llama-3.1-8b"},
    "workload": {"requests_per_month": 1000},
    "options": [{"kind": "api", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2}],
}


def _with(**changes):
    doc = json.loads(json.dumps(MIN))
    for path, value in changes.items():
        node = doc
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[keys[-1]] = value
    return doc


def test_minimal_scenario_gets_defaults():
    s = parse_scenario(MIN)
    assert s.finance.hours_per_month == 730
    assert s.finance.horizon_months == 36
    assert s.model.precision == "fp8"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_validate(path):
    s = load_scenario(path)
    assert {o.kind for o in s.options} >= {"in_house", "cloud", "api"}


@pytest.mark.parametrize("change,field", [
    ({"workload__requests_per_month": -5}, "workload.requests_per_month"),
    ({"workload__peak_to_average": 0.5}, "workload.peak_to_average"),
    ({"model__precision": "fp3"}, "model.precision"),
    ({"finance": {"hours_per_month": 0}}, "finance.hours_per_month"),
    ({"options": []}, "options"),
    ({"options__0__kind": "mainframe"}, "options[0]"),
    ({"options__0__input_usd_per_mtok": -1}, "options[0].input_usd_per_mtok"),
])
def test_field_errors_name_the_field(change, field):
    with pytest.raises(InputError) as exc:
        parse_scenario(_with(**change))
    assert exc.value.field == field
    assert "\n" not in str(exc.value)


def test_scenario_samples_take_the_bounds_of_the_cli_and_the_api():
    assert parse_scenario(MIN).uncertainty.samples == DEFAULT_SAMPLES == 10_000
    for n in (MIN_SAMPLES, 200_001, MAX_SAMPLES):
        assert parse_scenario(_with(uncertainty={"samples": n})).uncertainty.samples == n
    for n in (MIN_SAMPLES - 1, MAX_SAMPLES + 1):
        with pytest.raises(InputError) as exc:
            parse_scenario(_with(uncertainty={"samples": n}))
        assert exc.value.field == "uncertainty.samples"
    maximum = scenario_json_schema()["$defs"]["Uncertainty"]["properties"]["samples"]["maximum"]
    assert maximum == MAX_SAMPLES == 1_000_000


def test_volume_must_be_given_once():
    doc = _with(workload={"input_tokens_per_request": 10})
    with pytest.raises(InputError, match="requests_per_month or tokens_per_month"):
        parse_scenario(doc)
    doc = _with(workload={"requests_per_month": 1, "tokens_per_month": 1})
    with pytest.raises(InputError, match="not both"):
        parse_scenario(doc)


def test_reserved_plan_must_be_always_on():
    doc = _with(options=[{"kind": "cloud", "gpu": "l4", "gpu_count": 1, "usd_per_hour": 1,
                          "plan": "reserved_1y", "billing": "active_hours"}])
    with pytest.raises(InputError, match="always_on"):
        parse_scenario(doc)


def test_duplicate_option_ids():
    opt = {"kind": "api", "id": "x", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2}
    with pytest.raises(InputError) as exc:
        parse_scenario(_with(options=[opt, opt]))
    assert exc.value.field == "options[0].id" and "no other option" in exc.value.allowed


def test_not_a_mapping():
    with pytest.raises(InputError) as exc:
        parse_scenario(["a", "list"])
    assert exc.value.field == "scenario"


def test_json_file_loads(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps(MIN))
    assert load_scenario(p).workload.requests_per_month == 1000


def test_schema_has_descriptions_for_editors():
    schema = scenario_json_schema()
    wl = schema["$defs"]["Workload"]["properties"]
    assert "description" in wl["peak_to_average"]
