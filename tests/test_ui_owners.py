"""Owner pickers (crm_core.ui.owners, issue 16 item 13) under AppTest on the demo portfolio with its team:
every owner field, "My work" and bulk reassign offer the active users by name, in English and Spanish,
and the pick is written as the owner reference (`owner` name and `owner_id`)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from crm_core.auth.users import add_user
from crm_core.db import get_engine
from crm_core.db.models import Client, Opportunity, User
from crm_core.demo.users import add_demo_users
from tests.apptest_helpers import APP

AS_OF = date(2026, 11, 25)


@pytest.fixture
def team(demo_db: str) -> dict[str, dict]:
    """The demo copy with its team ({"manager"|"rep1"|"rep2": email, password, name, user_id}), plus a
    disabled user who must never be offered."""
    engine = get_engine(demo_db)
    accounts = add_demo_users(engine)
    add_user(engine, "gone@example.com", "Zoe Gone", "rep", "a long password")
    with Session(engine) as session:
        session.query(User).filter(User.email == "gone@example.com").update({"active": False})
        session.commit()
        ids = dict(session.execute(select(User.email, User.user_id)).all())
    return {
        key: {"email": a.email, "password": a.password, "name": a.name, "user_id": ids[a.email]}
        for key, a in zip(["manager", "rep1", "rep2"], accounts, strict=True)
    }


def _active_names(team: dict[str, dict]) -> list[str]:
    return sorted((m["name"] for m in team.values()), key=str.lower)


def _signed_in(member: dict, lang: str, page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["as_of"] = AS_OF
    at.session_state["lang"] = lang
    at.run()
    at.text_input(key="signin_email").input(member["email"])
    at.text_input(key="signin_password").input(member["password"])
    at.button[0].click().run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["en", "es"])
def test_bulk_reassign_picks_a_user_and_writes_the_owner_reference(demo_db: str, team: dict, lang: str) -> None:
    engine = get_engine(demo_db)
    rep1, rep2 = team["rep1"], team["rep2"]
    with Session(engine) as session:
        theirs = set(session.scalars(select(Client.client_id).where(Client.owner_id == rep1["user_id"])))
        others = dict(session.execute(select(Client.client_id, Client.owner_id).where(Client.owner_id != rep1["user_id"])).all())
    at = _signed_in(team["manager"], lang, "pages/clients.py")
    picker = at.selectbox(key="reassign_owner")
    assert picker.label == {"en": "New account manager", "es": "Nuevo responsable"}[lang]
    assert picker.options == [{"en": "(unassigned)", "es": "(sin asignar)"}[lang], *_active_names(team)]
    assert not [t for t in at.text_input if t.key == "reassign_new"]  # no free text any more
    at.multiselect(key="clients_owner").set_value([rep1["name"]]).run()
    at.selectbox(key="reassign_owner").select(rep2["name"])
    at.checkbox(key="reassign_confirm").check().run()
    at.button(key="reassign_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    said = {
        "en": f"{len(theirs)} clients now have {rep2['name']} as account manager.",
        "es": f"{len(theirs)} clientes tienen ahora a {rep2['name']} como responsable.",
    }[lang]
    assert said in [s.value for s in at.success]
    with Session(engine) as session:
        rows = session.execute(select(Client.client_id, Client.owner, Client.owner_id)).all()
    assert {cid for cid, owner, owner_id in rows if (owner, owner_id) == (rep2["name"], rep2["user_id"])} == theirs | {
        cid for cid, owner_id in others.items() if owner_id == rep2["user_id"]
    }
    assert {cid: owner_id for cid, _, owner_id in rows if cid not in theirs} == others


@pytest.mark.parametrize("lang", ["en", "es"])
def test_my_work_lists_users_and_starts_on_the_signed_in_person(demo_db: str, team: dict, lang: str) -> None:
    at = _signed_in(team["manager"], lang, "pages/activities.py")
    at.session_state["my_work_open"] = True  # "My work" opened
    at.run()
    picker = at.selectbox(key="my_work_owner")
    assert picker.label == {"en": "Account manager", "es": "Responsable"}[lang]
    assert picker.options == _active_names(team)  # users, not the distinct owner strings
    assert picker.value == team["manager"]["name"]
    at.selectbox(key="my_work_owner").select(team["rep1"]["name"]).run()
    assert not at.exception
    title = {"en": "My clients at risk", "es": "Mis clientes en riesgo"}[lang]
    assert any(m.value.startswith(f"**{title} (") for m in at.markdown)


def test_a_reps_my_work_is_their_own_and_they_cannot_reassign(demo_db: str, team: dict) -> None:
    rep = team["rep1"]
    at = _signed_in(rep, "es", "pages/activities.py")
    at.session_state["my_work_open"] = True  # "My work" opened
    at.run()
    picker = at.selectbox(key="my_work_owner")
    assert (picker.value, picker.options, picker.disabled) == (rep["name"], [rep["name"]], True)
    assert any(m.value.startswith("**Mis clientes en riesgo (") for m in at.markdown)
    at.switch_page("pages/clients.py").run()
    assert not [s for s in at.selectbox if s.key == "reassign_owner"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_owner_fields_of_the_forms_list_users_and_save_the_pick(demo_db: str, team: dict, lang: str) -> None:
    engine = get_engine(demo_db)
    unassigned = {"en": "(unassigned)", "es": "(sin asignar)"}[lang]
    at = _signed_in(team["manager"], lang, "pages/clients.py")
    assert at.selectbox(key="new_owner").options == [unassigned, *_active_names(team)]
    at.switch_page("pages/pipeline.py").run()
    assert at.selectbox(key="opp_owner").options == [unassigned, *_active_names(team)]
    with Session(engine) as session:
        deal_id = session.scalars(
            select(Opportunity.opportunity_id)
            .where(Opportunity.stage.not_in(["won", "lost"]), Opportunity.owner_id != team["rep2"]["user_id"])
            .order_by(Opportunity.opportunity_id)
        ).first()
    at.selectbox(key="deal_pick").select(deal_id).run()
    prefix = f"deal_edit_{deal_id}"
    options = at.selectbox(key=f"{prefix}_owner").options
    assert options[: len(team) + 1] == [unassigned, *_active_names(team)]
    assert "Zoe Gone" not in options  # a disabled user is not offered
    at.selectbox(key=f"{prefix}_owner").select(team["rep2"]["name"])
    at.button(key="edit_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with Session(engine) as session:
        deal = session.get(Opportunity, deal_id)
        assert (deal.owner, deal.owner_id) == (team["rep2"]["name"], team["rep2"]["user_id"])


def test_owner_names_are_read_once_per_generation_and_a_new_user_shows(
    demo_db: str, team: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_core.store import versions as table_versions
    from crm_core.ui import owners

    reads: list[str] = []
    real = owners.owner_choices
    monkeypatch.setattr(owners, "owner_choices", lambda engine: reads.append("read") or real(engine))
    monkeypatch.setattr(table_versions, "RECHECK_SECONDS", 0.0)  # every run re-reads the fingerprints
    at = _signed_in(team["manager"], "en", "pages/pipeline.py")
    read_so_far = len(reads)
    at.run()
    at.run()
    assert len(reads) == read_so_far  # the reruns took the names from the cache
    add_user(get_engine(demo_db), "nuevo@example.com", "Aaron Nuevo", "rep", "a long password")  # as the CLI does
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="opp_owner").options[1] == "Aaron Nuevo"
    assert len(reads) == read_so_far + 1
