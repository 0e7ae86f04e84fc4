"""Activity services: logging, follow-ups, contacts' last interaction."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from crm_core import services
from crm_core.db import read_session
from crm_core.db.models import Activity, Contact
from crm_core.errors import NotFoundError, ValidationError
from tests.conftest import row_counts
from tests.factories import make_client


def test_log_activity_with_follow_up_creates_open_task(engine):
    client = make_client(engine)
    contact = services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana"})
    created = services.log_activity(
        engine,
        {
            "client_id": client.client_id,
            "contact_id": contact.contact_id,
            "kind": "meeting",
            "title": "Quarterly review",
            "occurred_at": "2026-11-20T10:30",
            "duration_min": 90,
            "outcome": "Wants a proposal",
            "follow_up_on": "2026-12-01",
            "owner": "Ana",
        },
    )
    assert len(created) == 2
    activity, task = created
    assert activity.kind == "meeting" and activity.done is True
    assert task.kind == "task" and task.done is False and task.follow_up_on == date(2026, 12, 1)
    assert task.title == "Follow-up: Quarterly review"
    with read_session(engine) as s:
        rows = s.scalars(select(Activity).order_by(Activity.activity_id)).all()
        assert [r.kind for r in rows] == ["meeting", "task"]
        # 10:30 in Madrid (UTC+1 in November) is 09:30 UTC.
        assert rows[0].occurred_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
        stored_contact = s.get(Contact, contact.contact_id)
        assert stored_contact.last_interaction_at == rows[0].occurred_at


def test_complete_activity(engine):
    client = make_client(engine)
    _, task = services.log_activity(
        engine,
        {
            "client_id": client.client_id,
            "kind": "call",
            "title": "Call",
            "occurred_at": "2026-11-20T10:00",
            "follow_up_on": "2026-11-27",
        },
    )
    done = services.complete_activity(engine, task.activity_id, outcome="Sent")
    assert done.done is True and done.outcome == "Sent"
    with pytest.raises(NotFoundError):
        services.complete_activity(engine, 999)


def test_contact_of_another_client_is_refused(engine):
    a = make_client(engine)
    b = make_client(engine)
    contact_b = services.add_contact(engine, {"client_id": b.client_id, "full_name": "Bea"})
    before = row_counts(engine)
    with pytest.raises(ValidationError) as err:
        services.log_activity(
            engine,
            {
                "client_id": a.client_id,
                "contact_id": contact_b.contact_id,
                "kind": "call",
                "title": "x",
                "occurred_at": "2026-11-20T10:00",
            },
        )
    assert err.value.fields == ["contact_id"]
    assert row_counts(engine) == before


def test_list_activities_newest_first(engine):
    client = make_client(engine)
    for day in (3, 1, 2):
        services.log_activity(
            engine,
            {"client_id": client.client_id, "kind": "email", "title": f"d{day}", "occurred_at": f"2026-11-0{day}T10:00"},
        )
    assert [a.title for a in services.list_activities(engine, client.client_id)] == ["d3", "d2", "d1"]
