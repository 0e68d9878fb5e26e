"""Report content: staleness of dated data, optional sections read from the result when present, honest
"not computed" lines when absent, and a summary whose figures are the result's own."""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import cache

import pytest

import llmplace
from llmplace.report import render, report_document
from llmplace.report.charts import build_charts, hybrid_shares, mc_ranges, p_cheapest, tornado_rows
from llmplace.report.content import NOT_COMPUTED, build, fmt_usd, parse_as_of, staleness

from .conftest import EXAMPLES

ENGINE_KEYS = ("recommendation", "risk", "tornado", "thresholds", "criteria", "weights", "criteria_sources")


@cache
def _doc(stem: str, samples: int) -> dict:
    path = next(p for p in EXAMPLES if p.stem == stem)
    return llmplace.compare(path, samples=samples or None, seed=1).to_dict()


def doc(stem: str = "internal-assistant-70b") -> dict:
    """The comparison alone: what the cost engine gives, without the later engines' sections."""
    d = copy.deepcopy(_doc(stem, 0))
    for key in ENGINE_KEYS:
        d.pop(key, None)
    for o in d["options"]:
        o.pop("risk", None)
        o.pop("criteria", None)
    return d


def full(stem: str = "internal-assistant-70b") -> dict:
    """Everything: recommendation, criteria, Monte Carlo, tornado and thresholds from their engines."""
    return copy.deepcopy(_doc(stem, 500))


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


def _dated_doc() -> dict:
    return {
        "assumptions": [
            {"name": "pue", "value": 1.5, "source": "survey", "as_of": "2024-03"},
            {"name": "electricity", "value": 0.1, "source": "EIA", "as_of": "2025-11-30"},
            {"name": "maintenance", "value": 10, "source": "web", "as_of": "undated"},
        ],
        "options": [
            {
                "id": "cloud",
                "assumptions": [
                    {
                        "name": "instance price",
                        "value": 5,
                        "source": "snap",
                        "as_of": "catalog snapshot read 2026-11-27",
                    },
                    {"name": "replica throughput", "value": 100, "source": "sizing", "as_of": None},
                    {"name": "quoted price", "value": 3, "source": "scenario file", "as_of": "scenario"},
                ],
                "catalog_rows": [
                    {
                        "catalog": "clouds",
                        "id": "aws/x",
                        "as_of": "catalog snapshot read 2026-11-27",
                        "source": "snap",
                    },
                    {"catalog": "gpus", "id": "h100", "as_of": "Aug-2024", "source": "whitepaper"},
                ],
            },
            {
                "id": "api",
                "assumptions": [],
                "catalog_rows": [
                    {
                        "catalog": "apis",
                        "id": "together/m",
                        "as_of": "genai-prices 0.2.3",
                        "source": "package",
                    }
                ],
            },
        ],
    }


def test_staleness_with_an_injected_date():
    st = staleness(_dated_doc(), dt.date(2026, 6, 1))
    items = {r["item"]: r["age_days"] for r in st["stale"]}
    # 2025-11-30 is 183 days before 2026-06-01: stale; the 2026-11-27 snapshot is recent.
    assert items == {
        "default: pue": (dt.date(2026, 6, 1) - dt.date(2024, 3, 31)).days,
        "default: electricity": 183,
        "gpus: h100": (dt.date(2026, 6, 1) - dt.date(2024, 8, 31)).days,
    }
    assert [r["item"] for r in st["stale"]][0] == "default: pue"  # oldest first
    undated = {r["item"] for r in st["undated"]}
    assert undated == {
        "default: maintenance",
        "apis: together/m",
    }  # scenario values and estimates are not data
    # three days earlier, 2025-11-30 is only 180 days old: not stale
    st2 = staleness(_dated_doc(), dt.date(2026, 5, 29))
    assert "default: electricity" not in {r["item"] for r in st2["stale"]}


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
    s = c["summary"]
    cheapest = next(o for o in d["options"] if o["id"] == d["cheapest"])
    assert s["basis"] == "cost" and s["cheapest"] == d["cheapest"]
    text = " ".join(s["paragraphs"])
    assert fmt_usd(cheapest["tco_usd"]) in text and fmt_usd(cheapest["usd_per_mtok"]) in text
    assert "cost alone" in text  # says no recommendation was computed
    be = [b for b in d["break_even"] if b["view"] == "cash" and b["month"] is not None]
    assert len(c["break_even"]) == len(be)
    assert {round(b["month"], 4) for b in c["break_even"]} == {round(b["month"], 4) for b in be}


