"""Latency of a deterministic recompute through the REST API, for each bundled example.

Usage::

    python benchmarks/web_api_latency.py               # in-process (ASGI test client), 50 requests each
    python benchmarks/web_api_latency.py -n 200        # more requests
    python benchmarks/web_api_latency.py --http        # a real uvicorn server on 127.0.0.1 and an HTTP client

Each example is POSTed to ``/api/v1/compare?samples=0`` (the page's live recompute: no Monte Carlo)
once to warm up, then ``n`` times; the figures are wall-clock times per request, client side,
including JSON encoding and decoding. The server's result cache is off here, so that every request
is computed (``benchmarks/web_load.py`` measures cached answers too). The budget is a 95th
percentile under 300 ms; the exit status is 1 when an example misses it.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

import yaml  # noqa: E402

from llmplace.web import create_app  # noqa: E402
from llmplace.web.results_cache import ResultCache  # noqa: E402

BUDGET_P95_MS = 300.0
PATH = "/api/v1/compare?samples=0"


def _percentile(xs: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in [0, 100])."""
    s = sorted(xs)
    k = (len(s) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _in_process(db_url: str) -> tuple[Callable[[bytes], int], Callable[[], None]]:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(db_url, result_cache=ResultCache(0)))
    client.__enter__()

    def post(body: bytes) -> int:
        return client.post(PATH, content=body, headers={"content-type": "application/json"}).status_code

    return post, lambda: client.__exit__(None, None, None)


def _over_http(db_url: str) -> tuple[Callable[[bytes], int], Callable[[], None]]:
    import httpx
    import uvicorn

    port = _free_port()
    app = create_app(db_url, result_cache=ResultCache(0))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def post(body: bytes) -> int:
        return client.post(PATH, content=body, headers={"content-type": "application/json"}).status_code

    def close() -> None:
        client.close()
        server.should_exit = True
        thread.join(10)

    return post, close


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=50, help="timed requests per example (default 50)")
    ap.add_argument("--http", action="store_true", help="through a uvicorn server on 127.0.0.1")
    args = ap.parse_args(argv)
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        make = _over_http if args.http else _in_process
        post, close = make(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            mode = "uvicorn on 127.0.0.1 + httpx" if args.http else "in-process ASGI test client"
            print(f"POST {PATH}, {args.n} requests per example after one warm-up ({mode})")
            print(f"{'example':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  "
                  f"budget: p95 < {BUDGET_P95_MS:g} ms")
            worst = 0.0
            for path in examples:
                doc = yaml.safe_load(path.read_text(encoding="utf-8"))
                body = json.dumps(doc).encode()
                status = post(body)
                if status != 200:
                    print(f"{path.stem:<28} HTTP {status}")
                    return 1
                times = []
                for _ in range(args.n):
                    t0 = time.perf_counter()
                    status = post(body)
                    times.append((time.perf_counter() - t0) * 1000.0)
                    if status != 200:
                        print(f"{path.stem:<28} HTTP {status}")
                        return 1
                p95 = _percentile(times, 95)
                worst = max(worst, p95)
                print(f"{path.stem:<28} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f}  "
                      f"{'ok' if p95 < BUDGET_P95_MS else 'OVER BUDGET'}")
        finally:
            close()
    return 0 if worst < BUDGET_P95_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
