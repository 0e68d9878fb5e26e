"""Load on a real ``llmplace serve`` process on loopback: throughput, latency percentiles, memory, errors.

Usage::

    python benchmarks/web_load.py                      # 8 and 32 clients, 160 requests per row and level
    python benchmarks/web_load.py --clients 8 -n 400   # one level, more requests
    python benchmarks/web_load.py --readings 2         # only the unique scenarios (computed)
    python benchmarks/web_load.py --samples default    # with Monte Carlo (the page's "uncertainty" run:
                                                       # the scenario's samples, else 10,000 draws)

The server is started as its own process (``python -m llmplace serve --port P --db <temporary file>``).
Three readings, each at every level of concurrency, that many client threads (each with its own
keep-alive connection) sharing the requests:

1. **examples as posted (cached)**: each bundled example POSTed unchanged to
   ``/api/v1/compare?samples=S`` (default S = 0: the page's live recompute), as when the page re-posts
   an unchanged form or several people open the same saved scenario. After one warm-up request per
   example these are answered from the server's result cache (``X-Llmplace-Cache: hit``).
2. **unique scenarios (computed)**: the same examples, each request with its own
   ``workload.requests_per_month`` (the example's value plus the request's number), so that no
   request is a cache hit: every one is computed.
3. **GET endpoints**: the saved-scenario list (10 saved scenarios), one saved scenario, and the page.

Printed per row and level: requests per second (completed requests / wall time), latency p50, p95
and p99 (client side, from sending the request to the last byte of the answer), errors (any answer
other than 200, or a failed connection), how the POST answers were obtained (cached / computed), and
the server's CPU time per request (the server process and its worker processes, user + system: the
work a request costs, whatever else the machine is doing; on an idle machine with C cores the
computed reading cannot exceed about C x 1000 / (CPU ms per request) requests per second).
Memory: the resident set (VmRSS) of the server and its worker processes before and after each reading,
and their peaks (VmHWM, summed). The client runs on the same machine and takes a share of its CPU: on
a machine with few cores the figures are pessimistic.

Target: every row's p95 under 300 ms at 8 clients, no errors; each reading is marked PASS or MISS
and the last line says on which readings the target is met. Exit status 1 when a request failed or the examples
as posted (reading 1) miss the target.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
BUDGET_P95_MS = 300.0
BUDGET_CLIENTS = 8


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(xs: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in [0, 100])."""
    s = sorted(xs)
    k = (len(s) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process [MiB] (Linux /proc; empty elsewhere)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    out = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def _cpu_s_of(pid: int) -> tuple[float, int]:
    """CPU time (user + system) of one process [s] and its parent's id (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0, -1
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, int(fields[1])


def _children(pid: int) -> list[int]:
    """The direct children of a process (the server's worker processes)."""
    return [int(e.name) for e in Path("/proc").iterdir()
            if e.name.isdigit() and int(e.name) != pid and _cpu_s_of(int(e.name))[1] == pid]


def server_cpu_s(pid: int) -> float:
    """CPU time of the server and its worker processes [s]."""
    return sum(_cpu_s_of(p)[0] for p in [pid, *_children(pid)])


def server_memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM [MiB] summed over the server and its worker processes (the sum of peaks is an
    upper bound of the peak of the sum), and the number of workers."""
    procs = [pid, *_children(pid)]
    each = [memory_mib(p) for p in procs]
    return {"VmRSS": sum(m.get("VmRSS", 0.0) for m in each), "VmHWM": sum(m.get("VmHWM", 0.0) for m in each),
            "workers": float(len(procs) - 1)}


def start_server(port: int, db: Path, log: Path) -> subprocess.Popen[bytes]:
    """``python -m llmplace serve`` on 127.0.0.1:port, waited for until it answers (60 s at most)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "llmplace", "serve", "--port", str(port), "--db", str(db)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}; see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/scenarios?limit=1")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not answer within 60 s; see {log}")


Request = tuple[str, str, bytes | None]
"""(method, path, JSON body or None)"""


