"""The PDF report: printed by the system Chromium alone (no Python browser package), page 1 holds the
summary, collapsed sections are printed open, and a missing browser is one readable line.

The page checks read the PDF's text with ``pdftotext`` (Debian's poppler-utils, installed by the CI
script); they are skipped where Chromium or pdftotext is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmplace.report.pdf import find_chromium, print_copy

from .conftest import EXAMPLES
from .test_cli import _one_line_error

EXAMPLE = str(next(p for p in EXAMPLES if p.stem == "internal-assistant-70b"))
needs_pdf = pytest.mark.skipif(find_chromium() is None or shutil.which("pdftotext") is None,
                               reason="needs the system chromium and pdftotext (the CI script installs both)")


def _pages(pdf: Path) -> list[str]:
    """The PDF's text, page by page (pdftotext separates pages with a form feed)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True).stdout
    return text.decode().split("\f")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> list[str]:
    """The example's PDF, printed once with the playwright package made unimportable."""
    from typer.testing import CliRunner

    from llmplace.cli import app

    out = tmp_path_factory.mktemp("pdf") / "board.pdf"
    saved = {k: v for k, v in sys.modules.items() if k == "playwright" or k.startswith("playwright.")}
    sys.modules["playwright"] = None  # type: ignore[assignment]
    try:
        res = CliRunner().invoke(app, ["report", EXAMPLE, "-o", str(out), "--samples", "0"])
    finally:
        del sys.modules["playwright"]
        sys.modules.update(saved)
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"%PDF")
    return _pages(out)


@needs_pdf
def test_pdf_needs_no_playwright_package(printed):
    """`pip install .` does not install playwright (a test extra only); the PDF used to need it and
    failed with 'pdf needs the playwright Python package'. Printed with the package unimportable."""
    assert len(printed) > 2


@needs_pdf
def test_page_one_holds_the_executive_summary(printed):
    """A board reader sees the whole summary on page 1 and nothing else: the recommendation, the key
    figures of the recommended and cheapest options, three reasons, the chart and the data's dates;
    the detail starts on page 2."""
    import llmplace

    first = printed[0]
    r = llmplace.compare(EXAMPLE, samples=0)  # the figures the tiles must show, from the result itself
    rec = r.recommendation
    assert rec is not None and rec.option is not None and r.cheapest is not None
    from llmplace.report.content import build

    own, low = r.option(rec.option), r.option(r.cheapest)
    tiles = ("RECOMMENDED, CHEAPEST", "RUNNER-UP") if rec.option == r.cheapest else ("RECOMMENDED", "CHEAPEST")
    for text in ("Executive summary", build(r).summary.headline, *tiles,
                 f"${own.upfront_usd:,.0f}", f"${own.tco_usd:,.0f}", f"${low.tco_usd:,.0f}",
                 "Why", "1. ", "2. ", "3. ", "Total cost over the horizon, by category",
                 "Catalog data and defaults dated"):
        assert text in first, text
    assert "In detail" not in first and "In detail" in printed[1]


@needs_pdf
def test_collapsed_sections_are_printed_open(printed):
    """'Why each score' is folded away on screen; a closed <details> prints as its title only, so the
    reasons behind each score were missing from the PDF. Its column 'basis' must be printed."""
    text = "\n".join(printed)
    assert "Why each score" in text
    # the basis of the initial-cost score, a cell of that table only (0 hits when printed folded)
    assert "upfront / lowest TCO" in text.split("Why each score", 1)[1]


def test_print_copy_opens_every_collapsed_section():
    page = '<p>x</p><details><summary>A</summary>t</details><details><summary>B</summary>u</details>'
    printed = print_copy(page)
    assert printed.count("<details open><summary>") == 2 and "<details><summary>" not in printed


def test_pdf_without_chromium_says_what_is_missing(invoke, tmp_path, monkeypatch):
    """One line naming the missing browser and how to get it (the old line read 'allowed: html, md,
    json or xlsx' while --help lists pdf, and said nothing of how to point at a browser)."""
    monkeypatch.setenv("LLMPLACE_CHROMIUM", str(tmp_path / "no-browser"))
    res = invoke("report", EXAMPLE, "--format", "pdf", "-o", str(tmp_path / "r.pdf"))
    _one_line_error(res, "--format", "LLMPLACE_CHROMIUM", "apt-get install chromium", "no-browser")
    assert not (tmp_path / "r.pdf").exists()
