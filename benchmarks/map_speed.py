"""Time a 100 x 100 decision map of every bundled example against a 10,000-sample Monte Carlo of it.

Usage: python benchmarks/map_speed.py [--repeat N] [--steps N]
Axes: workload.requests_per_month from a tenth to ten times the scenario's value (log), and
finance.api_price_change_pct_per_year from -40 to +10 %/yr. The Monte Carlo is `compare(samples=10000)`.
Target (issue 18): each map under 3 s on this machine (2 shared cores); prints PASS or MISS, and the load
average, since other processes share the cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import yaml

from llmplace import compare, parse_scenario
from llmplace.maps import Axis, decision_map

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 3.0


def _median_s(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args()
    n = args.steps
    print(f"{'example':28s} {'map ' + str(n) + 'x' + str(n) + ' s':>12s} {'MC 10k s':>9s} {'ratio':>6s}  "
          f"target < {TARGET_S:g} s")
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        s = parse_scenario(yaml.safe_load(path.read_text()))
        rpm = float(s.workload.requests_per_month)
        x = Axis("workload.requests_per_month", rpm / 10, rpm * 10, log=True, steps=n)
        y = Axis("finance.api_price_change_pct_per_year", -40.0, 10.0, steps=n)
        compare(s, samples=0)  # warm the catalog caches once, as a long-running process would
        t_map = _median_s(lambda s=s, x=x, y=y: decision_map(s, x, y), args.repeat)
        t_mc = _median_s(lambda s=s: compare(s, samples=10_000, seed=1), args.repeat)
        verdict = "PASS" if t_map < TARGET_S else "MISS"
        print(f"{path.stem:28s} {t_map:12.2f} {t_mc:9.2f} {t_map / t_mc:6.2f}  {verdict}")
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}; medians of {args.repeat}")


if __name__ == "__main__":
    main()
