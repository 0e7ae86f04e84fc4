"""Engine and transaction handling; migrations are applied the first time an URL is used."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from crm_core.config import default_url
from crm_core.db.migrate import upgrade
from crm_core.errors import BusyError

_engines: dict[str, Engine] = {}
# How long a SQLite write waits for another writer's lock before BusyError (seconds).
SQLITE_BUSY_TIMEOUT_S = 30.0
_lock = threading.Lock()


def _normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for writing transactions.

    pysqlite's own transaction handling is switched off so that a read-then-write
    transaction takes the write lock up front instead of failing on upgrade.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("crm_readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_raw_engine(url: str) -> Engine:
    """A configured engine without migrations (used by the migration runner itself)."""
    url = _normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (else `DATABASE_URL`, else data/crm.sqlite3), migrated to head."""
    key = _normalise_url(url or default_url())
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = create_raw_engine(key)
            upgrade(engine)
            _engines[key] = engine
        return engine


def _forget_pooled_connections_in_child() -> None:
    """In a forked child: drop the parent's pooled connections without closing them (SQLAlchemy's pooling guidance).

    A child (gunicorn --preload, multiprocessing, uvicorn workers) must never use a connection
    the parent opened: two processes on one socket corrupt each other's protocol state
    ("server closed the connection"). `dispose(close=False)` gives the child a fresh pool while
    leaving the parent's connections open for the parent.
    """
    for engine in list(_engines.values()):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_pooled_connections_in_child)


def dispose_engines() -> None:
    """Close every cached engine (tests, and after a database file is replaced)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` is SQLite's 'database is locked' (another writer held the lock past the busy timeout)."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig or exc)


@contextmanager
def busy_as_domain_error() -> Iterator[None]:
    """Turn SQLite's 'database is locked' into BusyError (a clear 'busy, try again'), never a traceback."""
    try:
        yield
    except OperationalError as exc:
        if is_busy(exc):
            raise BusyError() from None
        raise


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error (BusyError when the database stays locked)."""
    with busy_as_domain_error(), Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only session (a plain deferred transaction on SQLite)."""
    with engine.connect() as conn:
        conn = conn.execution_options(crm_readonly=True)
        with Session(bind=conn, expire_on_commit=False) as session:
            yield session
