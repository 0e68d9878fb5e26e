"""Saved scenarios: a small SQLAlchemy store (SQLite by default, PostgreSQL for teams).

Each saved scenario has an id, a name, the scenario document (the same structure as a scenario
file), a ``version`` and created/updated timestamps (UTC, ISO 8601). Updates and deletes are
optimistic: they name the version they read, and a write against a newer version fails with
:class:`ConflictError` instead of silently overwriting someone else's save.

Schema migrations are ordered functions in :data:`MIGRATIONS`; the table ``llmplace_schema``
records the version a database is at. :func:`ScenarioStore.migrate` applies the missing ones in
one transaction that holds the database's write lock (``BEGIN IMMEDIATE`` on SQLite, an advisory
lock on PostgreSQL), so several instances starting at once upgrade a database exactly once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool

from ..errors import LlmplaceError

__all__ = [
    "ConflictError",
    "MIGRATIONS",
    "NotFoundError",
    "SCHEMA_VERSION",
    "SavedScenario",
    "ScenarioStore",
    "StorageError",
    "database_url",
    "default_database_url",
]

NAME_MAX = 200


class StorageError(LlmplaceError):
    """The database cannot be opened or used (bad URL, newer schema, missing driver)."""


class NotFoundError(StorageError):
    """No saved scenario has this id."""

    def __init__(self, scenario_id: str) -> None:
        self.scenario_id = scenario_id
        super().__init__(f"no saved scenario with id {scenario_id!r}")


class ConflictError(StorageError):
    """The scenario changed since the version the caller read."""

    def __init__(self, scenario_id: str, expected: int, current: int) -> None:
        self.scenario_id = scenario_id
        self.expected = expected
        self.current = current
        super().__init__(f"scenario {scenario_id!r} is at version {current}, not {expected}: "
                         "someone saved it in the meantime; reload it and apply your change again")


@dataclass(frozen=True)
class SavedScenario:
    id: str
    name: str
    document: dict[str, Any]
    version: int
    created_at: str
    updated_at: str

    def to_dict(self, with_document: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "name": self.name, "version": self.version,
                             "created_at": self.created_at, "updated_at": self.updated_at}
        if with_document:
            d["document"] = self.document
        return d


# --- location ------------------------------------------------------------------------------------------


def default_database_url() -> str:
    """SQLite file in the user's data directory (created if missing)."""
    try:
        from platformdirs import user_data_dir

        base = Path(user_data_dir("llmplace", appauthor=False))
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        base = Path.home() / ".local" / "share" / "llmplace"
    return "sqlite:///" + str(base / "llmplace.db")


def database_url(value: str | None = None) -> str:
    """The database URL to use: ``value`` (a URL or a file path), else ``$LLMPLACE_DB``, else the default.

    A plain path (no ``://``) means a SQLite file.
    """
    v = (value or os.environ.get("LLMPLACE_DB") or "").strip()
    if not v:
        return default_database_url()
    if "://" not in v:
        return "sqlite:///" + str(Path(v).expanduser().resolve())
    return v


# --- schema and migrations -----------------------------------------------------------------------------

