"""Connections and transactions for SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout; write transactions start with ``BEGIN IMMEDIATE`` so
that two writers never deadlock upgrading a read lock, and readers never block writers.
PostgreSQL runs at READ COMMITTED; the issuing claim uses row locks (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from crowdlab.domain.errors import Unavailable

_WRITE = "crowdlab_write"
P = ParamSpec("P")
T = TypeVar("T")


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` URLs and point them at the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str) -> Engine:
    """An engine configured for our transaction discipline on either backend."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=40,
            pool_timeout=60,
        )

        @event.listens_for(engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            immediate = conn.get_execution_options().get(_WRITE)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return sa.create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True, pool_timeout=30)


class Database:
    """The one entry point to storage: short read and write transactions."""

    def __init__(self, url: str):
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # SQLite has one writer at a time. Queueing writers of this process on a lock is far cheaper
        # than letting them spin in SQLite's busy handler (which sleeps up to 100 ms per retry).
        self._write_lock = threading.Lock() if self.is_sqlite else None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; committed when the block ends, rolled back on error."""
        with self._write_lock or nullcontext(), self._connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (a consistent snapshot on both backends)."""
        with self._connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            conn = self.engine.connect()
        except (OperationalError, DBAPIError) as exc:
            raise Unavailable("The database is not reachable; try again shortly") from exc
        with conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def inserted_id(result: CursorResult[Any]) -> int:
    """The integer key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def retry_transient(fn: Callable[P, T]) -> Callable[P, T]:
    """Run a use case again (bounded, with back-off) when the database reports a transient conflict:
    a PostgreSQL deadlock or serialization failure, or SQLite busy past its timeout."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(5):
            try:
                return fn(*args, **kwargs)
            except DBAPIError as exc:
                if not is_transient(exc) or attempt == 4:
                    raise
                time.sleep(0.02 * (2**attempt))
        raise AssertionError("unreachable")

    return wrapper


def is_transient(exc: BaseException) -> bool:
    """True for errors a retry may cure: SQLite busy/locked, PostgreSQL serialization or deadlock."""
    text = str(getattr(exc, "orig", exc)).lower()
    return any(s in text for s in ("database is locked", "deadlock", "could not serialize", "busy"))
