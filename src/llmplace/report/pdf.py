"""Print the HTML report to PDF with a locally installed headless Chromium (never downloaded)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import InputError

__all__ = ["CHROMIUM_ARGS", "find_chromium", "html_to_pdf"]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # nothing leaves the machine: no proxy reachable, no name resolves, no background services
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-pings",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-default-apps",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    "--metrics-recording-only",
]
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The path of an installed Chromium: ``LLMPLACE_CHROMIUM`` if set, else the first on PATH."""
    env = os.environ.get("LLMPLACE_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in _CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_text: str, timeout_s: float = 60.0) -> bytes:
    """Load the page from a temporary file (offline: requests off the machine are refused); print it."""
    exe = find_chromium()
    if exe is None:
        raise InputError(
            "--format",
            "pdf",
            "html, md, json or xlsx",
            "pdf needs Chromium installed (for example `apt-get install chromium`)",
        )
    try:
        from playwright.sync_api import Route, sync_playwright
    except ImportError:
        raise InputError(
            "--format",
            "pdf",
            "html, md, json or xlsx",
            "pdf needs the playwright Python package (`pip install playwright`)",
        ) from None

    def _offline(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "about:", "blob:")):
            route.continue_()
        else:
            route.abort()

    with tempfile.TemporaryDirectory(prefix="llmplace-pdf-") as tmp:
        page_path = Path(tmp) / "report.html"
        page_path.write_text(html_text, encoding="utf-8")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1000, "height": 1400})
                page.route("**/*", _offline)
                page.goto(page_path.as_uri(), wait_until="load", timeout=timeout_s * 1000)
                page.wait_for_function(
                    "document.body.hasAttribute('data-charts-drawn')"
                    " || document.body.hasAttribute('data-charts-error')",
                    timeout=timeout_s * 1000,
                )
                page.emulate_media(media="print")
                return page.pdf(
                    format="A4",
                    print_background=True,
                    scale=0.72,
                    margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
                )
            finally:
                browser.close()
