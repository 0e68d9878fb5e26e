"""The typed spine: criteria read the engine's own figures, costing never changes its inputs, one engine loop."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

import llmplace
from llmplace.costs import flows_for
from llmplace.criteria.facts import gather
from llmplace.demand import demand_from_scenario, load_from_demand
from llmplace.engine import OPTIMISE, run
from llmplace.hybrid import optimise
from llmplace.options import resolve_options
from llmplace.risk import evaluate
from llmplace.scenario import parse_scenario
from llmplace.site import site_values

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _doc(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def test_criteria_fte_equals_the_input_fte_under_salary_growth() -> None:
    """The staff rule's FTE stays the same FTE when salaries grow 10 % a year.

    Before the engine reported FTE as a value, the criteria step divided staff dollars (grown by the
    salary trend) by the un-grown salary and found 0.288 FTE for one server on a 0.25-FTE rule. Here
    the in-house team (0.25 sysadmin + 0.2 ML engineer) plus 0.25 x (GPUs / 8) ^ 0.5 for the 8-GPU
    servers owned: 0.7 FTE a month with one server, whatever the salaries do.
    """
    doc = _doc("internal-assistant-70b.yaml")
    for opt in doc["options"]:  # servers in service from month 1: no months served by a bridge and its team
        if opt.get("kind") == "in_house":
            opt["lead_time_weeks"] = 0
    doc.setdefault("finance", {})["salary_growth_pct_per_year"] = 10
    doc.setdefault("site", {}).update({"in_house_team_sysadmin_fte": 0.25, "in_house_team_ml_engineer_fte": 0.2,
                                       "staff_variable_fte_at_8_gpus": 0.25, "staff_variable_gpu_exponent": 0.5})
    result = llmplace.compare(doc, samples=0)
    checked = 0
    for o in result.options:
        if o.kind != "in_house" or not o.feasible or o.footprint.staff_fte == []:
            continue
        owned = np.asarray(o.units, dtype=float)
        expected = np.where(owned > 0, 0.45 + 0.25 * np.sqrt(owned * 8 / 8), 0.0)
        assert o.footprint.staff_fte == pytest.approx(list(expected), rel=1e-12)
        checked += 1
    assert checked, "the example has an in-house option to check"
    facts = {f.id: f for f in gather(parse_scenario(doc), result)}
    for o in result.options:
        if o.kind == "in_house" and o.feasible:  # what the maintenance score and the plan read
            owned = np.asarray(o.units, dtype=float)
            assert facts[o.id].staff_fte == pytest.approx(float(np.mean(0.45 + 0.25 * np.sqrt(owned))), rel=1e-12)


def test_costing_leaves_deployments_and_scenario_unchanged() -> None:
    """Pure cost functions: a deep copy taken before costing equals every deployment and the scenario after."""
    s = parse_scenario(_doc("consumer-chat.yaml"))
    deployments = resolve_options(s)
    before = [copy.deepcopy(d) for d in deployments]
    scenario_before = s.model_copy(deep=True)
    sv = site_values(s)
    run(s, deployments, sv)  # point run, hybrids optimised
    run(s, deployments, sv, {d.id: OPTIMISE for d in deployments if d.kind == "hybrid"}, samples=3)
    load = load_from_demand(demand_from_scenario(s), s.workload.cached_input_share)
    for d in deployments:
        if d.infeasible_reason is None and d.kind != "hybrid":
            flows_for(d, s, load, sv)
        elif d.infeasible_reason is None:
            optimise(d, s, load, sv)
    for old, new in zip(before, deployments, strict=True):
        assert new.option == old.option, new.id
        assert new.assumptions == old.assumptions, new.id
        assert new.capacity == old.capacity, new.id
        assert [p.option for p in new.parts or ()] == [p.option for p in old.parts or ()], new.id
    assert s == scenario_before


def test_point_run_and_one_sample_agree() -> None:
    """The Monte Carlo path and the point run are one loop: a sample at the point values gives the same TCO."""
    s = parse_scenario(_doc("consumer-chat.yaml"))
    deployments = resolve_options(s)
    point = run(s, deployments, site_values(s))
    units = {d.id: OPTIMISE for d in deployments if d.kind == "hybrid"}
    sampled = evaluate(s, deployments, units, {}, 1)
    for oid, outcome in point.outcomes.items():
        assert float(sampled.tco[oid][0]) == pytest.approx(float(outcome.tco_usd), rel=1e-12), oid


def test_result_types_hold_no_untyped_dicts() -> None:
    """No result field is a ``dict[str, Any]``: every nested part of a result is a model or plain numbers."""
    import typing

    from pydantic import BaseModel

    import llmplace.results as results

    for name in results.__all__:
        obj = getattr(results, name)
        if not (isinstance(obj, type) and issubclass(obj, BaseModel)):
            continue
        for field, info in obj.model_fields.items():
            text = str(info.annotation)
            assert "Any" not in text, f"{name}.{field}: {text}"
            assert info.annotation is not typing.Any, f"{name}.{field}"


def test_a_new_volume_of_the_same_workload_reuses_the_sizing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The web page's live recompute sends the same workload with another volume: the replica sizing (a pure
    function of model, GPU, precision, lengths and latency targets) is computed once per process, not once
    per request, and the capacity it gives is the same as a fresh estimate's."""
    from llmplace import sizing
    from llmplace.options import _estimate, _estimate_kept

    calls: list[int] = []
    real = sizing.estimate

    def counted(*args: object, **kwargs: object) -> sizing.SizingResult:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sizing, "estimate", counted)
    _estimate_kept.cache_clear()
    doc = _doc("internal-assistant-70b.yaml")
    first = [d.capacity for d in resolve_options(parse_scenario(doc))]
    sized = len(calls)
    assert sized > 0  # the example sizes its in-house and cloud options
    doc["workload"]["requests_per_month"] = doc["workload"].get("requests_per_month", 0) + 12345
    again = [d.capacity for d in resolve_options(parse_scenario(doc))]
    assert len(calls) == sized  # no estimate computed again
    _estimate_kept.cache_clear()
    fresh = [d.capacity for d in resolve_options(parse_scenario(doc))]
    assert len(calls) == 2 * sized and again == first == fresh
    spec = first[0].sizing if first[0] is not None else None
    assert spec is not None
    model = llmplace.catalog.get_model(spec.model)
    gpu = llmplace.catalog.get_gpu(spec.gpu)
    unhashable = model.model_copy(update={"aliases": ["a list, which cannot be hashed"]})
    assert _estimate(unhashable, gpu, spec.gpus, spec.precision) == sizing.estimate(model, gpu, spec.gpus,
                                                                                    spec.precision)
