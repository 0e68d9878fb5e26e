"""Time a portfolio's Monte Carlo against its workloads' own single-scenario Monte Carlo runs.

Usage: python benchmarks/portfolio_monte_carlo.py [--repeat N] [--samples N ...]

For each sample count: the median wall time of ``compare_portfolio(samples=N)`` on the bundled two-teams
portfolio, and of ``compare(samples=N)`` on each of its workloads (which also runs the tornado, thresholds
and break-evens a portfolio does not); the load average, since the machine may be shared. Also prints the
plans' P10/P50/P90 and P(cheapest) at the largest count, and how far the P50s move between the two largest
counts (the sampling noise of the figures shown).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from llmplace import compare
from llmplace.portfolio import compare_portfolio
from llmplace.scenario.portfolio import load_portfolio

ROOT = Path(__file__).resolve().parents[1]
PORTFOLIO = ROOT / "examples" / "portfolios" / "two-teams.yaml"


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
    ap.add_argument("--samples", type=int, nargs="+", default=[1000, 10000])
    args = ap.parse_args()
    p = load_portfolio(PORTFOLIO)
    compare_portfolio(p)  # warm the catalog caches once, as a long-running process would
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{'samples':>8s} {'portfolio s':>12s} {'single runs s':>14s}")
    p50: dict[int, dict[str, float]] = {}
    for n in args.samples:
        port = _median_s(lambda n=n: compare_portfolio(p, samples=n, seed=1), args.repeat)
        single = sum(_median_s(lambda s=s, n=n: compare(s, samples=n, seed=1), args.repeat) for _, s in p.scenarios)
        print(f"{n:8,d} {port:12.2f} {single:14.2f}")
        r = compare_portfolio(p, samples=n, seed=1)
        p50[n] = {x.id: x.tco_range_usd.p50 for x in r.plans if x.tco_range_usd is not None}
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    for x in r.plans:
        q = x.tco_range_usd
        if q is not None:
            print(f"{x.id:24s} point {x.tco_usd:12,.0f}  P10 {q.p10:12,.0f}  P50 {q.p50:12,.0f}  P90 {q.p90:12,.0f}  "
                  f"P(cheapest) {x.probability_cheapest:.1%}")
    if len(args.samples) >= 2:
        a, b = sorted(args.samples)[-2:]
        for plan, v in p50[b].items():
            print(f"P50 of {plan}: {abs(v - p50[a][plan]) / v:.2%} apart at {a:,} and {b:,} samples")


if __name__ == "__main__":
    main()
