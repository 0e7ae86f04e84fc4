"""Issue 14, item 5: a SQLite import holds the write lock only to write; a write that still meets a busy
database gets a clear 'busy, try again' (service, form path and CLI), never a traceback, and writes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crm_core import services
from crm_core.cli import main
from crm_core.db import engine as engine_module
from crm_core.db import get_engine
from crm_core.errors import BusyError
from crm_core.io.importing import import_clients
from tests.conftest import database_hash
from tests.io_files import write_csv


@pytest.fixture
def quick_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A SQLite database whose writers give up after 0.3 s instead of 30."""
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_S", 0.3)
    eng = get_engine(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    yield eng
    eng.dispose()


def _rows(n: int) -> list[list[str]]:
    return [["company_name", "email"]] + [[f"Firm {i}", f"f{i}@x.es"] for i in range(n)]


def test_a_form_write_during_an_import_check_is_not_blocked(
    quick_sqlite: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_core.io import importing

    monkeypatch.setattr(importing, "PROGRESS_EVERY", 1)
    written: list[object] = []

    def during(fraction: float, message: str) -> None:
        if message.startswith("checking row") and not written:  # the import is checking its rows
            written.append(services.create_client(quick_sqlite, {"company_name": "Walk-in", "email": "w@x.es"}))

    report = import_clients(quick_sqlite, write_csv(tmp_path / "c.csv", _rows(3)), progress=during)
    assert written and report.committed and report.to_create == 3


def test_a_locked_database_gives_busy_try_again_and_writes_nothing(
    quick_sqlite: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(str(quick_sqlite.url.database))
    before = database_hash(quick_sqlite)
    csv_path = write_csv(tmp_path / "c.csv", _rows(2))
    with closing(sqlite3.connect(path, timeout=0.1, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        with pytest.raises(BusyError) as form:
            services.create_client(quick_sqlite, {"company_name": "Acme", "email": "a@x.es"})
        with pytest.raises(BusyError):
            import_clients(quick_sqlite, csv_path)
        code = main(["import", "clients", str(csv_path), "--url", f"sqlite:///{path}"])
        other.execute("ROLLBACK")
    assert "busy" in form.value.message and "try again" in form.value.message
    err = capsys.readouterr().err
    assert code == 1 and "database is busy" in err and "Traceback" not in err and "locked" not in err
    assert database_hash(quick_sqlite) == before
