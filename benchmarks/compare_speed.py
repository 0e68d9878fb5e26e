"""Time `compare` with hybrid optimisation on every bundled example over a 60-month horizon.

Usage: python benchmarks/compare_speed.py [--repeat N] [--horizon MONTHS]
Target (issue 4): each example under 1 second on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

from llmplace import compare, parse_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--horizon", type=int, default=60)
    args = ap.parse_args()
    print(f"{'example':32s} {'options':>7s} {'hybrids':>7s} {'min ms':>8s} {'median ms':>10s}  target < 1000 ms")
    worst = 0.0
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        doc.setdefault("finance", {})["horizon_months"] = args.horizon
        scenario = parse_scenario(doc)
        hybrids = sum(1 for o in scenario.options if o.kind == "hybrid")
        compare(scenario)  # warm the catalog caches once, as a long-running process would
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            compare(scenario)
            times.append((time.perf_counter() - t0) * 1000)
        med = statistics.median(times)
        worst = max(worst, med)
        print(f"{path.stem:32s} {len(scenario.options):7d} {hybrids:7d} {min(times):8.1f} {med:10.1f}")
    print(f"worst median: {worst:.1f} ms -> {'PASS' if worst < 1000 else 'FAIL'}")


if __name__ == "__main__":
    main()
