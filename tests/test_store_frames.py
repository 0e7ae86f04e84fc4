"""Frames: one query per table, the documented columns and dtypes, local calendar dates."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import event

from crm_core import services
from crm_core.demo import generate_demo
from crm_core.store.frames import COLUMNS, TABLES, Frames, load_frames, load_table
from tests.factories import make_client, make_invoice


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
