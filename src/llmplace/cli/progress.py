"""Progress shown on the command line's stderr: a Monte Carlo progress bar and a spinner for long work.

Both show only on a terminal and never write to stdout, so piped output stays clean.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console

__all__ = ["SamplingProgress", "SweepProgress", "Working"]


class _Bar:
    """A rich progress bar on stderr (terminals only): ``title``, the bar, done of total ``unit``, the time."""

    def __init__(self, console: Console, enabled: bool, title: str, unit: str, remaining: bool) -> None:
        self.enabled = enabled and console.is_terminal
        self._console = console
        self._columns = (title, unit, remaining)
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        title, unit, remaining = self._columns
        columns = [TextColumn(title), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}" + unit),
                   TimeElapsedColumn(), *([TimeRemainingColumn()] if remaining else [])]
        self._progress = Progress(*columns, console=self._console, transient=True)
        self._progress.start()

        def update(done: int, total: int) -> None:
            if self._task is None:
                self._task = self._progress.add_task(title, total=total)
            self._progress.update(self._task, completed=done)

        return update

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


class SamplingProgress(_Bar):
    """A rich progress bar on stderr while Monte Carlo samples are drawn (terminals only)."""

    def __init__(self, console: Console, samples: int) -> None:
        super().__init__(console, samples != 0, "Monte Carlo", "", remaining=False)


class SweepProgress(_Bar):
    """A rich progress bar on stderr while a sweep runs (terminals only): scenarios done of the total."""

    def __init__(self, console: Console) -> None:
        super().__init__(console, True, "Sweep", " scenarios", remaining=True)


class Working:
    """A spinner on stderr for work that lasts longer than ``delay_s`` (terminals only; never on stdout)."""

    def __init__(self, console: Console, message: str, delay_s: float = 1.0) -> None:
        import threading

        self._status = console.status(message) if console.is_terminal else None
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(delay_s, self._start) if self._status is not None else None

    def _start(self) -> None:
        with self._lock:
            if not self._done and self._status is not None:
                self._status.start()

    def update(self, message: str) -> None:
        if self._status is not None:
            self._status.update(message)

    def __enter__(self) -> Working:
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        if self._timer is not None:
            self._timer.cancel()
        if self._status is not None:
            self._status.stop()
