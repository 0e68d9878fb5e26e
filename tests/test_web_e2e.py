"""End to end in headless Chromium: load the page, change an input, see the result change, save,
reload and find the scenario; compare two saved scenarios; no request leaves 127.0.0.1.

Uses the system's Chromium (never a downloaded browser) through Playwright; skipped, with the
reason, when either is missing.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import overlapping_boxes

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
uvicorn = pytest.importorskip("uvicorn")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="the system chromium is not installed "
                                                         "(apt-get install chromium)")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from llmplace.web import create_app
    from llmplace.web.access import LOOPBACK_HOSTS

    db: Path = tmp_path_factory.mktemp("e2e") / "e2e.db"
    port = _free_port()
    app = create_app(f"sqlite:///{db}", allowed_hosts=LOOPBACK_HOSTS)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not th.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(10)


@pytest.fixture
def page(server: str):
    origin = server + "/"
    outside: list[str] = []
    problems: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True)

        def guard(route, request) -> None:
            url = request.url
            if url.startswith(origin) or url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", guard)
        pg = context.new_page()
        pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        pg.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
              if msg.type == "error" and not re.search(r"status of (409|422)\b", msg.text) else None)
        # 422: the bad-input steps; 409: the conflict step
        pg.set_default_timeout(20_000)
        yield pg
        context.close()
        browser.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert problems == [], problems


def _ready(pg) -> None:
    pg.wait_for_selector("body[data-ready=true]")
    pg.wait_for_selector("#results-table tbody tr")


def test_edit_recompute_save_reload_find(page, server: str):
    expect = sync_api.expect
    page.goto(server + "/")
    _ready(page)
    expect(page.locator("#status")).to_contain_text("computed in")
    tco = page.locator('#results-table tr[data-option="together"] td.tco')
    before = tco.inner_text()
    assert before.startswith("$")
    # the default scenario's owned option needs one server: "1 server", not "1 servers"
    expect(page.locator('#results-table tr[data-option="own-8xh100"] td').nth(2)).to_have_text("1 server")
    page.wait_for_selector("#chart .main-svg")  # the chart drew, from the locally served library
    # the default scenario has an option paid as used and owned servers: the strategy over time is shown
    expect(page.locator("#strategy")).to_contain_text("Strategy over time:")

    page.fill('[data-path="name"]', "E2E assistant")
    page.fill('[data-path="workload.requests_per_month"]', "17600000")  # ten times the traffic
    expect(tco).not_to_have_text(before)
    after = tco.inner_text()
    assert float(after.strip("$").replace(",", "")) > 5 * float(before.strip("$").replace(",", ""))

    page.click("#save")
    expect(page.locator("#saved-as")).to_contain_text('saved as "E2E assistant"')
    expect(page.locator("#saved-list")).to_contain_text("E2E assistant")
    assert "id=" in page.url

    page.reload()
    _ready(page)
    expect(page.locator("#saved-list li")).to_have_count(1)
    expect(page.locator("#saved-list")).to_contain_text("E2E assistant")
    assert page.input_value('[data-path="workload.requests_per_month"]') == "17600000"
    expect(tco).to_have_text(after)

    # a bad value shows the field's error instead of results
    page.fill('[data-path="workload.peak_to_average"]', "0.5")
    expect(page.locator("#errors")).to_contain_text("workload.peak_to_average")
    expect(page.locator('[data-path="workload.peak_to_average"]')).to_have_class("invalid")
    expect(page.locator("#results")).to_have_class("stale")  # the earlier figures are dimmed, not shown as current
    page.fill('[data-path="workload.peak_to_average"]', "2.5")
    expect(page.locator("#errors")).to_be_hidden()
    expect(page.locator("#results")).not_to_have_class("stale")

    # the currency is a select of the bundled rates; choosing EUR writes every amount in euros
    page.select_option('[data-path="finance.currency"]', "EUR")
    expect(tco).to_have_text(re.compile(r"^€[\d,]+$"))
    expect(page.locator("#results-table thead")).to_contain_text("€/Mtok")
    expect(page.locator('label[for="f-site.sysadmin_loaded_usd_per_year"]')).to_contain_text("(EUR per year)")


def test_compare_two_saved_scenarios_and_download(page, server: str):
    expect = sync_api.expect
    page.goto(server + "/")
    _ready(page)
    page.fill('[data-path="name"]', "Small team")
    page.fill('[data-path="workload.requests_per_month"]', "100000")
    expect(page.locator("#status")).to_contain_text("computed in")
    page.click("#save-new")
    expect(page.locator("#saved-as")).to_contain_text('saved as "Small team"')
    page.fill('[data-path="name"]', "Whole company")
    page.fill('[data-path="workload.requests_per_month"]', "50000000")
    page.click("#save-new")
    expect(page.locator("#saved-as")).to_contain_text('saved as "Whole company"')
    page.select_option("#cmp-a", label="Small team")
    page.select_option("#cmp-b", label="Whole company")
    page.click("#cmp-go")
    table = page.locator("#side-by-side-table")
    expect(table).to_contain_text("Small team")
    expect(table).to_contain_text("Whole company")
    expect(table).to_contain_text("TCO: together")

    page.check("#with-risk")  # Monte Carlo ranges through the same API
    expect(page.locator("#results-table thead")).to_contain_text("P(cheapest)", timeout=60_000)

    with page.expect_download() as dl:
        page.click("#download-yaml")
    assert dl.value.suggested_filename == "Whole-company.yaml"
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "requests_per_month: 50000000" in text


API = "/api/v1"
DISTRIBUTION = {"low": 1.2, "mode": 1.5, "high": 3}


def _saved_named(pg, server: str, name: str) -> list[dict]:
    listing = pg.request.get(server + API + "/scenarios").json()["scenarios"]
    return [s for s in listing if s["name"] == name]


def test_load_then_save_keeps_distributions_and_the_document(page, server: str):
    from llmplace.web.app import DEFAULT_DOCUMENT

    expect = sync_api.expect
    doc = json.loads(json.dumps(DEFAULT_DOCUMENT))
    doc["name"] = "With a distribution"
    doc["description"] = "Two lines\nof description, and a final line break\n"
    doc["workload"]["peak_to_average"] = DISTRIBUTION
    rec = page.request.post(server + API + "/scenarios", data={"document": doc}).json()

    with page.expect_request(lambda r: "/api/v1/compare" in r.url) as req:
        page.goto(server + f"/?id={rec['id']}")
    _ready(page)
    assert json.loads(req.value.post_data)["workload"]["peak_to_average"] == DISTRIBUTION  # compared with it
    field = page.locator('[data-path="workload.peak_to_average"]')
    assert field.get_attribute("type") == "text"  # shown, as JSON, where a number input would show nothing
    assert json.loads(field.input_value()) == DISTRIBUTION
    expect(page.locator('input.slider[data-for="f-workload.peak_to_average"]')).to_be_hidden()

    page.click("#save")  # unchanged: written back exactly as loaded
    expect(page.locator("#saved-as")).to_contain_text("(version 2)")
    assert page.request.get(server + API + f"/scenarios/{rec['id']}").json()["document"] == doc

    field.fill('{"low": 1.2, "mode": 2, "high": 4}')  # the distribution is editable
    expect(page.locator("#status")).to_contain_text("computed in")
    field.fill("{low: 1}")
    expect(page.locator("#errors")).to_contain_text("workload.peak_to_average: not valid JSON")
    field.fill('{"low": 1.2, "mode": 2, "high": 4}')
    expect(page.locator("#errors")).to_be_hidden()
    page.click("#save")
    expect(page.locator("#saved-as")).to_contain_text("(version 3)")
    saved = page.request.get(server + API + f"/scenarios/{rec['id']}").json()["document"]
    assert saved == {**doc, "workload": {**doc["workload"], "peak_to_average": {"low": 1.2, "mode": 2, "high": 4}}}


def test_unreadable_number_is_a_form_error_not_a_missing_value(page, server: str):
    expect = sync_api.expect
    page.goto(server + "/")
    _ready(page)
    expect(page.locator("#status")).to_contain_text("computed in")
    sent: list[str] = []
    # the option builder's catalog pickers (a read-only GET that follows the model) may load at any time
    page.on("request", lambda r: sent.append(r.method + " " + r.url)
            if API in r.url and "/catalog/pickers" not in r.url else None)

    ttft = page.locator('[data-path="latency.ttft_ms"]')
    ttft.fill("")
    ttft.press_sequentially("5e")  # the browser reads no number from it: validity.badInput, value ""
    assert page.evaluate("document.querySelector('[data-path=\"latency.ttft_ms\"]').validity.badInput")
    expect(page.locator("#errors")).to_contain_text("latency.ttft_ms: not a number")
    expect(ttft).to_have_class(re.compile(r"\binvalid\b"))
    expect(page.locator("#status")).to_have_text("fix the input to see results")
    page.wait_for_timeout(600)  # past the recompute delay
    page.click("#save")
    expect(page.locator("#saved-as")).to_contain_text("latency.ttft_ms")
    page.wait_for_timeout(300)
    assert sent == [], sent  # neither recomputed without the target nor saved

    ttft.fill("1500")
    expect(page.locator("#errors")).to_be_hidden()
    expect(page.locator("#status")).to_contain_text("computed in")
    assert any("/compare" in u for u in sent)


def test_report_download_follows_the_monte_carlo_box(page, server: str):
    page.goto(server + "/")
    _ready(page)
    for ticked in (False, True):
        page.set_checked("#with-risk", ticked)
        with page.expect_request(lambda r: "/api/v1/report" in r.url) as req, page.expect_download() as dl:
            page.click("#download-report")
        query = req.value.url.split("?", 1)[1].split("&")
        if ticked:  # the server's default, the same as `llmplace report`
            assert not any(q.startswith("samples=") for q in query), query
        else:
            assert "samples=0" in query, query
        assert dl.value.suggested_filename.endswith("-report.html")


def test_delete_conflict_keeps_the_editor_attached(page, server: str):
    expect = sync_api.expect
    page.goto(server + "/")
    _ready(page)
    page.fill('[data-path="name"]', "Conflict target")
    page.click("#save-new")
    expect(page.locator("#saved-as")).to_contain_text('saved as "Conflict target"')
    (rec,) = _saved_named(page, server, "Conflict target")
    doc = page.request.get(server + API + f"/scenarios/{rec['id']}").json()["document"]
    r = page.request.put(server + API + f"/scenarios/{rec['id']}", data={"document": doc, "version": 1})
    assert r.ok  # someone else saves version 2; the page still lists version 1

    page.locator(f'#saved-list li[data-id="{rec["id"]}"] button', has_text="Delete").click()
    expect(page.locator("#saved-as")).to_contain_text("reload")
    assert f"id={rec['id']}" in page.url  # still attached to the saved scenario
    page.click("#save")  # answers with the conflict instead of saving a copy
    expect(page.locator("#saved-as")).to_contain_text("someone saved this scenario meanwhile")
    assert [s["id"] for s in _saved_named(page, server, "Conflict target")] == [rec["id"]]


_ATTACK_PAGE = """<!doctype html><meta charset="utf-8"><title>another site</title>
<form id="f" method="post" enctype="text/plain" action="{target}/api/v1/scenarios">
<input name='{{"document": {{"name": "planted", "x": "' value='"}}}}'></form>
<script>
fetch("{target}/api/v1/scenarios", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
  body: JSON.stringify({{document: {{name: "planted by fetch"}}}})}})
  .finally(() => {{ document.title = "sent"; document.getElementById("f").submit(); }});
