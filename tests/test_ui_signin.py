"""The sign-in gate and the role matrix on the pages (AppTest, demo portfolio with its team):
nothing is readable without signing in; a rep's pages show only that rep's clients (counted against
the database), a manager's show all; lock-out, session end, sign-out; demo passwords only on the demo."""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from crm_core.auth.users import add_user
from crm_core.db import get_engine
from crm_core.demo.users import add_demo_users
from tests.apptest_helpers import APP

AS_OF = date(2026, 11, 25)
PAGES = [
    "pages/overview.py",
    "pages/clients.py",
    "pages/activities.py",
    "pages/pipeline.py",
    "pages/health.py",
    "pages/collections.py",
]


@pytest.fixture
def team_db(demo_db: str) -> dict[str, dict]:
    """The demo copy with its team: {"manager"|"rep1"|"rep2": {email, password, user_id, name, clients}}."""
    engine = get_engine(demo_db)
    accounts = add_demo_users(engine)
    team = {}
    with engine.connect() as conn:
        for key, account in zip(["manager", "rep1", "rep2"], accounts, strict=True):
            user_id = conn.execute(text("SELECT user_id FROM users WHERE email = :e"), {"e": account.email}).scalar_one()
            owned = "" if account.role == "manager" else " WHERE owner_id = :u"
            names = {n for (n,) in conn.execute(text(f"SELECT company_name FROM clients{owned}"), {"u": user_id})}
            team[key] = {
                "email": account.email,
                "password": account.password,
                "user_id": user_id,
                "name": account.name,
                "clients": names,
            }
    return team


def _url() -> str:
    import os

    return os.environ["DATABASE_URL"]


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["as_of"] = AS_OF
    at.session_state["lang"] = "en"
    return at


