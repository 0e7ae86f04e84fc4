"""Merging two clients (crm_core.services.merge_clients): everything moves to the kept one in one transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core import services
from crm_core.db import read_session
from crm_core.db.models import Activity, Client, Contact, Invoice, Opportunity, Payment
from crm_core.errors import NotFoundError, ValidationError
from crm_core.store.writes import tables_written
from tests.conftest import row_counts, table_rows
from tests.factories import make_client, make_invoice, make_opportunity


def _contact(engine, client_id: int, name: str, primary: bool) -> None:
    services.add_contact(engine, {"client_id": client_id, "full_name": name, "is_primary": primary, "is_billing": primary})


def test_merge_moves_everything_and_deletes_the_duplicate(engine) -> None:
    kept = make_client(engine, company_name="Talleres Pérez S.L.", tax_id="B12345674")
    dup = make_client(engine, company_name="TALLERES PEREZ SL")
    _contact(engine, kept.client_id, "Ana", True)
    _contact(engine, dup.client_id, "Luis", True)
    invoice = make_invoice(engine, dup.client_id, number="F-9", issue_date="2026-01-01", total="100")
    services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-01-05", "amount": "40"})
    make_opportunity(engine, dup.client_id, name="Renovación")
    before = row_counts(engine)
    result = services.merge_clients(engine, kept.client_id, dup.client_id)
    assert (result.contacts, result.invoices, result.opportunities, result.removed_name) == (1, 1, 1, "TALLERES PEREZ SL")
    after = row_counts(engine)
    assert after["clients"] == before["clients"] - 1
    assert {k: v for k, v in after.items() if k != "clients"} == {k: v for k, v in before.items() if k != "clients"}
    with read_session(engine) as session:
        assert session.get(Client, dup.client_id) is None
        for model in (Contact, Invoice, Opportunity, Activity):
            owners = set(session.scalars(select(model.client_id)))
            assert owners <= {kept.client_id}, model
        primaries = session.scalars(select(Contact.full_name).where(Contact.is_primary.is_(True))).all()
        assert primaries == ["Ana"]  # the kept client's primary contact stays the only one
        assert session.scalar(select(Payment.amount).where(Payment.invoice_id == invoice.invoice_id)) == 40
    assert tables_written(services.merge_clients) == {"clients", "contacts", "activities", "opportunities", "invoices"}


def test_merge_refusals_write_nothing(engine) -> None:
    kept = make_client(engine)
    before = table_rows(engine)
    with pytest.raises(ValidationError) as same:
        services.merge_clients(engine, kept.client_id, kept.client_id)
    assert same.value.fields == ["client_id"]
    with pytest.raises(NotFoundError):
        services.merge_clients(engine, kept.client_id, 9999)
    assert table_rows(engine) == before


def test_reassign_owner_of_a_list_of_clients(engine) -> None:
    """Issue 16, item 13: bulk reassign of the account manager, one transaction, versions bumped."""
    a = make_client(engine, owner="Ana")
    b = make_client(engine, owner="Luis")
    c = make_client(engine, owner="Ana")
    assert services.reassign_owner(engine, [a.client_id, b.client_id, b.client_id], "Lucía") == 2
    with read_session(engine) as session:
        owners = {cid: owner for cid, owner in session.execute(select(Client.client_id, Client.owner))}
        versions = {cid: version for cid, version in session.execute(select(Client.client_id, Client.version))}
    assert owners == {a.client_id: "Lucía", b.client_id: "Lucía", c.client_id: "Ana"}
    assert (versions[a.client_id], versions[c.client_id]) == (a.version + 1, c.version)
    assert services.reassign_owner(engine, [a.client_id], "Lucía") == 0  # already hers: nothing changes
    before = table_rows(engine)
    with pytest.raises(ValidationError) as long:
        services.reassign_owner(engine, [a.client_id], "x" * 101)
    assert long.value.fields == ["owner"]
    assert table_rows(engine) == before


def test_reassign_owner_moves_the_owner_reference_and_is_audited(engine) -> None:
    """Issue 16, item 13: the reassigned clients belong to the picked user (`owner_id`, which the
    rep scope reads), each change is in the audit log, and a rep cannot hand clients away."""
    from crm_core.auth import acting_as
    from crm_core.auth.errors import NotAllowedError
    from crm_core.auth.users import add_user
    from crm_core.db.models import AuditEntry, User

    lucia = add_user(engine, "lucia@example.com", "Lucía", "rep", "pw-lucia-1234")
    luis = add_user(engine, "luis@example.com", "Luis", "rep", "pw-luis-12345")
    a = make_client(engine, owner="Ana")
    b = make_client(engine, owner="Luis")
    assert services.reassign_owner(engine, [a.client_id, b.client_id], "Lucía") == 2
    with read_session(engine) as session:
        rows = dict(session.execute(select(Client.client_id, Client.owner_id)).all())
        audit = session.execute(
            select(AuditEntry.entity_id, AuditEntry.old_value, AuditEntry.new_value).where(AuditEntry.field == "owner")
        ).all()
    assert rows == {a.client_id: lucia.user_id, b.client_id: lucia.user_id}
    assert sorted(audit) == sorted([(a.client_id, "Ana", "Lucía"), (b.client_id, "Luis", "Lucía")])
    before = table_rows(engine)
    with acting_as(lucia), pytest.raises(NotAllowedError):
        services.reassign_owner(engine, [a.client_id], "Luis")
    assert table_rows(engine) == before
    assert services.reassign_owner(engine, [a.client_id], None) == 1  # a manager (or open mode) unassigns
    with read_session(engine) as session:
        assert session.execute(select(Client.owner, Client.owner_id).where(Client.client_id == a.client_id)).one() == (None, None)
        assert session.scalar(select(User.user_id).where(User.display_name == "Luis")) == luis.user_id