</script>"""


def test_cross_origin_page_cannot_save_or_start_work(server: str):
    """A page on another origin posts a text/plain fetch and a form to the app: both are refused (403).

    Chromium sends such "simple" requests without a CORS preflight, so only the server's Origin check
    stops them; before the check, FastAPI versions that parse text/plain bodies saved the scenario.
    """
    import http.server
    import urllib.request

    page_html = _ATTACK_PAGE.format(target=server).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args: object) -> None:
            pass

    def saved() -> int:
        with urllib.request.urlopen(server + "/api/v1/scenarios", timeout=10) as resp:  # noqa: S310 - loopback
            return len(json.loads(resp.read()))

    before = saved()
    other = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    statuses: list[int] = []
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            pg = browser.new_page()
            pg.on("response", lambda r: statuses.append(r.status) if "/api/v1/" in r.url else None)
            with pg.expect_response(lambda r: "/api/v1/scenarios" in r.url and r.request.method == "POST"
                                    and r.request.resource_type == "document"):
                pg.goto(f"http://127.0.0.1:{other.server_address[1]}/")
            browser.close()
    finally:
        other.shutdown()
    assert saved() == before
    assert statuses and all(s == 403 for s in statuses), statuses


# --- option builder, examples, diff, layouts, API docs ------------------------------------------------------

def _option_rows(pg) -> list[str]:
    return pg.eval_on_selector_all("#option-list li[data-option-id]", "els => els.map(e => e.dataset.optionId)")


def test_option_builder_pickers_follow_the_model_and_excluded_options_show_why(page, server: str):
    """The builder offers only catalog rows that hold the model (Llama 3.1 405B in fp16: 810 GB of weights, more
    than an 8x H100 server's 640 GB, so that build is offered as two servers per replica; an 8x H200 holds it
    alone; in fp8, 405 GB, one 8x H100 holds it); an option added from the pickers is compared; an
    option that cannot hold the model (a custom 1x L4 server, 24 GB, added through the JSON view) is listed as
    infeasible with the sizing's reason; a removed option leaves the results."""
    expect = sync_api.expect
    page.goto(server + "/")
    _ready(page)
    page.wait_for_selector("body[data-pickers=ready]")
    assert _option_rows(page) == ["own-8xh100", "aws-p5-on-demand", "aws-p5-reserved-1y", "together"]
    assert "hgx-h100-8x-oem" in page.eval_on_selector_all("#pick-server option", "o => o.map(x => x.value)")

    page.select_option('[data-path="model.precision"]', "fp16")
    page.fill('[data-path="model.name"]', "llama-3.1-405b")
    expect(page.locator("#picker-note")).to_contain_text("llama-3.1-405b in fp16")
    labels = dict(page.eval_on_selector_all("#pick-server option", "o => o.map(x => [x.value, x.textContent])"))
    assert "2 per replica" in labels["hgx-h100-8x-oem"] and "per replica" not in labels["hgx-h200-8x-oem"]
    page.select_option('[data-path="model.precision"]', "fp8")
    page.fill('[data-path="model.name"]', "llama-3.3-70b")
    expect(page.locator("#picker-note")).to_contain_text("llama-3.3-70b in fp8")

    page.select_option("#add-kind", "cloud")
    page.select_option("#pick-instance", "aws/p5.48xlarge")
    page.select_option("#pick-plan", "spot")
    page.click("#add-option")
    assert _option_rows(page)[-1] == "aws-p5.48xlarge-spot"
    expect(page.locator('#results-table tr[data-option="aws-p5.48xlarge-spot"]')).to_contain_text("spot")
    assert json.loads(page.input_value('[data-path="options"]'))[-1] == {
        "kind": "cloud", "id": "aws-p5.48xlarge-spot", "instance": "aws/p5.48xlarge", "plan": "spot"}

    page.click("details.advanced > summary")  # the JSON stays editable as the advanced view
    opts = json.loads(page.input_value('[data-path="options"]'))
    opts.append({"kind": "in_house", "id": "tiny-l4", "gpu": "l4", "gpu_count": 1, "purchase_usd": 9000})
    page.fill('[data-path="options"]', json.dumps(opts))
    expect(page.locator("#option-list")).to_contain_text("tiny-l4")
    row = page.locator('#results-table tr[data-option="tiny-l4"] td.infeasible')
    expect(row).to_contain_text("infeasible: ")
    expect(row).to_contain_text("does not fit")

    page.select_option("#add-kind", "hybrid")  # a base from the owned or reserved options, overflow to the API
    page.select_option("#pick-base", "own-8xh100")
    page.select_option("#pick-overflow", "together")
    page.click("#add-option")
    assert _option_rows(page)[-1] == "own-8xh100-together"
    expect(page.locator('#results-table tr[data-option="own-8xh100-together"]')).to_contain_text("hybrid")

    page.click('#option-list li[data-option-id="aws-p5.48xlarge-spot"] button.remove')
    expect(page.locator('#results-table tr[data-option="aws-p5.48xlarge-spot"]')).to_have_count(0)
    assert "aws-p5.48xlarge-spot" not in _option_rows(page)


