"""The decision map panel of the web page, in headless Chromium (the browser fixtures of test_web_e2e, so the page
is checked to request nothing beyond the local server); the endpoint itself is tested in test_maps."""

from __future__ import annotations

import pytest

from .conftest import EXAMPLES
from .test_web_e2e import CHROMIUM, page, server, sync_api  # noqa: F401 - fixtures

CHAT = next(p for p in EXAMPLES if p.stem == "consumer-chat")
X = "workload.requests_per_month=1e6:1e8:log:4"
Y = "workload.growth_pct_per_month=0:10:3"


@pytest.mark.skipif(CHROMIUM is None, reason="the system chromium is not installed")
def test_map_panel_draws_the_heatmap_and_shows_a_bad_axis(page, server: str):  # noqa: F811
    expect = sync_api.expect
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#map-x", X)
    page.fill("#map-y", Y)
    page.click("#map-go")
    page.wait_for_selector("#map-panel[data-state=drawn]")
    page.wait_for_selector("#map-chart .main-svg")  # drawn by the locally served plotly
    expect(page.locator("#map-status")).to_contain_text("4 x 3 cells; recommended:")
    page.fill("#map-x", "workload.requests_per_month=5:1")
    page.click("#map-go")
    page.wait_for_selector("#map-panel[data-state=error]")
    expect(page.locator("#map-status")).to_contain_text("x: got 'workload.requests_per_month=5:1'")
