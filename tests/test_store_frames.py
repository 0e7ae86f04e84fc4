"""Frames: one query per table, the documented columns and dtypes, local calendar dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import event

from crm_core import services
from crm_core.demo import generate_demo
from crm_core.io.importing import import_activities
from crm_core.store.arrow import arrow_backend
from crm_core.store.frames import COLUMNS, TABLES, Frames, append_rows, load_frames, load_table
from tests.factories import make_client, make_invoice
from tests.io_files import write_csv


def _count_selects(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return statements, lambda: event.remove(engine, "before_cursor_execute", before)


def test_load_frames_one_query_per_table_with_typed_columns(engine):
    for _ in range(5):
        client = make_client(engine)
        invoice = make_invoice(engine, client.client_id, total="100.10", issue_date="2026-10-31")
        services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-11-02", "amount": "40.05"})
        services.log_activity(
            engine,
            # 00:30 in Madrid is still the previous day in UTC: the frame keeps the local day.
            {"client_id": client.client_id, "kind": "call", "title": "x", "occurred_at": "2026-11-20T00:30"},
        )

    statements, stop = _count_selects(engine)
    frames = load_frames(engine, reader="sqlalchemy")  # the Arrow reader bypasses SQLAlchemy's events
    stop()

    assert len(statements) == len(COLUMNS)
    assert list(frames.invoices.columns) == COLUMNS["invoices"]
    assert len(frames.clients) == 5 and len(frames.invoices) == 5 and len(frames.payments) == 5
    inv = frames.invoices.iloc[0]
    assert inv["total"] == 100.10 and inv["issue_date"] == pd.Timestamp("2026-10-31")
    assert inv["due_date"] == pd.Timestamp("2026-11-30")
    assert frames.payments["amount"].sum() == 5 * 40.05
    assert frames.activities["occurred_at"].iloc[0] == pd.Timestamp("2026-11-20 00:30")
    assert frames.clients["client_id"].dtype == "int64"
    assert pd.api.types.is_datetime64_dtype(frames.payments["paid_on"])
    assert not frames.invoices["void"].any()


@pytest.mark.parametrize("reader", ["arrow", "sqlalchemy"])
def test_empty_frames_have_the_same_dtypes_as_loaded_ones(engine, reader):
    client = make_client(engine)
    make_invoice(engine, client.client_id)
    loaded = load_frames(engine, reader=reader)
    empty = Frames.empty()
    for name in COLUMNS:
        assert getattr(loaded, name).dtypes.to_dict() == getattr(empty, name).dtypes.to_dict(), name
    assert load_frames(engine).opportunities.empty


@pytest.mark.parametrize("reader", ["arrow", "sqlalchemy"])
def test_invoice_numbers_are_arrow_strings_and_other_text_python_objects(engine, reader):
    """Invoice numbers (distinct on every row of the largest table) stay in Arrow buffers; other text,
    few repeated values or optional fields, stays Python objects with None for a blank."""
    client = make_client(engine)
    make_invoice(engine, client.client_id, number="F-0001")
    frames = load_frames(engine, reader=reader)
    numbers = frames.invoices["number"]
    assert numbers.dtype == "str" and isinstance(numbers.array, pd.arrays.ArrowStringArray)
    assert numbers.tolist() == ["F-0001"] and isinstance(numbers.iloc[0], str)
    assert frames.clients["company_name"].dtype == object and frames.clients["linkedin"].tolist() == [None]


def _mapped_reads() -> list[tuple[int, int]]:
    """Address ranges of this process's mappings of Arrow result files (crm_core.store.sqlite_worker)."""
    ranges = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "crm-arrow-" in line:
                start, end = line.split()[0].split("-")
                ranges.append((int(start, 16), int(end, 16)))
    return ranges


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads the process's mappings")
def test_arrow_strings_do_not_keep_the_sqlite_read_mapped(sqlite_engine):
    """The SQLite read arrives as a mapped file: the invoice numbers are copied out of it, so the frame
    does not keep the whole file (every column of the table) in memory. (Only SQLite's reader maps.)"""
    assert arrow_backend(sqlite_engine) == "sqlite"
    client = make_client(sqlite_engine)
    make_invoice(sqlite_engine, client.client_id)
    numbers = load_table(sqlite_engine, "invoices", reader="arrow")["number"].array
    buffers = [b for chunk in numbers._pa_array.chunks for b in chunk.buffers() if b is not None]
    assert buffers
    for buffer in buffers:
        assert not any(start <= buffer.address < end for start, end in _mapped_reads())


