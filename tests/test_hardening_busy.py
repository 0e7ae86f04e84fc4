"""Issue 14, item 5: a SQLite import holds the write lock only to write; a write that still meets a busy
database gets a clear 'busy, try again' (service, form path and CLI), never a traceback, and writes nothing.

Under the lock the import repeats only the reads its checks depended on: a write meanwhile to
something it did not read leaves every checked row as checked, a write to something it did read
makes it check the rows again. PostgreSQL blocks no other writer (no 'database is locked' exists
there); a form write during an import is checked on both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from crm_core import services
from crm_core.cli import main
from crm_core.db import engine as engine_module
from crm_core.db import get_engine
from crm_core.errors import BusyError
from crm_core.io import importing
from crm_core.io.importing import import_clients, import_invoices
from tests.conftest import TABLES_IN_DELETE_ORDER, database_hash
from tests.factories import make_client, make_invoice
from tests.io_files import write_csv


@pytest.fixture
def quick_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A SQLite database whose writers give up after 0.3 s instead of 30."""
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_S", 0.3)
    eng = get_engine(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def quick_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """`quick_sqlite` (a form write the import blocked would fail), or the emptied test PostgreSQL database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("quick_sqlite")
        return
    eng = get_engine(request.getfixturevalue("postgres_url"))
    with eng.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES_IN_DELETE_ORDER)} RESTART IDENTITY CASCADE"))
    yield eng


def _rows(n: int) -> list[list[str]]:
    return [["company_name", "email"]] + [[f"Firm {i}", f"f{i}@x.es"] for i in range(n)]


def _invoice_rows(client_tax_id: str, numbers: list[str]) -> list[list[str]]:
    return [["numero", "cif", "fecha", "importe"]] + [[number, client_tax_id, "2024-01-01", "10.00"] for number in numbers]


def test_a_form_write_during_an_import_check_is_not_blocked(
    quick_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 1)
    written: list[object] = []

    def during(fraction: float, message: str) -> None:
        if message.startswith("checking row") and not written:  # the import is checking its rows
            written.append(services.create_client(quick_engine, {"company_name": "Walk-in", "email": "w@x.es"}))

    report = import_clients(quick_engine, write_csv(tmp_path / "c.csv", _rows(3)), progress=during)
    assert written and report.committed and report.to_create == 3
    with quick_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM clients")).scalar_one() == 4


def test_a_write_the_checks_did_not_read_leaves_the_rows_checked_once(
    quick_sqlite: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A payment recorded while invoices are checked changes nothing they were checked against."""
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 1)
    client = make_client(quick_sqlite, tax_id="B12345674")
    paid = make_invoice(quick_sqlite, client.client_id, number="OLD-1", issue_date="2024-01-01", total="100")
    checked: list[str] = []

    def during(fraction: float, message: str) -> None:
        if message.startswith("checking row"):
            checked.append(message)
            if len(checked) == 1:
                services.record_payment(quick_sqlite, {"invoice_id": paid.invoice_id, "paid_on": date(2024, 2, 1), "amount": "5"})

    path = write_csv(tmp_path / "f.csv", _invoice_rows("B12345674", ["F-1", "F-2", "F-3"]))
    report = import_invoices(quick_sqlite, path, progress=during)
    assert (report.committed, report.to_create, len(checked)) == (True, 3, 3)
    with quick_sqlite.connect() as conn:
        numbers = conn.execute(text("SELECT number FROM invoices ORDER BY invoice_id")).scalars().all()
        payments = conn.execute(text("SELECT COUNT(*) FROM payments")).scalar_one()
    assert (numbers, payments) == (["OLD-1", "F-1", "F-2", "F-3"], 1)


