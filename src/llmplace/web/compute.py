"""Where the REST API computes a compare or a report: a worker thread, or a pool of worker processes.

Python runs one thread of a process at a time, so a server that computes in threads uses one core
however many requests wait. With a pool of processes (:class:`ComputePool`; ``llmplace serve`` starts
one process per core, at most :data:`MAX_PROCESSES`; ``LLMPLACE_COMPUTE_PROCESSES`` sets the number,
``0`` computes in threads only), deterministic runs (no Monte Carlo draws: the page's live recompute)
are computed in the pool, as many at once as there are processes. Runs with Monte Carlo draws stay in
the server's threads, where a client's disconnect stops them at the next chunk of draws
(:mod:`.cancel`); a deterministic run is not interrupted in either place (the scenario limits bound
it). The server process alone reads and writes saved scenarios and keeps the result cache.

A process computes what a thread would, byte for byte: it validates the same document, reads the
same catalog (the server sends the user catalogs, the refreshed-snapshot setting, the data directory
and the catalog fingerprint in force with each job; a process reloads its tables when they change)
and its input errors come back as the same 422 documents.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..decision import compare, front_end_samples
from ..errors import InputError
from ..report.portfolio import PORTFOLIO_FORMATS, portfolio_document
from ..scenario import Scenario
from .documents import (
    DocumentError,
    EvaluationError,
    evaluate,
    input_error_detail,
    result_json,
    validate_document,
    validate_portfolio,
)
from .results_cache import CachedAnswer

__all__ = ["MAX_PROCESSES", "PROCESSES_ENV", "ComputePool", "compare_answer", "default_processes", "portfolio_answer",
           "render_report", "report_answer"]

log = logging.getLogger("llmplace.web")

Progress = Callable[[int, int], None]

#: environment variable: how many processes compute deterministic runs (0: threads only)
PROCESSES_ENV = "LLMPLACE_COMPUTE_PROCESSES"
#: the most processes ``llmplace serve`` starts by default (each holds its own catalog and engine, ~100 MiB)
MAX_PROCESSES = 4

#: how often a worker process checks that its server is still there [s]
PARENT_CHECK_S = 1.0

MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8", "json": "application/json",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}


def render_report(scenario: Scenario, fmt: str, samples: int | None = None,
                  seed: int | None = None, progress: Progress | None = None) -> str | bytes:
    """The report of ``scenario`` in ``fmt`` (html, md, json, xlsx or pptx), as the CLI writes it (same Monte
    Carlo default: see :func:`llmplace.decision.front_end_samples`)."""
    from .. import report

    result = compare(scenario, samples=front_end_samples(scenario, samples), seed=seed, progress=progress)
    return report.render(result, fmt)


def compare_answer(scenario: Scenario, samples: int | None, seed: int | None,
                   progress: Progress | None) -> CachedAnswer:
    """The ``compare --json`` document of a validated scenario."""
    n = front_end_samples(scenario, samples)
    body = result_json(evaluate(lambda: compare(scenario, samples=n, seed=seed, progress=progress)))
    return CachedAnswer(body, "application/json")


def _portfolio_samples(p: Any, samples: int | None, seed: int | None) -> int:
    """The portfolio's Monte Carlo samples (0 when left out), checked as a query parameter."""
    from ..portfolio_risk import check_samples

    n = samples or 0
    if n:
        try:
            check_samples(p.scenarios, n, p.scenarios[0][1].uncertainty.seed if seed is None else seed)
        except InputError as exc:
            raise DocumentError([{**e, "field": exc.field} for e in input_error_detail(exc, ("query",))]) from None
    return n


def portfolio_answer(document: Any, samples: int | None, fmt: str | None = None, seed: int | None = None,
                     download: bool = False, progress: Progress | None = None) -> CachedAnswer:
    """The ``compare --json`` document of a portfolio, or (``fmt``) its report in html, md, json or xlsx (with its
    attachment name when downloaded, or always for xlsx): point values unless ``samples`` is above 0 (then Monte
    Carlo ranges, within the single-workload limits counted over every workload:
    :func:`llmplace.portfolio_risk.check_samples`); ``progress`` is called after each chunk of draws, as for a
    scenario (the cancel callback stops the draws when the client has gone)."""
    from ..portfolio import compare_portfolio

    if fmt is not None and fmt not in PORTFOLIO_FORMATS:
        detail = input_error_detail(InputError(
            "format", fmt, f"{', '.join(PORTFOLIO_FORMATS)} for a portfolio (the other formats read one workload)"),
            ("query",))
        raise DocumentError([{**e, "field": "format"} for e in detail])
    p = validate_portfolio(document)
    n = _portfolio_samples(p, samples, seed)
    if fmt is not None:
        data = evaluate(lambda: portfolio_document(compare_portfolio(p, samples=n, seed=seed, progress=progress), fmt))
        name = f'attachment; filename="{file_stem(p.name)}-report.{fmt}"'
        return CachedAnswer(data, MEDIA[fmt], {"Content-Disposition": name} if download or fmt == "xlsx" else {})
    result = evaluate(lambda: compare_portfolio(p, samples=n, seed=seed, progress=progress))
    return CachedAnswer(result_json(result), "application/json")