def send(conn: http.client.HTTPConnection, req: Request) -> tuple[int, str]:
    """One request on a keep-alive connection: the status and the result cache header ('' when absent)."""
    method, path, body = req
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    return r.status, r.getheader("X-Llmplace-Cache", "")


def run_level(port: int, make: Callable[[int], Request], clients: int, requests: int) -> dict[str, Any]:
    """``requests`` requests (``make(i)`` is the i-th) shared among ``clients`` threads; latencies, errors,
    throughput and how the answers were obtained (result cache header)."""
    latencies: list[float] = []
    errors: list[str] = []
    how: Counter[str] = Counter()
    left = iter(range(requests))
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                i = next(left, None)
            if i is None:
                break
            req = make(i)
            t0 = time.perf_counter()
            try:
                status, cache = send(conn, req)
            except (OSError, http.client.HTTPException) as exc:
                status, cache, conn = -1, "", http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                errors.append(type(exc).__name__)
            took_ms = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(took_ms)
                how[cache or "-"] += 1
                if status not in (200, -1):
                    errors.append(f"HTTP {status}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall_s = time.perf_counter() - t0
    return {"rps": len(latencies) / wall_s, "p50": _percentile(latencies, 50), "p95": _percentile(latencies, 95),
            "p99": _percentile(latencies, 99), "errors": len(errors), "requests": len(latencies),
            "latencies": latencies, "how": how}


def _how(counts: Counter[str]) -> str:
    hits = counts["hit"] + counts["shared"]
    computed = counts["miss"]
    return f"{hits}/{computed}" if hits or computed else "-"


_UNIQUE = itertools.count(1)
"""Numbers no two requests of a run share (``next`` on a count is atomic in CPython)."""


def _unique(doc: dict[str, Any], path: str) -> Callable[[int], Request]:
    """The i-th request: the example with a number of requests a month no earlier request had."""
    base = doc["workload"]["requests_per_month"]

    def make(_i: int) -> Request:
        changed = copy.deepcopy(doc)
        changed["workload"]["requests_per_month"] = base + next(_UNIQUE)
        return "POST", path, json.dumps(changed).encode()

    return make


def _same(req: Request) -> Callable[[int], Request]:
    """Every request the same."""
    return lambda _i: req


Plan = dict[str, dict[str, Callable[[int], Request]]]
"""reading -> row name -> request maker"""


def readings(docs: dict[str, dict[str, Any]], path: str, saved_id: str) -> Plan:
    """The three readings (see the module docstring): row name -> request maker."""
    bodies = {name: json.dumps(doc).encode() for name, doc in docs.items()}
    return {
        "examples as posted (cached)": {name: _same(("POST", path, body)) for name, body in bodies.items()},
        "unique scenarios (computed)": {name: _unique(doc, path) for name, doc in docs.items()},
        "GET endpoints": {"GET /api/v1/scenarios": _same(("GET", "/api/v1/scenarios", None)),
                          "GET /api/v1/scenarios/{id}": _same(("GET", f"/api/v1/scenarios/{saved_id}", None)),
                          "GET / (the page)": _same(("GET", "/", None))},
    }


def prepare(port: int, docs: dict[str, dict[str, Any]], path: str) -> str:
    """Save 10 scenarios and post each example once (warm-up); the id of one saved scenario."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    saved = ""
    for k in range(10):
        doc = list(docs.values())[k % len(docs)]
        body = json.dumps({"name": f"saved {k}", "document": doc}).encode()
        conn.request("POST", "/api/v1/scenarios", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 201:
            raise SystemExit(f"saving a scenario failed: HTTP {r.status} {data[:200]!r}")
        saved = json.loads(data)["id"]
    for name, doc in docs.items():
        status, _ = send(conn, ("POST", path, json.dumps(doc).encode()))
        if status != 200:
            raise SystemExit(f"warm-up of {name} failed: HTTP {status}")
    conn.close()
    return saved


def _rss(pid: int) -> str:
    m = server_memory_mib(pid)
    return f"{m['VmRSS']:.0f} MiB (server + {m['workers']:.0f} child processes: workers, resource tracker)"


def measure(port: int, pid: int, plan: Plan, levels: list[int], n: int) -> tuple[dict[str, bool], int]:
    """Run every reading at every level, print the table; per reading, whether it met the target; errors."""
    met: dict[str, bool] = {}
    errors = 0
    print(f"{'row':<30} {'clients':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6} "
          f"{'cached/computed':>15} {'CPU ms/req':>9}")
    for reading, rows in plan.items():
        print(f"-- {reading}: RSS before {_rss(pid)}")
        ok = True
        for clients in levels:
            pooled: list[float] = []
            worst = 0.0
            for name, make in rows.items():
                cpu0 = server_cpu_s(pid)
                r = run_level(port, make, clients, n)
                r["cpu_ms"] = (server_cpu_s(pid) - cpu0) * 1000 / max(r["requests"], 1)
                pooled += r["latencies"]
                worst = max(worst, r["p95"])
                ok &= r["errors"] == 0
                errors += r["errors"]
                print(f"{name:<30} {clients:>7} {r['rps']:7.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} "
                      f"{r['errors']:>6.0f} {_how(r['how']):>15} {r['cpu_ms']:9.1f}")
            if clients == BUDGET_CLIENTS:  # every row must meet the target, not only the rows pooled
                ok &= worst < BUDGET_P95_MS
                print(f"{'  p95: all rows / worst row':<30} {clients:>7} {'':>7} {'':>8} "
                      f"{_percentile(pooled, 95):8.1f} {worst:8.1f}  {'PASS' if worst < BUDGET_P95_MS else 'MISS'} "
                      f"(target: every row's p95 < {BUDGET_P95_MS:g} ms)")
        after = server_memory_mib(pid)
        print(f"   RSS after {after.get('VmRSS', 0):.0f} MiB, peak {after.get('VmHWM', 0):.0f} MiB; "
              f"{'PASS' if ok else 'MISS'}")
        met[reading] = ok
    return met, errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--clients", default="8,32", help="levels of concurrency, comma-separated (default 8,32)")
    ap.add_argument("-n", type=int, default=160, help="requests per row and level (default 160)")
    ap.add_argument("--samples", default="0",
                    help="Monte Carlo samples per compare (default 0, the page's live recompute; 'default': "
                         "the scenario's uncertainty.samples, else 10,000)")
    ap.add_argument("--readings", default="1,2,3", help="which readings to run, comma-separated (default 1,2,3)")
    args = ap.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",") if c]
    path = "/api/v1/compare" if args.samples == "default" else f"/api/v1/compare?samples={int(args.samples)}"
    docs = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.yaml"))}
    with tempfile.TemporaryDirectory(prefix="web-load-") as tmp:
        port = _free_port()
        proc = start_server(port, Path(tmp) / "load.db", Path(tmp) / "server.log")
        try:
            every = readings(docs, path, prepare(port, docs, path))
            chosen = {int(k) for k in args.readings.split(",") if k}
            plan = {name: rows for k, (name, rows) in enumerate(every.items(), start=1) if k in chosen}
            print(f"POST {path} and GETs to `llmplace serve` (pid {proc.pid}) on 127.0.0.1, {args.n} requests per "
                  f"row and level, {os.cpu_count()} CPUs, result cache "
                  f"{os.environ.get('LLMPLACE_RESULT_CACHE_MB', '64 (default)')} MiB, compute processes "
                  f"{os.environ.get('LLMPLACE_COMPUTE_PROCESSES', 'one per core (default)')}")
            met, errors = measure(port, proc.pid, plan, levels, args.n)
            print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            on = [k for k, v in met.items() if v]
            print(f"target p95 < {BUDGET_P95_MS:g} ms at {BUDGET_CLIENTS} clients, no errors: "
                  + (f"met on {', '.join(on)}" if on else "met on no reading")
                  + (f"; missed on {', '.join(k for k, v in met.items() if not v)}" if len(on) < len(met) else ""))
            failed = errors > 0 or not met.get("examples as posted (cached)", True) or BUDGET_CLIENTS not in levels
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
