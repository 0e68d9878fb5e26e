"""Fuzz the bundled examples: mutate numeric fields at random and count what comes out.

    python benchmarks/fuzz_inputs.py [--cases 2000] [--seed 1] [--report]

Each case changes one to three numeric fields of a bundled example to a hostile value (negative,
zero, huge, infinite, NaN, a string, a wrong type) and runs ``compare`` (and with ``--report`` the
JSON report). It prints how many runs gave a finite result, how many an input error, and the counts
that must stay zero: internal errors, non-finite numbers in the output, and runs over the time budget.
Exit status 1 when any of those is not zero.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
HOSTILE: list[Any] = [0, -1, -1e9, 1e-300, 1e14, 1e15, 1e16, 1e300, float("inf"), float("-inf"), float("nan"),
                      "inf", "nan", "1e999", "", None, True, [], {}, 2**63, 2**80, -(2**63)]
BUDGET_S = 30.0


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path] if isinstance(node, (int, float)) and not isinstance(node, bool) else []


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _mutate(doc: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], list[str]]:
    """A mutated copy of ``doc`` and the changes made (``path = value``)."""
    doc = copy.deepcopy(doc)
    leaves = _leaves(doc)
    changes = []
    for path in rng.sample(leaves, k=min(len(leaves), rng.randint(1, 3))):
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = rng.choice(HOSTILE) if rng.random() < 0.7 else rng.uniform(-2, 2) * node[path[-1]]
        changes.append(".".join(str(k) for k in path) + f" = {node[path[-1]]!r}")
    return doc, changes


def _run(doc: dict[str, Any], with_report: bool) -> str:
    from llmplace import compare, parse_scenario
    from llmplace.errors import InputError

    try:
        result = compare(parse_scenario(doc))
        if with_report:
            from llmplace.report import render

            json.loads(str(render(result, "json")))
    except InputError as exc:
        return "input error" if exc.field else "input error without a field"
    except Exception as exc:  # noqa: BLE001 - counted, never hidden
        return f"internal error: {type(exc).__name__}"
    return "finite result" if _finite(result.to_dict()) else "non-finite output"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--report", action="store_true", help="also render the JSON report of each result")
    args = ap.parse_args()
    docs = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.yaml"))}
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    slowest = 0.0
    start = time.perf_counter()
    for i in range(args.cases):
        t0 = time.perf_counter()
        name = rng.choice(sorted(docs))
        doc, changes = _mutate(docs[name], rng)
        outcome = _run(doc, args.report)
        took = time.perf_counter() - t0
        slowest = max(slowest, took)
        outcome = "over the time budget" if took > BUDGET_S else outcome
        if outcome not in outcomes and outcome not in ("finite result", "input error"):
            print(f"  first '{outcome}': {name}: {'; '.join(changes)}", file=sys.stderr)
        outcomes[outcome] += 1
        if (i + 1) % 200 == 0:
            print(f"  {i + 1:,} / {args.cases:,} cases", file=sys.stderr)
    total = time.perf_counter() - start
    print(f"{args.cases:,} mutated scenarios (seed {args.seed}) in {total:.1f} s; slowest case {slowest:.2f} s")
    for outcome, n in sorted(outcomes.items()):
        print(f"  {outcome:<40} {n:>6,}")
    bad = sum(n for o, n in outcomes.items() if o not in ("finite result", "input error"))
    print(f"  {'must be zero (internal, non-finite, slow)':<40} {bad:>6,}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
