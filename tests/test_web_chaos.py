"""Chaos: the server is killed (SIGKILL) during concurrent saves; every acknowledged save survives.

A real ``llmplace serve`` process on loopback with a SQLite file takes creates and updates from
eight client threads; after a moment it is killed without warning, restarted on the same file, and
killed again (three cycles). A save counts as acknowledged when its 201/200 answer reached the client.
After the last restart every acknowledged create must be there, and every scenario must be at least at
the version last acknowledged for it, with that version's document when equal. SQLite in WAL mode
with ``synchronous = NORMAL`` loses no committed transaction when the process dies (only a power cut
or an operating-system crash can lose the last ones: https://www.sqlite.org/pragma.html#pragma_synchronous,
read 2026-12).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT

pytestmark = pytest.mark.chaos

CYCLES = 3
CLIENTS = 8
LOAD_S = 1.5
DOC = yaml.safe_load((ROOT / "examples" / "consumer-chat.yaml").read_text(encoding="utf-8"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, db: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "llmplace", "serve", "--port", str(port), "--db", str(db)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            status, _ = _call(port, "GET", "/api/v1/scenarios?limit=1")
            if status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("the server did not start: " + log.read_text()[-2000:])


def _call(port: int, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        r = conn.getresponse()
        raw = r.read()
        return r.status, json.loads(raw) if raw else None
    finally:
        conn.close()


class Acks:
    """What the server acknowledged: scenario id -> (version, name) of the last acknowledged save."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.saved: dict[str, tuple[int, str]] = {}

    def record(self, answer: dict[str, Any]) -> None:
        with self.lock:
            old = self.saved.get(answer["id"], (0, ""))
            if answer["version"] > old[0]:
                self.saved[answer["id"]] = (answer["version"], answer["name"])


def _client(port: int, cycle: int, worker: int, acks: Acks, stop: threading.Event) -> None:
    """Create a scenario, update it twice, repeat, until the server goes."""
    i = 0
    while not stop.is_set():
        i += 1
        name = f"chaos {cycle}-{worker}-{i}"
        try:
            status, answer = _call(port, "POST", "/api/v1/scenarios", {"name": name, "document": DOC})
            if status != 201:
                return
            acks.record(answer)
            for step in (1, 2):
                status, answer = _call(port, "PUT", f"/api/v1/scenarios/{answer['id']}",
                                       {"name": f"{name} v{step + 1}", "document": DOC,
                                        "version": answer["version"]})
                if status != 200:
                    return
                acks.record(answer)
        except (OSError, http.client.HTTPException):
            return  # the server is gone: whatever was not acknowledged may be lost


def test_acknowledged_saves_survive_sigkill(tmp_path: Path) -> None:
    db, log = tmp_path / "chaos.db", tmp_path / "server.log"
    acks = Acks()
    for cycle in range(CYCLES):
        port = _free_port()
        proc = _start(port, db, log)
        stop = threading.Event()
        threads = [threading.Thread(target=_client, args=(port, cycle, w, acks, stop)) for w in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(LOAD_S)
        proc.send_signal(signal.SIGKILL)  # no shutdown, no flush: as a crash or an OOM kill
        proc.wait(10)
        stop.set()
        for t in threads:
            t.join(30)
    assert len(acks.saved) >= CYCLES, "too few saves were acknowledged for the test to mean anything"
    port = _free_port()
    proc = _start(port, db, log)
    try:
        missing, behind = [], []
        for scenario_id, (version, name) in acks.saved.items():
            status, answer = _call(port, "GET", f"/api/v1/scenarios/{scenario_id}")
            if status != 200:
                missing.append(scenario_id)
            elif answer["version"] < version or (answer["version"] == version and answer["name"] != name):
                behind.append((scenario_id, version, answer["version"]))
        assert not missing and not behind, (missing, behind)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