def test_start_from_an_example_then_diff_two_saved_scenarios(page, server: str):
    expect = sync_api.expect
    page.goto(server + "/")
    _ready(page)
    page.select_option("#example", "consumer-chat")
    expect(page.locator('[data-path="name"]')).to_have_value("Bursty consumer chat app")
    expect(page.locator("#status")).to_contain_text("computed in")
    assert page.input_value('[data-path="model.name"]') == "gpt-oss-120b"
    page.fill('[data-path="name"]', "Chat A")
    page.click("#save-new")
    expect(page.locator("#saved-as")).to_contain_text('saved as "Chat A"')
    page.fill('[data-path="name"]', "Chat B")
    page.fill('[data-path="workload.requests_per_month"]', "12000000")
    page.click("#save-new")
    expect(page.locator("#saved-as")).to_contain_text('saved as "Chat B"')
    page.select_option("#cmp-a", label="Chat A")
    page.select_option("#cmp-b", label="Chat B")
    page.click("#diff-go")
    inputs = page.locator("#diff-inputs")
    expect(inputs).to_contain_text("workload.requests_per_month")
    expect(inputs.locator("tbody tr")).to_have_count(2)  # the name and the requests
    expect(page.locator("#diff-results tbody tr").first).to_contain_text("$")
    expect(page.locator("#diff")).to_contain_text("recommended: ")  # the picks of both, from the shared diff




