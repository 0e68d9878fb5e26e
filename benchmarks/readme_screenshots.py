"""Take the README's screenshots: the web app and the HTML report of the bundled internal-assistant example.

Usage: python benchmarks/readme_screenshots.py [--out docs/img]
Needs the system Chromium and Playwright (as the browser tests); starts the web app on a free loopback port
with a throw-away database and refuses every request that leaves 127.0.0.1 or the report file. With Pillow
installed the PNGs are reduced to a 256-colour palette (screens of text and flat charts lose nothing visible).
Prints each file with its size.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

import llmplace
from llmplace.report import render
from llmplace.web import create_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "internal-assistant-70b.yaml"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _optimise(path: Path) -> None:
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def _local_only(page: Page, allowed: tuple[str, ...]) -> None:
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed) else route.abort())


def _web_app(page: Page, url: str, out: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("body[data-pickers=ready]")
    page.wait_for_selector("#chart .main-svg")
    page.select_option("#add-kind", "cloud")  # the option builder, with its pickers open
    page.screenshot(path=str(out / "web-app.png"))
    page.locator('details[data-section="options"]').screenshot(path=str(out / "web-app-options.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.screenshot(path=str(out / "web-app-phone.png"))


def _report(page: Page, out: Path, tmp: Path) -> None:
    result = llmplace.compare(EXAMPLE, samples=2000, seed=1)
    html = tmp / "report.html"
    html.write_text(render(result, "html", source=EXAMPLE.name), encoding="utf-8")
    page.set_viewport_size({"width": 1100, "height": 1400})
    page.goto(html.as_uri())
    page.wait_for_function("document.body.hasAttribute('data-charts-drawn')", timeout=120_000)
    page.screenshot(path=str(out / "report-summary.png"))
    page.locator("#fig-criteria").screenshot(path=str(out / "report-criteria.png"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("the system Chromium is needed (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port = _free_port()
        srv = uvicorn.Server(uvicorn.Config(create_app(f"sqlite:///{tmp / 'shots.db'}"), host="127.0.0.1",
                                            port=port, log_level="warning"))
        threading.Thread(target=srv.run, daemon=True).start()
        while not srv.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                page = browser.new_page()
                _local_only(page, (url, "data:", "blob:", "file:", "about:"))
                _web_app(page, url, args.out)
                _report(page, args.out, tmp)
                browser.close()
        finally:
            srv.should_exit = True
    for png in sorted(args.out.glob("*.png")):
        _optimise(png)
        print(f"{png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}: {png.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
