"""Time the strategy search (an option paid as used first, owned servers from a switch month, a hybrid's owned base
possibly grown in a step) on the bundled examples stretched to a 60-month horizon.

    python benchmarks/strategy_speed.py [--repeat N]

For each example: the candidates (first and second phases), the switch months tried, and the best wall time of
the search alone (the point run it starts from is timed apart). Target: under 1 s per example.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from llmplace.decision import resolve_deployments
from llmplace.engine import run
from llmplace.scenario import load_scenario
from llmplace.site import site_values
from llmplace.strategy import best_strategy, first_phase_options, second_phase_options

ROOT = Path(__file__).resolve().parents[1]
HORIZON_MONTHS = 60
TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    worst = 0.0
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        s = load_scenario(path)
        s = s.model_copy(update={"finance": s.finance.model_copy(update={"horizon_months": HORIZON_MONTHS})})
        sv = site_values(s)
        deployments = resolve_deployments(s)
        start = time.perf_counter()
        point = run(s, deployments, sv)
        point_s = time.perf_counter() - start
        eligible = {d.id for d in deployments if d.infeasible_reason is None}
        firsts, seconds = first_phase_options(deployments, eligible), second_phase_options(deployments, eligible)
        best = float("inf")
        plan = None
        for _ in range(args.repeat):
            start = time.perf_counter()
            plan = best_strategy(s, deployments, sv, point, eligible, None)
            best = min(best, time.perf_counter() - start)
        worst = max(worst, best)
        found = f"{plan.first} -> {plan.second} at month {plan.switch_month}" if plan else "no pair"
        if plan is not None and plan.base_steps:
            found += ", base " + " then ".join(f"{b.servers} from month {b.start_month}" for b in plan.base_steps)
        print(f"{path.stem:28s} {len(firsts)} first x {len(seconds)} second phases, {HORIZON_MONTHS} months: "
              f"search {best:.3f} s (point run {point_s:.3f} s); {found}")
    print(f"worst search time {worst:.3f} s (target < {TARGET_S:g} s): {'ok' if worst < TARGET_S else 'FAILS'}")


if __name__ == "__main__":
    main()