def test_a_bundled_portfolio_shows_its_plans_showback_and_workloads(page, server: str):
    """Starting from the bundled two-teams portfolio shows its plans with their totals as the REST answer gives
    them, each plan's showback rows (one per plan and workload) and each workload's own options, in place of the
    single-scenario table; the form's workload section (a portfolio has a workloads list instead) is hidden and
    a note says where workloads are edited. Back on a scenario, the usual table returns."""
    from llmplace.conventions import format_usd
    from llmplace.portfolio import compare_portfolio

    from .conftest import ROOT

    # Counted from the engine on the same file, not hard-coded: which plans exist (the mix, shared own servers,
    # shared cloud instances, ...) follows the engine, and the page must show each of them.
    answer = compare_portfolio(ROOT / "examples/portfolios/two-teams.yaml")
    want = {p.id: format_usd(p.tco_usd) for p in answer.plans}
    n_workloads = len(answer.workloads)
    expect = sync_api.expect
    page.goto(server + "/")
    _ready(page)
    page.select_option("#example", "two-teams")
    expect(page.locator("#cheapest")).to_contain_text("cheapest plan over 36 months (cash view): mix")
    expect(page.locator("#portfolio-plans tbody tr")).to_have_count(len(want))
    for plan, total in want.items():
        expect(page.locator(f'#portfolio-plans tr[data-plan="{plan}"] td').nth(1)).to_have_text(total)
    expect(page.locator("#portfolio-showback tbody tr")).to_have_count(len(want) * n_workloads)
    expect(page.locator("#portfolio table[data-workload]")).to_have_count(n_workloads)
    expect(page.locator("#results-table")).to_be_hidden()
    expect(page.locator("#portfolio-note")).to_be_visible()
    expect(page.locator('details[data-section="workload"]')).to_be_hidden()
    page.select_option("#example", "consumer-chat")
    expect(page.locator("#results-table")).to_be_visible()
    expect(page.locator("#portfolio")).to_be_hidden()


