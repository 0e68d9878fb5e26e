"""How many Monte Carlo draws the recommendation needs: scores and spreads per sample count and seed.

Usage: python benchmarks/samples_stability.py [--counts 2000,10000,20000] [--seeds 0,1,2]

Prints, for every bundled example, each (samples, seed) pair's recommended option, the weighted score
of the recommended and runner-up options, the P10-P90 TCO spread of each (as a share of its median)
and the seconds the comparison took. The default sample count (``DEFAULT_SAMPLES``) should give the
same recommendation for every seed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from llmplace import compare

ROOT = Path(__file__).resolve().parents[1]


def _spread(o) -> str:
    r = o.risk
    if r is None or not r.tco_usd.p50:
        return "-"
    return f"{(r.tco_usd.p90 - r.tco_usd.p10) / r.tco_usd.p50:.0%}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counts", default="2000,10000,20000")
    ap.add_argument("--seeds", default="0,1,2")
    args = ap.parse_args()
    counts = [int(x) for x in args.counts.split(",")]
    seeds = [int(x) for x in args.seeds.split(",")]
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        print(f"{path.stem}")
        for n in counts:
            for seed in seeds:
                t0 = time.perf_counter()
                r = compare(path, samples=n, seed=seed)
                took = time.perf_counter() - t0
                rec = r.recommendation
                assert rec is not None
                w, u = r.find(rec.option), r.find(rec.runner_up)
                cells = [f"{o.id} {o.criteria.weighted_total:.2f} spread {_spread(o)}"
                         for o in (w, u) if o is not None and o.criteria is not None
                         and o.criteria.weighted_total is not None]
                print(f"  {n:>6} draws seed {seed}: {' | '.join(cells)}  ({took:.1f} s)")


if __name__ == "__main__":
    main()
