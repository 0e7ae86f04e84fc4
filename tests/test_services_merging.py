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
    same = {k: v for k, v in before.items() if k not in ("clients", "audit_log")}
    assert {k: v for k, v in after.items() if k not in ("clients", "audit_log")} == same
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


def _audit(engine, *where) -> list[tuple[object, ...]]:
    from crm_core.db.models import AuditEntry

    columns = (
        AuditEntry.user_id,
        AuditEntry.client_id,
        AuditEntry.entity,
        AuditEntry.entity_id,
        AuditEntry.action,
        AuditEntry.field,
        AuditEntry.old_value,
        AuditEntry.new_value,
    )
    with read_session(engine) as session:
        return [tuple(r) for r in session.execute(select(*columns).where(*where).order_by(AuditEntry.entry_id))]


def _two_reps(engine):
    from crm_core.auth.users import add_user

    ana = add_user(engine, "ana@example.com", "Ana", "rep", "pw-ana-123456")
    luis = add_user(engine, "luis@example.com", "Luis", "rep", "pw-luis-12345")
    return ana, luis


def test_a_rep_cannot_merge_another_reps_client_and_nothing_changes(engine) -> None:
    """The merge goes through the write checks: a client of another rep is "not found", either side."""
    from crm_core.auth import acting_as

    ana, luis = _two_reps(engine)
    mine = make_client(engine, owner="Ana")
    theirs = make_client(engine, owner="Luis")
    _contact(engine, theirs.client_id, "Marta", True)
    make_invoice(engine, theirs.client_id)
    make_opportunity(engine, mine.client_id)
    before = table_rows(engine)
    for keep, remove in ((mine, theirs), (theirs, mine)):
        with acting_as(ana), pytest.raises(NotFoundError) as refused:
            services.merge_clients(engine, keep.client_id, remove.client_id)
        assert refused.value.key == theirs.client_id
        assert table_rows(engine) == before


def test_guard_check_clients_is_the_rule_of_the_per_row_hook(engine) -> None:
    """The bulk paths' up-front check (auth.guard.check_clients) refuses what the per-row hook refuses,
    read past the visibility scope: another rep's client is "not found", handing one over "not allowed"."""
    from crm_core.auth import acting_as
    from crm_core.auth.errors import NotAllowedError
    from crm_core.auth.guard import check_clients
    from crm_core.db import write_session

    ana, luis = _two_reps(engine)
    mine = make_client(engine, owner="Ana")
    theirs = make_client(engine, owner="Luis")
    with write_session(engine) as session:
        assert check_clients(session, [mine.client_id, theirs.client_id]) == {
            mine.client_id: (ana.user_id, "Ana"),
            theirs.client_id: (luis.user_id, "Luis"),
        }  # a manager, open mode or a tool: every existing client
        with pytest.raises(NotFoundError):
            check_clients(session, [mine.client_id, 9999])
    with acting_as(ana), write_session(engine) as session:
        assert check_clients(session, [mine.client_id], new_owner_id=ana.user_id) == {mine.client_id: (ana.user_id, "Ana")}
        with pytest.raises(NotFoundError):
            check_clients(session, [mine.client_id, theirs.client_id])
        with pytest.raises(NotAllowedError):
            check_clients(session, [mine.client_id], new_owner_id=luis.user_id)
        with pytest.raises(NotAllowedError):
            check_clients(session, [mine.client_id], new_owner_id=None)
    with acting_as(ana), pytest.raises(NotFoundError):  # the per-row hook: the same rule
        services.update_client(engine, theirs.client_id, {"city": "Lugo"}, theirs.version)


