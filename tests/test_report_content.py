"""Report content: staleness of dated data, optional sections read from the result when present, honest
"not computed" lines when absent, and a summary whose figures are the result's own."""

from __future__ import annotations

import datetime as dt
import html as html_text
import json
import re
from functools import cache

import pytest

import llmplace
from llmplace.errors import InputError
from llmplace.report import render, report_document
from llmplace.report.charts import build_charts, hybrid_shares, mc_ranges, p_cheapest, tornado_rows
from llmplace.report.content import NOT_COMPUTED, build, fmt_usd, parse_as_of, staleness
from llmplace.results import Assumption, CatalogRowRef, CompareResult, OptionResult, SiteAssumption

from .conftest import EXAMPLES


@cache
def _result(stem: str, samples: int) -> CompareResult:
    path = next(p for p in EXAMPLES if p.stem == stem)
    return llmplace.compare(path, samples=samples or None, seed=1)


def doc(stem: str = "internal-assistant-70b") -> CompareResult:
    """The comparison alone: what the cost engine gives, without the later engines' sections."""
    r = _result(stem, 0)
    options = [o.model_copy(update={"risk": None, "criteria": None}) for o in r.options]
    return r.model_copy(update={"options": options, "recommendation": None, "risk": None, "tornado": None,
                                "thresholds": None, "weights": None, "criteria_sources": []}, deep=True)


