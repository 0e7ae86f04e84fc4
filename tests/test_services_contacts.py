"""Contact services."""

from __future__ import annotations

import pytest

from crm_core import services
from crm_core.errors import NotFoundError, ValidationError
from tests.factories import make_client


def test_add_contact_and_single_primary_flag(engine):
    client = make_client(engine)
    first = services.add_contact(
        engine, {"client_id": client.client_id, "full_name": "Ana Ruiz", "is_primary": True, "email": "Ana@x.es"}
    )
    assert first.email == "ana@x.es"
    second = services.add_contact(
        engine, {"client_id": client.client_id, "full_name": "Luis Sanz", "is_primary": True, "is_billing": True}
    )
    contacts = {c.contact_id: c for c in services.list_contacts(engine, client.client_id)}
    assert contacts[second.contact_id].is_primary is True
    assert contacts[first.contact_id].is_primary is False
    assert contacts[second.contact_id].is_billing is True


def test_update_contact(engine):
    client = make_client(engine)
    contact = services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana Ruiz"})
    updated = services.update_contact(engine, contact.contact_id, {"role": "CFO", "phone": "600 123 456"})
    assert (updated.role, updated.phone, updated.full_name) == ("CFO", "600 123 456", "Ana Ruiz")
    with pytest.raises(ValidationError) as err:
        services.update_contact(engine, contact.contact_id, {"full_name": ""})
    assert err.value.fields == ["full_name"]


def test_contact_for_missing_client(engine):
    with pytest.raises(NotFoundError):
        services.add_contact(engine, {"client_id": 42, "full_name": "Nadie"})
    with pytest.raises(NotFoundError):
        services.update_contact(engine, 42, {"role": "x"})
