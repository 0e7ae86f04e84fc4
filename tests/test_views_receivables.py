"""Receivables read models: the collections worklist and one client's claims, on a portfolio built by hand."""

from __future__ import annotations

import pandas as pd

from crm_core.analytics.health import client_health
from crm_core.analytics.late_rates import load_late_rates
from crm_core.analytics.receivables import client_claims, late_payment_claims
from crm_core.views.receivables import (
    claim_total,
    client_claim_rows,
    client_claim_summary,
    collections_worklist,
    portfolio_claims,
    worklist_labels,
    worklist_owners,
    worklist_totals,
)
from tests.frames_builder import d, frames


def invoice(invoice_id: int, total: float, issue: str, due: str, client_id: int = 1, **more: object) -> dict:
    return {
        "invoice_id": invoice_id,
        "client_id": client_id,
        "number": f"F-{invoice_id}",
        "issue_date": d(issue),
        "due_date": d(due),
        "total": total,
        **more,
    }


def test_worklist_orders_overdue_clients_by_outstanding_plus_claim() -> None:
    data = frames(
        clients=[
            {"client_id": 1, "company_name": "Alfa", "owner": "ana"},
            {"client_id": 2, "company_name": "Beta", "owner": "luis"},
            {"client_id": 3, "company_name": "Gamma", "owner": "ana"},
        ],
        invoices=[
            invoice(1, 1000.00, "2025-05-10", "2025-06-09", client_id=1),  # 1000 + 63.66
            invoice(2, 1050.00, "2025-08-01", "2025-08-20", client_id=2),  # 1050 + 40 + 11 days interest
            invoice(3, 900.00, "2025-08-20", "2025-09-19", client_id=3),
        ],  # not due
        activities=[
            {"activity_id": 1, "client_id": 1, "occurred_at": pd.Timestamp("2025-08-01 10:00"), "done": True},
            {
                "activity_id": 2,
                "client_id": 1,
                "occurred_at": pd.Timestamp("2025-09-10 10:00"),
                "done": False,
                "title": "call about F-1",
            },
            {
                "activity_id": 3,
                "client_id": 1,
                "occurred_at": pd.Timestamp("2025-09-03 10:00"),
                "done": False,
                "title": "send statement",
            },
        ],
    )
    as_of = d("2025-08-31")
    health = client_health(data, as_of)
    claims = client_claims(late_payment_claims(data.invoices, data.payments, as_of), health.index)
    work = collections_worklist(health, claims, data.activities, as_of)
    # Beta: 1050 * 0.1015 * 11 / 365 = 3.2118 -> 3.21 + 40 = 43.21; at stake 1093.21 > Alfa's 1063.66
    assert list(work["client_id"]) == [2, 1]
    assert list(work["at_stake"]) == [1093.21, 1063.66]
    alfa = work.iloc[1]
    assert alfa["claim_total"] == 63.66
    assert alfa["days_since_oldest_unpaid"] == 113  # 2025-05-10 .. 2025-08-31
    assert alfa["last_contact"] == pd.Timestamp("2025-08-01")
    assert alfa["next_activity_on"] == pd.Timestamp("2025-09-03")
    assert alfa["next_activity_title"] == "send statement"
    assert pd.isna(work.iloc[0]["next_activity_on"])
    mine = collections_worklist(health, claims, data.activities, as_of, owner="ana")
    assert list(mine["client_id"]) == [1]
    assert worklist_owners(work) == ["ana", "luis"]
    assert worklist_labels(work) == {2: "Beta · luis", 1: "Alfa · ana"}


def test_one_clients_claim_rows_summary_and_total() -> None:
    data = frames(
        invoices=[
            invoice(2, 1000.00, "2025-05-10", "2025-06-09"),
            invoice(1, 1000.00, "2025-05-01", "2025-05-31"),
            invoice(3, 700.00, "2025-05-01", "2025-05-31", client_id=2),
        ]
    )
    claims = late_payment_claims(data.invoices, data.payments, d("2025-08-31"))
    rows = client_claim_rows(claims, 1)
    assert list(rows["number"]) == ["F-1", "F-2"]  # by due date
    # F-1: 30 days (06-01..06-30) at 11.15 % + 62 at 10.15 % on 1,000 = 9.1644 + 17.2411 = 26.4055 -> 26.41;
    # F-2: 23.66 (the issue's example)
    assert list(rows["interest"]) == [26.41, 23.66]
    summary = client_claim_summary(rows, 1)
    assert summary["claimed_invoices"] == 2 and summary["claim_total"] == 130.07
    assert claim_total(rows) == 130.07


def test_portfolio_claims_for_everyone_or_one_client_and_the_worklist_totals() -> None:
    data = frames(
        invoices=[
            invoice(2, 1000.00, "2025-05-10", "2025-06-09"),
            invoice(3, 700.00, "2025-05-01", "2025-05-31", client_id=2),
        ]
    )
    rates = load_late_rates()
    everyone = portfolio_claims(data, d("2025-08-31"), rates)
    assert sorted(everyone["number"]) == ["F-2", "F-3"]
    one = portfolio_claims(data, d("2025-08-31"), rates, client_id=1)
    assert list(one["number"]) == ["F-2"] and claim_total(one) == 63.66  # the issue's 23.66 + 40
    work = pd.DataFrame({"outstanding": [1000.0, 700.0], "claim_total": [63.66, 58.24]})
    assert worklist_totals(work) == {"clients": 2.0, "outstanding": 1700.0, "claim_total": 121.9}
