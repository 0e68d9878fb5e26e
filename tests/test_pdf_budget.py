"""The PDF print has one wall-clock budget; a browser that hangs is stopped with everything it started.

No real Chromium is needed: a fake browser executable (a Python script that never answers, and starts a
child of its own as Chromium starts its renderer and GPU processes) stands in.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from llmplace.errors import InputError
from llmplace.report import pdf


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


@pytest.fixture
def slow_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An executable that starts a sleeping child, records both pids and then sleeps for ten minutes."""
    pid_file, child_file = tmp_path / "browser.pid", tmp_path / "child.pid"
    exe = tmp_path / "chromium"
    exe.write_text(
        f"#!{sys.executable}\nimport os, subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(child_file)!r}, 'w').write(str(child.pid))\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(600)\n")
    exe.chmod(0o755)
    monkeypatch.setenv("LLMPLACE_CHROMIUM", str(exe))
    return pid_file, child_file


def _gone(pid: int, within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(pid)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process liveness is read from /proc")
def test_a_browser_that_hangs_is_stopped_at_the_budget(slow_browser: tuple[Path, Path]) -> None:
    """Before the budget a hanging browser was waited on without end; now the print gives up after the budget
    with one line naming --format (exit status 2 on the command line), and the browser and the process it
    started are both ended (the whole process group is killed)."""
    pid_file, child_file = slow_browser
    t0 = time.monotonic()
    with pytest.raises(InputError) as err:
        pdf.html_to_pdf("<html><body>x</body></html>", budget_s=3)
    took = time.monotonic() - t0
    assert err.value.field == "--format" and "budget of 3 s" in str(err.value)
    assert "\n" not in str(err.value)
    assert took < 15, took  # 3 s of budget plus the kill and the interpreter's start on a loaded machine
    assert _gone(int(pid_file.read_text())), "the fake browser still runs after the print gave up"
    assert _gone(int(child_file.read_text())), "a process the browser started still runs"


def test_the_default_budget_is_documented() -> None:
    """The budget the README states (120 s) is the one the code applies by default."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert pdf.PDF_BUDGET_S == 120.0 and "budget of 120 s" in readme