def test_arrow_and_sqlalchemy_readers_give_equal_frames_on_the_demo_database(engine):
    """Issue 18: the Arrow reader is a drop-in for the SQLAlchemy one (same columns, dtypes, values)."""
    generate_demo(engine, clients=80, seed=5, as_of=date(2026, 11, 25))
    for name in TABLES:
        arrow = load_table(engine, name, reader="arrow")
        rows = load_table(engine, name, reader="sqlalchemy")
        assert len(arrow) > 0, name
        assert list(arrow.columns) == COLUMNS[name]
        pd.testing.assert_frame_equal(arrow, rows, check_exact=True, obj=name)


def test_arrow_reader_keeps_blank_fields_and_local_days(engine):
    """Optional fields left blank on every row arrive as None (not NaN or a number), money and days exact."""
    client = make_client(engine)
    make_invoice(engine, client.client_id, total="100.00", issue_date="2026-10-31")  # a whole amount
    make_invoice(engine, client.client_id, total="0.10", issue_date="2026-11-01")
    services.log_activity(
        engine,
        {"client_id": client.client_id, "kind": "call", "title": "x", "occurred_at": "2026-11-20T00:30"},
    )
    frames = load_frames(engine, reader="arrow")
    assert frames.clients["linkedin"].tolist() == [None]
    assert frames.clients["employees"].dtype == "Int64" and frames.clients["employees"].isna().all()
    assert frames.invoices["total"].tolist() == [100.0, 0.10]
    assert frames.invoices["issue_date"].tolist() == [pd.Timestamp("2026-10-31"), pd.Timestamp("2026-11-01")]
    assert frames.activities["occurred_at"].tolist() == [pd.Timestamp("2026-11-20 00:30")]
    assert frames.activities["follow_up_on"].isna().all()
    assert frames.activities["contact_id"].dtype == "Int64"


def test_arrow_reader_sees_every_write_committed_in_between(engine):
    """Each read shows the writes committed before it (on SQLite the ADBC read runs in a worker process:
    in this process a second SQLite library kept returning the rows of its first read)."""
    client = make_client(engine)
    titles = []
    for n in range(3):
        title = f"call {n}"
        services.log_activity(
            engine, {"client_id": client.client_id, "kind": "call", "title": title, "occurred_at": "2026-11-20T10:00"}
        )
        titles.append(title)
        assert load_table(engine, "activities", reader="arrow")["title"].tolist() == titles


def _log(engine, client_id: int, title: str, **extra) -> None:
    services.log_activity(
        engine, {"client_id": client_id, "kind": "call", "title": title, "occurred_at": "2026-11-20T10:00", **extra}
    )


@pytest.mark.parametrize("reader", ["arrow", "sqlalchemy"])
def test_appending_the_rows_inserted_through_services_equals_a_full_load(engine, reader):
    """Issue 18: after inserts only, the earlier frame plus the new rows is the table (columns, dtypes, values, order)."""
    generate_demo(engine, clients=30, seed=5, as_of=date(2026, 11, 25))
    loaded = {name: load_table(engine, name, reader) for name in ("activities", "payments")}
    client_id = int(loaded["activities"]["client_id"].iloc[0])
    _log(engine, client_id, "with a follow-up", follow_up_on="2026-11-27", outcome="call back")  # two rows
    _log(engine, client_id, "blank fields", done=False)
    invoice = make_invoice(engine, client_id, number="T-APPEND-1", total="100.10", issue_date="2026-10-31")
    services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-11-02", "amount": "40.05"})

    for name, frame in loaded.items():
        appended = append_rows(engine, name, frame, reader)
        full = load_table(engine, name, reader)
        assert appended is not None and len(appended) > len(frame), name
        pd.testing.assert_frame_equal(appended, full, check_exact=True, obj=name)
    assert append_rows(engine, "payments", load_table(engine, "payments", reader), reader) is not None  # nothing new


