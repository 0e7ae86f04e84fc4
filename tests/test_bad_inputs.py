"""A table of bad inputs: each raises the right error naming the field, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from crm_core import services
from crm_core.errors import (
    CRMError,
    DuplicateClientError,
    DuplicateInvoiceError,
    NotFoundError,
    StaleEditError,
    ValidationError,
)
from crm_core.views.clients import ClientFilters, count_clients, list_clients
from tests.conftest import row_counts
from tests.factories import client_list_table, client_payload


@dataclass
class World:
    """What exists before each bad call: one client with a contact, an invoice and an opportunity."""

    client_id: int
    version: int
    contact_id: int
    other_contact_id: int
    invoice_id: int
    opportunity_id: int
    won_id: int


def build_world(engine: Engine) -> World:
    client = services.create_client(engine, client_payload(email="ventas@acme.es", tax_id="B12345674"))
    other = services.create_client(engine, client_payload(email="info@otra.es"))
    contact = services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana"})
    other_contact = services.add_contact(engine, {"client_id": other.client_id, "full_name": "Bea"})
    invoice = services.record_invoice(
        engine, {"client_id": client.client_id, "number": "F-1", "issue_date": "2026-10-01", "total": "100.00"}
    )
    services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-10-05", "amount": "60"})
    opp = services.create_opportunity(engine, {"client_id": client.client_id, "name": "ERP", "amount": "1000"})
    won = services.create_opportunity(
        engine,
        {
            "client_id": client.client_id,
            "name": "Old",
            "amount": "10",
            "stage": "won",
            "won_amount": "10",
            "closed_at": "2026-01-01",
            "created_at": "2025-12-01T10:00",
        },
    )
    return World(
        client.client_id,
        client.version,
        contact.contact_id,
        other_contact.contact_id,
        invoice.invoice_id,
        opp.opportunity_id,
        won.opportunity_id,
    )


def activity(w: World, **kw: Any) -> dict[str, Any]:
    data = {"client_id": w.client_id, "kind": "call", "title": "Call", "occurred_at": "2026-11-20T10:00"}
    data.update(kw)
    return data


def invoice(w: World, **kw: Any) -> dict[str, Any]:
    data = {"client_id": w.client_id, "number": "F-2", "issue_date": "2026-11-01", "total": "50"}
    data.update(kw)
    return data


Call = Callable[[Engine, World], Any]

CASES: list[tuple[str, Call, type[CRMError], str]] = [
    ("bad email", lambda e, w: services.create_client(e, client_payload(email="not-an-email")), ValidationError, "email"),
    ("email without domain dot", lambda e, w: services.create_client(e, client_payload(email="a@b")), ValidationError, "email"),
    ("bad CIF checksum", lambda e, w: services.create_client(e, client_payload(tax_id="B12345675")), ValidationError, "tax_id"),
    ("tax id of wrong length", lambda e, w: services.create_client(e, client_payload(tax_id="B123")), ValidationError, "tax_id"),
    (
        "missing company name",
        lambda e, w: services.create_client(e, client_payload(company_name="")),
        ValidationError,
        "company_name",
    ),
    (
        "company name too long",
        lambda e, w: services.create_client(e, client_payload(company_name="x" * 201)),
        ValidationError,
        "company_name",
    ),
    ("unknown status", lambda e, w: services.create_client(e, client_payload(status="friendly")), ValidationError, "status"),
    ("unknown region", lambda e, w: services.create_client(e, client_payload(region="Narnia")), ValidationError, "region"),
    (
        "negative payment terms",
        lambda e, w: services.create_client(e, client_payload(payment_terms_days=-1)),
        ValidationError,
        "payment_terms_days",
    ),
    ("phone with letters", lambda e, w: services.create_client(e, client_payload(phone="call me")), ValidationError, "phone"),
    (
        "unknown field",
        lambda e, w: services.create_client(e, client_payload(favourite_colour="red")),
        ValidationError,
        "favourite_colour",
    ),
    (
        "duplicate tax id in other spelling",
        lambda e, w: services.create_client(e, client_payload(tax_id="b-1234-5674")),
        DuplicateClientError,
        "tax_id",
    ),
    (
        "duplicate email in capitals",
        lambda e, w: services.create_client(e, client_payload(email="VENTAS@ACME.ES")),
        DuplicateClientError,
        "email",
    ),
    (
        "stale client edit",
        lambda e, w: services.update_client(e, w.client_id, {"city": "x"}, w.version - 1 if w.version > 1 else 99),
        StaleEditError,
        "version",
    ),
    ("edit of missing client", lambda e, w: services.update_client(e, 9999, {"city": "x"}, 1), NotFoundError, "client"),
    (
        "negative payment",
        lambda e, w: services.record_payment(e, {"invoice_id": w.invoice_id, "paid_on": "2026-10-06", "amount": "-5"}),
        ValidationError,
        "amount",
    ),
    (
        "overpayment",
        lambda e, w: services.record_payment(e, {"invoice_id": w.invoice_id, "paid_on": "2026-10-06", "amount": "40.01"}),
        ValidationError,
        "amount",
    ),
    (
        "payment with fractions of a cent",
        lambda e, w: services.record_payment(e, {"invoice_id": w.invoice_id, "paid_on": "2026-10-06", "amount": "1.005"}),
        ValidationError,
        "amount",
    ),
    (
        "payment before invoice issued",
        lambda e, w: services.record_payment(e, {"invoice_id": w.invoice_id, "paid_on": "2026-09-01", "amount": "1"}),
        ValidationError,
        "paid_on",
    ),
    (
        "unknown payment method",
        lambda e, w: services.record_payment(
            e, {"invoice_id": w.invoice_id, "paid_on": "2026-10-06", "amount": "1", "method": "bitcoin"}
        ),
        ValidationError,
        "method",
    ),
    (
        "payment for missing invoice",
        lambda e, w: services.record_payment(e, {"invoice_id": 9999, "paid_on": "2026-10-06", "amount": "1"}),
        NotFoundError,
        "invoice",
    ),
    ("due before issue", lambda e, w: services.record_invoice(e, invoice(w, due_date="2026-10-01")), ValidationError, "due_date"),
    (
        "negative invoice not a credit note",
        lambda e, w: services.record_invoice(e, invoice(w, total="-50")),
        ValidationError,
        "total",
    ),
    ("zero invoice", lambda e, w: services.record_invoice(e, invoice(w, total="0")), ValidationError, "total"),
    (
        "invoice total not a number",
        lambda e, w: services.record_invoice(e, invoice(w, total="mil euros")),
        ValidationError,
        "total",
    ),
    (
        "invoice date not a date",
        lambda e, w: services.record_invoice(e, invoice(w, issue_date="31/02/2026")),
        ValidationError,
        "issue_date",
    ),
    (
        "duplicate invoice number",
        lambda e, w: services.record_invoice(e, invoice(w, number="F-1")),
        DuplicateInvoiceError,
        "number",
    ),
    (
        "probability 120",
        lambda e, w: services.create_opportunity(e, {"client_id": w.client_id, "name": "X", "amount": "1", "probability": 120}),
        ValidationError,
        "probability",
    ),
    (
        "unknown stage",
        lambda e, w: services.create_opportunity(e, {"client_id": w.client_id, "name": "X", "amount": "1", "stage": "signed"}),
        ValidationError,
        "stage",
    ),
    (
        "negative opportunity amount",
        lambda e, w: services.create_opportunity(e, {"client_id": w.client_id, "name": "X", "amount": "-1"}),
        ValidationError,
        "amount",
    ),
    (
        "opportunity for missing client",
        lambda e, w: services.create_opportunity(e, {"client_id": 9999, "name": "X", "amount": "1"}),
        NotFoundError,
        "client",
    ),
    ("move to won without amount", lambda e, w: services.move_opportunity(e, w.opportunity_id, "won"), ValidationError, "stage"),
    ("move a closed opportunity", lambda e, w: services.move_opportunity(e, w.won_id, "proposal"), ValidationError, "stage"),
    ("lost without reason", lambda e, w: services.mark_lost(e, w.opportunity_id, ""), ValidationError, "lost_reason"),
    ("negative duration", lambda e, w: services.log_activity(e, activity(w, duration_min=-5)), ValidationError, "duration_min"),
    ("unknown activity kind", lambda e, w: services.log_activity(e, activity(w, kind="lunch")), ValidationError, "kind"),
    ("activity without title", lambda e, w: services.log_activity(e, activity(w, title="   ")), ValidationError, "title"),
    (
        "follow-up before activity",
        lambda e, w: services.log_activity(e, activity(w, follow_up_on="2026-11-19")),
        ValidationError,
        "follow_up_on",
    ),
    (
        "contact of another client",
        lambda e, w: services.log_activity(e, activity(w, contact_id=w.other_contact_id)),
        ValidationError,
        "contact_id",
    ),
    ("activity for missing client", lambda e, w: services.log_activity(e, activity(w, client_id=9999)), NotFoundError, "client"),
    (
        "bad contact email",
        lambda e, w: services.add_contact(e, {"client_id": w.client_id, "full_name": "X", "email": "x@"}),
        ValidationError,
        "email",
    ),
    (
        "SQL-looking sort key",
        lambda e, w: list_clients(client_list_table(e), sort="company_name DESC; DROP TABLE clients"),
        ValidationError,
        "sort",
    ),
    ("page size zero", lambda e, w: list_clients(client_list_table(e), limit=0), ValidationError, "limit"),
    ("payload not a mapping", lambda e, w: services.create_client(e, ["company_name", "x"]), ValidationError, "input"),
]


@pytest.mark.parametrize(("name", "call", "error", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_field_and_nothing_written(engine, name, call, error, field):
    world = build_world(engine)
    before = row_counts(engine)
    with pytest.raises(error) as exc:
        call(engine, world)
    message = str(exc.value)
    assert message and "Traceback" not in message
    if isinstance(exc.value, ValidationError):
        assert field in exc.value.fields, f"{name}: {exc.value.errors}"
    elif isinstance(exc.value, (DuplicateClientError, DuplicateInvoiceError)):
        assert exc.value.field == field
    else:
        assert field in message
    assert row_counts(engine) == before


def test_sql_looking_search_text_is_just_text(engine):
    build_world(engine)
    before = row_counts(engine)
    for text in ["' OR 1=1 --", "'; DROP TABLE clients; --", "%' UNION SELECT * FROM invoices --", "_"]:
        assert count_clients(client_list_table(engine), ClientFilters(search=text)) == 0
    assert row_counts(engine) == before
