"""Progress shown on the command line's stderr: a Monte Carlo progress bar and a spinner for long work.

Both show only on a terminal and never write to stdout, so piped output stays clean.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console

__all__ = ["SamplingProgress", "SweepProgress", "Working"]


class SamplingProgress:
    """A rich progress bar on stderr while Monte Carlo samples are drawn (terminals only)."""

    def __init__(self, console: Console, samples: int) -> None:
        self.enabled = samples != 0 and console.is_terminal
        self._console = console
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("Monte Carlo"), BarColumn(),
                                  TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn(),
                                  console=self._console, transient=True)
        self._progress.start()

        def update(done: int, total: int) -> None:
            if self._task is None:
                self._task = self._progress.add_task("samples", total=total)
            self._progress.update(self._task, completed=done)

        return update

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


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


class SweepProgress:
    """A rich progress bar on stderr while a sweep runs (terminals only): scenarios done of the total."""

    def __init__(self, console: Console) -> None:
        self.enabled = console.is_terminal
        self._console = console
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("Sweep"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} "
                                  "scenarios"), TimeElapsedColumn(), TimeRemainingColumn(), console=self._console,
                                  transient=True)
        self._progress.start()

        def update(done: int, total: int) -> None:
            if self._task is None:
                self._task = self._progress.add_task("scenarios", total=total)
            self._progress.update(self._task, completed=done)

        return update

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
