"""Saved-scenario storage: CRUD, optimistic versioning, concurrent writers, migrations.

Runs on a temporary SQLite file; set ``LLMPLACE_TEST_PG_URL`` (an empty PostgreSQL database the
tests may wipe, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/llmplace_test``) to run the
backend-neutral tests on PostgreSQL too.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from llmplace.web.storage import (  # noqa: E402
    SCHEMA_VERSION,
    ConflictError,
    NotFoundError,
    ScenarioStore,
    StorageError,
    database_url,
)


def _doc(name: str, requests: float = 1000.0, **extra: object) -> dict:
    return {"name": name, "model": {"name": "llama-3.1-8b"}, "workload": {"requests_per_month": requests},
            "options": [{"kind": "api", "input_usd_per_mtok": 0.1, "output_usd_per_mtok": 0.2}], **extra}


PG_URL = os.environ.get("LLMPLACE_TEST_PG_URL", "")


def _wipe(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS scenarios"))
        conn.execute(text("DROP TABLE IF EXISTS llmplace_schema"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend (PostgreSQL only where LLMPLACE_TEST_PG_URL is set)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scenarios.db'}"
    if not PG_URL:
        pytest.skip("LLMPLACE_TEST_PG_URL is not set")
    _wipe(PG_URL)
    return PG_URL


@pytest.fixture
def store(db_url: str):
    s = ScenarioStore(db_url)
    yield s
    s.close()


def test_crud_round_trip(store: ScenarioStore):
    rec = store.create("first", _doc("first"))
    assert rec.version == 1 and len(rec.id) == 32 and rec.created_at == rec.updated_at
    got = store.get(rec.id)
    assert got == rec
    upd = store.update(rec.id, 1, "renamed", _doc("first", 2000))
    assert upd.version == 2 and upd.name == "renamed"
    assert upd.document["workload"]["requests_per_month"] == 2000
    assert upd.created_at == rec.created_at and upd.updated_at > rec.updated_at
    assert [r.id for r in store.list_scenarios()] == [rec.id]
    store.delete(rec.id, version=2)
    with pytest.raises(NotFoundError):
        store.get(rec.id)
    with pytest.raises(NotFoundError):
        store.delete(rec.id)
    with pytest.raises(NotFoundError):
        store.update(rec.id, 2, "x", _doc("x"))


def test_stale_version_is_a_conflict_and_changes_nothing(store: ScenarioStore):
    rec = store.create("a", _doc("a"))
    store.update(rec.id, 1, "a", _doc("a", 5))
    with pytest.raises(ConflictError) as exc:
        store.update(rec.id, 1, "lost update", _doc("a", 99))
    assert exc.value.current == 2 and exc.value.expected == 1
    with pytest.raises(ConflictError):
        store.delete(rec.id, version=1)
    got = store.get(rec.id)
    assert got.version == 2 and got.name == "a" and got.document["workload"]["requests_per_month"] == 5


def test_list_is_most_recent_first_and_names_are_tidied(store: ScenarioStore):
    a = store.create("  spaced \n  name ", _doc("a"))
    b = store.create("", _doc("b"))
    store.update(a.id, 1, "x" * 500, _doc("a"))
    rows = store.list_scenarios()
    assert [r.id for r in rows] == [a.id, b.id]
    assert rows[0].name == "x" * 200 and rows[1].name == "scenario"
    assert store.get(b.id).name == "scenario"
    assert [r.id for r in store.list_scenarios(limit=1, offset=1)] == [b.id]


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path: Path):
    store = ScenarioStore(f"sqlite:///{tmp_path / 'wal.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    store.close()


def test_concurrent_writers_never_lose_or_corrupt(db_url: str):
    """Threads, each with its own store (as separate server processes would have), hammer one file.

    Every update either lands (the version goes up by exactly one) or gets a clean ConflictError;
    every create lands; the final document is exactly the last successful write, intact.
    """
    url = db_url
    setup = ScenarioStore(url)
    shared = setup.create("shared", _doc("shared"))
    n_threads, n_rounds = 8, 15
    landed: list[tuple[int, dict]] = []  # (new version, document written)
    conflicts = [0]
    created: dict[str, dict] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(n_threads)

    def writer(t: int) -> None:
        st = ScenarioStore(url)
        try:
            start.wait()
            for i in range(n_rounds):
                cur = st.get(shared.id)
                doc = _doc("shared", 1000 + 100 * t + i, description=f"thread {t} round {i} " + "x" * 2000)
                try:
                    rec = st.update(shared.id, cur.version, f"t{t}-{i}", doc)
                    with lock:
                        landed.append((rec.version, doc))
                    assert rec.document == doc
                except ConflictError:
                    with lock:
                        conflicts[0] += 1
                own_doc = _doc(f"own {t} {i}", t * 1000 + i)
                own = st.create(f"own {t} {i}", own_doc)
                with lock:
                    created[own.id] = own_doc
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            st.close()

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors, errors
    assert landed, "some updates must land"
    assert len(landed) + conflicts[0] == n_threads * n_rounds
    versions = sorted(v for v, _ in landed)
    assert versions == list(range(2, 2 + len(landed))), "each landed update made exactly one new version"
    final = setup.get(shared.id)
    assert final.version == 1 + len(landed)
    assert final.document == dict(landed)[final.version]
    assert len(created) == n_threads * n_rounds
    stored = {r.id: r for r in setup.list_scenarios(limit=1000)}
    assert set(created) <= set(stored)
    for cid, doc in created.items():
        assert stored[cid].version == 1 and stored[cid].document == doc and stored[cid].name == doc["name"]
    from sqlalchemy import text

    with setup.engine.connect() as conn:
        if setup.is_sqlite:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        for (doc_text,) in conn.execute(text("SELECT document FROM scenarios")):
            json.loads(doc_text)  # every stored document is whole JSON
    setup.close()


def _make_v1_db(url: str) -> None:
    """A database as the first released schema left it (version 1: no version column)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE llmplace_schema (version INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO llmplace_schema VALUES (1)"))
        conn.execute(text("CREATE TABLE scenarios (id VARCHAR(36) NOT NULL PRIMARY KEY, "
                          "name VARCHAR(200) NOT NULL, document TEXT NOT NULL, "
                          "created_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL)"))
        conn.execute(text("INSERT INTO scenarios VALUES ('old1', 'kept', :doc, '2025-01-01T00:00:00+00:00', "
                          "'2025-01-02T00:00:00+00:00')"), {"doc": json.dumps(_doc("kept"))})
    engine.dispose()


def test_migration_upgrades_an_old_database_and_keeps_its_scenarios(db_url: str):
    _make_v1_db(db_url)
    st = ScenarioStore(db_url, migrate=False)
    assert st.schema_version() == 1
    assert st.migrate() == 1
    assert st.schema_version() == SCHEMA_VERSION
    old = st.get("old1")
    assert old.version == 1 and old.name == "kept" and old.document == _doc("kept")
    assert st.update("old1", 1, "kept", _doc("kept", 7)).version == 2
    assert st.migrate() == SCHEMA_VERSION  # idempotent
    from sqlalchemy import inspect, text

    with st.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM llmplace_schema")).scalar() == 1
        assert "ix_scenarios_updated_at" in {i["name"] for i in inspect(conn).get_indexes("scenarios")}
    st.close()


def test_fresh_database_is_at_the_latest_version(db_url: str):
    st = ScenarioStore(db_url)
    assert st.schema_version() == SCHEMA_VERSION
    st.close()


def test_concurrent_first_starts_migrate_once(db_url: str):
    url = db_url
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_store() -> None:
        try:
            start.wait()
            ScenarioStore(url).close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM llmplace_schema")).fetchall() == [(SCHEMA_VERSION,)]
    engine.dispose()


def test_a_newer_schema_is_refused(tmp_path: Path):
    path = tmp_path / "future.db"
    ScenarioStore(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE llmplace_schema SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(StorageError, match="newer than this llmplace supports"):
        ScenarioStore(f"sqlite:///{path}")


def test_database_url_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LLMPLACE_DB", raising=False)
    assert database_url().startswith("sqlite:///") and database_url().endswith("llmplace.db")
    monkeypatch.setenv("LLMPLACE_DB", "postgresql+psycopg://u@db.example/llmplace")
    assert database_url() == "postgresql+psycopg://u@db.example/llmplace"
    assert database_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(StorageError):
        ScenarioStore("not a url ://")


@pytest.mark.parametrize("field", ["name", "description"])
def test_nul_character_is_a_422_on_every_backend(db_url: str, field: str):
    """PostgreSQL refuses NUL in text: a name with one used to be an HTTP 500 there (and saved on SQLite)."""
    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    doc = {**_doc("nul"), field: "a\u0000b"}
    r = client.post("/api/v1/scenarios", json={"document": doc})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == f"document.{field}"
    assert client.get("/api/v1/scenarios").json()["scenarios"] == []
