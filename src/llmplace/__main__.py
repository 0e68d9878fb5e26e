"""The ``llmplace`` command (also ``python -m llmplace``): the CLI with a last line of defence.

SIGTERM ends a command the way Ctrl-C does, so temporary files and browsers are cleaned up on the
way out; an exception that escapes every handler is one line, never a traceback.
"""

from __future__ import annotations

import signal
from typing import Any

from .cli import app, err

__all__ = ["main"]


def _exit_on_terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback
        err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False, highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
