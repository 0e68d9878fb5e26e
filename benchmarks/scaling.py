"""How the cost of a comparison grows with the options, the Monte Carlo samples, the horizon and the fleet size.

Usage::

    python benchmarks/scaling.py            # every curve and the start-up ratios (a few minutes on 2 cores)
    python benchmarks/scaling.py --quick    # fewer points per curve

Each point runs in a fresh Python process (so start-up, imports and catalog loading count, as they do for a
user) that loads a scenario built from ``examples/consumer-chat.yaml`` and calls ``compare``. Per point it
prints the time of the ``compare`` call alone (wall and CPU), the wall and CPU time of the whole process and its
peak memory (maximum resident set size, ``resource.getrusage``). Per curve it prints the exponent ``b`` of
``time ~ size^b`` fitted by least squares on the log-log points (the compare call's CPU time, so neither
start-up nor other processes on a shared machine bend the curve).

Targets (issue 19), as ratios to the time of ``llmplace --version`` measured in the same run (wall time, and
CPU time, which a loaded machine inflates least; the verdict reads the CPU ratio):
40 options x 10,000 samples within 10x; the 240-month consumer-chat case within 10x (20x with 10,000
samples); compare of a bundled example within 1.3x; exponents <= 1.1 for options, samples and horizon. The
last lines print each target's measured ratio and PASS/MISS, and ``llmplace compare`` of every bundled example twice
in a fresh process: with ``--samples 0`` (the like-for-like reading of the 1.3x line, written when compare ran no
samples; nine runs, each after a run of ``--version``, and the ratio of the two medians) and with its default
10,000 samples (shown against the same 1.3x, not counted in the verdict).
``--ratios-only`` skips the curves. Every child process runs from bytecode compiled once and with the API prices
cached by a first, untimed run of each example (as for an installed package and a returning user): the first run
after an installation also imports genai-prices, about 0.4 s more.

The 240-month case grows 4.5 % a month, not the example's 8 %: at 8 % its peak would need 1.8 million
servers, which the input checks refuse (at most ``MAX_FLEET_UNITS`` = 100,000 units an option); at 4.5 % the
largest fleet (the single-GPU instance) is about 13,000 units at the point values and stays under the limit in
every Monte Carlo sample of the growth (at 5.4 % the point run fits but the fastest-growing samples do not).
Options go up to ``MAX_OPTIONS`` (50).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "consumer-chat.yaml"
LONG_GROWTH_PCT = 4.5  #: the 240-month case's growth (see the module docstring)

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from llmplace import compare, parse_scenario
doc, samples = json.loads(sys.stdin.read())
s = parse_scenario(doc)
t1 = time.perf_counter()
c1 = time.process_time()
r = compare(s, samples=samples or None, seed=1)
t2 = time.perf_counter()
t2c = time.process_time()
units = max((max(o.units) for o in r.options if o.units), default=0)
print(json.dumps({"compare_s": t2 - t1, "compare_cpu_s": t2c - c1, "setup_s": t1 - t0, "max_units": units,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
"""


#: bytecode and the API price cache of the child processes, warmed before any timing (see :func:`_warm`)
_STATE = Path(tempfile.mkdtemp(prefix="llmplace-bench-"))


def _env() -> dict[str, str]:
    """The children's environment: this checkout's sources, compiled once to bytecode as an installed package is
    (``PYTHONDONTWRITEBYTECODE`` would recompile every module in every process, start-up included), and a price
    cache of their own, as a returning user has."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(_STATE / "pycache")
    env["LLMPLACE_CACHE_DIR"] = str(_STATE / "cache")
    return env


def _warm() -> None:
    """Compile the package and price each example's APIs once (untimed), as an installation and a first run do."""
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        _child([sys.executable, "-m", "llmplace", "compare", str(path), "--samples", "0"])


