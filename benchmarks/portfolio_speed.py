"""Time `compare_portfolio` on the bundled portfolios, and on the two-teams portfolio grown to N workloads.

Usage: python benchmarks/portfolio_speed.py [--repeat N] [--workloads 2 4 6]
Each extra workload is a copy of the public chat at another volume, eligible for every option, so the shared
plans (in-house and cloud) search every group of two or more workloads (up to six). No target is set: the
figures say what a shared plan costs in time as the portfolio grows.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
from pathlib import Path

import yaml

from llmplace import compare_portfolio
from llmplace.scenario.portfolio import parse_portfolio

ROOT = Path(__file__).resolve().parents[1]


def _grown(doc: dict, workloads: int) -> dict:
    out = copy.deepcopy(doc)
    base = out["workloads"][-1]
    for k in range(workloads - len(out["workloads"])):
        extra = copy.deepcopy(base)
        extra["id"] = f"extra-{k + 1}"
        extra["workload"]["requests_per_month"] = 1_000_000 * (k + 2)
        extra.pop("constraints", None)
        out["workloads"].append(extra)
    return out


def _median_ms(doc: dict, repeat: int) -> tuple[float, int]:
    folio = parse_portfolio(doc)
    result = compare_portfolio(folio)  # warm the catalog caches once, as a long-running process would
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        compare_portfolio(folio)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(result.plans)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workloads", type=int, nargs="+", default=[2, 4, 6])
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'portfolio':36s} {'plans':>5s} {'median ms':>10s}")
    for path in sorted((ROOT / "examples" / "portfolios").glob("*.yaml")):
        ms, plans = _median_ms(yaml.safe_load(path.read_text()), args.repeat)
        print(f"{path.name:36s} {plans:5d} {ms:10.0f}")
    two = yaml.safe_load((ROOT / "examples" / "portfolios" / "two-teams.yaml").read_text())
    for n in args.workloads:
        ms, plans = _median_ms(_grown(two, n), args.repeat)
        print(f"{f'two-teams grown to {n} workloads':36s} {plans:5d} {ms:10.0f}")


if __name__ == "__main__":
    main()
