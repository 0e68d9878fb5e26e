"""Work that stops when its client goes away.

A compare or report with many Monte Carlo draws runs for seconds to a minute. It runs in a worker
thread while the request's connection is watched every :data:`POLL_S` seconds; once the client has
disconnected, the progress callback the engine calls after each chunk of draws (2,000) raises
:class:`ClientGone`, so the thread stops at its next chunk instead of working on for nobody. What
runs between two chunks (the deterministic run, the tornado and the thresholds) is not interrupted:
it is bounded by the scenario limits (options, months, samples x options x months).

An upload cut off mid-body (:class:`starlette.requests.ClientDisconnect`) and a client gone during
the work both end in one log line and a 499 answer nobody receives, never a traceback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import Request

__all__ = ["POLL_S", "ClientGone", "run_until_disconnect"]

log = logging.getLogger("llmplace.web")

POLL_S = 0.1
"""How often a running request's connection is checked for a disconnect [s]."""

T = TypeVar("T")
Progress = Callable[[int, int], None]


class ClientGone(Exception):  # noqa: N818 - a condition, not a failure
    """The client disconnected before its answer; the work stopped at the next chunk of draws."""


async def run_until_disconnect(request: Request, work: Callable[[Progress], T], what: str) -> T:
    """``work(progress)`` in a worker thread; ``progress(done, total)`` raises :class:`ClientGone`
    once the client has disconnected. ``what`` names the work in the log line."""
    gone = threading.Event()

    def progress(done: int, total: int) -> None:
        if gone.is_set():
            if total:
                log.info("client disconnected: %s stopped after %s of %s %s", what, f"{done:,}", f"{total:,}",
                         "cells" if what == "map" else "Monte Carlo draws")
            else:  # (0, 0): called while waiting for an identical request's answer or a running map
                log.info("client disconnected: %s stopped waiting for another request", what)
            raise ClientGone(what)

    async def watch() -> None:
        while not await request.is_disconnected():
            await anyio.sleep(POLL_S)
        gone.set()

    def guarded(report: Progress) -> tuple[T | None, BaseException | None]:
        try:
            return work(report), None
        except Exception as exc:  # noqa: BLE001 - raised again below, outside the task group
            return None, exc

    async with anyio.create_task_group() as tasks:  # an error raised in here would come out as an ExceptionGroup
        tasks.start_soon(watch)
        result, error = await anyio.to_thread.run_sync(guarded, progress)
        tasks.cancel_scope.cancel()
    if error is not None:
        raise error
    return result  # type: ignore[return-value]  # None only with an error
