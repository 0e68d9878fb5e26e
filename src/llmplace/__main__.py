"""The ``llmplace`` command (also ``python -m llmplace``): the CLI with a last line of defence.

SIGTERM ends a command the way Ctrl-C does, so temporary files and browsers are cleaned up on the
way out; an exception that escapes every handler is one line, never a traceback.
"""

from __future__ import annotations

import signal
import sys
import warnings
from typing import Any

from .cli import app, err, quiet_stdout

__all__ = ["main"]


def _exit_on_terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _one_line(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> str:
    """A deprecation or other warning as one ``note:`` line, without the source line that raised it."""
    return f"note: {message}\n"


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    warnings.formatwarning = _one_line
    try:
        app(prog_name="llmplace")  # completion scripts name the installed command, also from `python -m`
        sys.stdout.flush()
    except SystemExit:
        raise
    except BrokenPipeError:  # `llmplace ... | head`: the reader stopped early, which is not an error
        quiet_stdout()
        raise SystemExit(0) from None
    except Exception as exc:  # noqa: BLE001 - never a traceback
        err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False, highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
