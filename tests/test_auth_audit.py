"""Every write names its author: who, when, which row, field, old -> new, in the write's transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crm_core import services
from crm_core.auth import acting_as
from crm_core.auth.audit import client_history
from crm_core.auth.users import add_user
from crm_core.errors import ValidationError


def test_history_records_who_changed_which_field_from_what_to_what(engine):
    boss = add_user(engine, "boss@example.com", "Boss", "manager", "password one")
    ana = add_user(engine, "ana@example.com", "Ana", "rep", "password two")
    with acting_as(boss):
        client = services.create_client(engine, {"company_name": "Acme", "email": "a@acme.es", "city": "Vigo", "owner": "Ana"})
    with acting_as(ana):
        services.update_client(engine, client.client_id, {"city": "Lugo", "phone": "600 000 000"}, client.version)
        activity = services.log_activity(
            engine, {"client_id": client.client_id, "kind": "call", "title": "Hola", "occurred_at": "2026-11-20T10:00:00+01:00"}
        )[0]
    assert activity.owner == "Ana"  # an activity's owner defaults to the signed-in user
    history = client_history(engine, client.client_id)
    rows = list(history[["user", "entity", "action", "field", "old_value", "new_value"]].itertuples(index=False, name=None))
    assert rows == [
        ("Ana", "activity", "create", None, None, None),
        ("Ana", "client", "update", "city", "Vigo", "Lugo"),
        ("Ana", "client", "update", "phone", None, "600 000 000"),
        ("Boss", "client", "create", None, None, None),
    ] or rows == [
        ("Ana", "activity", "create", None, None, None),
        ("Ana", "client", "update", "phone", None, "600 000 000"),
        ("Ana", "client", "update", "city", "Vigo", "Lugo"),
        ("Boss", "client", "create", None, None, None),
    ]
    assert history["at"].notna().all()


def test_a_refused_write_leaves_no_history(engine):
    client = services.create_client(engine, {"company_name": "Acme", "email": "a@acme.es"})
    with pytest.raises(ValidationError):
        services.update_client(engine, client.client_id, {"email": "not an email"}, client.version)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar_one() == 1  # the create only


def test_writes_without_a_user_are_recorded_without_an_author_and_a_delete_keeps_the_history(engine):
    client = services.create_client(engine, {"company_name": "Acme", "email": "a@acme.es"})
    services.delete_client(engine, client.client_id)
    history = client_history(engine, client.client_id)
    assert list(history["action"]) == ["delete", "create"]
    assert history["user"].isna().all()
