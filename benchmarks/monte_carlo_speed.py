"""Time 10,000-sample Monte Carlo runs on every bundled example over 60 months.

Usage: python benchmarks/monte_carlo_speed.py [--samples N] [--horizon MONTHS] [--repeat N]

Prints, per example, the time of the sampling alone (excluding the deterministic compare, the
tornado and the thresholds) for the pure options and with the hybrid options added, and the time
of the whole `compare(samples=...)` call. Targets (issue 5): under 1 s per example without hybrids,
under 3 s with hybrid optimisation, on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

from llmplace import compare, parse_scenario
from llmplace import risk as risk_mod

ROOT = Path(__file__).resolve().parents[1]


def _time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10000)
    ap.add_argument("--horizon", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sampled: dict[str, float] = {}
    original = risk_mod.run_monte_carlo

    def timed(*a, **k):  # the sampling step of compare(), timed on its own
        t0 = time.perf_counter()
        out = original(*a, **k)
        sampled["s"] = time.perf_counter() - t0
        return out

    risk_mod.run_monte_carlo = timed
    print(f"{args.samples:,} samples, {args.horizon} months, median of {args.repeat}")
    print(f"{'example':26s} {'MC pure s':>10s} {'MC +hybrid s':>13s} {'compare() s':>12s}  targets < 1 s / < 3 s")
    ok = True
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        doc.setdefault("finance", {})["horizon_months"] = args.horizon
        pure = dict(doc, options=[o for o in doc["options"] if o.get("kind") != "hybrid"])
        row = []
        for d in (pure, doc):
            s = parse_scenario(d)
            compare(s)  # warm caches
            runs = []
            for _ in range(args.repeat):
                compare(s, samples=args.samples, seed=1)
                runs.append(sampled["s"])
            row.append(statistics.median(runs))
        full = _time(lambda s=parse_scenario(doc): compare(s, samples=args.samples, seed=1), args.repeat)
        ok &= row[0] < 1.0 and row[1] < 3.0
        print(f"{path.stem:26s} {row[0]:10.2f} {row[1]:13.2f} {full:12.2f}")
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
