"""Which databases are read through Arrow, and the query that casts each column to one wire type."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from crm_core.store.arrow import arrow_backend, fits, libpq_uri, read_table, select_sql
from crm_core.store.frames import column_kind, load_table


def test_a_sqlite_file_and_postgresql_are_read_through_arrow(tmp_path: Path):
    assert arrow_backend(create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")) == "sqlite"
    assert arrow_backend(create_engine("postgresql+psycopg://u:p@h:5/db")) == "postgresql"


def test_in_memory_sqlite_and_other_databases_keep_the_sqlalchemy_reader():
    assert arrow_backend(create_engine("sqlite://")) is None
    assert arrow_backend(create_engine("sqlite:///:memory:")) is None
    other = SimpleNamespace(url=make_url("mysql+pymysql://u:p@h/db"))  # only its URL is read
    assert arrow_backend(other) is None  # type: ignore[arg-type]


def test_auto_reader_on_in_memory_sqlite_loads_through_sqlalchemy():
    from crm_core.db import get_engine

    engine = get_engine("sqlite://")
    assert load_table(engine, "clients").empty
    with pytest.raises(ValueError, match="cannot be read through Arrow"):
        load_table(engine, "clients", reader="arrow")


def test_libpq_uri_drops_the_sqlalchemy_driver_and_keeps_the_password():
    assert libpq_uri(create_engine("postgresql+psycopg://u:secret@h:5432/db")) == "postgresql://u:secret@h:5432/db"


def test_select_casts_money_per_backend_and_text_dates_on_sqlite():
    cols = ["invoice_id", "issue_date", "total", "void", "number"]
    sqlite = select_sql("sqlite", "invoices", cols, column_kind, "invoice_id")
    assert sqlite == (
        'SELECT CAST("invoice_id" AS INTEGER) AS "invoice_id", CAST("issue_date" AS TEXT) AS "issue_date", '
        'CAST("total" AS REAL) AS "total", CAST("void" AS INTEGER) AS "void", CAST("number" AS TEXT) AS "number" '
        'FROM "invoices" ORDER BY "invoice_id"'
    )
    postgres = select_sql("postgresql", "invoices", cols, column_kind, "invoice_id")
    assert 'CAST("total" AS DOUBLE PRECISION) AS "total"' in postgres and '"issue_date",' in postgres


def test_select_refuses_an_identifier_that_is_not_plain():
    with pytest.raises(ValueError, match="not a plain identifier"):
        select_sql("sqlite", "invoices; DROP TABLE x", ["invoice_id"], column_kind, "invoice_id")


def test_the_sqlite_reader_process_reports_a_bad_query_and_keeps_serving(tmp_path: Path):
    import sqlite3

    from crm_core.store.sqlite_worker import read_sqlite

    path = tmp_path / "x.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "x"), (2, None)])
    with pytest.raises(RuntimeError, match="no such column: nope"):
        read_sqlite(str(path), "SELECT nope FROM t", 1024)
    table = read_sqlite(str(path), "SELECT a, b FROM t ORDER BY a", 1024)
    assert table.to_pydict() == {"a": [1, 2], "b": ["x", None]}


def test_a_column_mixing_storage_classes_is_read_again_with_the_casts(tmp_path: Path):
    """SQLite: a money cell stored as text (written by hand) makes the uncast read come as text; the
    reader then reads with the CASTs, and gives what the SQLAlchemy reader gives."""
    import pandas as pd
    from sqlalchemy import text

    from crm_core.db import get_engine
    from tests.factories import make_client, make_invoice

    engine = get_engine(f"sqlite:///{tmp_path / 'mixed.sqlite3'}")
    client = make_client(engine)
    make_invoice(engine, client.client_id, total="100.00")  # stored as INTEGER 100
    make_invoice(engine, client.client_id, total="0.10")  # stored as REAL
    third = make_invoice(engine, client.client_id, total="5.00")
    with engine.begin() as conn:
        conn.execute(text("UPDATE invoices SET total = '7,5 EUR' WHERE invoice_id = :i"), {"i": third.invoice_id})
    uncast = read_table(engine, select_sql("sqlite", "invoices", ["invoice_id", "total"], column_kind, "invoice_id", cast=False))
    assert not fits(uncast, column_kind)  # text among the numbers
    arrow = load_table(engine, "invoices", reader="arrow")
    pd.testing.assert_frame_equal(arrow, load_table(engine, "invoices", reader="sqlalchemy"), check_exact=True)
    assert arrow["total"].tolist() == [100.0, 0.10, 7.0]  # SQLite's CAST reads the leading number


def test_uncast_results_fit_when_each_column_holds_one_kind_of_value():
    import pyarrow as pa

    table = pa.table(
        {
            "total": pa.array([100, 5], pa.int64()),  # whole amounts stored as INTEGER: exact as float
            "issue_date": pa.array(["2026-01-01", None]),
            "email": pa.array([None, None], pa.int64()),  # blank on every row
            "void": pa.array([0, 1], pa.int64()),
        }
    )
    assert fits(table, column_kind)
    assert not fits(table.set_column(3, "void", pa.array(["0", "yes"])), column_kind)


def test_concurrent_reads_are_served_by_at_most_workers_processes(tmp_path: Path):
    import sqlite3
    from concurrent.futures import ThreadPoolExecutor

    from crm_core.store import sqlite_worker
    from crm_core.store.sqlite_worker import WORKERS, read_sqlite

    path = tmp_path / "x.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda n: read_sqlite(str(path), f"SELECT a FROM t WHERE a < {n} ORDER BY a", 1024), range(1, 13))
        )
    assert [r.column("a").to_pylist() for r in results] == [list(range(n)) for n in range(1, 13)]
    assert 1 <= len([w for w in sqlite_worker._all if w.poll() is None]) <= WORKERS
