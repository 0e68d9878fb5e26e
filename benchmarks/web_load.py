"""Load on a real ``llmplace serve`` process on loopback: throughput, latency percentiles, memory, errors.

Usage::

    python benchmarks/web_load.py                      # 8 and 32 clients, 160 requests per example and level
    python benchmarks/web_load.py --clients 8 -n 400   # one level, more requests
    python benchmarks/web_load.py --samples 2000       # with Monte Carlo (the page's "uncertainty" run)

The server is started as its own process (``python -m llmplace serve --port P --db <temporary file>``)
and warmed up with one request per example. Then, for each level of concurrency and each bundled
example, that many client threads (each with its own keep-alive connection) POST the example to
``/api/v1/compare?samples=0`` (the page's live recompute) until the level's requests are done.

Printed per example and level: requests per second (completed requests / wall time), latency p50,
p95 and p99 (client side, from sending the request to the last byte of the answer), errors (any
answer other than 200, or a failed connection). Memory: the server's resident set (VmRSS) after the
warm-up and after the load, and its peak (VmHWM). The client runs on the same machine and takes a
share of its CPU: on a machine with few cores the figures are pessimistic.

Budget: p95 under 300 ms at 8 clients, no errors; exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

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


def post(conn: http.client.HTTPConnection, path: str, body: bytes) -> int:
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    return r.status


def run_level(port: int, path: str, body: bytes, clients: int, requests: int) -> dict[str, float]:
    """``requests`` POSTs shared among ``clients`` threads; latencies, errors and throughput."""
    latencies: list[float] = []
    errors: list[str] = []
    left = iter(range(requests))
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if next(left, None) is None:
                    break
            t0 = time.perf_counter()
            try:
                status = post(conn, path, body)
            except (OSError, http.client.HTTPException) as exc:
                status, conn = -1, http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                errors.append(type(exc).__name__)
            took_ms = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(took_ms)
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
            "p99": _percentile(latencies, 99), "errors": len(errors), "requests": len(latencies)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--clients", default="8,32", help="levels of concurrency, comma-separated (default 8,32)")
    ap.add_argument("-n", type=int, default=160, help="requests per example and level (default 160)")
    ap.add_argument("--samples", type=int, default=0, help="Monte Carlo samples per request (default 0)")
    args = ap.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",") if c]
    path = f"/api/v1/compare?samples={args.samples}"
    examples = {p.stem: json.dumps(yaml.safe_load(p.read_text(encoding="utf-8"))).encode()
                for p in sorted((ROOT / "examples").glob("*.yaml"))}
    with tempfile.TemporaryDirectory(prefix="web-load-") as tmp:
        port = _free_port()
        proc = start_server(port, Path(tmp) / "load.db", Path(tmp) / "server.log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            warm = {name: post(conn, path, body) for name, body in examples.items()}
            conn.close()
            if any(s != 200 for s in warm.values()):
                print(f"warm-up failed: {warm}")
                return 1
            before = memory_mib(proc.pid)
            print(f"POST {path} to `llmplace serve` (pid {proc.pid}) on 127.0.0.1, {args.n} requests per example "
                  f"and level, {os.cpu_count()} CPUs")
            print(f"{'example':<26} {'clients':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
                  f"{'errors':>6}")
            failed = False
            for clients in levels:
                for name, body in examples.items():
                    r = run_level(port, path, body, clients, args.n)
                    over = clients == BUDGET_CLIENTS and r["p95"] >= BUDGET_P95_MS
                    failed |= over or r["errors"] > 0
                    print(f"{name:<26} {clients:>7} {r['rps']:7.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} "
                          f"{r['errors']:>6.0f}{'  over the p95 budget' if over else ''}")
            after = memory_mib(proc.pid)
            print(f"server memory: RSS {before.get('VmRSS', 0):.0f} MiB after warm-up, "
                  f"{after.get('VmRSS', 0):.0f} MiB after the load, peak {after.get('VmHWM', 0):.0f} MiB")
            verdict = "missed" if failed else "met" if BUDGET_CLIENTS in levels else "not measured"
            print(f"budget: p95 < {BUDGET_P95_MS:g} ms at {BUDGET_CLIENTS} clients, no errors: {verdict}")
            print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
