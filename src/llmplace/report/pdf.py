"""Print the HTML report to PDF with a locally installed headless Chromium (never downloaded).

The browser is run directly (``chromium --headless --print-to-pdf``), so no Python package beyond
the standard library is needed: ``pip install .`` plus a system Chromium is enough. The page is
loaded from a temporary file with every request off the machine refused; collapsed sections
(``<details>``) are opened in the printed copy. The temporary page and browser profile are removed
on every way out, and the browser's whole process group is ended with it.

One wall-clock budget, :data:`PDF_BUDGET_S`, bounds the whole print, from the browser's start to the
written file (the browser is one process that loads and prints the page): past it the whole process
group is killed and the print is refused in one line naming ``--format`` (exit status 2).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import InputError, LlmplaceError

__all__ = ["CHROMIUM_ARGS", "PDF_BUDGET_S", "chromium_missing", "find_chromium", "html_to_pdf", "print_copy"]

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
# printing: no date/URL header or footer; scripts (the charts) get this much virtual time before the print
_PRINT_ARGS = ["--no-pdf-header-footer", "--run-all-compositor-stages-before-draw", "--virtual-time-budget=30000"]
PDF_BUDGET_S = 120.0
"""The most one PDF print may take [s]: a report prints in 5-10 s on two CPU cores; twelve times that
leaves room for a loaded machine and still ends a browser that hangs."""
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FOLDED = "<details><summary>"  # how html.py writes a collapsed section (plotly.js holds no such text)


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


def chromium_missing() -> InputError:
    """The one-line error when no browser can print the PDF: what is missing and what to do."""
    where = os.environ.get("LLMPLACE_CHROMIUM")
    looked = f"LLMPLACE_CHROMIUM={where} is not a file" if where else "no chromium or google-chrome on PATH"
    return InputError("--format", "pdf", "html, md, json or xlsx; pdf once Chromium is installed",
                      f"{looked}: install it, for example `apt-get install chromium`, "
                      "or set LLMPLACE_CHROMIUM to its path")


def print_copy(html_text: str) -> str:
    """The page as it is printed: every collapsed section (``<details>``) open."""
    return html_text.replace(_FOLDED, "<details open><summary>")


def _run(cmd: list[str], timeout_s: float) -> subprocess.CompletedProcess[bytes]:
    """Run the browser in its own process group; end the whole group on a timeout, Ctrl-C or SIGTERM."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def html_to_pdf(html_text: str, budget_s: float = PDF_BUDGET_S) -> bytes:
    """Load the page from a temporary file (offline: requests off the machine are refused); print it within
    ``budget_s`` seconds in all."""
    exe = find_chromium()
    if exe is None:
        raise chromium_missing()
    with tempfile.TemporaryDirectory(prefix="llmplace-pdf-") as tmp:
        page_path = Path(tmp) / "report.html"
        pdf_path = Path(tmp) / "report.pdf"
        page_path.write_text(print_copy(html_text), encoding="utf-8")
        cmd = [exe, *CHROMIUM_ARGS, *_PRINT_ARGS, f"--user-data-dir={Path(tmp) / 'profile'}",
               f"--print-to-pdf={pdf_path}", page_path.as_uri()]
        try:
            done = _run(cmd, budget_s)
        except subprocess.TimeoutExpired:
            raise InputError("--format", "pdf", "html, md, json or xlsx; pdf within its time budget",
                             f"Chromium did not print the PDF within the budget of {budget_s:g} s and was "
                             "stopped") from None
        if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
            last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
            raise LlmplaceError(f"Chromium ({exe}) wrote no PDF (exit status {done.returncode}): {last[:300]}")
        return pdf_path.read_bytes()
