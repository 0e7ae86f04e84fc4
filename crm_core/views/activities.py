"""Activity lists for the pages: recent activities, follow-ups due by owner, a client's timeline.

Pure functions over `crm_core.store.frames.Frames` with `as_of` as a parameter: only what happened on or
before `as_of` is "recent"; an open task (done = False) is a scheduled follow-up, due on its
`follow_up_on` date (or, without one, on the day it is scheduled for).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.days import as_of_day, day_numbers, end_of_day
from crm_core.analytics.engagement import follow_up_due
from crm_core.store.frames import Frames

RECENT_COLUMNS: list[str] = [
    "activity_id",
    "occurred_at",
    "client_id",
    "company_name",
    "contact_name",
    "kind",
    "title",
    "outcome",
    "duration_min",
    "owner",
]
FOLLOWUP_COLUMNS: list[str] = [
    "activity_id",
    "due_on",
    "status",
    "days_overdue",
    "client_id",
    "company_name",
    "contact_name",
    "title",
    "description",
    "owner",
]
FOLLOWUP_STATUSES: tuple[str, ...] = ("overdue", "today", "upcoming")
TIMELINE_COLUMNS: list[str] = [
    "at",
    "event",
    "kind",
    "title",
    "detail",
    "amount",
    "owner",
    "done",
    "from_stage",
    "to_stage",
]
# A missing text cell for np.where (None as a 0-d object array).
NO_TEXT = np.array(None, dtype=object)


def _with_names(frames: Frames, rows: pd.DataFrame) -> pd.DataFrame:
    """Add the client's company name and the contact's full name to activity rows."""
    companies = frames.clients.set_index("client_id")["company_name"]
    contacts = frames.contacts.set_index("contact_id")["full_name"]
    rows = rows.copy()
    rows["company_name"] = rows["client_id"].map(companies)
    rows["contact_name"] = rows["contact_id"].map(contacts).astype("object")
    rows["contact_name"] = rows["contact_name"].where(rows["contact_name"].notna(), None)
    return rows


def recent_activities(frames: Frames, as_of: date, limit: int = 50, owner: str | None = None) -> pd.DataFrame:
    """The latest done activities on or before `as_of` (newest first), optionally one owner's."""
    acts = frames.activities
    keep = acts["done"].to_numpy(dtype=bool) & (acts["occurred_at"] < end_of_day(as_of)).to_numpy()
    if owner is not None:
        keep &= (acts["owner"] == owner).to_numpy(dtype=bool)
    rows = acts.loc[keep].sort_values(["occurred_at", "activity_id"], ascending=False).head(limit)
    return _with_names(frames, rows)[RECENT_COLUMNS].reset_index(drop=True)


def followups(frames: Frames, as_of: date, horizon_days: int = 7, owner: str | None = None) -> pd.DataFrame:
    """Open follow-ups due on or before `as_of` + `horizon_days` (one owner's, if given), soonest first, then by owner.

    status: overdue (due before `as_of`), today, upcoming; days_overdue = as_of - due (0 if not late).
    """
    acts = frames.activities
    open_rows = acts.loc[~acts["done"].to_numpy(dtype=bool)]
    due = follow_up_due(open_rows)
    due_day = day_numbers(due)
    t = as_of_day(as_of)
    keep = due_day <= t + horizon_days
    if owner is not None:
        keep &= (open_rows["owner"] == owner).to_numpy(dtype=bool)
    rows = _with_names(frames, open_rows.loc[keep])
    due_day = due_day[keep]
    rows["due_on"] = pd.to_datetime(due.loc[keep]).dt.normalize().astype("datetime64[ns]")
    rows["days_overdue"] = np.maximum(t - due_day, 0).astype("int64")
    rows["status"] = np.select([due_day < t, due_day == t], ["overdue", "today"], "upcoming").astype(object)
    rows = rows.sort_values(["due_on", "owner", "activity_id"], na_position="last")  # soonest first (issue 16)
    return rows[FOLLOWUP_COLUMNS].reset_index(drop=True)