def _child(cmd: list[str], stdin: str = "") -> tuple[str, float, float]:
    """Run ``cmd`` in a fresh process: its stdout, wall time and CPU time (user + system of the reaped child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise SystemExit(f"{' '.join(cmd[:3])} failed:\n{out.stderr}")
    return out.stdout, wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def run_point(doc: dict[str, Any], samples: int) -> dict[str, float]:
    """One comparison in a fresh process: compare time, process wall and CPU time, peak memory, largest fleet."""
    out, wall, cpu = _child([sys.executable, "-c", _CHILD], json.dumps([doc, samples]))
    return {**json.loads(out.strip().splitlines()[-1]), "wall_s": wall, "cpu_s": cpu}


def startup_s(repeat: int = 5) -> tuple[float, float]:
    """Median wall and CPU time of ``llmplace --version`` in a fresh process."""
    runs = [_child([sys.executable, "-m", "llmplace", "--version"])[1:] for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def exponent(sizes: list[float], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) on log(size)."""
    xs = [math.log(x) for x in sizes]
    ys = [math.log(max(y, 1e-6)) for y in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def base_doc(horizon: int = 60) -> dict[str, Any]:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["finance"]["horizon_months"] = horizon
    return doc


def with_options(n: int) -> dict[str, Any]:
    """The example's pure options repeated under new ids until there are n, each copy's price nudged by k % (API
    token prices, the instance's on-demand price, the server's purchase price), so that no two options are the
    same offer: n options are n costings, as n regions or providers of the same instance types would be. What
    depends on the load and the capacity alone (fleet sizes, starts, the load above a fleet, staff) is computed
    once per distinct capacity and shared by the copies (see ``llmplace.memo``); n different instance types
    would each compute their own."""
    from llmplace import catalog

    doc = base_doc()
    pure = [o for o in doc["options"] if o.get("kind") != "hybrid"]
    options = []
    for k in range(n):
        o = dict(pure[k % len(pure)], id=f"{pure[k % len(pure)]['id']}-{k}")
        nudge = 1 + k / 100
        if o["kind"] == "api":
            o.update(input_usd_per_mtok=0.15 * nudge, output_usd_per_mtok=0.6 * nudge)
        elif o["kind"] == "cloud":
            o["usd_per_hour"] = catalog.get_cloud(o["instance"]).on_demand_usd_per_hour * nudge
        elif o["kind"] == "in_house":
            o["purchase_usd"] = catalog.get_server(o["server"]).purchase_usd * nudge
        options.append(o)
    doc["options"] = options
    return doc


def long_doc(horizon: int) -> dict[str, Any]:
    doc = base_doc(horizon)
    doc["workload"]["growth_pct_per_month"] = LONG_GROWTH_PCT
    return doc


def fleet_doc(scale: float) -> dict[str, Any]:
    doc = base_doc(36)
    doc["workload"]["requests_per_month"] = int(doc["workload"]["requests_per_month"] * scale)
    return doc


def _curve(name: str, points: list[tuple[float, dict[str, Any], int]], unit: str) -> float:
    print(f"\n{name}")
    print(f"{unit:>14s} {'compare s':>10s} {'cpu s':>7s} {'process s':>10s} {'cpu s':>7s} {'peak MiB':>9s} "
          f"{'largest fleet':>14s}")
    sizes, times = [], []
    for size, doc, samples in points:
        r = run_point(doc, samples)
        sizes.append(size)
        times.append(r["compare_cpu_s"])
        print(f"{size:14,.0f} {r['compare_s']:10.3f} {r['compare_cpu_s']:7.3f} {r['wall_s']:10.3f} {r['cpu_s']:7.3f} "
              f"{r['peak_mib']:9.0f} {r['max_units']:14,d}", flush=True)
    b = exponent(sizes, times)
    print(f"fitted exponent (compare CPU time): {b:.2f}")
    return b


def _verdict(ratio: float, ratio_cpu: float, target: float) -> str:
    """PASS or MISS on the CPU ratio; the wall ratio is noted. On a shared machine the start-up and each run see
    different loads, so a wall ratio can pass or miss by the load alone (a start-up timed while the machine is
    busy makes every later wall ratio look small)."""
    verdict = "PASS" if ratio_cpu <= target else "MISS"
    return verdict + ("" if (ratio <= target) == (ratio_cpu <= target) else
                      f" (wall ratio {'within' if ratio <= target else 'over'} target)")


def _cli_compare(path: Path, samples: int | None, repeat: int = 1, paired: bool = False) -> dict[str, float]:
    """``llmplace compare`` of a scenario file in a fresh process (the command a user types, table output): the
    median wall and CPU time of ``repeat`` runs (a single run of a sub-second command swings by a third on a
    shared machine, as ``--version`` itself does). ``paired``: each run follows a run of ``llmplace --version``,
    whose medians come back as ``start_wall_s`` and ``start_cpu_s``, so that the ratio divides two times measured
    under the same load (start-up measured once, minutes earlier, moves a ratio near 1.3x by a tenth)."""
    cmd = [sys.executable, "-m", "llmplace", "compare", str(path)]
    if samples is not None:
        cmd += ["--samples", str(samples)]
    runs, starts = [], []
    for _ in range(repeat):
        if paired:
            starts.append(_child([sys.executable, "-m", "llmplace", "--version"])[1:])
        runs.append(_child(cmd)[1:])
    out = {"wall_s": statistics.median(r[0] for r in runs), "cpu_s": statistics.median(r[1] for r in runs)}
    if starts:
        out |= {"start_wall_s": statistics.median(r[0] for r in starts),
                "start_cpu_s": statistics.median(r[1] for r in starts)}
    return out


def _ratio_lines(start: float, start_cpu: float) -> bool:
    """Each "Done when" line of issue 19 as measured ratio vs target and PASS/MISS; True when all pass."""
    checks: list[tuple[str, dict[str, float], float]] = [
        ("40 options x 10,000 samples", run_point(with_options(40), 10_000), 10.0),
        ("consumer-chat 240 months", run_point(long_doc(240), 0), 10.0),
        ("consumer-chat 240 months, 10,000 samples", run_point(long_doc(240), 10_000), 20.0),
    ]
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        checks.append((f"compare {path.stem} --samples 0 (median of 9, paired)",
                       _cli_compare(path, 0, repeat=9, paired=True), 1.3))
    defaults = [(f"compare {path.stem} (default 10,000 samples)", _cli_compare(path, None), 1.3)
                for path in sorted((ROOT / "examples").glob("*.yaml"))]
    ok = True
    print(f"{'':64s} {'wall s':>7s} {'ratio':>6s} {'CPU s':>6s} {'ratio':>6s} {'target':>7s}  verdict")
    for counted, (label, r, target) in [(True, c) for c in checks] + [(False, d) for d in defaults]:
        ratio, ratio_cpu = r["wall_s"] / r.get("start_wall_s", start), r["cpu_s"] / r.get("start_cpu_s", start_cpu)
        verdict = _verdict(ratio, ratio_cpu, target)
        if counted:
            ok &= verdict != "MISS"
        print(f"{label:64s} {r['wall_s']:7.2f} {ratio:5.2f}x {r['cpu_s']:6.2f} {ratio_cpu:5.2f}x {target:6g}x  "
              f"{verdict}", flush=True)
    print("(--samples 0 is the like-for-like reading of the 1.3x line, written when compare ran no samples; the "
          "default compare now runs 10,000 samples and is shown against the same 1.3x, not counted in the verdict)")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer points per curve")
    ap.add_argument("--ratios-only", action="store_true", help="only the start-up ratios of the targets")
    args = ap.parse_args()
    q = args.quick
    _warm()
    start, start_cpu = startup_s()
    print(f"llmplace --version: {start:.3f} s wall, {start_cpu:.3f} s CPU (start-up, median of 5); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    exps: dict[str, float] = {}
    if not args.ratios_only:
        exps = {
            "options": _curve("options (10,000 samples, 60 months)",
                              [(n, with_options(n), 10_000) for n in ((5, 20, 40) if q else (5, 10, 20, 40, 50))],
                              "options"),
            "samples": _curve("samples (consumer-chat, 36 months)",
                              [(n, base_doc(36), n) for n in ((1000, 10_000, 50_000) if q else
                                                              (1000, 3000, 10_000, 30_000, 100_000))], "samples"),
            "horizon": _curve(f"horizon (consumer-chat at {LONG_GROWTH_PCT} %/month, no samples)",
                              [(h, long_doc(h), 0) for h in ((12, 60, 240) if q else (12, 24, 60, 120, 240))],
                              "months"),
        }
        _curve("fleet size (consumer-chat, 36 months, demand scaled; no samples)",
               [(f, fleet_doc(f), 0) for f in ((1, 30, 300) if q else (1, 10, 100, 300, 1000))], "demand x")
    print("\nratios to start-up, wall and CPU time (the verdict reads the CPU ratio, which a shared machine's load "
          "inflates least; the wall ratio is shown beside it)")
    ok = _ratio_lines(start, start_cpu)
    for k, b in exps.items():
        ok &= b <= 1.1
        print(f"exponent {k:8s} {b:5.2f}  (<= 1.1)  {'PASS' if b <= 1.1 else 'MISS'}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
