"""Collections page (AppTest on the demo portfolio): the worklist by what is at stake, owner filter, the collection call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.analytics import client_health
from crm_core.analytics.late_rates import load_late_rates
from crm_core.analytics.receivables import client_claims, late_payment_claims
from crm_core.db import get_engine
from crm_core.db.models import Activity
from crm_core.i18n import format_money, format_number
from crm_core.store.frames import load_frames
from crm_core.views.receivables import collections_worklist
from tests.apptest_helpers import open_page
from tests.conftest import row_counts

AS_OF = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def shipped_rates_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_LATE_RATES", raising=False)


@pytest.fixture
def expected(demo_db: str) -> pd.DataFrame:
    frames = load_frames(get_engine(demo_db))
    health = client_health(frames, AS_OF)
    claims = client_claims(late_payment_claims(frames.invoices, frames.payments, AS_OF, load_late_rates()), health.index)
    return collections_worklist(health, claims, frames.activities, AS_OF)


def _table(at) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "at_stake" in df.value.columns)


def test_worklist_by_what_is_at_stake_in_english(demo_db: str, expected: pd.DataFrame) -> None:
    at = open_page("pages/collections.py", AS_OF)
    assert at.title[0].value == "Collections"
    assert len(expected) > 0
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Overdue clients"] == format_number(len(expected), "en")
    assert metrics["Claimable (interest + €40 per invoice)"] == format_money(expected["claim_total"].sum(), "en", 0)
    shown = _table(at)
    assert shown["company_name"].tolist() == expected["company_name"].tolist()[:100]
    assert shown["at_stake"].tolist() == pytest.approx(expected["at_stake"].tolist()[:100])
    assert shown["at_stake"].is_monotonic_decreasing
    # the demo runs to 2026-11-25: days in 2026-H2 have no rate yet, and the page says so and where to add it
    warnings = " ".join(w.value for w in at.warning)
    assert "no rate for 2026-H2" in warnings and "late_payment_rates.csv" in warnings
    assert any(b.label == "Download claims (CSV)" for b in at.get("download_button"))


def test_owner_filter_and_spanish(demo_db: str, expected: pd.DataFrame) -> None:
    owner = str(expected["owner"].dropna().iloc[0])
    at = open_page("pages/collections.py", AS_OF, "es")
    assert at.title[0].value == "Gestión de cobros"
    at.selectbox(key="collections_owner").select(owner).run()
    assert not at.exception
    mine = expected.loc[expected["owner"] == owner]
    assert _table(at)["company_name"].tolist() == mine["company_name"].tolist()[:100]
    assert {m.label: m.value for m in at.metric}["Clientes con vencidos"] == format_number(len(mine), "es")


def test_one_click_collection_call_records_an_activity(demo_db: str, expected: pd.DataFrame) -> None:
    engine = get_engine(demo_db)
    before = row_counts(engine)["activities"]
    top = expected.iloc[0]
    at = open_page("pages/collections.py", AS_OF)
    at.selectbox(key="collections_pick").select(int(top["client_id"]))
    at.text_input(key="collections_call_outcome").input("Promised to pay on Friday")
    at.button[0].click().run()
    assert not at.exception
    assert f"Collection call logged for {top['company_name']}." in [s.value for s in at.success]
    assert row_counts(engine)["activities"] == before + 1
    with Session(engine) as session:
        call = session.scalars(select(Activity).order_by(Activity.activity_id.desc())).first()
        assert call is not None
        assert (call.client_id, call.kind, call.done) == (int(top["client_id"]), "call", True)
        assert call.title == f"Collection call: {format_money(top['at_stake'], 'en')} at stake"
        assert call.outcome == "Promised to pay on Friday"
        assert call.owner == top["owner"]
    # the worklist now shows the call as the last contact
    shown = _table(at)
    row = shown.loc[shown["company_name"] == top["company_name"]].iloc[0]
    assert pd.Timestamp(row["last_contact"]) == pd.Timestamp(AS_OF)


def test_owner_filter_lists_the_users_like_every_owner_picker(demo_db: str, expected: pd.DataFrame) -> None:
    """Issue 16, item 13: the owner filter picks from the users (`auth.users.owner_choices`, in open
    mode every user), not from the owners who happen to have overdue work; picking one with nothing
    overdue shows an empty worklist, as the filter means."""
    from crm_core import services
    from crm_core.auth.users import owner_choices

    engine = get_engine(demo_db)
    services.create_client(engine, {"company_name": "Sin Deudas S.L.", "email": "hola@sindeudas.es", "owner": "Zoe Sin Deudas"})
    users = owner_choices(engine)
    assert "Zoe Sin Deudas" in users and "Zoe Sin Deudas" not in set(expected["owner"].dropna())
    at = open_page("pages/collections.py", AS_OF)
    assert at.selectbox(key="collections_owner").options == ["All", *users]
    at.selectbox(key="collections_owner").select("Zoe Sin Deudas").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Overdue clients"] == "0"
    assert [i.value for i in at.info] == ["No client has an overdue invoice on this date."]


def test_owner_filter_signed_in_lists_active_users_and_keeps_a_disabled_owners_clients_reachable(
    demo_db: str, expected: pd.DataFrame
) -> None:
    """Signed in, the filter lists the active users (Spanish labels); an owner with overdue clients who
    cannot sign in stays pickable after them, and picking them filters as before; a rep's is fixed."""
    from streamlit.testing.v1 import AppTest

    from crm_core.auth.users import owner_choices
    from crm_core.demo.users import add_demo_users
    from tests.apptest_helpers import APP

    engine = get_engine(demo_db)
    manager, rep, _ = add_demo_users(engine)
    active = owner_choices(engine)
    held = sorted({str(o) for o in expected["owner"].dropna()} - set(active), key=str.lower)
    assert held  # the demo has owners with overdue clients who are not among the signed-in team

    def signed_in(email: str, password: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state["as_of"] = AS_OF
        at.session_state["lang"] = "es"
        at.run()
        at.text_input(key="signin_email").input(email)
        at.text_input(key="signin_password").input(password)
        at.button[0].click().run()
        at.switch_page("pages/collections.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    at = signed_in(manager.email, manager.password)
    assert at.selectbox(key="collections_owner").options == ["Todos", *active, *held]
    at.selectbox(key="collections_owner").select(held[0]).run()
    mine = expected.loc[expected["owner"] == held[0]]
    assert _table(at)["company_name"].tolist() == mine["company_name"].tolist()[:100]
    at = signed_in(rep.email, rep.password)
    picker = at.selectbox(key="collections_owner")
    assert (picker.options, picker.value, picker.disabled) == ([rep.name], rep.name, True)
    theirs = expected.loc[expected["owner"] == rep.name]
    assert _table(at)["company_name"].tolist() == theirs["company_name"].tolist()[:100]


def test_the_claims_file_is_built_on_click_not_on_every_run(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: the portfolio's claims CSV (110 MB at 100,000 clients) was built on every cold run, clicked or not.

    The page hands st.download_button a callable; Streamlit runs it on its own thread when the button is clicked.
    """
    from crm_core.io.receivables import claims_csv
    from crm_core.ui import receivables
    from crm_core.views.receivables import portfolio_claims

    built: list[bytes] = []
    handed: list[Callable[[], bytes]] = []

    def spy(*args: object) -> bytes:
        data = claims_csv(*args)  # type: ignore[arg-type]
        built.append(data)
        return data

    def later(*args: object) -> Callable[[], bytes]:
        handed.append(make(*args))  # type: ignore[arg-type]
        return handed[-1]

    make = receivables.claims_download_later
    monkeypatch.setattr(receivables, "claims_csv", spy)
    monkeypatch.setattr(receivables, "claims_download_later", later)
    at = open_page("pages/collections.py", AS_OF)
    assert any(b.label == "Download claims (CSV)" for b in at.get("download_button"))
    assert len(handed) >= 1 and built == []  # the page ran without building the file

    data = handed[-1]()  # what a click runs, off the script thread
    frames = load_frames(get_engine(demo_db))
    rates = load_late_rates()
    assert data == claims_csv(portfolio_claims(frames, AS_OF, rates), frames.clients, "en", rates.where_to_add, ",")
    assert handed[-1]() == data and len(built) == 1  # a second click reuses the cached bytes
