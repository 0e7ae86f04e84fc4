"""Invoices and payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm_core import services
from crm_core.errors import DuplicateError, DuplicateInvoiceError, NotFoundError, ValidationError
from crm_core.services.billing import default_due_date
from tests.conftest import row_counts
from tests.factories import make_client, make_invoice


def test_invoice_due_date_defaults_to_payment_terms(engine):
    client = make_client(engine, payment_terms_days=45)
    invoice = make_invoice(engine, client.client_id, issue_date="2026-01-31")
    assert invoice.due_date == date(2026, 3, 17)
    assert invoice.total == Decimal("1210.00")


def test_credit_note_and_duplicate_number(engine):
    client = make_client(engine)
    note = make_invoice(engine, client.client_id, number="R-1", total="-121.00", credit_note=True)
    assert note.total == Decimal("-121.00")
    with pytest.raises(DuplicateInvoiceError) as err:
        make_invoice(engine, client.client_id, number="R-1")
    assert err.value.field == "number"


def test_partial_payments_up_to_total_then_overpayment_refused(engine):
    client = make_client(engine)
    invoice = make_invoice(engine, client.client_id, total="100.10")
    services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-10-10", "amount": "50.05"})
    services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-10-11", "amount": "50.05"})
    before = row_counts(engine)
    with pytest.raises(ValidationError) as err:
        services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-10-12", "amount": "0.01"})
    assert err.value.fields == ["amount"]
    assert "only 0.00 is still owed" in str(err.value)
    assert row_counts(engine) == before


def test_payment_rules(engine):
    client = make_client(engine)
    void = make_invoice(engine, client.client_id, void=True)
    note = make_invoice(engine, client.client_id, total="-10", credit_note=True)
    invoice = make_invoice(engine, client.client_id, issue_date="2026-10-01")
    for invoice_id, paid_on in [
        (void.invoice_id, "2026-10-02"),
        (note.invoice_id, "2026-10-02"),
        (invoice.invoice_id, "2026-09-30"),
    ]:
        with pytest.raises(ValidationError):
            services.record_payment(engine, {"invoice_id": invoice_id, "paid_on": paid_on, "amount": "1"})
    with pytest.raises(NotFoundError):
        services.record_payment(engine, {"invoice_id": 999, "paid_on": "2026-10-02", "amount": "1"})
    with pytest.raises(NotFoundError):
        make_invoice(engine, 999)


def test_default_due_date_adds_the_payment_terms() -> None:
    assert default_due_date(date(2024, 1, 31), 30) == date(2024, 3, 1)  # leap-year February
    assert default_due_date(date(2024, 1, 31), 0) == date(2024, 1, 31)


# ---------------------------------------------------------------- the billing feed (record_invoices / record_payments)


def _feed_invoice(client_id: int, number: str, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"client_id": client_id, "number": number, "issue_date": "2026-10-01", "total": "242.00"}
    data.update(overrides)
    return data


def test_record_invoices_is_idempotent_by_number(engine):
    client = make_client(engine)
    first = services.record_invoices(engine, [_feed_invoice(client.client_id, "SB-1"), _feed_invoice(client.client_id, "SB-2")])
    assert [(r.row.number, r.created) for r in first] == [("SB-1", True), ("SB-2", True)]
    before = row_counts(engine)
    again = services.record_invoices(engine, [_feed_invoice(client.client_id, "SB-1")])
    assert [(r.row.invoice_id, r.created) for r in again] == [(first[0].row.invoice_id, False)]
    assert row_counts(engine) == before


def test_record_invoices_same_number_other_content_is_a_duplicate_and_nothing_is_written(engine):
    client = make_client(engine)
    services.record_invoices(engine, [_feed_invoice(client.client_id, "SB-1")])
    before = row_counts(engine)
    with pytest.raises(DuplicateInvoiceError):
        services.record_invoices(
            engine, [_feed_invoice(client.client_id, "SB-9"), _feed_invoice(client.client_id, "SB-1", total="999.00")]
        )
    assert row_counts(engine) == before  # SB-9 of the same request was not kept either


def test_record_invoices_names_the_item_of_a_list(engine):
    client = make_client(engine)
    before = row_counts(engine)
    with pytest.raises(ValidationError) as err:
        services.record_invoices(
            engine,
            [
                _feed_invoice(client.client_id, "SB-1"),
                _feed_invoice(client.client_id, "SB-2", total="0"),
                _feed_invoice(9999, "SB-3"),
            ],
        )
    assert err.value.fields == ["1.total"]
    with pytest.raises(ValidationError) as err:
        services.record_invoices(engine, [_feed_invoice(client.client_id, "SB-1"), _feed_invoice(9999, "SB-3")])
    assert err.value.fields == ["1.client_id"]
    assert row_counts(engine) == before


def test_idempotency_key_replays_and_refuses_reuse_for_another_body(engine):
    client = make_client(engine)
    invoice = make_invoice(engine, client.client_id, total="100.00")
    payment = {"invoice_id": invoice.invoice_id, "paid_on": "2026-10-10", "amount": "60.00"}
    first = services.record_payments(engine, [payment], idempotency_key="sb-pay-1")
    assert first[0].created
    before = row_counts(engine)
    retry = services.record_payments(engine, [payment], idempotency_key="sb-pay-1")
    assert [(r.row.payment_id, r.created) for r in retry] == [(first[0].row.payment_id, False)]
    assert row_counts(engine) == before  # not paid twice
    with pytest.raises(DuplicateError) as err:
        services.record_payments(engine, [{**payment, "amount": "10.00"}], idempotency_key="sb-pay-1")
    assert err.value.field == "Idempotency-Key"
    with pytest.raises(ValidationError) as bad_key:
        services.record_payments(engine, [payment], idempotency_key="x" * 201)
    assert bad_key.value.fields == ["Idempotency-Key"]
    assert row_counts(engine) == before


def test_record_payments_counts_earlier_payments_of_the_same_request(engine):
    client = make_client(engine)
    invoice = make_invoice(engine, client.client_id, total="100.00")
    pay = {"invoice_id": invoice.invoice_id, "paid_on": "2026-10-10", "amount": "60.00"}
    before = row_counts(engine)
    with pytest.raises(ValidationError) as err:
        services.record_payments(engine, [pay, pay])
    assert err.value.fields == ["1.amount"]
    assert row_counts(engine) == before
    done = services.record_payments(engine, [pay, {**pay, "amount": "40.00"}])
    assert [r.row.amount for r in done] == [Decimal("60.00"), Decimal("40.00")]


def test_record_payments_to_a_missing_invoice_names_it(engine):
    with pytest.raises(ValidationError) as err:
        services.record_payments(engine, [{"invoice_id": 4242, "paid_on": "2026-10-10", "amount": "1.00"}])
    assert err.value.fields == ["invoice_id"]


@pytest.mark.parametrize("batch", [False, True])
def test_a_number_stored_meanwhile_in_another_case_is_the_duplicate_number_error(engine, batch: bool):
    """A race: `f-1` is stored between record_invoice's check and its insert of `F-1`. The unique index on
    lower(number) (migration 0004) refuses it, reported as the duplicate-number error, and nothing is written."""
    from sqlalchemy import event, insert

    from crm_core.db.models import Invoice, table_of
    from tests.conftest import database_hash

    client = make_client(engine)
    before = database_hash(engine)
    rival = {
        "client_id": client.client_id,
        "number": "f-1",
        "issue_date": date(2026, 1, 1),
        "due_date": date(2026, 1, 31),
        "total": Decimal("10.00"),
        "credit_note": False,
        "void": False,
    }
    raced: list[str] = []

    def store_rival_first(conn, cursor, statement, parameters, context, executemany) -> None:
        # just before F-1 is inserted, after every check the service makes
        if not raced and statement.lstrip().upper().startswith("INSERT INTO INVOICES") and "'F-1'" in str(parameters):
            raced.append(statement)
            conn.execute(insert(table_of(Invoice)).values(**rival))

    event.listen(engine, "before_cursor_execute", store_rival_first)
    try:
        with pytest.raises(DuplicateInvoiceError) as err:
            if batch:  # the billing feed (POST /api/facturas): the error names the number too
                services.record_invoices(
                    engine,
                    [
                        {"client_id": client.client_id, "number": "E-9", "issue_date": "2026-01-01", "total": "5.00"},
                        {"client_id": client.client_id, "number": "F-1", "issue_date": "2026-01-01", "total": "5.00"},
                    ],
                )
            else:
                make_invoice(engine, client.client_id, number="F-1")
    finally:
        event.remove(engine, "before_cursor_execute", store_rival_first)
    assert raced
    assert (err.value.code, err.value.field, err.value.value) == ("duplicate", "number", "F-1")
    assert database_hash(engine) == before
