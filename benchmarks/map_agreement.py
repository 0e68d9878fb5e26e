"""How often a decision map's answer differs from a `compare` of the same cell, on every bundled example.

Usage: python benchmarks/map_agreement.py [--x-steps N] [--y-steps N]
Each cell's two values are written into the scenario and compared on their own (samples 0). The cheapest must
always agree (the same cost arithmetic); the recommendation may differ only where a hybrid's criteria beyond
cost move with the cell, which the map holds at the scenario's point (its stated simplification).
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import yaml

from llmplace import compare
from llmplace.maps import Axis, decision_map
from llmplace.risk import set_path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--x-steps", type=int, default=8)
    ap.add_argument("--y-steps", type=int, default=5)
    args = ap.parse_args()
    print(f"{'example':28s} {'cells':>5s} {'cheapest differs':>16s} {'recommended differs':>19s}")
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        rpm = float(doc["workload"]["requests_per_month"])
        x = Axis("workload.requests_per_month", rpm / 30, rpm * 30, log=True, steps=args.x_steps)
        y = Axis("finance.api_price_change_pct_per_year", -40.0, 10.0, steps=args.y_steps)
        m = decision_map(doc, x, y)
        cheap = rec = 0
        for r, yv in enumerate(m.y_values):
            for c, xv in enumerate(m.x_values):
                cell = copy.deepcopy(doc)
                set_path(cell, x.path, xv)
                set_path(cell, y.path, yv)
                res = compare(cell, samples=0)
                cheap += (res.cheapest or "-") != m.cheapest[r][c]
                rec += ((res.recommendation.option if res.recommendation else None) or "-") != m.recommended[r][c]
        print(f"{path.stem:28s} {m.cells:5d} {cheap:16d} {rec:19d}")


if __name__ == "__main__":
    main()
