"""Invoices and payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm_core import services
from crm_core.errors import DuplicateInvoiceError, NotFoundError, ValidationError
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
    for invoice_id, paid_on in [(void.invoice_id, "2026-10-02"), (note.invoice_id, "2026-10-02"),
                                (invoice.invoice_id, "2026-09-30")]:
        with pytest.raises(ValidationError):
            services.record_payment(engine, {"invoice_id": invoice_id, "paid_on": paid_on, "amount": "1"})
    with pytest.raises(NotFoundError):
        services.record_payment(engine, {"invoice_id": 999, "paid_on": "2026-10-02", "amount": "1"})
    with pytest.raises(NotFoundError):
        make_invoice(engine, 999)


def test_default_due_date_adds_the_payment_terms() -> None:
    assert default_due_date(date(2024, 1, 31), 30) == date(2024, 3, 1)  # leap-year February
    assert default_due_date(date(2024, 1, 31), 0) == date(2024, 1, 31)
