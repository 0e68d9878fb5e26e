"""The board pack: `report --format pptx` (a slide deck built with python-pptx, its chart native, no browser)
and `report --format pdf --one-page` (the executive summary alone, on one page).

Every figure checked here is read from the comparison result itself (options, Monte Carlo ranges,
cumulative costs), not pinned: the deck and the page only lay them out. Money is compared as the
report writes it (``format_usd``: whole dollars from $100), the chart's series exactly.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from pptx import Presentation

import llmplace
from llmplace.conventions import format_usd
from llmplace.report import render
from llmplace.report.board import data_dates
from llmplace.report.pdf import find_chromium
from llmplace.report.slides import CHART_TITLE, SLIDE_TITLES
from llmplace.results import CompareResult

from .conftest import EXAMPLES
from .test_cli import _one_line_error

EXAMPLE = next(p for p in EXAMPLES if p.stem == "internal-assistant-70b")
TODAY = dt.date(2026, 12, 1)


@cache
def _result() -> CompareResult:
    return llmplace.compare(EXAMPLE, samples=200, seed=7)


@cache
def _deck() -> Presentation:
    data = render(_result(), "pptx", today=TODAY)
    assert isinstance(data, bytes)
    return Presentation(io.BytesIO(data))


def _texts(slide) -> list[str]:
    return [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]


def _rows(slide, first_cell: str) -> list[list[str]]:
    """The rows of the slide's table whose header starts with ``first_cell``."""
    for sh in slide.shapes:
        if sh.has_table:
            rows = [[c.text for c in r.cells] for r in sh.table.rows]
            if rows[0][0] == first_cell:
                return rows
    raise AssertionError(f"no table headed {first_cell!r}")


def test_deck_has_the_six_slides_with_dated_footer():
    """Title, summary, chart, options, uncertainty, strategy and assumptions; every slide names the dates of
    the catalog data the result used (oldest and newest month)."""
    slides = list(_deck().slides)
    assert len(slides) == 6
    assert _texts(slides[0])[0] == _result().scenario
    assert [_texts(s)[0] for s in slides[1:]] == list(SLIDE_TITLES)
    dates = data_dates(_result(), TODAY, 10_000)
    assert dates.first is not None and dates.last is not None
    first, last = (dt.date.fromisoformat(d).strftime("%b %Y") for d in (dates.first, dates.last))
    for s in slides:
        assert any(f"{first} to {last}" in t for t in _texts(s)), _texts(s)


def test_summary_slide_tiles_hold_the_results_figures():
    """One row per recommended / cheapest / runner-up option with its upfront, TCO and $/Mtok as in the
    result; three reasons below."""
    r = _result()
    rec = r.recommendation
    assert rec is not None
    rows = _rows(list(_deck().slides)[1], "role")
    shown = {row[1]: row for row in rows[1:]}
    wanted = {rec.option, r.cheapest, rec.runner_up}
    assert len(shown) == len(wanted)
    for oid in wanted:
        o = r.find(oid)
        assert o is not None
        row = next(v for k, v in shown.items() if o.label.startswith(k.removesuffix("\u2026")))
        assert row[2:5] == [format_usd(o.upfront_usd), format_usd(o.tco_usd), format_usd(o.usd_per_mtok)]
    assert "recommended" in rows[1][0]
    why = next(t for t in _texts(list(_deck().slides)[1]) if t.startswith("Why"))
    assert [ln[:3] for ln in why.splitlines()[1:]] == ["1. ", "2. ", "3. "]


def test_chart_is_native_and_plots_each_options_cumulative_cash_cost():
    """A native line chart (no picture, no browser): one series per eligible option, its values the
    option's cumulative cash cost, month by month."""
    slide = list(_deck().slides)[2]
    charts = [sh.chart for sh in slide.shapes if sh.has_chart]
    assert len(charts) == 1 and not [sh for sh in slide.shapes if sh.shape_type == 13]  # 13: a picture
    chart = charts[0]
    assert chart.chart_title.text_frame.text == CHART_TITLE
    feasible = [o for o in _result().options if o.feasible]
    series = list(chart.plots[0].series)
    assert len(series) == len(feasible)
    for s, o in zip(series, feasible, strict=True):
        assert list(s.values) == pytest.approx(o.cumulative_usd, rel=1e-12)
    assert list(chart.plots[0].categories) == [str(m) for m in range(1, _result().horizon_months + 1)]