_meta = MetaData()
scenarios = Table(
    "scenarios", _meta,
    Column("id", String(36), primary_key=True),
    Column("name", String(NAME_MAX), nullable=False),
    Column("document", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
)


def _m1_create_scenarios(conn: Connection) -> None:
    """Version 1: the scenarios table."""
    conn.execute(text(
        "CREATE TABLE scenarios ("
        " id VARCHAR(36) NOT NULL PRIMARY KEY,"
        " name VARCHAR(200) NOT NULL,"
        " document TEXT NOT NULL,"
        " created_at VARCHAR(40) NOT NULL,"
        " updated_at VARCHAR(40) NOT NULL)"
    ))


def _m2_optimistic_version(conn: Connection) -> None:
    """Version 2: a version counter for optimistic concurrency, and an index for listing."""
    conn.execute(text("ALTER TABLE scenarios ADD COLUMN version INTEGER NOT NULL DEFAULT 1"))
    conn.execute(text("CREATE INDEX ix_scenarios_updated_at ON scenarios (updated_at)"))


MIGRATIONS: list[Callable[[Connection], None]] = [_m1_create_scenarios, _m2_optimistic_version]
"""Ordered migrations; migration ``i`` (0-based) takes a database from version ``i`` to ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _encode(document: dict[str, Any]) -> str:
    try:
        return _text(json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")),
                     "the scenario document")
    except (TypeError, ValueError) as exc:
        raise StorageError(f"the scenario document cannot be stored as JSON: {exc}") from None


def _text(value: str, what: str) -> str:
    """``value``, if UTF-8 can encode it (a lone surrogate cannot be stored or sent back)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise StorageError(f"{what} holds a lone UTF-16 surrogate, which is not a character") from None
    return value


def _row(r: Any) -> SavedScenario:
    return SavedScenario(id=r.id, name=r.name, document=json.loads(r.document), version=int(r.version),
                         created_at=r.created_at, updated_at=r.updated_at)


class ScenarioStore:
    """Saved scenarios in one database. Thread-safe; one instance per process is enough."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = database_url(url)
        self.engine = self._engine(self.url)
        if migrate:
            self.migrate()

    # engine -------------------------------------------------------------------------------------------

    @staticmethod
    def _engine(url: str) -> Engine:
        try:
            u = make_url(url)
        except ArgumentError:
            raise StorageError(f"not a database URL: {url!r} (expected e.g. sqlite:///path/llmplace.db "
                               "or postgresql+psycopg://user@host/db)") from None
        kwargs: dict[str, Any] = {"future": True}
        is_sqlite = u.get_backend_name() == "sqlite"
        if is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if u.database in (None, "", ":memory:"):
                kwargs["poolclass"] = StaticPool
            else:
                Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = create_engine(u, **kwargs)
        except (NoSuchModuleError, ImportError) as exc:
            raise StorageError(f"no database driver for {u.drivername!r}: {exc}") from None
        if is_sqlite:
            _sqlite_setup(engine)
        return engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that holds the write lock from its first statement."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(llmplace_immediate=True)
            with conn.begin():
                if self.engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(7412190)"))
                yield conn

    # migrations ---------------------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return _current_version(conn)

    def migrate(self) -> int:
        """Bring the database to :data:`SCHEMA_VERSION`; return the version it was at."""
        for attempt in range(20):
            try:
                return self._migrate()
            except OperationalError as exc:
                # SQLite can answer "locked" without waiting while several processes create the
                # same new file and switch it to WAL at once; the migration itself is atomic.
                if not self.is_sqlite or "locked" not in str(exc) or attempt == 19:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _migrate(self) -> int:
        with self._write() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS llmplace_schema (version INTEGER NOT NULL)"))
            found = _current_version(conn)
            if found > SCHEMA_VERSION:
                raise StorageError(f"the database {self.url!r} is at schema version {found}, newer than this "
                                   f"llmplace supports ({SCHEMA_VERSION}): upgrade llmplace")
            for step in MIGRATIONS[found:]:
                step(conn)
            if found < SCHEMA_VERSION:
                conn.execute(text("DELETE FROM llmplace_schema"))
                conn.execute(text("INSERT INTO llmplace_schema (version) VALUES (:v)"), {"v": SCHEMA_VERSION})
        return found

    # CRUD ---------------------------------------------------------------------------------------------

    def create(self, name: str, document: dict[str, Any]) -> SavedScenario:
        now = _now()
        rec = SavedScenario(id=uuid.uuid4().hex, name=_name(name), document=document, version=1,
                            created_at=now, updated_at=now)
        with self._write() as conn:
            conn.execute(scenarios.insert().values(
                id=rec.id, name=rec.name, document=_encode(document), version=1, created_at=now,
                updated_at=now))
        return rec

    def get(self, scenario_id: str) -> SavedScenario:
        with self.engine.connect() as conn:
            r = conn.execute(scenarios.select().where(scenarios.c.id == scenario_id)).first()
        if r is None:
            raise NotFoundError(scenario_id)
        return _row(r)

    def list_scenarios(self, limit: int = 1000, offset: int = 0) -> list[SavedScenario]:
        """Saved scenarios, most recently updated first (documents included)."""
        q = (scenarios.select().order_by(scenarios.c.updated_at.desc(), scenarios.c.id)
             .limit(limit).offset(offset))
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(q)]

    def update(self, scenario_id: str, version: int, name: str, document: dict[str, Any]) -> SavedScenario:
        """Replace name and document if the stored version is ``version``; the result is ``version + 1``."""
        now = _now()
        with self._write() as conn:
            res = conn.execute(
                scenarios.update()
                .where(scenarios.c.id == scenario_id, scenarios.c.version == version)
                .values(name=_name(name), document=_encode(document), version=scenarios.c.version + 1,
                        updated_at=now))
            if res.rowcount != 1:
                self._missing_or_conflict(conn, scenario_id, version)
            r = conn.execute(scenarios.select().where(scenarios.c.id == scenario_id)).one()
        return _row(r)

    def delete(self, scenario_id: str, version: int | None = None) -> None:
        """Delete a scenario; with ``version``, only if it is still at that version."""
        with self._write() as conn:
            q = scenarios.delete().where(scenarios.c.id == scenario_id)
            if version is not None:
                q = q.where(scenarios.c.version == version)
            if conn.execute(q).rowcount != 1:
                self._missing_or_conflict(conn, scenario_id, version)

    @staticmethod
    def _missing_or_conflict(conn: Connection, scenario_id: str, version: int | None) -> None:
        cur = conn.execute(scenarios.select().with_only_columns(scenarios.c.version)
                           .where(scenarios.c.id == scenario_id)).scalar()
        if cur is None:
            raise NotFoundError(scenario_id)
        raise ConflictError(scenario_id, int(version or 0), int(cur))

    def close(self) -> None:
        self.engine.dispose()


def _name(name: str) -> str:
    n = " ".join(_text(str(name), "the scenario name").split())[:NAME_MAX]
    return n or "scenario"


def _current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("llmplace_schema"):
        return 0
    return int(conn.execute(text("SELECT MAX(version) FROM llmplace_schema")).scalar() or 0)


def _sqlite_setup(engine: Engine) -> None:
    """WAL journal, a busy timeout, and transactions that SQLAlchemy (not the driver) begins.

    The standard ``sqlite3`` driver starts transactions lazily and not before DDL; taking over
    ``BEGIN`` makes migrations atomic, and ``BEGIN IMMEDIATE`` for writes takes the write lock up
    front so that concurrent writers wait (up to the busy timeout) instead of failing.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA busy_timeout = 30000")
            for attempt in range(100):  # switching a new file to WAL may answer "locked" without waiting
                try:
                    cur.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or attempt == 99:
                        raise
                    time.sleep(0.02)
            cur.execute("PRAGMA synchronous = NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("llmplace_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
