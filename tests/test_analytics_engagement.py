"""Engagement figures from activities, and opportunities open at a date."""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd

from crm_core.analytics.engagement import engagement_figures, open_opportunity_count
from tests.frames_builder import d, frames

T = d("2024-06-30")
INDEX = pd.Index([1, 2], name="client_id")


def _act(activity_id: int, when: str, done: bool = True, client_id: int = 1) -> dict:
    return {"activity_id": activity_id, "client_id": client_id, "occurred_at": datetime.fromisoformat(when), "done": done}


def test_only_done_activities_up_to_as_of_in_a_half_open_window() -> None:
    f = frames(
        activities=[
            _act(1, "2024-06-30 23:59"),  # on T (time of day ignored): 0 days
            _act(2, "2024-05-31 08:00"),  # T - 30: outside (T - 30, T]
            _act(3, "2024-06-01 08:00"),  # T - 29: inside
            _act(4, "2024-06-29 08:00", done=False),  # a scheduled task: not engagement
            _act(5, "2024-07-01 00:00"),  # after T
            _act(6, "2024-07-02 00:00", client_id=99),  # a client not in the index
        ]
    )
    out = engagement_figures(f.activities, INDEX, T)
    assert out.loc[1, "days_since_last_activity"] == 0
    assert out.loc[1, "activities_30d"] == 2  # activities 1 and 3
    assert out.loc[1, "last_activity_date"] == pd.Timestamp("2024-06-30")
    assert math.isnan(out.loc[2, "days_since_last_activity"]) and out.loc[2, "activities_30d"] == 0


def test_window_length_is_a_parameter() -> None:
    f = frames(activities=[_act(1, "2024-05-31 08:00")])
    assert engagement_figures(f.activities, INDEX, T, window_days=31).loc[1, "activities_30d"] == 1


def _opp(opportunity_id: int, stage: str, created: str, closed: str | None = None) -> dict:
    return {
        "opportunity_id": opportunity_id,
        "client_id": 1,
        "name": "o",
        "stage": stage,
        "amount": 100.0,
        "created_at": datetime.fromisoformat(created),
        "closed_at": d(closed) if closed else None,
    }


def test_open_opportunities_at_a_date() -> None:
    f = frames(
        opportunities=[
            _opp(1, "proposal", "2024-06-01"),  # open
            _opp(2, "won", "2024-05-01", closed="2024-06-15"),  # closed before T
            _opp(3, "won", "2024-05-01", closed="2024-07-15"),  # closed after T: open at T
            _opp(4, "lost", "2024-05-01"),  # lost with no close date: closed
            _opp(5, "proposal", "2024-07-01"),  # created after T
            _opp(6, "negotiation", "2024-06-30 18:00"),  # created on T: open
        ]
    )
    counts = open_opportunity_count(f.opportunities, INDEX, T)
    assert list(counts) == [3, 0]  # 1, 3 and 6


def test_activity_days_are_local_calendar_days_through_the_database(sqlite_engine) -> None:
    """Stored in UTC, counted on the Madrid calendar day: 23:30 UTC on Jan 15 is 00:30 on Jan 16 there."""
    from crm_core import services
    from crm_core.analytics import client_health
    from crm_core.store.frames import load_frames
    from tests.factories import make_client

    late = make_client(sqlite_engine).client_id  # 2024-01-15 23:30 UTC = 2024-01-16 00:30 CET
    early = make_client(sqlite_engine).client_id  # 2024-01-14 23:30 UTC = 2024-01-15 00:30 CET
    summer = make_client(sqlite_engine).client_id  # 2024-07-15 22:30 UTC = 2024-07-16 00:30 CEST
    for client_id, when in (
        (late, "2024-01-15T23:30:00+00:00"),
        (early, "2024-01-14T23:30:00+00:00"),
        (summer, "2024-07-15T22:30:00+00:00"),
    ):
        services.log_activity(sqlite_engine, {"client_id": client_id, "kind": "call", "title": "x", "occurred_at": when})
    f = load_frames(sqlite_engine)

    on_15 = client_health(f, d("2024-01-15"))
    # as of Jan 15: the "late" call is on Jan 16 locally (after as_of): not counted; "early" is on Jan 15.
    assert on_15.loc[late, "activities_30d"] == 0 and math.isnan(on_15.loc[late, "days_since_last_activity"])
    assert on_15.loc[early, "activities_30d"] == 1 and on_15.loc[early, "days_since_last_activity"] == 0
    on_16 = client_health(f, d("2024-01-16"))
    assert on_16.loc[late, "activities_30d"] == 1 and on_16.loc[late, "days_since_last_activity"] == 0
    # Feb 15 = Jan 16 + 30 days: the window (Jan 16, Feb 15] no longer holds it; Feb 14 still does.
    assert client_health(f, d("2024-02-14")).loc[late, "activities_30d"] == 1
    assert client_health(f, d("2024-02-15")).loc[late, "activities_30d"] == 0
    # Summer time (UTC+2): 22:30 UTC on Jul 15 is already Jul 16.
    assert client_health(f, d("2024-07-15")).loc[summer, "activities_30d"] == 0
    assert client_health(f, d("2024-07-16")).loc[summer, "days_since_last_activity"] == 0
