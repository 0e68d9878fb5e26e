"""The PDF print has one wall-clock budget for all its steps; a browser that hangs is stopped, not waited on.

No real Chromium is needed: a fake browser executable (a Python script that never answers) stands in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("playwright")

from llmplace.errors import InputError  # noqa: E402
from llmplace.report import pdf  # noqa: E402


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


@pytest.fixture
def slow_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An executable that records its pid and then sleeps for ten minutes without opening its pipe."""
    pid_file = tmp_path / "browser.pid"
    exe = tmp_path / "chromium"
    exe.write_text(f"#!{sys.executable}\nimport os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
                   "time.sleep(600)\n")
    exe.chmod(0o755)
    monkeypatch.setenv("LLMPLACE_CHROMIUM", str(exe))
    return pid_file


def test_a_browser_that_never_starts_is_stopped_at_the_budget(slow_browser: Path):
    """It used to be waited on for Playwright's own launch timeout (30 s), then 60 s per later step."""
    t0 = time.monotonic()
    with pytest.raises(InputError) as err:
        pdf.html_to_pdf("<html><body>x</body></html>", budget_s=3)
    took = time.monotonic() - t0
    assert err.value.field == "--format" and "budget of 3 s" in str(err.value)
    assert took < 15, took  # 3 s budget plus the browser's shutdown and Playwright's driver start
    pid = int(slow_browser.read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid), "the fake browser still runs after the print gave up"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the watchdog finds the browser through /proc")
def test_a_step_without_a_timeout_cannot_outlast_the_budget(slow_browser: Path, monkeypatch: pytest.MonkeyPatch):
    """A step with no timeout of its own (printing the page) is bounded by the watchdog, which kills
    every process carrying this print's marker once the budget is spent."""
    started: list[int] = []

    def hanging_print(exe: str, page_path: Path, deadline: float, marker: str) -> bytes:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", marker])
        started.append(child.pid)
        if child.wait() != 0:
            raise RuntimeError("the browser went away")
        return b"%PDF"

    monkeypatch.setattr(pdf, "_print", hanging_print)
    t0 = time.monotonic()
    with pytest.raises(InputError):
        pdf.html_to_pdf("<html></html>", budget_s=2)
    assert time.monotonic() - t0 < 10
    assert started and not _alive(started[0])


def test_the_watchdog_kills_only_marked_processes(tmp_path: Path):
    marked = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", f"--llmplace-print={tmp_path}"])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "--llmplace-print=elsewhere"])
    try:
        time.sleep(0.2)
        assert pdf._kill_processes_with(f"--llmplace-print={tmp_path}") == (1 if Path("/proc").is_dir() else 0)
        if Path("/proc").is_dir():
            assert marked.wait(5) == -9
        assert other.poll() is None
    finally:
        for proc in (marked, other):
            if proc.poll() is None:
                os.kill(proc.pid, 9)
                proc.wait()
