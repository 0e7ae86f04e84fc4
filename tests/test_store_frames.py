"""Frames: one query per table, the documented columns and dtypes, local calendar dates."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import event

from crm_core import services
from crm_core.store.frames import COLUMNS, Frames, load_frames
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
    frames = load_frames(engine)
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


def test_empty_frames_have_the_same_dtypes_as_loaded_ones(engine):
    client = make_client(engine)
    make_invoice(engine, client.client_id)
    loaded = load_frames(engine)
    empty = Frames.empty()
    for name in COLUMNS:
        assert getattr(loaded, name).dtypes.to_dict() == getattr(empty, name).dtypes.to_dict(), name
    assert load_frames(engine).opportunities.empty