def test_a_write_to_what_the_checks_read_makes_the_import_check_again_under_the_lock(
    quick_sqlite: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An invoice F-2 recorded by a form while the file's F-2 is checked as new: the row is skipped, not a conflict."""
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 1)
    client = make_client(quick_sqlite, tax_id="B12345674")
    checked: list[str] = []

    def during(fraction: float, message: str) -> None:
        if message.startswith("checking row"):
            checked.append(message)
            if len(checked) == 1:
                make_invoice(quick_sqlite, client.client_id, number="f-2", issue_date="2024-01-01", total="77")

    path = write_csv(tmp_path / "f.csv", _invoice_rows("B12345674", ["F-1", "F-2", "F-3"]))
    report = import_invoices(quick_sqlite, path, progress=during)
    assert (report.committed, report.to_create, len(checked)) == (True, 2, 6)
    assert [(s.line, s.code) for s in report.skipped] == [(3, "invoice_exists")]
    with quick_sqlite.connect() as conn:
        rows = conn.execute(text("SELECT number, total FROM invoices ORDER BY invoice_id")).all()
    assert [(number, float(total)) for number, total in rows] == [("f-2", 77.0), ("F-1", 10.0), ("F-3", 10.0)]


def _connection_state(engine: Engine) -> tuple[list[str], int, int]:
    """(TEMP tables, main and temp page cache sizes) of the pooled connection the import used."""
    with engine.connect() as conn:
        temp = conn.exec_driver_sql("SELECT name FROM sqlite_temp_master WHERE type = 'table'").scalars().all()
        return (
            list(temp),
            int(conn.exec_driver_sql("PRAGMA main.cache_size").scalar_one()),
            int(conn.exec_driver_sql("PRAGMA temp.cache_size").scalar_one()),
        )


def test_an_import_leaves_no_staged_rows_or_large_cache_on_its_connection(quick_sqlite: Engine, tmp_path: Path) -> None:
    before = _connection_state(quick_sqlite)
    make_client(quick_sqlite, tax_id="B12345674")
    path = write_csv(tmp_path / "f.csv", _invoice_rows("B12345674", ["F-1", "F-2"]))
    assert import_invoices(quick_sqlite, path).committed
    assert _connection_state(quick_sqlite) == before == ([], before[1], before[2])
    with closing(sqlite3.connect(str(quick_sqlite.url.database), timeout=0.1, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # the rows are staged, then the write lock is refused
        with pytest.raises(BusyError):
            import_invoices(quick_sqlite, write_csv(tmp_path / "g.csv", _invoice_rows("B12345674", ["G-1"])))
        other.execute("ROLLBACK")
    assert _connection_state(quick_sqlite) == before


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


BUSY_EN = "the database is busy with another write (an import?); nothing was saved: try again in a moment"


def test_the_api_answers_503_busy_try_again_and_writes_nothing(quick_sqlite: Engine) -> None:
    from fastapi.testclient import TestClient

    from crm_core.api import create_app

    path = Path(str(quick_sqlite.url.database))
    before = database_hash(quick_sqlite)
    with TestClient(create_app(f"sqlite:///{path}"), raise_server_exceptions=False) as api:
        with closing(sqlite3.connect(path, timeout=0.1, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # another writer (an import) holds the lock
            english = api.post("/api/clientes/", json={"nombre_empresa": "Acme", "email": "a@x.es"})
            spanish = api.post(
                "/api/clientes/", json={"nombre_empresa": "Acme", "email": "a@x.es"}, headers={"Accept-Language": "es"}
            )
            other.execute("ROLLBACK")
    assert (english.status_code, english.headers["Retry-After"]) == (503, "2")
    assert english.json() == {"detail": BUSY_EN, "code": "busy"}
    assert spanish.status_code == 503 and "inténtalo" in spanish.json()["detail"].lower()
    assert database_hash(quick_sqlite) == before


def test_a_form_save_meeting_a_busy_database_says_try_again_and_writes_nothing(
    app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_core.db import dispose_engines
    from tests.apptest_helpers import open_page

    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_S", 0.3)
    dispose_engines()  # the app's engine is made again, with the short wait
    engine = get_engine(app_db)
    services.create_client(engine, {"company_name": "Walk-in", "email": "w@x.es"})
    before = database_hash(engine)
    at = open_page("pages/clients.py", date(2026, 11, 25))
    at.text_input(key="new_company_name").input("Acme")
    at.text_input(key="new_email").input("info@acme.es")
    with closing(sqlite3.connect(str(engine.url.database), timeout=0.1, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        at.button(key="new_save").click().run()
        other.execute("ROLLBACK")
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [f"Could not save: {BUSY_EN}"]
    assert not at.success
    assert database_hash(engine) == before