def report_answer(scenario: Scenario, fmt: str, download: bool, samples: int | None, seed: int | None,
                  progress: Progress | None) -> CachedAnswer:
    """The report of a validated scenario, with its attachment name when downloaded."""
    body = evaluate(lambda: render_report(scenario, fmt, samples, seed, progress))
    headers = {}
    if download or fmt in ("xlsx", "pptx"):
        headers["Content-Disposition"] = f'attachment; filename="{file_stem(scenario.name)}-report.{fmt}"'
    return CachedAnswer(body.encode("utf-8") if isinstance(body, str) else body, MEDIA[fmt], headers)


def file_stem(name: str) -> str:
    """A scenario name as a file name's stem (letters, digits, ``.``, ``_``, ``-``)."""
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:80] or "scenario"


# --- the pool ----------------------------------------------------------------------------------------------

CatalogState = tuple[list[str], list[str], bool, str | None, str]
"""(user catalogs, scenario catalogs, refreshed snapshot on, data directory, catalog fingerprint)"""

_applied: list[CatalogState | None] = [None]


def catalog_state() -> CatalogState:
    """The catalog settings in force in this process (sent with each job)."""
    from ..catalog import catalog_fingerprint, overlay

    return ([str(p) for p in overlay.user_catalogs()], [str(p) for p in overlay.scenario_catalogs()],
            overlay.REFRESHED_ON[0], os.environ.get(overlay.DATA_DIR_ENV), catalog_fingerprint())


def _use_catalog_state(state: CatalogState) -> None:
    """In a worker process: the server's catalog settings, the tables reloaded when they or the files changed."""
    from pathlib import Path

    from .. import catalog
    from ..catalog import overlay

    if _applied[0] == state:
        return
    users, scenario_dirs, refreshed, data_dir, _fingerprint = state
    if data_dir is None:
        os.environ.pop(overlay.DATA_DIR_ENV, None)
    else:
        os.environ[overlay.DATA_DIR_ENV] = data_dir
    overlay.set_user_catalogs([Path(d) for d in users])
    overlay.set_scenario_catalogs([Path(d) for d in scenario_dirs])
    overlay.REFRESHED_ON[0] = refreshed
    catalog.reload()
    _applied[0] = state


def _job(kind: str, document: dict[str, Any], params: dict[str, Any], state: CatalogState) -> tuple[str, Any]:
    """A worker process's job: ('ok', answer), ('document', error entries) or ('evaluation', message)."""
    try:
        _use_catalog_state(state)
        scenario = validate_document(document)
        if kind == "compare":
            return "ok", compare_answer(scenario, params["samples"], params["seed"], None)
        return "ok", report_answer(scenario, params["format"], params["download"], params["samples"],
                                   params["seed"], None)
    except DocumentError as exc:
        return "document", exc.detail
    except InputError as exc:
        return "document", input_error_detail(exc)
    except EvaluationError as exc:
        return "evaluation", str(exc)


def _start_worker(server_pid: int) -> None:
    """In a new worker process: Ctrl-C is for the server, which stops the workers itself (no traceback
    here); and a worker whose server has gone without stopping it (killed) exits within a second."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="llmplace-server-watch", daemon=True).start()


def _warm() -> None:
    """Load the catalog and the engine in a new worker process."""
    from .app import DEFAULT_DOCUMENT

    compare(validate_document(dict(DEFAULT_DOCUMENT)), samples=0)


class ComputePool:
    """Worker processes for deterministic compare and report runs (see the module docstring)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.broken = False
        self._pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start_worker, initargs=(os.getpid(),))
        for _ in range(processes):
            self._pool.submit(_warm)

    def run(self, kind: str, document: dict[str, Any], **params: Any) -> CachedAnswer | None:
        """The answer computed in a worker process; None when the pool is broken (compute in a thread)."""
        if self.broken:
            return None
        try:
            status, value = self._pool.submit(_job, kind, document, params, catalog_state()).result()
        except BrokenProcessPool:
            if not self.broken:
                log.error("the compute processes stopped; computing in threads from now on")
            self.broken = True
            return None
        if status == "document":
            raise DocumentError(value)
        if status == "evaluation":
            raise EvaluationError(value)
        answer: CachedAnswer = value
        return answer

    def close(self) -> None:
        """Stop the workers: queued jobs are dropped, running ones (deterministic, short) finish first."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def default_processes() -> int:
    """``$LLMPLACE_COMPUTE_PROCESSES``, else one per CPU core this process may run on, at most
    :data:`MAX_PROCESSES`; 0 (threads only) with a single core."""
    raw = os.environ.get(PROCESSES_ENV, "").strip()
    if not raw:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return min(cores, MAX_PROCESSES) if cores > 1 else 0
    if not raw.isdigit() or int(raw) > 64:
        raise InputError(PROCESSES_ENV, raw, "a whole number of processes from 0 (threads only) to 64")
    return int(raw)