def followups_by_owner(followup_rows: pd.DataFrame, unassigned: str | None = None) -> pd.DataFrame:
    """Counts of `followups` rows per owner and status (overdue, today, upcoming, total).

    A follow-up without owner is counted under owner `unassigned` (None unless the page names it).
    """
    owners = followup_rows["owner"].astype("object")
    counts = (
        followup_rows.groupby([owners, followup_rows["status"]], dropna=False)
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(FOLLOWUP_STATUSES), fill_value=0)
        .astype("int64")
    )
    counts["total"] = counts.sum(axis=1)
    counts = counts.sort_values(["overdue", "total"], ascending=False, kind="stable")
    counts.columns.name = None
    counts = counts.rename_axis("owner").reset_index()
    counts["owner"] = counts["owner"].astype("object").where(counts["owner"].notna(), unassigned)
    return counts


def followup_owners(followup_rows: pd.DataFrame) -> list[str]:
    """The owners with follow-ups in `followup_rows`, in `followups_by_owner` order (no owner left out)."""
    owners = followups_by_owner(followup_rows)["owner"]
    return [str(owner) for owner in owners.dropna()]


def followup_labels(followup_rows: pd.DataFrame) -> dict[int, str]:
    """A picker label per follow-up, "company · title", by activity_id (so the page builds no strings)."""
    text = followup_rows["company_name"].fillna("").astype(str) + " · " + followup_rows["title"].fillna("").astype(str)
    return dict(zip(followup_rows["activity_id"].astype(int), text, strict=True))


def followup_counts(followup_rows: pd.DataFrame) -> dict[str, int]:
    """How many of the `followups` rows are overdue, due today and upcoming."""
    counts = followup_rows["status"].value_counts()
    return {status: int(counts.get(status, 0)) for status in FOLLOWUP_STATUSES}


def client_timeline(frames: Frames, client_id: int, as_of: date) -> pd.DataFrame:
    """Everything that happened to one client up to `as_of`, newest first.

    Events: activity (kind = activity kind), invoice (amount = total), payment (amount paid),
    stage (an opportunity stage change: title = opportunity name, from_stage / to_stage).
    Open follow-ups scheduled after `as_of` are left to `followups`.
    """
    end = end_of_day(as_of)
    acts = frames.activities.loc[(frames.activities["client_id"] == client_id) & (frames.activities["occurred_at"] < end)]
    activity_events = pd.DataFrame(
        {
            "at": acts["occurred_at"],
            "event": "activity",
            "kind": acts["kind"],
            "title": acts["title"],
            "detail": acts["outcome"].where(acts["outcome"].notna(), acts["description"]),
            "amount": np.nan,
            "owner": acts["owner"],
            "done": acts["done"],
        }
    )
    invoices = frames.invoices.loc[(frames.invoices["client_id"] == client_id) & (frames.invoices["issue_date"] < end)]
    invoice_events = pd.DataFrame(
        {
            "at": invoices["issue_date"],
            "event": "invoice",
            "kind": np.where(invoices["credit_note"], "credit_note", "invoice"),
            "title": invoices["number"],
            "detail": np.where(invoices["void"], "void", NO_TEXT),
            "amount": invoices["total"],
        }
    )
    numbers = invoices.set_index("invoice_id")["number"]
    payments = frames.payments.loc[
        frames.payments["invoice_id"].isin(invoices["invoice_id"]) & (frames.payments["paid_on"] < end)
    ]
    payment_events = pd.DataFrame(
        {
            "at": payments["paid_on"],
            "event": "payment",
            "kind": "payment",
            "title": payments["invoice_id"].map(numbers),
            "detail": payments["method"],
            "amount": payments["amount"],
        }
    )
    opps = frames.opportunities.loc[frames.opportunities["client_id"] == client_id]
    names = opps.set_index("opportunity_id")["name"]
    changes = frames.stage_history.loc[
        frames.stage_history["opportunity_id"].isin(opps["opportunity_id"]) & (frames.stage_history["changed_at"] < end)
    ]
    stage_events = pd.DataFrame(
        {
            "at": changes["changed_at"],
            "event": "stage",
            "kind": "stage",
            "title": changes["opportunity_id"].map(names),
            "from_stage": changes["from_stage"],
            "to_stage": changes["to_stage"],
        }
    )
    parts = [p for p in (activity_events, invoice_events, payment_events, stage_events) if not p.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "at" else "object") for c in TIMELINE_COLUMNS})
    timeline = pd.concat(parts, ignore_index=True).reindex(columns=TIMELINE_COLUMNS)
    timeline["at"] = timeline["at"].astype("datetime64[ns]")
    timeline["amount"] = timeline["amount"].astype("float64")
    return timeline.sort_values("at", ascending=False, kind="stable").reset_index(drop=True)