def _sign_in(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input(key="signin_email").input(email)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _signed_in(member: dict) -> AppTest:
    at = _app().run()
    return _sign_in(at, member["email"], member["password"])


def _companies(at: AppTest) -> set[str]:
    """Every company name any table on the page shows."""
    names: set[str] = set()
    for frame in at.dataframe:
        value = frame.value
        if isinstance(value, pd.DataFrame):
            for column in value.columns:
                if str(column).lower() in ("company_name", "company", "client"):
                    names |= {str(v) for v in value[column].dropna()}
    return names


def _active_clients(demo_db: str, client_ids: set[int] | None) -> int:
    """Active clients as of AS_OF among `client_ids` (all for None), from the database."""
    from crm_core.store.frames import load_frames
    from crm_core.views.health import health_table

    health = health_table(load_frames(get_engine(demo_db)), AS_OF)
    if client_ids is not None:
        health = health[health.index.isin(client_ids)]
    return int((health["lifecycle"] == "active").sum())


def _client_ids(demo_db: str, user_id: int | None) -> set[int] | None:
    if user_id is None:
        return None
    with get_engine(demo_db).connect() as conn:
        return {i for (i,) in conn.execute(text("SELECT client_id FROM clients WHERE owner_id = :u"), {"u": user_id})}


def test_nothing_is_readable_before_signing_in(team_db):
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "Sign in to SmartBilling CRM"
    assert len(at.dataframe) == 0 and len(at.metric) == 0
    shown = " ".join(m.value for m in at.markdown)
    for member in team_db.values():  # the demo database shows its accounts and their passwords
        assert member["email"] in shown and member["password"] in shown


def test_demo_passwords_are_not_shown_on_a_real_database(demo_db):
    add_user(get_engine(demo_db), "boss@acme.es", "Boss", "manager", "a real password")
    at = _app().run()
    assert at.title[0].value == "Sign in to SmartBilling CRM"
    assert not any("demo-" in m.value for m in at.markdown)
    at = _sign_in(at, "boss@acme.es", "a real password")
    assert at.title[0].value == "Overview"


@pytest.mark.parametrize("who", ["manager", "rep1", "rep2"])
def test_role_matrix_each_page_shows_only_the_viewers_clients(demo_db, team_db, who):
    member = team_db[who]
    mine = member["clients"]
    user_id = None if who == "manager" else member["user_id"]
    at = _signed_in(member)
    assert at.title[0].value == "Overview"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Active"] == str(_active_clients(demo_db, _client_ids(demo_db, user_id)))
    role = "manager" if who == "manager" else "sales rep"
    assert f"Signed in as **{member['name']}** ({role})" in [m.value for m in at.sidebar.markdown]
    # The database location is shown to managers only.
    assert any(c.value.startswith("Database:") for c in at.sidebar.caption) == (who == "manager")
    for page in PAGES[1:]:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        companies = _companies(at)
        assert companies <= mine, (page, companies - mine)
        if page == "pages/clients.py":
            table = at.dataframe[0].value
            if who == "manager":
                assert len(table) == min(100, len(mine))
            else:
                assert set(table["company_name"]) == mine  # every one of the rep's clients, and only those


def test_a_rep_can_open_only_their_own_clients(team_db):
    with get_engine(_url()).connect() as conn:
        rep1 = {
            i
            for (i,) in conn.execute(text("SELECT client_id FROM clients WHERE owner_id = :u"), {"u": team_db["rep1"]["user_id"]})
        }
    at = _signed_in(team_db["rep1"])
    at.switch_page("pages/clients.py").run()
    picker = at.selectbox(key="client_pick")
    assert set(picker.options) == team_db["rep1"]["clients"]  # company names of exactly the rep's clients
    at.selectbox(key="client_pick").select(min(rep1)).run()
    assert not at.exception
    assert "Change history" not in [t.label for t in at.tabs]  # the history is for managers


def test_a_manager_sees_a_clients_change_history(demo_db, team_db):
    at = _signed_in(team_db["manager"])
    at.switch_page("pages/clients.py").run()
    at.selectbox(key="client_pick").select(1).run()
    at.text_input(key="edit_1_city").input("Teruel")
    at.button(key="edit_1_save").click().run()
    assert not at.exception
    assert "Change history" in [t.label for t in at.tabs]
    history = at.dataframe[-1].value
    rows = history[history["Field"] == "City"]
    assert list(rows["Who"]) == ["Demo Manager"] and list(rows["New"]) == ["Teruel"]


def test_five_wrong_passwords_lock_the_email(team_db):
    at = _app().run()
    for _ in range(5):
        at = _sign_in(at, team_db["rep1"]["email"], "wrong password")
        assert [e.value for e in at.error] == ["Wrong email or password."]
    at = _sign_in(at, team_db["rep1"]["email"], team_db["rep1"]["password"])
    assert at.title[0].value == "Sign in to SmartBilling CRM"
    assert [e.value for e in at.error] == [
        "Too many wrong passwords for this email: signing in with it is locked for 15 more minutes."
    ]
    assert at.session_state["signin_password"] == ""  # the typed password is not kept


def test_the_session_ends_after_8_hours_and_on_sign_out(team_db):
    at = _signed_in(team_db["rep1"])
    assert at.title[0].value == "Overview"
    user_id, _ = at.session_state["auth_session"]
    at.session_state["auth_session"] = (user_id, time.time() - 8 * 3600 - 1)
    at.run()
    assert at.title[0].value == "Sign in to SmartBilling CRM"
    assert [i.value for i in at.info] == ["Your session ended after 8 hours: sign in again."]
    at = _sign_in(at, team_db["rep1"]["email"], team_db["rep1"]["password"])
    assert at.title[0].value == "Overview"
    at.button(key="sign_out").click().run()
    assert at.title[0].value == "Sign in to SmartBilling CRM"


def test_a_rep_has_no_import_page_and_the_open_mode_banner_is_gone(team_db):
    at = _signed_in(team_db["rep1"])
    assert not any("Open mode" in m.value for m in at.sidebar.markdown)
    with pytest.raises(Exception):  # noqa: B017 (AppTest raises a plain KeyError/ValueError for an unknown page)
        at.switch_page("pages/import.py").run()


def test_a_merge_shows_in_the_kept_clients_history_as_a_sentence(demo_db, team_db):
    """Issue 16, item 14: a merge is in the kept client's history (who, "merged", what moved), and
    each moved row's client change is listed under it."""
    from crm_core import services
    from crm_core.auth import acting_as
    from crm_core.auth.users import get_viewer

    engine = get_engine(demo_db)
    with engine.connect() as conn:
        name, invoices = conn.execute(
            text(
                "SELECT c.company_name, COUNT(i.invoice_id) FROM clients c JOIN invoices i USING (client_id) WHERE c.client_id = 2"
            )
        ).one()
    with acting_as(get_viewer(engine, team_db["manager"]["user_id"])):
        merged = services.merge_clients(engine, 1, 2)
    assert merged.invoices == invoices > 0
    at = _signed_in(team_db["manager"])
    at.switch_page("pages/clients.py").run()
    at.selectbox(key="client_pick").select(1).run()
    assert not at.exception
    history = at.dataframe[-1].value
    merge = history[history["Change"] == "merged"]
    assert list(merge["Who"]) == ["Demo Manager"]
    assert list(merge["New"]) == [
        f"{name} merged: {merged.contacts} contacts, {merged.activities} activities, "
        f"{merged.opportunities} opportunities and {invoices} invoices moved here."
    ]
    moved = history[(history["Field"] == "Client id") & (history["What"].str.startswith("invoice"))]
    assert len(moved) == invoices and set(moved["Old"]) == {"2"} and set(moved["New"]) == {"1"}
