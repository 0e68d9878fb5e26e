"""The report says why a cheaper option is not recommended when the reason is that it is deprecated.

Two in-house options: a dual RTX 4090 workstation, deprecated in the catalog (production ended in
October 2024), and a dual RTX 5090 one with 2 USD an hour of extra running cost. The 4090 build costs
less over the horizon and scores higher, but the recommendation leaves it out of the ranking as no
longer sold. The summary used to say the criteria beyond cost outweigh the cost gap, which is false
here (the deprecated option scores higher); it must give the catalog's reason instead, and mark the
deprecated option on its tile and in the options table.
"""

from __future__ import annotations

import datetime as dt
import html as html_text
import re
from functools import cache

import yaml

import llmplace
from llmplace.report import render
from llmplace.report.content import build, fmt_usd
from llmplace.results import CompareResult, OptionResult

from .conftest import EXAMPLES

TODAY = dt.date(2026, 12, 3)


@cache
def _result() -> CompareResult:
    base = yaml.safe_load(next(p for p in EXAMPLES if p.stem == "classification-8b").read_text(encoding="utf-8"))
    base["options"] = [
        {"kind": "in_house", "id": "ws4090", "server": "ws-2x-rtx4090", "lead_time_weeks": 0},
        {"kind": "in_house", "id": "ws5090", "server": "ws-2x-rtx5090", "opex_usd_per_hour": 2,
         "lead_time_weeks": 0},
    ]
    return llmplace.compare(base, seed=1)


def _pair() -> tuple[CompareResult, OptionResult, OptionResult]:
    r = _result()
    old, new = r.find("ws4090"), r.find("ws5090")
    assert old is not None and new is not None
    # the premises of the case: the deprecated option is cheaper and scores higher, yet is not recommended
    assert old.deprecated and not new.deprecated
    assert old.tco_usd < new.tco_usd
    assert old.criteria and new.criteria and (old.criteria.weighted_total or 0) > (new.criteria.weighted_total or 0)
    assert r.recommendation is not None and r.recommendation.option == "ws5090"
    return r, old, new


def test_summary_gives_the_deprecation_not_the_criteria_as_the_reason():
    r, old, new = _pair()
    reasons = build(r, TODAY).summary.key_reasons
    cost = reasons[0]
    assert "outweigh" not in " ".join(reasons)  # the criteria favour the deprecated option: no such claim
    assert "deprecated (no longer sold)" in cost and old.label in cost
    # the catalog row's reason, as the result carries it
    since = re.search(r"deprecated since [\d-]+", old.deprecated or "")
    assert since is not None and since.group(0) in cost
    assert fmt_usd(old.tco_usd) in cost and fmt_usd(new.tco_usd - old.tco_usd) in cost
    assert fmt_usd(new.tco_usd) in cost
    detail = next(p for p in build(r, TODAY).summary.paragraphs if p.startswith("The cheapest option"))
    assert old.label in detail and "deprecated (no longer sold)" in detail


def test_deprecated_option_is_marked_on_its_tile_and_in_the_options_table():
    r, old, _ = _pair()
    c = build(r, TODAY)
    tile = next(t for t in c.summary.tiles if t.id == "ws4090")
    assert "deprecated" in tile.roles
    assert all("deprecated" not in t.roles for t in c.summary.tiles if t.id != "ws4090")
    page = html_text.unescape(str(render(r, "html", today=TODAY)))
    assert "outweigh" not in page
    assert re.search(r'class="role">[^<]*deprecated', page)
    md = str(render(r, "md", today=TODAY))
    assert re.search(rf"\| {re.escape(old.label)} \([^)]*deprecated\) \|", md)
    assert "left out of the ranking as deprecated" in md
