"""Activities page (AppTest on the demo portfolio): figures, the activity form, follow-ups, language."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from crm_core.db import get_engine
from crm_core.db.models import Activity, Contact
from crm_core.store.frames import load_frames
from crm_core.views.activities import followups, followups_by_owner, recent_activities
from tests.apptest_helpers import open_page
from tests.conftest import row_counts

AS_OF = date(2026, 11, 25)


def _page(lang: str = "en") -> AppTest:
    return open_page("pages/activities.py", AS_OF, lang)


def _client_with_contacts(url: str) -> tuple[int, list[int]]:
    """A demo client with at least two contacts, and its contact ids."""
    frames = load_frames(get_engine(url))
    counts = frames.contacts.groupby("client_id").size()
    client_id = int(counts[counts >= 2].index[0])
    return client_id, sorted(frames.contacts.loc[frames.contacts["client_id"] == client_id, "contact_id"].tolist())


def test_follow_up_counts_and_recent_list_match_crm_core(demo_db: str) -> None:
    at = _page()
    frames = load_frames(get_engine(demo_db))
    by_owner = followups_by_owner(followups(frames, AS_OF, horizon_days=7))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Overdue"] == str(int(by_owner["overdue"].sum()))
    assert metrics["Due today"] == str(int(by_owner["today"].sum()))
    assert metrics["Next 7 days"] == str(int(by_owner["upcoming"].sum()))
    assert int(by_owner["overdue"].sum()) > 0  # the demo has overdue follow-ups to show

    tables = {df.proto.id: df for df in at.dataframe}
    recent = recent_activities(frames, AS_OF, limit=50)
    shown = next(df.value for df in at.dataframe if "occurred_at" in df.value.columns)
    assert shown["title"].tolist() == recent["title"].tolist()
    owners_table = next(df.value for df in at.dataframe if "total" in df.value.columns)
    assert owners_table["total"].sum() == len(followups(frames, AS_OF, horizon_days=7))
    assert tables  # every table drew


def test_contact_choices_are_only_the_chosen_clients(demo_db: str) -> None:
    client_id, contact_ids = _client_with_contacts(demo_db)
    at = _page()
    at.selectbox(key="act_client").select(client_id).run()
    with get_engine(demo_db).connect() as conn:
        names = sorted(conn.execute(select(Contact.full_name).where(Contact.client_id == client_id)).scalars())
    options = at.selectbox(key=f"act_contact_{client_id}").options
    assert options[0] == "None"
    assert sorted(options[1:]) == names


def test_logging_an_activity_saves_it_and_shows_it_at_once(demo_db: str) -> None:
    engine = get_engine(demo_db)
    client_id, contact_ids = _client_with_contacts(demo_db)
    at = _page()
    at.selectbox(key="act_client").select(client_id).run()
    at.selectbox(key=f"act_contact_{client_id}").select(contact_ids[0])
    at.selectbox(key="act_kind").select("meeting")
    at.text_input(key="act_title").input("Quarterly review with finance")
    at.date_input(key="act_date").set_value(AS_OF)
    at.time_input(key="act_time").set_value(time(10, 30))
    at.number_input(key="act_duration").set_value(45)
    at.text_input(key="act_outcome").input("Agreed to renew")
    at.date_input(key="act_follow_up").set_value(date(2026, 12, 2))
    at.button(key="act_save").click().run()

    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Quarterly review with finance" in s.value for s in at.success)
    assert at.text_input(key="act_title").value == ""  # the form is emptied for the next one
    with Session(engine) as session:
        rows = session.scalars(
            select(Activity).where(Activity.client_id == client_id).where(Activity.title.like("%Quarterly review%"))
        ).all()
    saved = {r.kind: r for r in rows}
    assert saved["meeting"].contact_id == contact_ids[0]
    assert saved["meeting"].duration_min == 45 and saved["meeting"].done
    assert saved["meeting"].outcome == "Agreed to renew"
    assert saved["task"].follow_up_on == date(2026, 12, 2) and not saved["task"].done
    # shown at once: the recent list of this very run holds it, the follow-up is in the next 7 days
    recent = next(df.value for df in at.dataframe if "occurred_at" in df.value.columns)
    assert "Quarterly review with finance" in recent["title"].tolist()
    upcoming = next(df.value for df in at.dataframe if "due_on" in df.value.columns)
    assert "Follow-up: Quarterly review with finance" in upcoming["title"].tolist()


@pytest.mark.parametrize(
    ("title", "follow_up", "message"),
    [
        ("", None, "Title: is required"),
        ("Call", date(2026, 11, 20), "Follow-up on: must not be before the activity's date"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(demo_db: str, title: str, follow_up: date | None, message: str) -> None:
    engine = get_engine(demo_db)
    before = row_counts(engine)
    client_id, _ = _client_with_contacts(demo_db)
    at = _page()
    at.selectbox(key="act_client").select(client_id).run()
    at.text_input(key="act_title").input(title)
    at.date_input(key="act_follow_up").set_value(follow_up)
    at.button(key="act_save").click().run()
    assert not at.exception
    assert message in [e.value for e in at.error]
    assert not at.success
    assert row_counts(engine) == before


def test_marking_a_follow_up_done(demo_db: str) -> None:
    engine = get_engine(demo_db)
    frames = load_frames(engine)
    due = followups(frames, AS_OF, horizon_days=7)
    target = int(due["activity_id"].iloc[0])
    at = _page()
    at.selectbox(key="fu_pick").select(target).run()
    at.button(key="fu_done").click().run()
    assert not at.exception
    with engine.connect() as conn:
        assert conn.execute(select(Activity.done).where(Activity.activity_id == target)).scalar_one() is True
    assert any("marked as done" in s.value for s in at.success)
    listed = next(df.value for df in at.dataframe if "due_on" in df.value.columns)
    assert len(listed) == len(due) - 1


def test_spanish_labels_and_errors(demo_db: str) -> None:
    client_id, _ = _client_with_contacts(demo_db)
    at = _page("es")
    assert at.title[0].value == "Actividades"
    assert {m.label for m in at.metric} == {"Vencidos", "Para hoy", "Próximos 7 días"}
    # an activity without a duration shows a dash, not the grid's English "None"
    recent = next(df for df in at.dataframe if "duration_min" in df.value.columns)
    assert recent.value["duration_min"].isna().any()
    assert recent.proto.placeholder == "—"
    at.selectbox(key="act_client").select(client_id).run()
    assert at.button(key="act_save").label == "Guardar actividad"
    assert at.text_input(key="act_title").label == "Título"
    at.button(key="act_save").click().run()
    assert "Título: es obligatorio" in [e.value for e in at.error]


def test_my_work_lists_one_owners_follow_ups_stale_deals_and_clients_at_risk(demo_db) -> None:
    """Issue 16, item 13: 'My work' for an account manager picked from the users (in open mode, every
    user: the owners typed so far)."""
    from crm_core.analytics import client_health
    from crm_core.analytics.portfolio import at_risk
    from crm_core.db import get_engine
    from crm_core.store.frames import load_frames
    from crm_core.views.pipeline import stale_deals
    from tests.apptest_helpers import open_page

    as_of = date(2026, 11, 25)
    frames = load_frames(get_engine(demo_db))
    risky = at_risk(client_health(frames, as_of))
    me = str(risky["owner"].dropna().iloc[0])
    at = open_page("pages/activities.py", as_of)
    assert not [s for s in at.selectbox if s.key == "my_work_owner"]  # closed: not drawn, nothing computed
    at.session_state["my_work_open"] = True  # the user opens "My work"
    at.run()
    assert at.selectbox(key="my_work_owner").value is None  # nobody signed in: nobody picked yet
    assert at.selectbox(key="my_work_owner").options == sorted(frames.clients["owner"].dropna().unique(), key=str.lower)
    at.selectbox(key="my_work_owner").select(me).run()
    assert not at.exception
    shown_risk = next(df.value for df in at.dataframe if "severity" in df.value.columns)
    assert shown_risk["company_name"].tolist() == risky.loc[risky["owner"] == me, "company_name"].tolist()
    stale = stale_deals(frames, as_of)
    assert f"**My stale deals ({int((stale['owner'] == me).sum())})**" in [m.value for m in at.markdown]
