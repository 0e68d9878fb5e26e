"""Run a sweep: the scenarios not done yet, in chunks, on local processes or a Dask cluster.

The same code runs both: a ``concurrent.futures`` executor, either a local process pool (one process per
core) or the executor of a ``dask.distributed`` client connected to ``cluster``. Each finished chunk is
written at once (:mod:`llmplace.sweep.store`), so a sweep stopped half-way continues where it stopped.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from ..results.sweep import SweepSummary
from .rows import run_chunk
from .spec import Task, expand, load_spec, spec_hash
from .store import MissingExtra, PartStore, arrow, table_schema

__all__ = ["SweepStopped", "run_sweep"]

MAX_CHUNK_SCENARIOS = 50  #: scenarios per chunk at most: a stop loses at most this much work per worker
Progress = Callable[[int, int], None]
NOTES = ("tco_usd, npv_usd and upfront_usd are the cash view over each scenario's own horizon; an option with "
         "served_share below 1 costs less because it serves less: compare TCOs between rows that serve the demand",
         "cheapest and recommended are those compare finds for each scenario (recommended weighs the criteria "
         "beyond cost)",
         "money columns (tco_usd, npv_usd, upfront_usd, usd_per_mtok and the Monte Carlo tco_p10_usd, tco_p90_usd) "
         "are in the row's currency column (the scenario's finance.currency), despite the _usd in their names; "
         "compare amounts across rows of one currency")
CATALOG_NOTE = ("catalog sweep: cloud instances at on-demand prices in each provider's default region, server builds "
                "at their catalog prices, API offers of the named providers that price the model")


class SweepStopped(Exception):
    """Raised by ``stop_after_chunks`` (tests): the run stops as if killed after that many chunks."""


@contextmanager
def _executor(cluster: str | None, workers: int | None) -> Iterator[tuple[Executor, str, int]]:
    if cluster is None:
        n = workers or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=n) as pool:
            yield pool, f"local ({n} processes)", n
        return
    try:
        from dask.distributed import Client
    except ImportError:
        raise MissingExtra("dask[distributed]") from None
    try:
        client = Client(cluster, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError("--cluster", cluster, "the address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786",
                         str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    try:
        n = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
        yield client.get_executor(), f"dask {cluster}", n
    finally:
        client.close()


def _chunks(tasks: list[Task], slots: int) -> list[list[Task]]:
    size = max(1, min(MAX_CHUNK_SCENARIOS, math.ceil(len(tasks) / (4 * slots))))
    return [tasks[a:a + size] for a in range(0, len(tasks), size)]


def _output(output: str | Path) -> Path:
    p = Path(output).expanduser()
    if p.suffix.lower() != ".parquet":
        raise InputError("--output", str(output), "a file name ending in .parquet (the CSV is written next to it)")
    if p.is_dir() or not p.parent.is_dir():
        raise InputError("--output", str(output), "a file in an existing folder")
    return p


def run_sweep(spec_path: str | Path, output: str | Path, *, cluster: str | None = None, workers: int | None = None,
              restart: bool = False, progress: Progress | None = None,
              stop_after_chunks: int | None = None) -> SweepSummary:
    """Run every scenario of the spec not done yet and write the table (see the module docstring)."""
    start = time.perf_counter()
    arrow()  # the optional packages first: a missing one is said before any work
    target = _output(output)
    if workers is not None and workers < 1:
        raise InputError("--workers", workers, "a whole number >= 1")
    spec, folder = load_spec(spec_path)
    tasks = expand(spec, folder)
    store = PartStore(target, spec_hash(spec, tasks), table_schema(tasks))
    done = store.open(restart)
    pending = [t for t in tasks if t.key not in done]
    with _executor(cluster, workers) as (pool, engine, slots):
        futures: dict[Future[list[dict[str, object]]], list[Task]] = {
            pool.submit(run_chunk, chunk, spec.samples, spec.seed): chunk for chunk in _chunks(pending, slots)}
        finished = len(tasks) - len(pending)
        if progress is not None:
            progress(finished, len(tasks))
        try:
            for count, future in enumerate(as_completed(futures), start=1):
                rows = future.result()
                store.add(rows, [t.key for t in futures[future]])
                finished += len(futures[future])
                if progress is not None:
                    progress(finished, len(tasks))
                if stop_after_chunks is not None and count >= stop_after_chunks:
                    raise SweepStopped(f"stopped after {count} chunks")
        finally:
            for future in futures:
                future.cancel()
    notes = list(NOTES) + ([CATALOG_NOTE] if spec.catalog is not None else [])
    parquet, csv, rows_written, refused = store.finish(notes)
    seconds = time.perf_counter() - start
    return SweepSummary(parquet=str(parquet), csv=str(csv), scenarios=len(tasks), rows=rows_written,
                        computed=len(pending), resumed=len(tasks) - len(pending), refused=refused, engine=engine,
                        samples=spec.samples, seconds=round(seconds, 3),
                        scenarios_per_s=round(len(pending) / seconds, 3) if seconds > 0 else 0.0, notes=notes)