def test_sections_without_an_engine_say_so():
    d = doc("classification-8b")
    c = build(d)
    assert not c["risk"]["computed"] and c["risk"]["note"] == NOT_COMPUTED
    assert not c["sensitivity"]["tornado"]["computed"] and not c["sensitivity"]["thresholds"]["computed"]
    assert not c["criteria"]["computed"]
    ids = {ch.id for ch in build_charts(d, c)}
    assert ids >= {"tco", "cumulative", "monthly"} and not ids & {"mc", "pcheapest", "tornado"}
    html = render(d, "html")
    assert isinstance(html, str) and html.count(NOT_COMPUTED) >= 4


def test_sections_from_the_engines():
    d = full()
    c = build(d)
    rec = d["recommendation"]
    s = c["summary"]
    assert s["basis"] == "recommendation" and s["recommended"] == rec["option"]
    assert (
        s["paragraphs"][0] == rec["summary"] and s["reasons"] == rec["reasons"] and s["plan"] == rec["plan"]
    )
    assert s["what_would_change"] == rec["would_change_if"]
    mine = next(o for o in d["options"] if o["id"] == rec["option"])
    assert fmt_usd(mine["tco_usd"]) in " ".join(s["paragraphs"])
    assert c["risk"]["computed"] and c["criteria"]["computed"]
    assert c["sensitivity"]["tornado"]["computed"] and c["sensitivity"]["thresholds"]["computed"]
    ranges = mc_ranges(d)
    for o in d["options"]:
        if o.get("risk"):
            t = o["risk"]["tco_usd"]
            assert ranges[o["id"]] == (t["p10"], t["p50"], t["p90"])
    assert p_cheapest(d) == {k: v for k, v in d["risk"]["probability_cheapest"].items()}
    scores = c["criteria"]["tables"][0]
    assert scores["columns"][:2] == ["criterion", "weight"]
    ranked = [o for o in d["options"] if o["criteria"]["rank"] == 1]
    assert ranked and ranked[0]["id"] == rec["option"]
    ids = {ch.id for ch in build_charts(d, c)}
    assert {"tco", "cumulative", "monthly", "mc", "pcheapest", "tornado", "criteria"} <= ids
    html = render(d, "html")
    assert isinstance(html, str) and NOT_COMPUTED not in html
    for t in d["thresholds"]:
        assert t["statement"] in html


def enriched(stem: str = "internal-assistant-70b") -> dict:
    """A result with every optional engine's output in other shapes than today's engines give (test data
    only): the readers must not depend on one layout."""
    d = doc(stem)
    feasible = [o for o in d["options"] if o["feasible"]]
    ids = [o["id"] for o in feasible]
    d["recommendation"] = {
        "option": ids[0],
        "headline": "Start on the API, revisit at month 18.",
        "reasons": ["lowest cost in most draws", "no upfront commitment"],
        "risks": [{"text": "API price rises"}],
        "what_would_change": ["volume above 3x"],
    }
    d["risk"] = {
        "samples": 500,
        "options": {
            i: {
                "tco_p5_usd": o["tco_usd"] * 0.8,
                "tco_p50_usd": o["tco_usd"],
                "tco_p95_usd": o["tco_usd"] * 1.3,
                "p_cheapest": 1 / len(ids),
            }
            for i, o in zip(ids, feasible, strict=True)
        },
        "tornado": [
            {"input": "electricity price", "low_usd": 90.0, "high_usd": 120.0, "base_usd": 100.0},
            {"input": "GPU price", "low_usd": 70.0, "high_usd": 150.0, "base_usd": 100.0},
        ],
    }
    d["thresholds"] = [{"input": "requests_per_month", "value": 4.2e6, "switches_to": ids[-1]}]
    d["criteria"] = {
        "weights": {"privacy": 0.5, "latency": 0.5},
        "scores": {i: {"privacy": 3, "latency": 4} for i in ids},
    }
    return d


