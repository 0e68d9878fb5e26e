"""`llmplace diff A B`: the inputs that differ after defaults, and per option the change in TCO, NPV, upfront and
$/Mtok (B - A), the recommendation and the cheapest option.

The expected deltas are differences of the two comparisons run separately through the public
``llmplace.compare`` (the diff only subtracts them); the expected inputs are the one edit made to B.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import yaml

import llmplace

from .conftest import EXAMPLES
from .test_cli import _one_line_error

EXAMPLE = next(p for p in EXAMPLES if p.stem == "internal-assistant-70b")


@cache
def _docs() -> tuple[dict, dict]:
    a = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    b = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    b["workload"]["requests_per_month"] = 8_000_000  # 4.5 x the demand: buying servers pays more often
    b["options"] = [o for o in b["options"] if o["id"] != "together"]
    return a, b


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("diff")
    a, b = _docs()
    (d / "a.yaml").write_text(yaml.safe_dump(a), encoding="utf-8")
    (d / "b.yaml").write_text(yaml.safe_dump(b), encoding="utf-8")
    return d / "a.yaml", d / "b.yaml"


def test_json_lists_the_edits_and_the_deltas_of_each_option(invoke, files):
    res = invoke("diff", str(files[0]), str(files[1]), "--json", "--samples", "0")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    changed = {c["path"]: c for c in doc["inputs"]}
    assert changed["workload.requests_per_month"]["a"] == 1_760_000
    assert changed["workload.requests_per_month"]["b"] == 8_000_000
    # the removed option is one change holding its whole mapping, not one per leaf
    assert set(changed) == {"workload.requests_per_month", "options[together]"}
    gone = changed["options[together]"]
    assert (gone["change"], gone["only_in"], gone["b"]) == ("removed", "a", None)
    assert gone["a"]["provider"] == "together"
    assert doc["same_horizon"] and doc["error"] is None
    ra, rb = (llmplace.compare(d, samples=0) for d in _docs())
    deltas = {d["id"]: d for d in doc["options"]}
    for o in ra.options:
        ob = rb.find(o.id)
        if ob is None:
            assert deltas[o.id]["b"] is None and deltas[o.id]["tco_delta_usd"] is None
        elif o.feasible and ob.feasible:
            assert deltas[o.id]["tco_delta_usd"] == pytest.approx(ob.tco_usd - o.tco_usd, abs=1e-5)
            assert deltas[o.id]["upfront_delta_usd"] == pytest.approx(ob.upfront_usd - o.upfront_usd, abs=1e-5)
            assert deltas[o.id]["npv_delta_usd"] == pytest.approx(ob.npv_usd - o.npv_usd, abs=1e-5)
    assert ra.recommendation is not None and rb.recommendation is not None
    rec = doc["recommendation"]
    assert (rec["a"], rec["b"]) == (ra.recommendation.option, rb.recommendation.option)
    assert rec["changed"] == (ra.recommendation.option != rb.recommendation.option)
    assert doc["cheapest"]["a"] == ra.cheapest and doc["cheapest"]["b"] == rb.cheapest


def test_text_names_the_edit_and_the_recommendation(invoke, files):
    res = invoke("diff", str(files[0]), str(files[1]), "--samples", "0")
    assert res.exit_code == 0, res.output
    assert "workload.requests_per_month: 1760000.0 -> 8000000.0" in res.stdout
    gone = [line for line in res.stdout.splitlines() if line.startswith("  options[together]: {")]
    assert len(gone) == 1 and gone[0].endswith("... -> None (only in A)")  # one line, the mapping cut short
    assert "Recommendation:" in res.stdout and "Cheapest:" in res.stdout


def test_a_scenario_against_itself_differs_in_nothing(invoke):
    doc = json.loads(invoke("diff", str(EXAMPLE), str(EXAMPLE), "--json", "--samples", "0").stdout)
    assert doc["inputs"] == []
    assert {d["tco_delta_usd"] for d in doc["options"] if d["a"]["feasible"]} == {0.0}
    assert not doc["recommendation"]["changed"] and not doc["cheapest"]["changed"]


def test_bad_file_is_one_line_naming_the_side(invoke, tmp_path):
    _one_line_error(invoke("diff", str(EXAMPLE), str(tmp_path / "missing.yaml")), "B: scenario file", "missing")
    bad = tmp_path / "bad.yaml"
    bad.write_text("workload: {requests_per_month: -1}\n", encoding="utf-8")
    _one_line_error(invoke("diff", str(bad), str(EXAMPLE)), "A: ")


def test_default_draws_are_each_scenarios_own_as_for_compare():
    """Without --samples each side runs its uncertainty.samples, as `compare` does: the recommendation weighs
    the Monte Carlo ranges, so a diff run with other draws could name another recommendation than compare."""
    from llmplace.diffing import diff_scenarios

    a, b = _docs()
    a = {**a, "uncertainty": {**a.get("uncertainty", {}), "samples": 100}}
    b = {**b, "uncertainty": {**b.get("uncertainty", {}), "samples": 120}}
    d = diff_scenarios(a, b)
    assert (d.samples_a, d.samples_b) == (100, 120)
    rec = llmplace.compare(a, samples=100).recommendation
    assert rec is not None and d.recommendation.a == rec.option


def _in_eur(tmp_path: Path, name: str, doc: dict) -> Path:
    doc = {**doc, "finance": {**doc.get("finance", {}), "currency": "EUR"}}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_different_currencies_give_no_deltas_and_each_side_in_its_own_money(invoke, tmp_path):
    """A in USD, B in EUR: B - A would subtract euros from dollars (the old diff printed a 'TCO change' of
    about -11 %, which is only the exchange rate). Each side's TCO is shown in its own currency, every delta
    is null (--json) or 'n/a' (table), and a note says why."""
    a, _ = _docs()
    b_path = _in_eur(tmp_path, "eur.yaml", a)
    doc = json.loads(invoke("diff", str(EXAMPLE), str(b_path), "--json", "--samples", "0").stdout)
    assert (doc["currency_a"], doc["currency_b"]) == ("USD", "EUR")
    feasible = [d for d in doc["options"] if d["a"]["feasible"] and d["b"]["feasible"]]
    assert feasible
    for d in feasible:
        assert (d["tco_delta_usd"], d["npv_delta_usd"], d["upfront_delta_usd"], d["usd_per_mtok_delta"]) == (
            None, None, None, None)
    assert any("currencies differ" in n for n in doc["notes"])

    rb = llmplace.compare(b_path, samples=0)
    assert rb.convention.exchange_rate is not None
    euro = rb.convention.exchange_rate.symbol
    text = invoke("diff", str(EXAMPLE), str(b_path), "--samples", "0").stdout
    for d in feasible:
        row = next(line for line in text.splitlines() if line.startswith(f"│ {d['id']} "))
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert cells[1].startswith("$") and cells[2].startswith(euro)
        assert float(cells[2][len(euro):].replace(",", "")) == pytest.approx(rb.find(d["id"]).tco_usd, abs=0.5)
        assert cells[3:] == ["n/a"] * 4


def test_two_eur_scenarios_show_deltas_in_eur(invoke, tmp_path):
    """Both in EUR: the deltas are computed (B - A in euros) and written with the euro sign, not '$'."""
    a, b = _docs()
    pa, pb = _in_eur(tmp_path, "a.yaml", a), _in_eur(tmp_path, "b.yaml", b)
    doc = json.loads(invoke("diff", str(pa), str(pb), "--json", "--samples", "0").stdout)
    ra, rb = llmplace.compare(pa, samples=0), llmplace.compare(pb, samples=0)
    assert (doc["currency_a"], doc["currency_b"]) == ("EUR", "EUR")
    o = next(o for o in ra.options if o.feasible and rb.find(o.id) is not None and rb.find(o.id).feasible)
    delta = next(d for d in doc["options"] if d["id"] == o.id)["tco_delta_usd"]
    assert delta == pytest.approx(rb.find(o.id).tco_usd - o.tco_usd, abs=1e-5)
    text = invoke("diff", str(pa), str(pb), "--samples", "0").stdout
    euro = ra.convention.exchange_rate.symbol
    row = next(line for line in text.splitlines() if line.startswith(f"│ {o.id} "))
    assert "$" not in row and row.count(euro) >= 3
    assert "EUR/Mtok change" in text
