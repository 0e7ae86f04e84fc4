"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from crm_core.db import dispose_engines, get_engine
from crm_core.db.models import Base

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL")

# Fixed "today" for tests that need one; figures always take as_of explicitly.
TABLES_IN_DELETE_ORDER = [t.name for t in reversed(Base.metadata.sorted_tables)]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test run, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need CRM_TEST_POSTGRES_URL (set by .ci/run)")
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"crm_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_engine(tmp_path: Path) -> Engine:
    return get_engine(f"sqlite:///{tmp_path / 'crm.sqlite3'}")


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = _sqlite_engine(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a temporary SQLite file, or the test PostgreSQL database."""
    if request.param == "sqlite":
        eng = _sqlite_engine(tmp_path)
        yield eng
        eng.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    eng = get_engine(url)
    with eng.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES_IN_DELETE_ORDER)} RESTART IDENTITY CASCADE"))
    yield eng


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one() for name in TABLES_IN_DELETE_ORDER}


def table_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table in key order: the whole database, to check a refused write changed nothing."""
    with engine.connect() as conn:
        return {
            name: [tuple(row) for row in conn.execute(text(f"SELECT * FROM {name} ORDER BY 1"))]
            for name in TABLES_IN_DELETE_ORDER
        }


def database_hash(engine: Engine) -> str:
    """A SHA-256 of every row of every table (migration bookkeeping included), to check a refused input changed nothing."""
    import hashlib

    from sqlalchemy import inspect

    digest = hashlib.sha256()
    with engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            digest.update(f"\x00table {name}\x00".encode())
            for row in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


# ---------------------------------------------------------------- Streamlit AppTest support

APP_AS_OF = "2026-11-25"


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty migrated SQLite file that the app under AppTest will use; caches cleared."""
    import streamlit as st
    from streamlit.testing.v1 import app_test

    from tests.apptest_helpers import router_pages_manager

    monkeypatch.setattr(app_test, "PagesManager", router_pages_manager())
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("CRM_LANG", raising=False)
    get_engine(url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database built once per test run (copied by `demo_db`, never modified)."""
    from datetime import date

    from crm_core.demo import generate_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    engine = get_engine(f"sqlite:///{path}")
    generate_demo(engine, clients=120, seed=7, as_of=date.fromisoformat(APP_AS_OF))
    engine.dispose()
    dispose_engines()
    # Fold the WAL into the file so a plain copy holds everything (through a fresh connection:
    # on a pooled SQLAlchemy one SQLite answers "database table is locked").
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def demo_db(app_db: str, demo_template: Path, tmp_path: Path) -> str:
    """Like `app_db`, but holding a copy of the demo portfolio (120 clients, seed 7)."""
    import shutil

    import streamlit as st

    dispose_engines()
    target = Path(app_db.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(demo_template, target)
    st.cache_data.clear()
    st.cache_resource.clear()
    return app_db
