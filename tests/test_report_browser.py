"""The HTML report as a person sees it: every bundled example, opened offline in headless Chromium.

Uses the distribution's Chromium (the CI script installs Debian's `chromium`); no browser is ever
downloaded. Every request is recorded and anything that is not file:, data:, about: or blob: is
refused and fails the test. Every chart container must hold a drawn plotly SVG, the page must not
scroll sideways on a laptop screen, and a full-page screenshot is saved in the test's folder.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import llmplace
from llmplace.report import render
from llmplace.report.pdf import CHROMIUM_ARGS

from .conftest import EXAMPLES, ROOT, overlapping_boxes

CHROMIUM = shutil.which("chromium") or next(
    (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).is_file()), None
)
LOCAL = ("file:", "data:", "about:", "blob:")

CASES = [(p.stem, p) for p in EXAMPLES]


def _result(path: Path) -> llmplace.CompareResult:
    # as `llmplace report` makes it: Monte Carlo, tornado and thresholds included
    return llmplace.compare(path, samples=2000, seed=1)


@pytest.mark.parametrize("name,path", CASES, ids=[c[0] for c in CASES])
def test_report_renders_offline_in_chromium(tmp_path, name, path):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (the CI script installs Debian's `chromium` package)")
    from playwright.sync_api import Route, sync_playwright

    t0 = time.perf_counter()
    html = render(_result(path), "html", source=f"{name}.yaml")
    render_s = time.perf_counter() - t0
    assert isinstance(html, str)
    page_path = tmp_path / "report.html"
    page_path.write_text(html, encoding="utf-8")
    expected = html.count('<div class="chart"')
    assert expected >= 3

    requests: list[str] = []
    refused: list[str] = []
    errors: list[str] = []

    def offline(route: Route) -> None:
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})  # a common laptop screen
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.route("**/*", offline)
            page.goto(page_path.as_uri(), wait_until="load")
            page.wait_for_function(
                "document.body.hasAttribute('data-charts-drawn')"
                " || document.body.hasAttribute('data-charts-error')",
                timeout=60_000,
            )
            assert page.get_attribute("body", "data-charts-error") is None
            assert page.get_attribute("body", "data-charts-drawn") == str(expected)
            assert page.locator("div.chart").count() == expected
            drawn = page.evaluate("""() => Array.from(document.querySelectorAll('div.chart')).filter(d =>
                d.classList.contains('js-plotly-plot') && d.querySelector('.main-svg') !== null
                && d._fullData && d._fullData.length > 0
                && d.querySelector('.main-svg').getBoundingClientRect().height > 100).length""")
            assert drawn == expected
            assert page.locator(".js-plotly-plot .main-svg").count() >= expected
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
                "page scrolls sideways"
            )
            assert page.locator("h1").inner_text().strip()
            for section in (
                "summary",
                "cost",
                "monthly",
                "hybrid",
                "risk",
                "sensitivity",
                "criteria",
                "sizing",
                "assumptions",
            ):
                assert page.locator(f"section#{section} h2").count() == 1, section
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()

    outside = [u for u in requests if not u.startswith(LOCAL)]
    assert outside == [] and refused == [], outside + refused
    assert errors == []
    shot = tmp_path / "report.png"
    assert shot.is_file() and shot.stat().st_size > 50_000
    print(f"{name}: rendered in {render_s:.2f} s, {expected} charts, {len(html) / 1e6:.1f} MB")


_HEATMAP_LABELS = """() => {
  const div = document.getElementById('chart-criteria');
  return Array.from(div.querySelectorAll('.xtick > text')).map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, x: r.x, y: r.y, width: r.width, height: r.height}; });
}"""


def test_summary_and_heatmap_headers_on_phone_and_wide_screen(tmp_path):
    """The summary page's tiles fit the window, and the criteria heat map's option labels (its column headers)
    each have their own box, on a 390 px phone and a 1440 px screen: every option has a label (plotly drops
    labels of crowded category axes) and no two label boxes intersect; the page itself does not scroll sideways
    (the chart scrolls inside its figure). Screenshots are saved in the test's folder. The example compares six
    options, one named by a long API model id."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (the CI script installs Debian's `chromium` package)")
    from playwright.sync_api import sync_playwright

    result = llmplace.compare(ROOT / "examples" / "internal-assistant-70b.yaml", samples=0)  # criteria scored
    scored = sum(1 for o in result.options if o.criteria is not None and o.criteria.scores)
    page_path = tmp_path / "report.html"
    page_path.write_text(render(result, "html", source="internal-assistant-70b.yaml"), encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(LOCAL)
                       else route.abort())
            for width, height in ((390, 844), (1440, 900)):
                page.set_viewport_size({"width": width, "height": height})
                page.goto(page_path.as_uri(), wait_until="load")
                page.wait_for_function("document.body.hasAttribute('data-charts-drawn')", timeout=60_000)
                assert page.evaluate("document.scrollingElement.scrollWidth") <= width
                # the summary page: its tiles (recommended, cheapest, runner-up) sit within the window
                tiles = page.locator("section#summary .tile")
                assert tiles.count() >= 2
                assert all(b["x"] >= 0 and b["x"] + b["width"] <= width + 0.5
                           for b in (tiles.nth(i).bounding_box() for i in range(tiles.count())))
                page.locator("section#summary").screenshot(path=str(tmp_path / f"summary-{width}.png"))
                boxes = page.evaluate(_HEATMAP_LABELS)
                assert len(boxes) == scored >= 5, (width, [b["text"] for b in boxes])
                assert overlapping_boxes(boxes) == [], (width, overlapping_boxes(boxes))
                page.locator("#fig-criteria").screenshot(path=str(tmp_path / f"heatmap-{width}.png"))
        finally:
            browser.close()
