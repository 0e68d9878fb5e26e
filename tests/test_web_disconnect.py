"""A client that goes away: long work stops, a cut-off upload is one log line (a real uvicorn server on loopback).

The requests are written on raw sockets, so a test can close the connection exactly where a browser
tab closed or a network dropped would: after the request, or in the middle of its body.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

uvicorn = pytest.importorskip("uvicorn")

from .conftest import ROOT  # noqa: E402

DOC = json.dumps(__import__("yaml").safe_load((ROOT / "examples" / "consumer-chat.yaml").read_text())).encode()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    from llmplace.web import create_app
    from llmplace.web.access import LOOPBACK_HOSTS

    db: Path = tmp_path_factory.mktemp("disconnect") / "d.db"
    number = _free_port()
    app = create_app(f"sqlite:///{db}", allowed_hosts=LOOPBACK_HOSTS)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=number, log_config=None, log_level="info"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not th.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield number
    srv.should_exit = True
    th.join(10)


def _head(port: int, path: str, length: int) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()


def _wait_for(caplog: pytest.LogCaptureFixture, pattern: str, timeout_s: float) -> re.Match[str] | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for record in caplog.records:
            if m := re.search(pattern, record.getMessage()):
                return m
        time.sleep(0.1)
    return None


@pytest.mark.parametrize("path", ["/api/v1/compare?samples=100000&seed=1",
                                  "/api/v1/report?format=json&samples=100000&seed=1"])
def test_long_work_stops_when_the_client_disconnects(port: int, path: str, caplog: pytest.LogCaptureFixture):
    """100,000 draws of this example take 30-60 s here; they used to run to the end after the client left.

    The client closes its connection one second in; the work must stop at a chunk boundary
    (2,000 draws), well before the last draw, and say so in one log line.
    """
    caplog.set_level(logging.INFO)
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_head(port, path, len(DOC)) + DOC)
        time.sleep(1.0)
    m = _wait_for(caplog, r"stopped after ([\d,]+) of ([\d,]+) Monte Carlo draws", 30)
    assert m is not None, "no log line saying the work stopped: " + repr([r.getMessage() for r in caplog.records])
    done, total = (int(g.replace(",", "")) for g in m.groups())
    assert total == 100_000 and done < total
    assert time.monotonic() - t0 < 30


PORTFOLIO_DOC = json.dumps(__import__("yaml").safe_load(
    (ROOT / "examples" / "portfolios" / "two-teams.yaml").read_text())).encode()


@pytest.mark.parametrize("path", ["/api/v1/compare?samples=100000&seed=1",
                                  "/api/v1/report?format=json&samples=100000&seed=1"])
def test_a_portfolio_monte_carlo_stops_when_the_client_disconnects(port: int, path: str,
                                                                   caplog: pytest.LogCaptureFixture):
    """A portfolio's Monte Carlo ran to the end after its client left: the REST path never gave it the cancel
    callback a scenario's compare gets. 100,000 draws for each of the two-teams portfolio's 2 workloads (200,000
    in all, about 4,000 draws a second here, so close to a minute) must stop at a chunk boundary (2,000 draws)
    once the client has closed its connection one second in, and say so in one log line counting the draws of
    every workload."""
    caplog.set_level(logging.INFO)
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_head(port, path, len(PORTFOLIO_DOC)) + PORTFOLIO_DOC)
        time.sleep(1.0)
    m = _wait_for(caplog, r"stopped after ([\d,]+) of ([\d,]+) Monte Carlo draws", 30)
    assert m is not None, "no log line saying the work stopped: " + repr([r.getMessage() for r in caplog.records])
    done, total = (int(g.replace(",", "")) for g in m.groups())
    assert total == 200_000 and done < total
    assert time.monotonic() - t0 < 30


def test_a_complete_request_is_not_cancelled(port: int, caplog: pytest.LogCaptureFixture):
    """The disconnect watch must not fire for a client that waits for its answer."""
    caplog.set_level(logging.INFO)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(_head(port, "/api/v1/compare?samples=2000&seed=1", len(DOC)) + DOC)
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert not any("disconnected" in r.getMessage() for r in caplog.records)


def test_an_upload_cut_off_mid_body_logs_one_line(port: int, caplog: pytest.LogCaptureFixture):
    """A client announcing 50,000 bytes that sends 1,000 and closes used to leave a traceback
    ("Exception in ASGI application", ClientDisconnect) in the server log."""
    caplog.set_level(logging.INFO)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_head(port, "/api/v1/compare", 50_000) + DOC[:1000])
        time.sleep(0.2)
    m = _wait_for(caplog, r"client disconnected before the end of its request body: POST /api/v1/compare", 10)
    assert m is not None, [r.getMessage() for r in caplog.records]
    time.sleep(0.5)  # anything logged after the line would show up here
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()
                or "Exception in ASGI application" in r.getMessage()]
