"""Engine set-up: the embedded default, SQLite pragmas, DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from crm_core import config, db


def test_default_url_is_embedded_sqlite_under_data(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert db.default_url() == f"sqlite:///{config.PROJECT_ROOT / 'data' / 'crm.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/x")
    assert db.default_url() == "postgresql://u@h/x"


def test_sqlite_pragmas_and_file_created(tmp_path: Path):
    path = tmp_path / "sub" / "crm.sqlite3"
    engine = db.get_engine(f"sqlite:///{path}")
    assert path.exists()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    assert db.get_engine(f"sqlite:///{path}") is engine


def test_write_session_rolls_back_on_error(sqlite_engine):
    from crm_core.db.models import Client

    with pytest.raises(RuntimeError), db.write_session(sqlite_engine) as session:
        session.add(Client(company_name="X", email="x@x.es"))
        session.flush()
        raise RuntimeError("boom")
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM clients")).scalar() == 0


def test_postgres_urls_use_psycopg3():
    engine = db.create_raw_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert engine.dialect.driver == "psycopg"
