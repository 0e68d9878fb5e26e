"""Currencies: a scenario counted in EUR (GBP, JPY, ...), money inputs written with their currency, user catalog
rows priced in another currency, and the refusal of a currency the bundled rates do not hold.

The reference figure every test derives its expectation from is the ECB euro reference rate of 2026-10-02,
1 EUR = 1.1225 USD (https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml as published that day; the
USD row of catalog/data/fx.csv). Expected values are that figure times or over the USD run, worked out here,
never read back from the code under test. Tolerances are 1e-9 relative: the conversion is one multiplication
of every price, so only the last bits of a float may differ.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmplace import catalog
from llmplace.decision import compare
from llmplace.errors import InputError
from llmplace.report import render
from llmplace.scenario import parse_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
#: ECB reference rate of 2026-10-02: US dollars per euro
USD_PER_EUR = 1.1225
EUR_PER_USD = 1.0 / USD_PER_EUR
REL = 1e-9
#: results are rounded to 6 decimals: two rounded figures differ by up to one unit of the sixth decimal
ROUNDED = 1.01e-6


def _example(name: str = "internal-assistant-70b") -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))


def _money_in_usd(node: Any) -> Any:
    """The document with every plain-number money input (a key holding 'usd') written as 'N USD', so that it
    keeps its USD amount whatever finance.currency says."""
    if isinstance(node, list):
        return [_money_in_usd(v) for v in node]
    if not isinstance(node, dict):
        return node
    return {k: (f"{v!r} USD" if "usd" in k and isinstance(v, (int, float)) and not isinstance(v, bool)
                else _money_in_usd(v)) for k, v in node.items()}


def _currency(doc: dict[str, Any], code: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out.setdefault("finance", {})["currency"] = code
    return out


def test_eur_totals_are_the_usd_totals_times_the_rate():
    """Every catalog price is USD: counted in EUR, each option's upfront, TCO, NPV and cost per Mtok is the USD
    run's figure x (1 / 1.1225). The scenario's own money inputs are written 'N USD' so they stay the same
    amounts; nothing but the currency changes, so the ranking and the sizing stay the same too."""
    doc = _money_in_usd(_example())
    usd, eur = compare(_currency(doc, "USD"), samples=0), compare(_currency(doc, "EUR"), samples=0)
    assert eur.convention.currency == "EUR" and eur.cheapest == usd.cheapest
    pairs = [(u, e) for u, e in zip(usd.options, eur.options, strict=True) if u.feasible]
    assert len(pairs) >= 3
    for u, e in pairs:
        assert e.id == u.id and e.units == u.units
        for field in ("upfront_usd", "tco_usd", "npv_usd", "usd_per_mtok"):
            assert math.isclose(getattr(e, field), getattr(u, field) * EUR_PER_USD, rel_tol=REL,
                                abs_tol=ROUNDED), (u.id, field)
        for cat, value in u.by_category_usd.items():
            assert math.isclose(e.by_category_usd[cat], value * EUR_PER_USD, rel_tol=REL, abs_tol=ROUNDED), (u.id, cat)


def test_the_rate_and_its_date_are_in_the_json_and_usd_runs_have_none():
    """--json says which rate the amounts went through and when it was published; a USD run converts nothing
    and its document keeps the keys it always had."""
    eur = compare(_currency(_example(), "EUR"), samples=0).to_dict()["convention"]
    fx = eur["exchange_rate"]
    assert eur["currency"] == "EUR" and fx["symbol"] == "€" and fx["as_of"] == "2026-10-02"
    assert math.isclose(fx["units_per_usd"], EUR_PER_USD, rel_tol=REL)
    assert "ecb.europa.eu" in fx["source"] and "does not vary exchange rates" in fx["note"]
    assert "exchange_rate" not in compare(_example(), samples=0).to_dict()["convention"]


def test_a_eur_input_in_a_usd_scenario_is_divided_by_the_rate():
    """120,000 EUR a year for a sysadmin in a USD scenario is 120,000 / (1 / 1.1225) = 134,700 USD, and the
    comparison costs it exactly as if 134,700 USD had been written; the conversion is listed."""
    written = _example()
    written.setdefault("site", {})["sysadmin_loaded_usd_per_year"] = "120,000 EUR"
    plain = _example()
    plain.setdefault("site", {})["sysadmin_loaded_usd_per_year"] = 120_000 / EUR_PER_USD
    s = parse_scenario(written)
    assert math.isclose(s.site.sysadmin_loaded_usd_per_year, 134_700.0, rel_tol=REL)
    a, b = compare(s, samples=0), compare(plain, samples=0)
    for x, y in zip(a.options, b.options, strict=True):
        assert x.tco_usd == pytest.approx(y.tco_usd, rel=REL)
    (line,) = a.convention.exchange_rate.converted_inputs
    assert line.startswith("site.sysadmin_loaded_usd_per_year: 120,000.00 EUR = 134,700.00 USD")


def test_plain_numbers_mean_the_scenario_currency():
    """Old files keep their meaning: a plain number is in finance.currency (here 12,000 EUR an hour of downtime
    and a 95,000 EUR wage, not converted: a user's own amount is never converted twice), and a number written as
    a string ('250000') is still read as before."""
    doc = _currency(_example(), "EUR")
    doc["options"][0]["purchase_usd"] = "250000"
    doc.setdefault("site", {})["sysadmin_loaded_usd_per_year"] = 95_000
    s = parse_scenario(doc)
    assert s.criteria.downtime_usd_per_hour == 12_000 and s.options[0].purchase_usd == 250_000
    used = {a.name: a for a in compare(s, samples=0).assumptions}
    wage = used["sysadmin_loaded_usd_per_year"]  # the wage the staff lines used: as written, not converted
    assert wage.value == 95_000 and wage.source == "scenario file"


def test_gbp_input_in_a_eur_scenario_goes_through_the_euro():
    """ECB rates are per euro: 100,000 GBP = 100,000 / 0.85033 EUR (GBP row of fx.csv, 2026-10-02)."""
    doc = _currency(_example(), "EUR")
    doc.setdefault("site", {})["ml_engineer_loaded_usd_per_year"] = "100000 gbp"
    s = parse_scenario(doc)
    assert math.isclose(s.site.ml_engineer_loaded_usd_per_year, 100_000 / 0.85033, rel_tol=REL)


@pytest.mark.parametrize(("where", "value", "field"), [
    (("finance", "currency"), "XYZ", "finance.currency"),
    (("site", "sysadmin_loaded_usd_per_year"), "90000 XYZ", "site.sysadmin_loaded_usd_per_year"),
    (("site", "sysadmin_loaded_usd_per_year"), "ninety thousand", "site.sysadmin_loaded_usd_per_year"),
])
def test_unknown_currency_is_one_line_naming_the_field(where, value, field):
    doc = _example()
    doc.setdefault(where[0], {})[where[1]] = value
    with pytest.raises(InputError) as exc:
        parse_scenario(doc)
    msg = str(exc.value)
    assert msg.startswith(f"{field}: ") and value in msg and "EUR" in msg and "\n" not in msg


def test_unknown_currency_exits_2_on_the_cli(invoke, tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_currency(_example(), "EURO")), encoding="utf-8")
    res = invoke("compare", str(path), "--samples", "0")
    assert res.exit_code == 2 and "Traceback" not in res.output
    (line,) = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert "finance.currency" in line and "'EURO'" in line and "GBP" in line


def test_unknown_currency_is_422_on_the_api(tmp_path: Path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    body = {"name": "api", "model": {"name": "llama-3.1-8b"}, "workload": {"requests_per_month": 1000},
            "options": [{"kind": "api", "input_usd_per_mtok": 0.1, "output_usd_per_mtok": 0.2}],
            "finance": {"horizon_months": 12, "currency": "XYZ"}}
    with TestClient(create_app(f"sqlite:///{tmp_path / 'api.db'}")) as client:
        r = client.post("/api/v1/compare", json=body)
        assert r.status_code == 422
        assert any(d["field"] == "finance.currency" for d in r.json()["detail"])
        body["finance"]["currency"] = "GBP"
        ok = client.post("/api/v1/compare?samples=100", json=body)
        assert ok.status_code == 200 and ok.json()["convention"]["currency"] == "GBP"


def test_a_user_catalog_row_priced_in_eur_enters_the_catalog_in_usd(tmp_path: Path):
    """A negotiated quote of 300,000 EUR for a bundled server build is 300,000 x 1.1225 = 336,750 USD in the
    catalog (whose prices are USD), and its source says it was converted."""
    (tmp_path / "servers.csv").write_text(
        "id,purchase_usd,currency,as_of,source\n"
        "hgx-h100-8x-oem,300000,EUR,2026-11,reseller quote\n", encoding="utf-8")
    try:
        catalog.use_catalogs([tmp_path])
        row = catalog.get_server("hgx-h100-8x-oem")
        assert math.isclose(row.purchase_usd, 336_750.0, rel_tol=REL)
        assert "entered in EUR" in row.source
    finally:
        catalog.use_catalogs([])


def test_report_labels_follow_the_currency():
    """The EUR report writes euros: no '[USD]' money column, '€' before amounts, the xlsx money format in €, and
    the rate's date among the values that age (an exchange rate is a price)."""
    result = compare(_currency(_example(), "EUR"), samples=0)
    md = str(render(result, "md"))
    assert "TCO [USD]" not in md and "€ per Mtok" in md and "reference rate of 2026-10-02" in md
    doc = json.loads(str(render(result, "json", today=dt.date(2027, 6, 1))))  # 242 days after the rate's date
    summary = doc["report"]["summary"]
    assert any("€" in line for line in [summary["headline"], *summary["paragraphs"]])
    stale = {r["item"]: r["age_days"] for r in doc["report"]["staleness"]["stale"]}
    assert stale["fx: EUR per USD"] == 242


def test_the_web_form_offers_the_supported_currencies():
    from llmplace.scenario import scenario_json_schema
    from llmplace.web.form import form_sections

    fields = {f.path: f for sec in form_sections(scenario_json_schema()) for f in sec.fields}
    cur = fields["finance.currency"]
    assert cur.kind == "select"
    assert {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "INR", "CNY", "SEK"} <= set(cur.choices)


def test_a_document_with_a_converted_input_lists_only_its_real_errors():
    """The REST API lists every field error of a bad document: an amount written '95000 EUR' is not one of them."""
    from llmplace.web.documents import DocumentError, validate_document

    doc = _currency(_example(), "EUR")
    doc.setdefault("site", {})["sysadmin_loaded_usd_per_year"] = "95000 GBP"
    doc["workload"]["growth_pct_per_month"] = 500
    with pytest.raises(DocumentError) as exc:
        validate_document(doc)
    fields = [d["field"] for d in exc.value.detail]
    assert fields == ["workload.growth_pct_per_month"]


def test_a_money_distribution_may_carry_its_currency():
    """Distributions of money fields take amounts with their currency too, inline or under uncertainty.inputs:
    a triangular wage of 90,000 / 100,000 / 120,000 GBP in a EUR scenario is each bound / 0.85033 EUR."""
    doc = _currency(_example(), "EUR")
    doc.setdefault("site", {})["ml_engineer_loaded_usd_per_year"] = {
        "low": "90000 GBP", "mode": "100000 GBP", "high": "120000 GBP"}
    doc.setdefault("uncertainty", {}).setdefault("inputs", []).append(
        {"path": "site.sysadmin_loaded_usd_per_year", "p10": "80000 GBP", "p90": "110000 GBP"})
    s = parse_scenario(doc)
    got = {u.path: u for u in s.uncertainty.inputs}
    wage = got["site.ml_engineer_loaded_usd_per_year"]
    assert [wage.low, wage.mode, wage.high] == pytest.approx([x / 0.85033 for x in (90_000, 100_000, 120_000)],
                                                             rel=REL)
    sysadmin = got["site.sysadmin_loaded_usd_per_year"]
    assert [sysadmin.p10, sysadmin.p90] == pytest.approx([80_000 / 0.85033, 110_000 / 0.85033], rel=REL)


def test_monte_carlo_ranges_scale_by_the_rate_too():
    """The Monte Carlo draws multiply the converted prices (never convert them again): with the same seed, every
    percentile of every option's TCO in EUR is the USD one x (1 / 1.1225)."""
    doc = _money_in_usd(_example("classification-8b"))
    usd = compare(_currency(doc, "USD"), samples=100, seed=3)
    eur = compare(_currency(doc, "EUR"), samples=100, seed=3)
    ranged = [(u, e) for u, e in zip(usd.options, eur.options, strict=True) if u.risk and u.risk.tco_usd]
    assert len(ranged) >= 3
    for u, e in ranged:
        for p in ("p10", "p50", "p90"):
            assert math.isclose(getattr(e.risk.tco_usd, p), getattr(u.risk.tco_usd, p) * EUR_PER_USD, rel_tol=REL,
                                abs_tol=ROUNDED), (u.id, p)