def test_merge_is_audited_by_its_author(engine) -> None:
    """Every moved row's client change, the cleared contact flags, the delete and one merge summary
    (which client went into which, counts moved) are in the audit log, under the acting rep."""
    import json

    from crm_core.auth import acting_as
    from crm_core.db.models import AuditEntry

    ana, _ = _two_reps(engine)
    kept = make_client(engine, owner="Ana")
    dup = make_client(engine, owner="Ana", company_name="Dup S.L.")
    _contact(engine, kept.client_id, "Ana P", True)
    _contact(engine, dup.client_id, "Luis P", True)
    first = make_invoice(engine, dup.client_id)
    second = make_invoice(engine, dup.client_id)
    deal = make_opportunity(engine, dup.client_id)
    with read_session(engine) as session:
        moved_contact = session.scalar(select(Contact.contact_id).where(Contact.client_id == dup.client_id))
        start = session.scalar(select(AuditEntry.entry_id).order_by(AuditEntry.entry_id.desc()).limit(1))
    with acting_as(ana):
        result = services.merge_clients(engine, kept.client_id, dup.client_id)
    assert (result.contacts, result.activities, result.opportunities, result.invoices) == (1, 0, 1, 2)
    rows = _audit(engine, AuditEntry.entry_id > start)
    k, d, u = str(kept.client_id), str(dup.client_id), ana.user_id
    summary = next(r for r in rows if r[4] == "merge" and r[1] == kept.client_id)
    assert summary[:7] == (u, kept.client_id, "client", kept.client_id, "merge", "client_id", d)
    assert json.loads(summary[7]) == {
        "client_id": dup.client_id,
        "company_name": "Dup S.L.",
        "contacts": 1,
        "activities": 0,
        "opportunities": 1,
        "invoices": 2,
    }
    assert sorted(r for r in rows if r is not summary) == sorted(
        [
            (u, kept.client_id, "contact", moved_contact, "update", "is_primary", "True", "False"),
            (u, kept.client_id, "contact", moved_contact, "update", "is_billing", "True", "False"),
            (u, kept.client_id, "contact", moved_contact, "update", "client_id", d, k),
            (u, kept.client_id, "invoice", first.invoice_id, "update", "client_id", d, k),
            (u, kept.client_id, "invoice", second.invoice_id, "update", "client_id", d, k),
            (u, kept.client_id, "opportunity", deal.opportunity_id, "update", "client_id", d, k),
            (u, dup.client_id, "client", dup.client_id, "merge", "client_id", d, k),
            (u, dup.client_id, "client", dup.client_id, "delete", None, None, None),
        ]
    )


def test_reassign_audits_every_changed_client_with_its_author_and_refuses_a_rep(engine) -> None:
    """The bulk reassign checks once and writes in bulk: owner_id follows, version goes up, one audit
    row (old -> new owner) per changed client under the acting manager; a rep asking for another rep's
    client is told it does not exist, and a missing client refuses the whole list: database unchanged."""
    from crm_core.auth import acting_as
    from crm_core.auth.errors import NotAllowedError
    from crm_core.auth.users import add_user
    from crm_core.db.models import AuditEntry

    ana, luis = _two_reps(engine)
    boss = add_user(engine, "boss@example.com", "Boss", "manager", "pw-boss-12345")
    clients = [make_client(engine, owner=o) for o in ("Ana", "Ana", "Luis", "Marta")]
    ids = [c.client_id for c in clients]
    before = table_rows(engine)
    with acting_as(ana), pytest.raises(NotFoundError) as other:
        services.reassign_owner(engine, ids, "Ana")
    assert other.value.key == clients[2].client_id
    with acting_as(ana), pytest.raises(NotAllowedError):
        services.reassign_owner(engine, ids[:2], "Luis")
    with acting_as(boss), pytest.raises(NotFoundError):
        services.reassign_owner(engine, [*ids, 9999], "Luis")
    assert table_rows(engine) == before
    start = max(r[0] for r in before["audit_log"])
    with acting_as(boss):
        assert services.reassign_owner(engine, ids, "luis ") == 3
    with read_session(engine) as session:
        rows = session.execute(select(Client.client_id, Client.owner, Client.owner_id, Client.version).order_by(Client.client_id))
        assert [tuple(r) for r in rows] == [(c.client_id, "Luis", luis.user_id, c.version + (c.owner != "Luis")) for c in clients]
    assert _audit(engine, AuditEntry.entry_id > start) == [
        (boss.user_id, c.client_id, "client", c.client_id, "update", "owner", c.owner, "Luis")
        for c in clients
        if c.owner != "Luis"
    ]