def test_optional_sections_render_from_the_result():
    d = enriched()
    c = build(d)
    assert c["summary"]["basis"] == "recommendation"
    assert c["summary"]["headline"] == "Start on the API, revisit at month 18."
    assert c["summary"]["reasons"] == ["lowest cost in most draws", "no upfront commitment"]
    assert c["summary"]["risks"] == ["API price rises"]
    assert c["risk"]["computed"] and c["sensitivity"]["tornado"]["computed"] and c["criteria"]["computed"]
    ranges = mc_ranges(d)
    some = next(iter(ranges))
    tco = next(o["tco_usd"] for o in d["options"] if o["id"] == some)
    assert ranges[some] == pytest.approx((tco * 0.8, tco, tco * 1.3))
    assert sum(p_cheapest(d).values()) == pytest.approx(1.0)
    assert [r[0] for r in tornado_rows(d["risk"]["tornado"])] == ["electricity price", "GPU price"]
    ids = {ch.id for ch in build_charts(d, c)}
    assert {"mc", "pcheapest", "tornado"} <= ids
    html = render(d, "html")
    md = render(d, "md")
    assert isinstance(html, str) and isinstance(md, str)
    for text in (
        "lowest cost in most draws",
        "API price rises",
        "volume above 3x",
        "requests_per_month",
        "privacy",
    ):
        assert text in html and text in md
    assert html.count(NOT_COMPUTED) == 0


def test_hybrid_split_is_read_from_the_option():
    d = doc()
    hybrids = [o for o in d["options"] if o["kind"] == "hybrid"]
    if not hybrids:
        pytest.skip("the bundled example has no hybrid option")
    h = hybrids[0]
    c = build(d)
    assert c["hybrid"]["computed"]
    shares = hybrid_shares(c["hybrid"]["data"])[h["id"]]
    assert shares == {
        h["hybrid"]["base"]: h["hybrid"]["share_served_by_base"],
        h["hybrid"]["overflow"]: h["hybrid"]["share_served_by_overflow"],
    }
    assert "hybrid" in {ch.section for ch in build_charts(d, c)}


def test_report_document_is_the_compare_document_plus_sections():
    d = doc()
    rep = report_document(d, dt.date(2026, 11, 28))
    body = dict(rep)
    sections = body.pop("report")
    assert body == d
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
    n = len(d["assumptions"]) + sum(len(o["assumptions"]) for o in d["options"])
    assert len(sections["assumptions"]) == n
    assert all("source" in a and "as_of" in a for a in sections["assumptions"])


def test_sizing_rows_match_the_result():
    d = doc()
    c = build(d)
    for row in c["sizing"]:
        o = next(x for x in d["options"] if x["id"] == row["id"])
        if not o["feasible"]:
            continue
        cap = o["capacity"]
        assert row["peak_units"] == max(o["units"])
        assert row["gpus_per_replica"] == cap["gpus_per_replica"]
        assert row["peak_gpus_in_use"] == max(o["units"]) * cap["gpus_per_replica"] * cap["replicas_per_unit"]
        assert row["output_tokens_per_s_per_replica"] == cap["output_tokens_per_s_per_replica"]


def test_xlsx_keeps_formula_like_names_as_text_and_drops_control_characters(tmp_path):
    """A scenario name or option id such as ``=1+2`` must never become a spreadsheet formula."""
    import io

    import openpyxl

    import llmplace
    from llmplace.report import render

    doc = {
        "name": "=HYPERLINK(\"x\")\x07",
        "model": {"name": "llama-3.1-8b"},
        "workload": {"requests_per_month": 1000},
        "options": [{"kind": "api", "id": "=1+2", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2}],
    }
    book = openpyxl.load_workbook(io.BytesIO(render(llmplace.compare(doc), "xlsx")))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(c.value == "=1+2" for c in cells)
    assert not any(isinstance(c.value, str) and "\x07" in c.value for c in cells)
