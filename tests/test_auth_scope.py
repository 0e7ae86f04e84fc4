"""The visibility scope on a demo portfolio with its team (a manager, two reps), on SQLite and
PostgreSQL: what each role reads through the services, the exports and the frames, counted
against the database; a rep's writes to another rep's client answered like a missing client."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text

from crm_core import services
from crm_core.auth import acting_as
from crm_core.auth.errors import NotAllowedError
from crm_core.auth.scope import EVERYTHING, Viewer, scope_frames, visible_client_ids
from crm_core.auth.users import authenticate
from crm_core.demo import generate_demo
from crm_core.demo.users import PASSWORDS, demo_accounts
from crm_core.errors import NotFoundError
from crm_core.io.exporting import export_frame
from crm_core.store.frames import load_frames
from tests.conftest import table_rows

AS_OF = date(2026, 11, 25)
# The SQL that says which rows belong to a rep's clients, per export kind / frame.
OWNED_SQL = {
    "clients": "SELECT COUNT(*) FROM clients WHERE owner_id = :u",
    "contacts": "SELECT COUNT(*) FROM contacts JOIN clients USING (client_id) WHERE owner_id = :u",
    "activities": "SELECT COUNT(*) FROM activities a JOIN clients c ON c.client_id = a.client_id WHERE c.owner_id = :u",
    "opportunities": "SELECT COUNT(*) FROM opportunities o JOIN clients c ON c.client_id = o.client_id WHERE c.owner_id = :u",
    "invoices": "SELECT COUNT(*) FROM invoices JOIN clients USING (client_id) WHERE owner_id = :u",
    "payments": "SELECT COUNT(*) FROM payments JOIN invoices USING (invoice_id) JOIN clients USING (client_id) "
    "WHERE owner_id = :u",
    "stage_history": "SELECT COUNT(*) FROM opportunity_stage_history h JOIN opportunities o USING (opportunity_id) "
    "JOIN clients c ON c.client_id = o.client_id WHERE c.owner_id = :u",
}


def _count(engine: Engine, sql: str, user_id: int | None = None) -> int:
    if user_id is None:  # everything: the same joins without the owner condition
        sql = sql.split(" WHERE ")[0]
    with engine.connect() as conn:
        return int(conn.execute(text(sql), {"u": user_id}).scalar_one())


@pytest.fixture
def team(engine: Engine) -> dict[str, Viewer]:
    generate_demo(engine, clients=60, seed=3, as_of=AS_OF, users=True)
    accounts = demo_accounts(engine)
    viewers = {a.email: authenticate(engine, a.email, PASSWORDS[a.role]) for a in accounts}
    manager = next(v for v in viewers.values() if v.is_manager)
    reps = sorted((v for v in viewers.values() if not v.is_manager), key=lambda v: v.user_id)
    return {"manager": manager, "rep1": reps[0], "rep2": reps[1]}


def test_the_demo_team_is_a_manager_and_two_reps_who_own_clients(engine, team):
    assert [team[k].role for k in ("manager", "rep1", "rep2")] == ["manager", "rep", "rep"]
    for rep in ("rep1", "rep2"):
        assert _count(engine, OWNED_SQL["clients"], team[rep].user_id) > 0
    with engine.connect() as conn:  # every client's owner is a user, with the same name
        assert (
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM clients c LEFT JOIN users u ON u.user_id = c.owner_id "
                    "WHERE u.user_id IS NULL OR u.display_name <> c.owner"
                )
            ).scalar_one()
            == 0
        )


@pytest.mark.parametrize("who", ["manager", "rep1", "rep2"])
def test_each_role_reads_exactly_its_clients_through_services_exports_and_frames(engine, team, who):
    viewer = team[who]
    user_id = None if viewer.is_manager else viewer.user_id
    with acting_as(viewer):
        listed = export_frame(engine, "clients")
        exports = {
            kind: len(export_frame(engine, kind))
            for kind in ("clients", "contacts", "activities", "opportunities", "invoices", "payments")
        }
    assert len(listed) == _count(engine, OWNED_SQL["clients"], user_id)
    for kind, rows in exports.items():
        assert rows == _count(engine, OWNED_SQL[kind], user_id), kind
    frames = scope_frames(load_frames(engine), visible_client_ids(engine, viewer.scope))
    for name in ("clients", "contacts", "activities", "opportunities", "invoices", "payments", "stage_history"):
        assert len(getattr(frames, name)) == _count(engine, OWNED_SQL[name], user_id), name
    if user_id is not None:
        assert set(listed["owner"]) == {viewer.name}


def test_a_rep_asking_for_another_reps_client_is_told_it_does_not_exist(engine, team):
    rep1, rep2 = team["rep1"], team["rep2"]
    with engine.connect() as conn:
        other = conn.execute(text("SELECT MIN(client_id) FROM clients WHERE owner_id = :u"), {"u": rep2.user_id}).scalar_one()
        invoice = conn.execute(text("SELECT MIN(invoice_id) FROM invoices WHERE client_id = :c"), {"c": other}).scalar_one()
    before = table_rows(engine)
    with acting_as(rep1):
        with pytest.raises(NotFoundError) as missing:
            services.get_client(engine, 10**6)
        with pytest.raises(NotFoundError) as hidden:
            services.get_client(engine, other)
        assert hidden.value.message == missing.value.message.replace(str(10**6), str(other))
        writes = [
            lambda: services.update_client(engine, other, {"city": "Soria"}, 1),
            lambda: services.delete_client(engine, other),
            lambda: services.add_contact(engine, {"client_id": other, "full_name": "Eva"}),
            lambda: services.log_activity(
                engine, {"client_id": other, "kind": "call", "title": "x", "occurred_at": "2026-11-20T10:00:00+01:00"}
            ),
            lambda: services.create_opportunity(engine, {"client_id": other, "name": "x", "amount": "10"}),
            lambda: services.record_invoice(
                engine, {"client_id": other, "number": "R-1", "issue_date": "2026-11-01", "total": "10"}
            ),
            lambda: services.record_payment(engine, {"invoice_id": invoice, "paid_on": "2026-11-20", "amount": "1"}),
        ]
        for write in writes:
            with pytest.raises(NotFoundError):
                write()
    assert table_rows(engine) == before


def test_a_rep_creates_clients_for_themselves_and_cannot_hand_one_over(engine, team):
    rep1, rep2, manager = team["rep1"], team["rep2"], team["manager"]
    with acting_as(rep1):
        mine = services.create_client(engine, {"company_name": "Nueva SL", "email": "hola@nueva.es"})
        assert mine.owner == rep1.name
        before = table_rows(engine)
        with pytest.raises(NotAllowedError):
            services.update_client(engine, mine.client_id, {"owner": rep2.name}, mine.version)
        with pytest.raises(NotAllowedError):
            services.create_client(engine, {"company_name": "Otra SL", "email": "hola@otra.es", "owner": rep2.name})
        assert table_rows(engine) == before
        deal = services.create_opportunity(engine, {"client_id": mine.client_id, "name": "ERP", "amount": "500"})
        assert deal.owner == rep1.name  # a deal's owner defaults to the signed-in user
    with acting_as(manager):  # a manager reassigns
        moved = services.update_client(engine, mine.client_id, {"owner": rep2.name}, mine.version)
    assert moved.owner == rep2.name
    with acting_as(rep1):
        assert "Nueva SL" not in set(export_frame(engine, "clients")["company_name"])
        with pytest.raises(NotFoundError):
            services.get_client(engine, mine.client_id)
    with acting_as(rep2):
        assert "Nueva SL" in set(export_frame(engine, "clients")["company_name"])


def test_open_mode_and_tools_see_everything(engine, team):
    assert visible_client_ids(engine, EVERYTHING) is None
    assert len(export_frame(engine, "clients")) == _count(engine, OWNED_SQL["clients"])
