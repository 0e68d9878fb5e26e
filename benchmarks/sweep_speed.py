"""Sweep throughput (scenarios/s) on local processes and on a 2-worker Dask LocalCluster, and the memory of
10,000 result rows.

Usage: python benchmarks/sweep_speed.py [--volumes N] [--repeat R] [--workers W]
The grid is the classification example at N volumes x 3 horizons (samples 0). Each run is a fresh sweep
(--restart semantics: no parts reused), timed end to end: spec, process pool start or cluster connection,
every scenario, the parts and the final Parquet + CSV. The local pool is started by each run; the cluster is
started once before its R runs and its workers stay up between them, as a running cluster's would (its start
is not timed). Medians of R runs; the load average is printed, since a shared machine makes single timings
noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from llmplace.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "examples" / "classification-8b.yaml"


def _spec(folder: Path, volumes: int) -> Path:
    grid = {"workload.requests_per_month": [float(v) for v in np.geomspace(1e6, 1e9, volumes)],
            "finance.horizon_months": [36, 48, 60]}
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump({"base": str(BASE), "grid": grid}, sort_keys=False), encoding="utf-8")
    return path


def _rates(spec: Path, folder: Path, repeat: int, **where: object) -> tuple[float, int, str]:
    rates, rows, engine = [], 0, ""
    for k in range(repeat):
        summary = run_sweep(spec, folder / f"run{k}.parquet", restart=True, **where)  # type: ignore[arg-type]
        rates.append(summary.scenarios / summary.seconds)
        rows, engine = summary.rows, summary.engine
    return statistics.median(rates), rows, engine


def _memory(table: pa.Table, folder: Path) -> None:
    reps = -(-10_000 // table.num_rows)
    big = pa.concat_tables([table] * reps).slice(0, 10_000)
    rng = np.random.default_rng(0)  # repeated rows would compress to nothing: vary every number as a real sweep does
    for name in ("tco_usd", "npv_usd", "upfront_usd", "usd_per_mtok", "served_share"):
        col = big.column(name).to_numpy(zero_copy_only=False)
        big = big.set_column(big.schema.get_field_index(name), name,
                             pa.array(col * rng.uniform(0.5, 1.5, len(col)), type=pa.float64()))
    big = big.set_column(big.schema.get_field_index("scenario_index"), "scenario_index",
                         pa.array(np.arange(len(big)) // 6, type=pa.int64()))
    tracemalloc.start()
    rows = big.to_pylist()  # the form a worker returns its rows in, before they are written
    python_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del rows
    path = folder / "10k.parquet"
    pq.write_table(big, path)
    print(f"memory per 10,000 result rows ({len(big.schema)} columns): Arrow table {big.nbytes / 2**20:.1f} MiB, "
          f"as Python rows (worker -> writer) {python_bytes / 2**20:.1f} MiB, Parquet file "
          f"{path.stat().st_size / 2**20:.2f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--volumes", type=int, default=8, help="volumes of the grid (scenarios = 3 x volumes)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=0, help="local processes; 0: one per core")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = _spec(folder, args.volumes)
        rate, rows, engine = _rates(spec, folder, args.repeat, workers=1)
        print(f"local   {engine:32s} {3 * args.volumes:5d} scenarios, {rows:6d} rows: {rate:7.2f} scenarios/s "
              f"(median of {args.repeat}; the baseline)")
        rate, rows, engine = _rates(spec, folder, args.repeat, workers=args.workers or None)
        print(f"local   {engine:32s} {3 * args.volumes:5d} scenarios, {rows:6d} rows: {rate:7.2f} scenarios/s "
              f"(median of {args.repeat})")
        from dask.distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            rate, rows, engine = _rates(spec, folder, args.repeat, cluster=cluster.scheduler_address)
        print(f"cluster {'dask LocalCluster, 2 workers':32s} {3 * args.volumes:5d} scenarios, {rows:6d} rows: "
              f"{rate:7.2f} scenarios/s (median of {args.repeat})")
        _memory(pq.read_table(folder / "run0.parquet"), folder)
        print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
