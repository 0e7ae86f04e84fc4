"""Activities: calls, emails, meetings, tasks... and their follow-ups."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import Engine, select

from crm_core.config import business_timezone
from crm_core.db import write_session
from crm_core.db.models import Activity, Client, Contact
from crm_core.enums import ActivityKind
from crm_core.errors import ValidationError
from crm_core.schemas import ActivityCreate, ActivityDone, ActivityOut, parse
from crm_core.services._common import find, get_or_404, require_whole
from crm_core.store.writes import writes

FOLLOW_UP_HOUR = time(9, 0)


@writes("activities", "contacts", appends=("activities",))
def log_activity(engine: Engine, payload: ActivityCreate | dict[str, Any]) -> list[ActivityOut]:
    """Record an activity; with `follow_up_on`, also schedule an open follow-up task that day.

    Returns the activity, then the follow-up task if one was created.
    """
    data = parse(ActivityCreate, payload)
    with write_session(engine) as session:
        get_or_404(session, Client, data.client_id, "client")
        contact = None
        if data.contact_id is not None:
            contact = find(session, Contact, data.contact_id)
            if contact is None or contact.client_id != data.client_id:
                raise ValidationError.on("contact_id", "contact_of_client")
        activity = Activity(**data.model_dump())
        session.add(activity)
        created = [activity]
        if data.follow_up_on is not None:
            due = datetime.combine(data.follow_up_on, FOLLOW_UP_HOUR, tzinfo=business_timezone())
            task = Activity(
                client_id=data.client_id,
                contact_id=data.contact_id,
                kind=ActivityKind.TASK.value,
                title=f"Follow-up: {data.title}"[:200],
                description=data.outcome,
                occurred_at=due,
                owner=data.owner,
                done=False,
                follow_up_on=data.follow_up_on,
            )
            session.add(task)
            created.append(task)
        if contact is not None and data.done:
            last = contact.last_interaction_at
            if last is None or last < data.occurred_at:
                contact.last_interaction_at = data.occurred_at
        session.flush()
        return [ActivityOut.model_validate(a) for a in created]


@writes("activities")
def complete_activity(engine: Engine, activity_id: int, outcome: str | None = None) -> ActivityOut:
    """Mark a scheduled task or follow-up as done."""
    data = parse(ActivityDone, {"outcome": outcome})
    with write_session(engine) as session:
        activity = get_or_404(session, Activity, activity_id, "activity")
        activity.done = True
        if data.outcome is not None:
            activity.outcome = data.outcome[:300]
        session.flush()
        return ActivityOut.model_validate(activity)


def list_activities(engine: Engine, client_id: int, limit: int = 100) -> list[ActivityOut]:
    """A client's latest `limit` activities, newest first."""
    from crm_core.db import read_session

    require_whole(client_id, "client_id")
    require_whole(limit, "limit")

    with read_session(engine) as session:
        rows = session.scalars(
            select(Activity)
            .where(Activity.client_id == client_id)
            .order_by(Activity.occurred_at.desc(), Activity.activity_id.desc())
            .limit(limit)
        ).all()
        return [ActivityOut.model_validate(r) for r in rows]