def test_uncertainty_slide_shows_probability_cheapest_and_p10_p90():
    r = _result()
    assert r.risk is not None
    rows = _rows(list(_deck().slides)[4], "option")
    ranged = sorted((o for o in r.options if o.feasible and o.risk), key=lambda o: o.tco_usd)
    assert len(rows) == len(ranged) + 1
    for row, o in zip(rows[1:], ranged, strict=True):
        risk = o.risk
        assert risk is not None and risk.probability_cheapest is not None
        assert row[1] == f"{risk.probability_cheapest:.0%}"
        assert (row[2], row[4]) == (format_usd(risk.tco_usd.p10), format_usd(risk.tco_usd.p90))


def test_options_slide_lists_every_option():
    rows = _rows(list(_deck().slides)[3], "option")
    assert len(rows) == len(_result().options) + 1
    tcos = {row[4] for row in rows[1:]}
    assert {format_usd(o.tco_usd) for o in _result().options if o.feasible} <= tcos


def test_cli_writes_the_deck_and_refuses_it_on_stdout(invoke, tmp_path):
    """The suffix picks pptx; a binary deck on standard output is refused in one line (exit 2)."""
    out = tmp_path / "board.pptx"
    res = invoke("report", str(EXAMPLE), "-o", str(out), "--samples", "0")
    assert res.exit_code == 0, res.output
    assert len(Presentation(str(out)).slides) == 6
    _one_line_error(invoke("report", str(EXAMPLE), "--format", "pptx", "-o", "-"), "--output", "pptx")


def test_one_page_is_a_pdf_option(invoke, tmp_path):
    """--one-page with another format is one line naming --one-page, before any work."""
    _one_line_error(invoke("report", str(EXAMPLE), "-o", str(tmp_path / "r.html"), "--one-page"),
                    "--one-page", "pdf")


@pytest.mark.skipif(find_chromium() is None or shutil.which("pdftotext") is None,
                    reason="needs the system chromium and pdftotext (the CI script installs both)")
def test_one_page_pdf_is_one_page_holding_the_tiles(invoke, tmp_path):
    """The board copy: exactly one page (pdftotext separates pages with a form feed), holding the
    headline, each tile's upfront and TCO as in the result, the three reasons and the data dates;
    none of the rest of the report (its options table, sizing, assumptions)."""
    out = tmp_path / "board.pdf"
    res = invoke("report", str(EXAMPLE), "-o", str(out), "--one-page", "--samples", "0")
    assert res.exit_code == 0, res.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True).stdout.decode()
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == 1, len(pages)
    r = llmplace.compare(EXAMPLE, samples=0)
    rec = r.recommendation
    assert rec is not None and rec.option is not None
    for oid in {rec.option, r.cheapest, rec.runner_up}:
        o = r.find(oid)
        assert o is not None
        assert format_usd(o.tco_usd) in pages[0] and format_usd(o.upfront_usd) in pages[0]
    assert "Why" in pages[0] and "3. " in pages[0] and "Catalog data and defaults dated" in pages[0]
    assert "Assumptions and sources" not in pages[0] and "Sizing" not in pages[0]


def test_deck_needs_no_browser(monkeypatch):
    """The chart is drawn from the numbers by python-pptx: no Chromium is looked for."""
    monkeypatch.setenv("LLMPLACE_CHROMIUM", str(Path("/nonexistent/chromium")))
    assert isinstance(render(_result(), "pptx", today=TODAY), bytes)


def test_the_summary_alone_is_the_reports_summary() -> None:
    """`compare` prints the board lines from ``summary_of`` (the summary without the report's other sections and
    their modules): it is the summary ``build`` puts in the report, field for field, on the amortised view too."""
    from llmplace.report.content import build
    from llmplace.report.summary import summary_of
    from llmplace.report.views import in_view

    for result in (_result(), in_view(_result(), "amortised")):
        assert summary_of(result, TODAY) == build(result, TODAY).summary
