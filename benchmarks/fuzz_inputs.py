"""Fuzz the bundled examples end to end: mutate numeric fields at random and count what comes out.

    python benchmarks/fuzz_inputs.py [--cases 3000] [--seed 1] [--paths engine,cli,api] [--reports 20]

Each case changes one to three numeric fields of a bundled example to a hostile value (negative, zero,
huge, infinite, NaN, a string, a wrong type; the mutations of ``tests/fuzzing.py``, shared with the
tests) and sends the same document through each path:

* ``engine``: ``compare`` in-process: a finite result or an ``InputError`` naming a field;
* ``cli``: ``llmplace compare <file> --json`` (typer's runner): exit 0 with finite JSON or exit 2 with
  one line naming a field; never 1;
* ``api``: ``POST /api/v1/compare`` (FastAPI test client): 200 with finite JSON or 422 naming a field;
  never 500.

The first ``--reports`` cases that the engine accepts also write the report in every format, from the
CLI (html, md, json, xlsx, and pdf where Chromium is installed) and from the API (html, md, json, xlsx).

It prints the outcome distribution per path and the counts that must stay zero: internal errors
(exit 1, HTTP 500), non-finite numbers in an output, and runs over the time budget (hangs). Exit
status 1 when any of those is not zero.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT / "src", ROOT):  # run from a checkout without installing; tests/ holds the shared mutations
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from tests.fuzzing import (  # noqa: E402
    EXAMPLE_DOCS,
    FINITE,
    GOOD,
    INPUT_ERROR,
    REPORT_FORMATS,
    api_compare_outcome,
    api_report_outcome,
    cli_compare_outcome,
    cli_report_outcome,
    engine_outcome,
    mutate,
    write_scenario,
)

BUDGET_S = 30.0
"""A single run slower than this counts as a hang. The runs are in-process: one that never returns stops
the benchmark itself, so run it under ``timeout`` in automation."""
PATHS = ("engine", "cli", "api")


def _runners(work: Path, client: Any) -> dict[str, Callable[[dict[str, Any]], str]]:
    scenario = work / "scenario.yaml"
    return {
        "engine": engine_outcome,
        "cli": lambda doc: cli_compare_outcome(write_scenario(doc, scenario)),
        "api": lambda doc: api_compare_outcome(client, doc),
    }


def _report_runners(work: Path, client: Any) -> dict[str, Callable[[dict[str, Any]], str]]:
    from llmplace.report.pdf import find_chromium

    scenario = work / "report-scenario.yaml"
    out: dict[str, Callable[[dict[str, Any]], str]] = {}
    for fmt in REPORT_FORMATS:
        if fmt != "pdf" or find_chromium() is not None:
            out[f"cli report {fmt}"] = lambda doc, f=fmt: cli_report_outcome(write_scenario(doc, scenario), f, work)
        if fmt != "pdf":
            out[f"api report {fmt}"] = lambda doc, f=fmt: api_report_outcome(client, doc, f)
    return out


def _shown(path: str, outcome: str) -> str:
    """An outcome as the path's exit status or HTTP status (the bad outcomes already name theirs)."""
    kind = "cli" if path.startswith("cli") else "api" if path.startswith("api") else "engine"
    shown = {("cli", FINITE): "exit 0 (finite)", ("cli", INPUT_ERROR): "exit 2 (one line naming a field)",
             ("api", FINITE): "HTTP 200 (finite)", ("api", INPUT_ERROR): "HTTP 422 (naming a field)",
             ("engine", FINITE): "finite result", ("engine", INPUT_ERROR): "InputError naming a field"}
    return shown.get((kind, outcome), outcome)


class Tally:
    """Outcomes per path, the slowest run per path, and the first case of each bad outcome."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Counter[str]] = {}
        self.slowest_s: Counter[str] = Counter()

    def run(self, path: str, fn: Callable[[dict[str, Any]], str], doc: dict[str, Any], where: str) -> str:
        t0 = time.perf_counter()
        outcome = fn(doc)
        took = time.perf_counter() - t0
        self.slowest_s[path] = max(self.slowest_s[path], took)
        outcome = "over the time budget (hang)" if took > BUDGET_S else outcome
        counts = self.outcomes.setdefault(path, Counter())
        if outcome not in GOOD and outcome not in counts:
            print(f"  first '{outcome}' on {path}: {where}", file=sys.stderr)
        counts[outcome] += 1
        return outcome

    def print(self) -> int:
        bad_total = 0
        for path, counts in self.outcomes.items():
            bad = sum(n for o, n in counts.items() if o not in GOOD)
            bad_total += bad
            parts = ", ".join(f"{_shown(path, o)}: {n:,}" for o, n in sorted(counts.items()))
            print(f"  {path:<16} {sum(counts.values()):>6,} runs, slowest {self.slowest_s[path]:6.2f} s; {parts}")
        print(f"  must be zero (exit 1, HTTP 500, non-finite output, hangs): {bad_total:,}")
        return bad_total


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated, of {', '.join(PATHS)}")
    ap.add_argument("--reports", type=int, default=20, help="cases that also write every report format")
    args = ap.parse_args()
    paths = [p for p in args.paths.split(",") if p]
    if unknown := set(paths) - set(PATHS):
        ap.error(f"--paths: unknown {sorted(unknown)}; allowed: {', '.join(PATHS)}")

    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    rng = random.Random(args.seed)
    tally = Tally()
    reported = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp, \
            TestClient(create_app(f"sqlite:///{tmp}/fuzz.db"), raise_server_exceptions=False) as client:
        runners = _runners(Path(tmp), client)
        reports = _report_runners(Path(tmp), client)
        for i in range(args.cases):
            name = rng.choice(sorted(EXAMPLE_DOCS))
            doc, changes = mutate(EXAMPLE_DOCS[name], rng)
            where = f"case {i}: {name}: {'; '.join(changes)}"
            outcomes = {path: tally.run(path, runners[path], doc, where) for path in paths}
            if reported < args.reports and (outcomes.get("engine") or engine_outcome(doc)) == FINITE:
                reported += 1
                for path, fn in reports.items():
                    tally.run(path, fn, doc, where)
            if (i + 1) % 200 == 0:
                print(f"  {i + 1:,} / {args.cases:,} cases", file=sys.stderr)
    total = time.perf_counter() - start
    print(f"{args.cases:,} mutated scenarios (seed {args.seed}) through {', '.join(paths)} "
          f"({reported:,} valid ones also as reports) in {total:.1f} s")
    return 1 if tally.print() else 0


if __name__ == "__main__":
    raise SystemExit(main())
