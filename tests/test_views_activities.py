"""Recent activities, follow-ups due by owner and a client's timeline on hand-made frames."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from crm_core.views.activities import (
    client_timeline,
    followup_counts,
    followup_labels,
    followup_owners,
    followups,
    followups_by_owner,
    recent_activities,
)
from tests.frames_builder import frames

AS_OF = date(2026, 11, 25)


def _book():
    return frames(
        clients=[
            {"client_id": 1, "company_name": "Acme SL", "email": "a@acme.es"},
            {"client_id": 2, "company_name": "Beta SA", "email": "b@beta.es"},
        ],
        contacts=[{"contact_id": 10, "client_id": 1, "full_name": "Lucía Pérez", "is_primary": True, "is_billing": False}],
        activities=[
            # done, on as_of late in the evening: recent, newest
            {
                "activity_id": 1,
                "client_id": 1,
                "contact_id": 10,
                "kind": "call",
                "title": "late call",
                "occurred_at": datetime(2026, 11, 25, 23, 30),
                "owner": "ana",
            },
            # done, the day after as_of: not recent
            {
                "activity_id": 2,
                "client_id": 1,
                "kind": "email",
                "title": "tomorrow",
                "occurred_at": datetime(2026, 11, 26, 9, 0),
                "owner": "ana",
            },
            # done, older, other owner
            {
                "activity_id": 3,
                "client_id": 2,
                "kind": "meeting",
                "title": "kick-off",
                "occurred_at": datetime(2026, 11, 1, 10, 0),
                "owner": "bea",
            },
            # open follow-ups: overdue 5 days (ana), due today (ana), in 7 days (bea), in 8 days (excluded)
            {
                "activity_id": 4,
                "client_id": 1,
                "kind": "task",
                "title": "chase",
                "done": False,
                "occurred_at": datetime(2026, 11, 20, 9),
                "follow_up_on": date(2026, 11, 20),
                "owner": "ana",
            },
            {
                "activity_id": 5,
                "client_id": 2,
                "kind": "task",
                "title": "send quote",
                "done": False,
                "occurred_at": datetime(2026, 11, 25, 9),
                "follow_up_on": date(2026, 11, 25),
                "owner": "ana",
            },
            {
                "activity_id": 6,
                "client_id": 2,
                "kind": "task",
                "title": "visit",
                "done": False,
                "occurred_at": datetime(2026, 12, 2, 9),
                "owner": "bea",
            },
            {
                "activity_id": 7,
                "client_id": 2,
                "kind": "task",
                "title": "far away",
                "done": False,
                "occurred_at": datetime(2026, 12, 3, 9),
                "owner": "bea",
            },
            # open, no owner, overdue 1 day
            {
                "activity_id": 8,
                "client_id": 2,
                "kind": "task",
                "title": "nobody's",
                "done": False,
                "occurred_at": datetime(2026, 11, 24, 9),
                "owner": None,
            },
        ],
        invoices=[
            {
                "invoice_id": 100,
                "client_id": 1,
                "number": "F-1",
                "issue_date": date(2026, 10, 1),
                "due_date": date(2026, 10, 31),
                "total": 1210.0,
            },
            {
                "invoice_id": 101,
                "client_id": 1,
                "number": "F-2",
                "issue_date": date(2026, 12, 1),
                "due_date": date(2026, 12, 31),
                "total": 500.0,
            },
        ],
        payments=[
            {"payment_id": 1, "invoice_id": 100, "paid_on": date(2026, 11, 3), "amount": 1210.0},
        ],
        opportunities=[
            {"opportunity_id": 50, "client_id": 1, "name": "Renewal", "amount": 3000.0, "created_at": datetime(2026, 9, 1)},
        ],
        stage_history=[
            {
                "change_id": 1,
                "opportunity_id": 50,
                "from_stage": None,
                "to_stage": "identified",
                "changed_at": datetime(2026, 9, 1, 12),
            },
            {
                "change_id": 2,
                "opportunity_id": 50,
                "from_stage": "identified",
                "to_stage": "proposal",
                "changed_at": datetime(2026, 11, 10, 12),
            },
        ],
    )


def test_recent_activities_are_done_up_to_the_end_of_as_of_newest_first() -> None:
    recent = recent_activities(_book(), AS_OF)
    assert recent["activity_id"].tolist() == [1, 3]
    assert recent.loc[0, "company_name"] == "Acme SL"
    assert recent.loc[0, "contact_name"] == "Lucía Pérez"
    assert recent.loc[1, "contact_name"] is None


def test_recent_activities_of_one_owner_and_limit() -> None:
    assert recent_activities(_book(), AS_OF, owner="bea")["activity_id"].tolist() == [3]
    assert recent_activities(_book(), AS_OF, limit=1)["activity_id"].tolist() == [1]


def test_followups_status_and_days_overdue() -> None:
    due = followups(_book(), AS_OF, horizon_days=7).set_index("activity_id")
    assert sorted(due.index) == [4, 5, 6, 8]  # 7 is 8 days ahead, the done ones never
    assert due.loc[4, "status"] == "overdue" and due.loc[4, "days_overdue"] == 5  # 25 - 20
    assert due.loc[5, "status"] == "today" and due.loc[5, "days_overdue"] == 0
    assert due.loc[6, "status"] == "upcoming" and due.loc[6, "due_on"] == pd.Timestamp("2026-12-02")
    assert due.loc[8, "status"] == "overdue" and due.loc[8, "days_overdue"] == 1


def test_followups_only_due_or_overdue_with_zero_horizon() -> None:
    due = followups(_book(), AS_OF, horizon_days=0)
    assert sorted(due["activity_id"]) == [4, 5, 8]


def test_followups_by_owner_counts() -> None:
    counts = followups_by_owner(followups(_book(), AS_OF, horizon_days=7))
    rows = {owner: row for owner, row in zip(counts["owner"], counts.to_dict("records"), strict=True)}
    assert (rows["ana"]["overdue"], rows["ana"]["today"], rows["ana"]["upcoming"], rows["ana"]["total"]) == (1, 1, 0, 2)
    assert (rows["bea"]["overdue"], rows["bea"]["upcoming"], rows["bea"]["total"]) == (0, 1, 1)
    assert rows[None]["overdue"] == 1
    assert counts["owner"].iloc[0] in ("ana", None)  # overdue first


def test_client_timeline_merges_every_event_up_to_as_of() -> None:
    timeline = client_timeline(_book(), 1, AS_OF)
    events = list(zip(timeline["event"], timeline["title"], strict=True))
    # newest first: the late call (25 Nov), the open follow-up (20 Nov), the stage change (10 Nov),
    # the payment (3 Nov), the invoice (1 Oct), the first stage (1 Sep); tomorrow's email and the
    # December invoice are after as_of.
    assert events == [
        ("activity", "late call"),
        ("activity", "chase"),
        ("stage", "Renewal"),
        ("payment", "F-1"),
        ("invoice", "F-1"),
        ("stage", "Renewal"),
    ]
    stage = timeline.iloc[2]
    assert (stage["from_stage"], stage["to_stage"]) == ("identified", "proposal")
    assert timeline.iloc[3]["amount"] == 1210.0


def test_client_timeline_of_a_client_with_nothing_is_empty() -> None:
    book = _book()
    timeline = client_timeline(book, 999, AS_OF)
    assert timeline.empty
    assert "event" in timeline.columns


def test_followups_of_one_owner() -> None:
    assert sorted(followups(_book(), AS_OF, owner="ana")["activity_id"]) == [4, 5]


def test_views_of_a_book_without_activities() -> None:
    book = frames(clients=[{"client_id": 1, "company_name": "Solo", "email": "s@s.es"}])
    assert recent_activities(book, AS_OF).empty
    due = followups(book, AS_OF)
    assert due.empty
    assert followups_by_owner(due)["total"].sum() == 0
    assert client_timeline(book, 1, AS_OF).empty


def test_followup_counts_by_status() -> None:
    assert followup_counts(followups(_book(), AS_OF, horizon_days=7)) == {"overdue": 2, "today": 1, "upcoming": 1}
    assert followup_counts(followups(_book(), AS_OF).iloc[:0]) == {"overdue": 0, "today": 0, "upcoming": 0}


def test_followups_by_owner_names_the_unassigned_row() -> None:
    counts = followups_by_owner(followups(_book(), AS_OF, horizon_days=7), unassigned="(nobody)")
    assert "(nobody)" in counts["owner"].tolist()
    assert None not in counts["owner"].tolist()


def test_followup_owners_in_table_order_without_the_unassigned() -> None:
    due = followups(_book(), AS_OF, horizon_days=7)
    assert followup_owners(due) == [o for o in followups_by_owner(due)["owner"] if o is not None]
    assert sorted(followup_owners(due)) == ["ana", "bea"]


def test_followup_labels_name_company_and_title() -> None:
    due = followups(_book(), AS_OF, horizon_days=7)
    labels = followup_labels(due)
    assert set(labels) == set(due["activity_id"])
    row = due.iloc[0]
    assert labels[int(row["activity_id"])] == f"{row['company_name']} · {row['title']}"
    assert followup_labels(due.iloc[:0]) == {}


def test_followups_are_listed_soonest_first_whatever_the_owner() -> None:
    """Issue 16, defect 9: the list came by owner, so an overdue task of 'bea' sat under later ones of 'ana'."""
    due = followups(_book(), AS_OF)
    assert due["due_on"].is_monotonic_increasing
