"""Client services on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crm_core import services
from crm_core.db import read_session
from crm_core.db.models import Activity, Client, Contact, Invoice, Opportunity, Payment
from crm_core.errors import (
    DuplicateClientError,
    NotFoundError,
    StaleEditError,
    ValidationError,
)
from tests.conftest import row_counts
from tests.factories import client_payload, make_client, make_invoice, make_opportunity


def test_create_client_normalises_tax_id_and_email(engine):
    client = make_client(engine, tax_id="b-12345674", email="Info@ACME.es", region="cataluña")
    assert client.tax_id == "B12345674"
    assert client.email == "info@acme.es"
    assert client.region == "Cataluña"
    assert client.version == 1
    assert client.created_at.tzinfo is not None
    with read_session(engine) as s:
        stored = s.scalars(select(Client)).one()
    assert (stored.tax_id, stored.email, stored.status) == ("B12345674", "info@acme.es", "prospect")


def test_duplicate_tax_id_in_other_spelling_is_refused(engine):
    make_client(engine, tax_id="B12345674")
    before = row_counts(engine)
    with pytest.raises(DuplicateClientError) as err:
        make_client(engine, tax_id="b 1234 5674")
    assert err.value.field == "tax_id"
    assert "tax_id" in str(err.value)
    assert row_counts(engine) == before


def test_duplicate_email_in_other_case_is_refused(engine):
    make_client(engine, email="ventas@acme.es")
    with pytest.raises(DuplicateClientError) as err:
        make_client(engine, email="VENTAS@acme.es")
    assert err.value.field == "email"


def test_update_client_bumps_version_and_changes_only_given_fields(engine):
    client = make_client(engine, city="Madrid", owner="Ana")
    updated = services.update_client(engine, client.client_id, {"city": "Toledo"}, client.version)
    assert updated.version == client.version + 1
    assert updated.city == "Toledo"
    assert updated.owner == "Ana"
    assert updated.updated_at >= client.updated_at


def test_update_client_from_stale_version_raises_and_keeps_first_edit(engine):
    client = make_client(engine)
    services.update_client(engine, client.client_id, {"city": "Sevilla"}, client.version)
    with pytest.raises(StaleEditError) as err:
        services.update_client(engine, client.client_id, {"city": "Bilbao"}, client.version)
    assert err.value.current_version == client.version + 1
    assert services.get_client(engine, client.client_id).city == "Sevilla"


def test_update_client_to_taken_email_is_refused(engine):
    make_client(engine, email="a@uno.es")
    other = make_client(engine, email="b@dos.es")
    with pytest.raises(DuplicateClientError):
        services.update_client(engine, other.client_id, {"email": "A@uno.es"}, other.version)
    assert services.get_client(engine, other.client_id).email == "b@dos.es"


def test_update_client_cannot_empty_company_name(engine):
    client = make_client(engine)
    with pytest.raises(ValidationError) as err:
        services.update_client(engine, client.client_id, {"company_name": "  "}, client.version)
    assert "company_name" in err.value.fields


def test_delete_client_cascades_to_everything_it_owns(engine):
    keep = make_client(engine)
    client = make_client(engine)
    services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana Ruiz"})
    services.log_activity(
        engine,
        {"client_id": client.client_id, "kind": "call", "title": "Hola", "occurred_at": "2026-11-01T10:00"},
    )
    make_opportunity(engine, client.client_id)
    invoice = make_invoice(engine, client.client_id)
    services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-10-20", "amount": "100"})
    make_invoice(engine, keep.client_id)

    services.delete_client(engine, client.client_id)

    with read_session(engine) as s:
        assert s.scalars(select(Client.client_id)).all() == [keep.client_id]
        for model in (Contact, Activity, Opportunity, Payment):
            assert s.scalars(select(model)).all() == []
        assert [i.client_id for i in s.scalars(select(Invoice))] == [keep.client_id]


def test_missing_client_raises_not_found(engine):
    with pytest.raises(NotFoundError):
        services.get_client(engine, 999)
    with pytest.raises(NotFoundError):
        services.delete_client(engine, 999)
    with pytest.raises(NotFoundError):
        services.update_client(engine, 999, {"city": "x"}, 1)


def test_create_client_with_explicit_created_at(engine):
    client = services.create_client(engine, client_payload(created_at="2024-03-01T09:00:00+01:00"))
    assert client.created_at == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert services.get_client(engine, client.client_id).created_at == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def test_a_duplicate_tax_id_or_email_says_which_client_has_it(engine) -> None:
    """Issue 16, defect 5: the message names the client that already has the value, in the UI language."""
    from crm_core.i18n.error_text import error_lines

    make_client(engine, company_name="Talleres Pérez S.L.", tax_id="B12345674", email="taller@perez.es")
    before = row_counts(engine)
    with pytest.raises(DuplicateClientError) as taken:
        services.create_client(engine, client_payload(company_name="Otro", tax_id="B-12345674", email="otro@x.es"))
    assert error_lines(taken.value, "es") == ["CIF/NIF: el cliente Talleres Pérez S.L. ya tiene 'B12345674'"]
    assert error_lines(taken.value, "en") == ["Tax id (CIF/NIF): the client Talleres Pérez S.L. already has 'B12345674'"]
    with pytest.raises(DuplicateClientError) as taken:
        services.create_client(engine, client_payload(company_name="Otro", email="taller@perez.es"))
    assert taken.value.params["holder"] == "Talleres Pérez S.L."
    assert row_counts(engine) == before
