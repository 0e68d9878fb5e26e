"""Print the HTML report to PDF with a locally installed headless Chromium (never downloaded).

One wall-clock budget, :data:`PDF_BUDGET_S`, bounds the whole print, from the browser's start to the
last page: each step waits at most what is left of it, and a watchdog kills the browser once it is
spent (so a step without a timeout of its own, such as printing the page, cannot outlast it either).
A print past its budget is refused in one line naming ``--format``, like a missing browser.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from ..errors import InputError

__all__ = ["CHROMIUM_ARGS", "PDF_BUDGET_S", "find_chromium", "html_to_pdf"]

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
PDF_BUDGET_S = 120.0
"""The most one PDF print may take [s]: a report prints in 5-10 s on two CPU cores; twelve times that
leaves room for a loaded machine and still ends a browser that hangs."""
_PROC = Path("/proc")
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


def html_to_pdf(html_text: str, budget_s: float = PDF_BUDGET_S) -> bytes:
    """Load the page from a temporary file (offline: requests off the machine are refused); print it
    within ``budget_s`` seconds in all (see the module docstring)."""
    exe = find_chromium()
    if exe is None:
        raise InputError(
            "--format",
            "pdf",
            "html, md, json or xlsx",
            "pdf needs Chromium installed (for example `apt-get install chromium`)",
        )
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
    except ImportError:
        raise InputError(
            "--format",
            "pdf",
            "html, md, json or xlsx",
            "pdf needs the playwright Python package (`pip install playwright`)",
        ) from None
    deadline = time.monotonic() + budget_s
    with tempfile.TemporaryDirectory(prefix="llmplace-pdf-") as tmp:
        page_path = Path(tmp) / "report.html"
        page_path.write_text(html_text, encoding="utf-8")
        marker = f"--llmplace-print={tmp}"  # an unknown switch Chromium ignores; it lets the watchdog find it
        watchdog = threading.Timer(budget_s, _kill_processes_with, args=(marker,))
        watchdog.daemon = True
        watchdog.start()
        try:
            return _print(exe, page_path, deadline, marker)
        except Exception as exc:
            if time.monotonic() < deadline - 0.5 and not isinstance(exc, PlaywrightTimeout):
                raise
            raise InputError("--format", "pdf", "html, md, json or xlsx",
                             f"printing to PDF ran past its budget of {budget_s:g} s and was stopped; "
                             "write html and print it from a browser") from None
        finally:
            watchdog.cancel()


def _print(exe: str, page_path: Path, deadline: float, marker: str) -> bytes:
    """Start the browser, load the page, wait for its charts and print it, each step within what is
    left before ``deadline`` (``time.monotonic()`` seconds)."""
    from playwright.sync_api import Route, sync_playwright

    def left_ms() -> float:
        return max(1.0, (deadline - time.monotonic()) * 1000)

    def _offline(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "about:", "blob:")):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=[*CHROMIUM_ARGS, marker], timeout=left_ms())
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.set_default_timeout(left_ms())
            page.route("**/*", _offline)
            page.goto(page_path.as_uri(), wait_until="load", timeout=left_ms())
            page.wait_for_function(
                "document.body.hasAttribute('data-charts-drawn')"
                " || document.body.hasAttribute('data-charts-error')",
                timeout=left_ms(),
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


def _kill_processes_with(marker: str) -> int:
    """SIGKILL every process whose command line holds ``marker`` (Linux ``/proc``; elsewhere the
    per-step timeouts alone bound the print). Returns how many were killed."""
    killed = 0
    if not _PROC.is_dir():
        return killed
    needle = marker.encode()
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
        except (OSError, ValueError):
            continue  # gone meanwhile, or not ours
    return killed