_TEXT_BOXES = """sel => Array.from(document.querySelectorAll(sel)).map(th => {
  const range = document.createRange(); range.selectNodeContents(th);
  const r = range.getBoundingClientRect();
  return {text: th.textContent, x: r.x, y: r.y, width: r.width, height: r.height}; })"""


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)], ids=["phone", "wide"])
def test_layout_from_phone_to_wide_screen(page, server: str, width: int, height: int, tmp_path: Path):
    """No sideways scrolling of the page at 390 px (an iPhone 12-15 viewport) or 1440 px; the editor, the option
    builder and the results stay visible; the results table's header texts do not overlap (checked on the text
    boxes of the screenshot's page)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server + "/")
    _ready(page)
    page.wait_for_selector("body[data-pickers=ready]")
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= width, f"the page scrolls sideways: {scroll_width} px in a {width} px window"
    for sel in ("#save", "#example", "#option-builder", "#add-option", "#results-table", "#status"):
        assert page.locator(sel).is_visible(), sel
    page.locator("#results-table").scroll_into_view_if_needed()
    boxes = page.evaluate(_TEXT_BOXES, "#results-table thead th")
    assert len(boxes) == 8 and all(b["width"] > 0 for b in boxes)
    assert overlapping_boxes(boxes) == []
    page.screenshot(path=str(tmp_path / f"app-{width}.png"), full_page=True)


def test_api_docs_are_served_locally(page, server: str):
    """/docs lists every operation of the OpenAPI document, sends requests from its "Try it" forms, and loads
    nothing from outside 127.0.0.1 (the page fixture aborts and reports any other request)."""
    expect = sync_api.expect
    page.goto(server + "/docs")
    spec = page.request.get(server + "/api/v1/openapi.json").json()
    operations = sum(1 for item in spec["paths"].values() for m in item if m in ("get", "post", "put", "delete"))
    expect(page.locator("section.op")).to_have_count(operations)
    expect(page.locator("#schema-CompareResult")).to_contain_text("cheapest")
    expect(page.locator("section.op").filter(has_text="/api/v1/catalog/pickers")).to_contain_text("model")

    # "Try it": a GET with a query parameter and a POST with the prefilled body, sent from the page
    pickers = page.locator("section.op").filter(has_text="/api/v1/catalog/pickers")
    pickers.locator("details.try > summary").click()
    pickers.locator('input[name="model"]').fill("llama-3.3-70b")
    pickers.locator("button", has_text="Send").click()
    expect(pickers.locator(".try-out")).to_contain_text("HTTP 200")
    expect(pickers.locator(".try-out")).to_contain_text("hgx-h100-8x-oem")
    size = page.locator("section.op").filter(has_text="POST /api/v1/size")
    size.locator("details.try > summary").click()
    size.locator("button", has_text="Send").click()
    expect(size.locator(".try-out")).to_contain_text("HTTP 200")
