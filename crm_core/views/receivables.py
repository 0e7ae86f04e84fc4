"""Receivables read models: the collections worklist (overdue clients by what is at stake) and one client's claims.

Pure over frames and figures (client_health, late_payment_claims / client_claims as of the same date):
no Streamlit, no database. The Collections page, the client page and any other face draw these
(docs/design.md §4.22).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.engagement import follow_up_due
from crm_core.analytics.late_rates import LateRates
from crm_core.analytics.receivables import client_claims, late_payment_claims
from crm_core.store.frames import Frames

WORKLIST_COLUMNS: list[str] = [
    "client_id",
    "company_name",
    "owner",
    "outstanding",
    "overdue",
    "claim_total",
    "at_stake",
    "interest",
    "compensation",
    "claimed_invoices",
    "provisional",
    "max_days_overdue",
    "oldest_unpaid_issue_date",
    "days_since_oldest_unpaid",
    "last_contact",
    "next_activity_on",
    "next_activity_title",
]


def next_planned_activity(activities: pd.DataFrame, client_index: pd.Index) -> pd.DataFrame:
    """Per client: the earliest open (not done) activity by when it is due (`follow_up_due`), overdue ones first.

    Columns next_activity_on (NaT when none) and next_activity_title.
    """
    open_rows = activities.loc[~activities["done"].to_numpy(dtype=bool)]
    due = follow_up_due(open_rows)
    frame = pd.DataFrame(
        {
            "client_id": open_rows["client_id"].to_numpy(),
            "next_activity_on": pd.to_datetime(due).dt.normalize().astype("datetime64[ns]").to_numpy(),
            "next_activity_title": open_rows["title"].astype(object).to_numpy(),
        }
    ).dropna(subset=["next_activity_on"])
    first = frame.sort_values(["client_id", "next_activity_on"], kind="stable").drop_duplicates("client_id")
    out = first.set_index("client_id").reindex(client_index)
    out["next_activity_on"] = out["next_activity_on"].astype("datetime64[ns]")
    return out


def collections_worklist(
    health: pd.DataFrame,
    claims_by_client: pd.DataFrame,
    activities: pd.DataFrame,
    as_of: date,
    owner: str | None = None,
) -> pd.DataFrame:
    """Overdue clients (overdue > 0 as of `as_of`) ordered by what is at stake: outstanding + claimable.

    `health` is client_health as of `as_of`, `claims_by_client` client_claims on the same index.
    With `owner`, only that owner's clients (a rep sees their own). Ties by client id.
    """
    overdue = health["overdue"].to_numpy(dtype="float64") > 0
    if owner is not None:
        overdue &= (health["owner"] == owner).to_numpy(dtype=bool)
    rows = health.loc[overdue]
    claims = claims_by_client.reindex(rows.index)
    planned = next_planned_activity(activities, rows.index)
    t = pd.Timestamp(as_of).normalize()
    oldest = pd.to_datetime(rows["oldest_unpaid_issue_date"])
    out = pd.DataFrame(
        {
            "client_id": rows.index.to_numpy(),
            "company_name": rows["company_name"].astype(object).to_numpy(),
            "owner": rows["owner"].astype(object).to_numpy(),
            "outstanding": rows["outstanding"].to_numpy(dtype="float64"),
            "overdue": rows["overdue"].to_numpy(dtype="float64"),
            "claim_total": claims["claim_total"].fillna(0.0).to_numpy(dtype="float64"),
            "interest": claims["interest"].fillna(0.0).to_numpy(dtype="float64"),
            "compensation": claims["compensation"].fillna(0.0).to_numpy(dtype="float64"),
            "claimed_invoices": claims["claimed_invoices"].fillna(0).to_numpy(dtype=np.int64),
            "provisional": claims["provisional"].fillna(False).to_numpy(dtype=bool),
            "max_days_overdue": rows["max_days_overdue"].to_numpy(dtype="float64").astype(np.int64),
            "oldest_unpaid_issue_date": oldest.to_numpy(),
            "days_since_oldest_unpaid": (t - oldest).dt.days.astype("Int64").to_numpy(),
            "last_contact": pd.to_datetime(rows["last_activity_date"]).to_numpy(),
            "next_activity_on": planned["next_activity_on"].to_numpy(),
            "next_activity_title": planned["next_activity_title"].astype(object).to_numpy(),
        }
    )
    out["at_stake"] = np.round(out["outstanding"] + out["claim_total"], 2)
    out = out.sort_values(["at_stake", "client_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[WORKLIST_COLUMNS]


def worklist_owners(worklist: pd.DataFrame) -> list[str]:
    """The account managers with clients in the worklist, sorted (the owner filter keeps them pickable)."""
    return sorted(str(owner) for owner in worklist["owner"].dropna().unique())


def worklist_labels(worklist: pd.DataFrame) -> dict[int, str]:
    """A picker label per worklist client, "company · owner", in worklist order."""
    owner = worklist["owner"].astype(object).where(worklist["owner"].notna(), "—")
    text = worklist["company_name"].astype(str) + " · " + owner.astype(str)
    return dict(zip(worklist["client_id"].astype(int), text, strict=True))


def client_claim_rows(claims: pd.DataFrame, client_id: int) -> pd.DataFrame:
    """One client's rows of `late_payment_claims`, by capped due date then invoice number."""
    rows = claims.loc[claims["client_id"].to_numpy() == client_id]
    return rows.sort_values(["capped_due_date", "number"], kind="stable")


def client_claim_summary(claim_rows: pd.DataFrame, client_id: int) -> pd.Series:
    """A client's claim totals (a row of `client_claims`: claimed_invoices, interest, compensation, claim_total...)."""
    return client_claims(claim_rows, pd.Index([client_id])).iloc[0]


def claim_total(claim_rows: pd.DataFrame) -> float:
    """Interest plus compensation of these claims in euros, summed exactly in cents."""
    return (int(claim_rows["interest_cents"].sum()) + int(claim_rows["compensation_cents"].sum())) / 100


def portfolio_claims(frames: Frames, as_of: date, rates: LateRates, client_id: int | None = None) -> pd.DataFrame:
    """The Ley 3/2004 claims of every invoice as of `as_of` (or of one client's): what every face shows."""
    invoices = frames.invoices if client_id is None else frames.invoices.loc[frames.invoices["client_id"] == client_id]
    return late_payment_claims(invoices, frames.payments, as_of, rates)


def worklist_totals(work: pd.DataFrame) -> dict[str, float]:
    """What the collections worklist adds up to: clients, outstanding and claimable."""
    return {
        "clients": float(len(work)),
        "outstanding": float(work["outstanding"].sum()),
        "claim_total": float(work["claim_total"].sum()),
    }