def test_appending_after_an_import_of_many_rows_equals_a_full_load(engine, tmp_path):
    generate_demo(engine, clients=30, seed=5, as_of=date(2026, 11, 25))
    loaded = load_table(engine, "activities")
    clients = load_table(engine, "clients")
    rows = [["client_id", "kind", "title", "occurred_at", "duration_min", "done"]]
    for n in range(300):
        client_id = int(clients["client_id"].iloc[n % len(clients)])
        rows.append([str(client_id), "meeting", f"Imported {n}", f"{1 + n % 28:02d}/10/2026 {8 + n % 10}:15", str(n % 90), "sí"])
    report = import_activities(engine, write_csv(tmp_path / "activities.csv", rows))
    assert report.to_create == 300

    appended = append_rows(engine, "activities", loaded)
    assert appended is not None and len(appended) == len(loaded) + 300
    pd.testing.assert_frame_equal(appended, load_table(engine, "activities"), check_exact=True)


def test_no_append_after_a_delete_or_an_insert_below_the_highest_id(engine, tmp_path):
    """Rows gone, or new rows not all above the old highest id (an import keeping a file's ids): reload it whole."""
    first, second = make_client(engine), make_client(engine)
    for n in range(3):
        _log(engine, first.client_id, f"first {n}")
    rows = [["activity_id", "client_id", "kind", "title", "occurred_at"]]
    rows.append(["100", str(second.client_id), "call", "own id 100", "20/11/2026 10:00"])
    import_activities(engine, write_csv(tmp_path / "high.csv", rows))
    loaded = load_table(engine, "activities")
    assert loaded["activity_id"].tolist() == [1, 2, 3, 100]

    _log(engine, second.client_id, "above")  # id 101
    rows[1:] = [["50", str(second.client_id), "call", "own id 50", "21/11/2026 10:00"]]
    import_activities(engine, write_csv(tmp_path / "low.csv", rows))
    assert append_rows(engine, "activities", loaded) is None  # 2 rows more, only 1 above 100

    loaded = load_table(engine, "activities")
    services.delete_client(engine, first.client_id)  # 3 rows gone
    _log(engine, second.client_id, "after the delete")
    assert append_rows(engine, "activities", loaded) is None


def test_gather_tables_runs_two_loaders_at_once_and_returns_each_result_by_name():
    import threading

    from crm_core.store.frames import gather_tables

    both_running = threading.Barrier(2, timeout=10)  # passes only if two loaders run at the same time

    def loader(value: str):
        def run() -> str:
            if value in ("invoices", "payments"):  # the two largest start first, together
                both_running.wait()
            return value.upper()

        return run

    names = ["clients", "payments", "contacts", "invoices"]
    result = gather_tables({name: loader(name) for name in names})
    assert result == {name: name.upper() for name in names} and list(result) == names


def test_gather_tables_raises_a_loaders_error_and_runs_nested_calls_inline():
    import pytest

    from crm_core.store.frames import gather_tables

    def failing() -> str:
        raise ValueError("no such table")

    with pytest.raises(ValueError, match="no such table"):
        gather_tables({"invoices": failing, "payments": lambda: "ok"})

    def nested() -> dict[str, str]:  # a loader that gathers again must not wait for the pool it occupies
        return gather_tables({"a": lambda: "x", "b": lambda: "y"})

    assert gather_tables({"invoices": nested, "payments": nested, "activities": nested}) == dict.fromkeys(
        ["invoices", "payments", "activities"], {"a": "x", "b": "y"}
    )