def full(stem: str = "internal-assistant-70b") -> CompareResult:
    """Everything: recommendation, criteria, Monte Carlo, tornado and thresholds from their engines."""
    return _result(stem, 500).model_copy(deep=True)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2025-11-30", dt.date(2025, 11, 30)),
        ("2024-03", dt.date(2024, 3, 31)),  # a month stands for its last day
        ("2024-02", dt.date(2024, 2, 29)),
        ("2026", dt.date(2026, 12, 31)),
        ("catalog snapshot read 2026-11-27", dt.date(2026, 11, 27)),
        ("Aug-2024", dt.date(2024, 8, 31)),
        ("archived Sep 2026", dt.date(2026, 9, 30)),
        ("genai-prices 0.2.3", None),
        ("scenario", None),
        ("undated", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_as_of(text, expected):
    assert parse_as_of(text) == expected


def _dated_doc() -> CompareResult:
    """A result whose site values, options' assumptions and catalog rows carry the dates under test."""
    snapshot = "catalog snapshot read 2026-11-27"
    cloud = OptionResult(
        id="cloud", kind="cloud", label="cloud", feasible=True,
        assumptions=[
            Assumption(name="instance price", value=5, unit="USD/h", source="snap", as_of=snapshot),
            Assumption(name="replica throughput", value=100, unit="tokens/s", source="sizing", as_of=None),
            Assumption(name="quoted price", value=3, unit="USD/h", source="scenario file", as_of="scenario"),
        ],
        catalog_rows=[CatalogRowRef(catalog="clouds", id="aws/x", as_of=snapshot, source="snap"),
                      CatalogRowRef(catalog="gpus", id="h100", as_of="Aug-2024", source="whitepaper")],
    )
    api = OptionResult(id="api", kind="api", label="api", feasible=True, catalog_rows=[
        CatalogRowRef(catalog="apis", id="together/m", as_of="genai-prices 0.2.3", source="package")])
    site = [
        SiteAssumption(name="pue", value=1.5, source="survey", as_of="2024-03"),
        SiteAssumption(name="electricity", value=0.1, source="EIA", as_of="2025-11-30"),
        SiteAssumption(name="maintenance", value=10, source="web", as_of="undated"),
    ]
    return doc().model_copy(update={"assumptions": site, "options": [cloud, api]})


def test_staleness_with_an_injected_date():
    st = staleness(_dated_doc(), dt.date(2026, 6, 1))
    items = {r.item: r.age_days for r in st.stale}
    # 2025-11-30 is 183 days before 2026-06-01: stale; the 2026-11-27 snapshot is recent. The PUE survey
    # figure (2024-03) and the GPU datasheet (Aug-2024) are older but are facts, not prices: they do not
    # age (catalog/data/ageing.csv), so they are not listed.
    assert items == {"default: electricity": 183}
    older = staleness(_dated_doc(), dt.date(2027, 6, 1)).stale
    assert [r.item for r in older] == ["default: electricity", "clouds: aws/x"]  # oldest first
    undated = {r.item for r in st.undated}
    assert undated == {
        "default: maintenance",
        "apis: together/m",
    }  # scenario values and estimates are not data
    # three days earlier, 2025-11-30 is only 180 days old: not stale
    st2 = staleness(_dated_doc(), dt.date(2026, 5, 29))
    assert "default: electricity" not in {r.item for r in st2.stale}


def test_staleness_warning_in_every_text_format():
    d = doc()
    old = dt.date(2030, 1, 1)
    html = render(d, "html", today=old)
    md = render(d, "md", today=old)
    data = json.loads(render(d, "json", today=old))
    assert isinstance(html, str) and isinstance(md, str)
    stale = data["report"]["staleness"]["stale"]
    assert stale and all(r["age_days"] > 180 for r in stale)
    assert "catalog data older than 180 days" in html and "catalog data older than 180 days" in md
    for r in stale:
        assert r["item"] in html and r["item"] in md
    early = dt.date(2010, 1, 1)  # every date lies in the future: no warning
    assert "catalog data older than" not in render(d, "html", today=early)
    assert json.loads(render(d, "json", today=early))["report"]["staleness"]["stale"] == []


def test_summary_states_the_cheapest_with_its_figures():
    d = doc()
    c = build(d, dt.date(2026, 11, 28))
    s = c.summary
    cheapest = d.option(d.cheapest or "")
    assert s.basis == "cost" and s.cheapest == d.cheapest
    text = " ".join(s.paragraphs)
    assert fmt_usd(cheapest.tco_usd) in text and fmt_usd(cheapest.usd_per_mtok) in text
    assert "cost alone" in text  # says no recommendation was computed
    be = [b for b in d.break_even if b.view == "cash" and b.month is not None]
    assert len(c.break_even) == len(be)
    assert {round(b.month, 4) for b in c.break_even} == {round(b.month or 0, 4) for b in be}


def test_sections_without_an_engine_say_so():
    d = doc("classification-8b")
    c = build(d)
    assert not c.risk.computed and c.risk.note == NOT_COMPUTED
    assert not c.sensitivity.tornado.computed and not c.sensitivity.thresholds.computed
    assert not c.criteria.computed
    ids = {ch.id for ch in build_charts(d, c)}
    assert ids >= {"tco", "cumulative", "monthly"} and not ids & {"mc", "pcheapest", "tornado"}
    html = render(d, "html")
    assert isinstance(html, str) and html.count(NOT_COMPUTED) >= 4


def test_sections_from_the_engines():
    d = full()
    c = build(d)
    rec = d.recommendation
    assert rec is not None and d.risk is not None
    s = c.summary
    assert s.basis == "recommendation" and s.recommended == rec.option
    # the lead gives the scores by label; 'Recommended: ...' is the headline alone (said once)
    assert s.paragraphs[0].startswith("It scores ") and s.reasons == rec.reasons and s.plan == rec.plan
    assert s.what_would_change == rec.would_change_if
    mine = d.option(rec.option or "")
    assert fmt_usd(mine.tco_usd) in " ".join(s.paragraphs)
    assert c.risk.computed and c.criteria.computed
    assert c.sensitivity.tornado.computed and c.sensitivity.thresholds.computed
    ranges = mc_ranges(d)
    for o in d.options:
        if o.risk is not None:
            t = o.risk.tco_usd
            assert ranges[o.id] == (t.p10, t.p50, t.p90)
    assert p_cheapest(d) == d.risk.probability_cheapest
    scores = c.criteria.tables[0]
    assert scores.columns[:2] == ["criterion", "weight"]
    ranked = [o for o in d.options if o.criteria is not None and o.criteria.rank == 1]
    assert ranked and ranked[0].id == rec.option
    ids = {ch.id for ch in build_charts(d, c)}
    assert {"tco", "cumulative", "monthly", "mc", "pcheapest", "tornado", "criteria"} <= ids
    assert [r[0] for r in tornado_rows(d)] == [
        r.label for r in sorted(d.tornado or [], key=lambda r: abs(r.gap_at_high_usd - r.gap_at_low_usd))]
    html = render(d, "html")
    assert isinstance(html, str) and NOT_COMPUTED not in html
    for t in d.thresholds or []:
        assert html_text.escape(t.statement) in html


def test_recommendation_and_thresholds_render_in_every_text_format():
    d = full()
    rec = d.recommendation
    assert rec is not None and rec.reasons and rec.risks and rec.would_change_if
    page, md = render(d, "html"), render(d, "md")
    assert isinstance(page, str) and isinstance(md, str)
    for text in [*rec.reasons, *rec.risks, *rec.would_change_if, *rec.plan]:
        assert html_text.escape(text) in page and text in md
    for t in d.thresholds or []:
        assert t.label in md
    for criterion in (d.weights.shares if d.weights else {}):
        assert criterion.replace("_", " ") in page and criterion.replace("_", " ") in md
    assert page.count(NOT_COMPUTED) == 0 and md.count(NOT_COMPUTED) == 0


def test_hybrid_split_is_read_from_the_option():
    d = doc()
    hybrids = [o for o in d.options if o.kind == "hybrid" and o.hybrid is not None]
    if not hybrids:
        pytest.skip("the bundled example has no hybrid option")
    h = hybrids[0]
    plan = h.hybrid
    assert plan is not None
    c = build(d)
    assert c.hybrid.computed and c.hybrid.data == {h.id: plan}
    shares = hybrid_shares(d)[h.id]
    assert shares == {plan.base: plan.share_served_by_base, plan.overflow: plan.share_served_by_overflow}
    assert "hybrid" in {ch.section for ch in build_charts(d, c)}


def test_report_document_is_the_compare_document_plus_sections():
    d = doc()
    rep = report_document(d, dt.date(2026, 11, 28))
    body = dict(rep)
    sections = body.pop("report")
    assert body == d.to_dict()
    assert sections == build(d, dt.date(2026, 11, 28)).model_dump(mode="json")
    assert {
        "summary",
        "options",
        "break_even",
        "tco_by_category",
        "hybrid",
        "risk",
        "sensitivity",
        "criteria",
        "sizing",
        "assumptions",
        "catalog_rows",
        "staleness",
    } <= set(sections)
    # every assumption of the result is in the table, with its source and date
    n = len(d.assumptions) + sum(len(o.assumptions) for o in d.options)
    assert len(sections["assumptions"]) == n
    assert all("source" in a and "as_of" in a for a in sections["assumptions"])


def test_a_saved_document_is_validated_once_and_reports_the_same():
    d = full()
    day = dt.date(2026, 11, 28)
    for fmt in ("json", "md", "html"):
        assert render(d.to_dict(), fmt, today=day) == render(d, fmt, today=day)
    assert report_document(d.to_dict(), day) == report_document(d, day)


@pytest.mark.parametrize("bad", [{"scenario": "x"}, {**doc().to_dict(), "horizon_months": "long"}, [1, 2], "x"])
def test_anything_but_a_result_is_bad_input(bad):
    with pytest.raises(InputError) as err:
        render(bad, "md")
    assert err.value.field == "result" and err.value.allowed == "a CompareResult or its to_dict() document"


def test_section_tables_keep_the_json_shape():
    c = build(full())
    tables = [t.model_dump() for sec in (c.hybrid, c.risk, c.sensitivity.tornado, c.criteria) for t in sec.tables]
    assert tables and all(set(t) == {"title", "columns", "rows"} or set(t) == {"title", "columns", "rows", "collapsed"}
                          for t in tables)
    assert [t["title"] for t in tables if t.get("collapsed")] == ["Why each score"]


def test_sizing_rows_match_the_result():
    d = doc()
    c = build(d)
    assert [row.id for row in c.sizing] == [o.id for o in d.options if o.kind != "api"]
    for row in c.sizing:
        o = d.option(row.id)
        if not o.feasible:
            continue
        cap = o.capacity
        assert cap is not None
        assert row.peak_units == max(o.units)
        assert row.gpus_per_replica == cap.gpus_per_replica
        assert row.peak_gpus_in_use == max(o.units) * cap.gpus_per_replica * cap.replicas_per_unit
        assert row.output_tokens_per_s_per_replica == cap.output_tokens_per_s_per_replica


def test_xlsx_keeps_formula_like_names_as_text_and_drops_control_characters(tmp_path):
    """A scenario name or option id such as ``=1+2`` must never become a spreadsheet formula."""
    import io

    import openpyxl

    import llmplace
    from llmplace.report import render

    doc = {
        "name": "=HYPERLINK(\"x\")",
        "model": {"name": "llama-3.1-8b"},
        "workload": {"requests_per_month": 1000},
        "options": [{"kind": "api", "id": "=1+2", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2}],
    }
    # scenario input refuses control characters; a saved result from elsewhere may still hold one
    result = llmplace.compare(doc)
    result = result.model_copy(update={"scenario": result.scenario + "\x07"})
    book = openpyxl.load_workbook(io.BytesIO(render(result, "xlsx")))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    # the only formulas are the workbook's own totals: sums over cash flows and references to them
    ours = re.compile(r"=SUM\([A-Z]+\d+:[A-Z]+\d+\)|='Cash flows'![A-Z]+\d+")
    assert not [c for c in cells if c.data_type == "f" and not ours.fullmatch(str(c.value))]
    assert any(c.value == "=1+2" and c.data_type == "s" for c in cells)
    assert not any(isinstance(c.value, str) and "\x07" in c.value for c in cells)


def test_risk_table_keeps_option_order_for_medians_that_differ_in_the_last_bits():
    """Two options whose median TCO differ only by floating-point rounding (the same cost summed in another
    order: 1e6 and its next representable value, a relative gap of ~1e-16, far inside the 1e-9 tie tolerance of
    ``conventions.TIE_REL_TOL``) are a tie: the risk table lists them in option order, as ``tied_shares`` splits
    their probability, not by last bits. A real gap (1 %) still orders them by cost."""
    import math

    from llmplace.conventions import order_with_ties
    from llmplace.report.uncertainty import _tco_table
    from llmplace.results import OptionRisk, Percentiles

    def risk(p50: float) -> OptionRisk:
        pct = Percentiles(p10=p50, p50=p50, p90=p50, mean=p50)
        return OptionRisk(tco_usd=pct, npv_usd=pct, probability_cheapest=0.5, tco_spread_pct=0.0,
                          monthly_cost_spread_pct=0.0, break_even_months={})

    tied = {"first": risk(math.nextafter(1e6, 2e6)), "second": risk(1e6), "dear": risk(0.99e6 * 1.02)}
    rows = _tco_table(tied, {}, set()).rows
    assert [r[0] for r in rows] == ["first", "second", "dear"]
    gap = {"first": risk(1.01e6), "second": risk(1e6)}
    assert [r[0] for r in _tco_table(gap, {}, {"none"}).rows] == ["second", "first"]
    assert [r[0] for r in _tco_table(gap, {}, {"second"}).rows] == ["first", "second (excluded: not ranked)"]
    assert order_with_ties([3.0, 1.0, 1.0 + 1e-12, 2.0]) == [1, 2, 3, 0]
