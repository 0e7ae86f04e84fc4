"""A small hand-computed portfolio as of 2024-06-30, shared by the analytics tests.

The expected figures are worked out by hand in tests/test_analytics_health.py.
1 Alfa (medium): monthly buyer with partial payments, a void invoice, a credit note, a payment and
  an invoice after T, a due date on a month end; high default risk.
2 Beta: six unpaid invoices overdue exactly 30/31/60/61/90/91 days; dormant, critical risk.
3 Gamma: prospect (no invoices) with opportunities: one without close date, one closing in 20 days,
  a won one, a lost one, one created after T.
4 Delta: marked lost by a person, one paid invoice last year.
5 Epsilon (large): the big buyer (VIP), six activities in the last 30 days.
6 Zeta: revenue falling, 2000 then 500; dormant.
"""

from __future__ import annotations

from datetime import datetime

from crm_core.store.frames import Frames
from tests.frames_builder import d, frames

T = d("2024-06-30")

CLIENTS = [
    {"client_id": 1, "company_name": "Alfa", "company_size": "medium"},
    {"client_id": 2, "company_name": "Beta"},
    {"client_id": 3, "company_name": "Gamma", "status": "prospect"},
    {"client_id": 4, "company_name": "Delta", "status": "lost"},
    {"client_id": 5, "company_name": "Epsilon", "company_size": "large", "status": "vip"},
    {"client_id": 6, "company_name": "Zeta"},
]


def _inv(invoice_id: int, client_id: int, issue: str, due: str, total: float, **flags: bool) -> dict:
    return {
        "invoice_id": invoice_id,
        "client_id": client_id,
        "number": f"F{invoice_id}",
        "issue_date": d(issue),
        "due_date": d(due),
        "total": total,
        **flags,
    }


INVOICES = [
    # Alfa
    _inv(1, 1, "2024-01-10", "2024-01-31", 1000.0),
    _inv(2, 1, "2024-02-10", "2024-03-10", 1000.0),
    _inv(3, 1, "2024-03-10", "2024-04-09", 1000.0, void=True),
    _inv(4, 1, "2024-04-10", "2024-05-10", 1000.0),
    _inv(5, 1, "2024-05-15", "2024-05-15", -200.0, credit_note=True),
    _inv(6, 1, "2024-06-10", "2024-07-10", 1000.0),
    _inv(7, 1, "2024-07-10", "2024-08-10", 5000.0),  # after T
    # Beta: overdue 30, 31, 60, 61, 90, 91 days at T
    _inv(10, 2, "2024-03-01", "2024-05-31", 1.0),
    _inv(11, 2, "2024-03-01", "2024-05-30", 2.0),
    _inv(12, 2, "2024-03-01", "2024-05-01", 4.0),
    _inv(13, 2, "2024-03-01", "2024-04-30", 8.0),
    _inv(14, 2, "2024-03-01", "2024-04-01", 16.0),
    _inv(15, 2, "2024-03-01", "2024-03-31", 32.0),
    # Delta (lost)
    _inv(20, 4, "2023-09-01", "2023-10-01", 500.0),
    # Epsilon
    _inv(30, 5, "2024-03-01", "2024-03-31", 20000.0),
    _inv(31, 5, "2024-06-01", "2024-07-01", 50000.0),
    # Zeta
    _inv(40, 6, "2023-09-15", "2023-10-15", 2000.0),
    _inv(41, 6, "2024-03-15", "2024-04-14", 500.0),
]


def _pay(payment_id: int, invoice_id: int, paid_on: str, amount: float) -> dict:
    return {"payment_id": payment_id, "invoice_id": invoice_id, "paid_on": d(paid_on), "amount": amount}


PAYMENTS = [
    _pay(1, 1, "2024-01-20", 400.0),
    _pay(2, 1, "2024-02-05", 600.0),
    _pay(3, 2, "2024-03-01", 1000.0),
    _pay(4, 4, "2024-05-20", 300.0),
    _pay(5, 4, "2024-07-05", 700.0),  # after T
    _pay(6, 20, "2023-09-20", 500.0),
    _pay(7, 30, "2024-03-20", 20000.0),
    _pay(8, 31, "2024-06-15", 50000.0),
    _pay(9, 40, "2023-09-25", 2000.0),
    _pay(10, 41, "2024-03-25", 500.0),
]


def _act(activity_id: int, client_id: int, when: str, done: bool = True, kind: str = "call") -> dict:
    return {
        "activity_id": activity_id,
        "client_id": client_id,
        "kind": kind,
        "occurred_at": datetime.fromisoformat(when),
        "done": done,
    }


ACTIVITIES = [
    _act(1, 1, "2024-06-25 15:00"),
    _act(2, 1, "2024-06-01 09:00", kind="meeting"),
    _act(3, 1, "2024-05-31 18:00", kind="email"),  # 30 days before T: outside (T-30, T]
    _act(4, 1, "2024-06-29 10:00", done=False, kind="task"),  # scheduled, not engagement
    _act(5, 1, "2024-07-01 10:00"),  # after T
    _act(6, 2, "2024-04-16 12:00"),
    *[_act(10 + i, 5, f"2024-06-{20 + i:02d} 11:00") for i in range(6)],
    _act(20, 6, "2024-05-16 10:00"),
]


def _opp(
    opportunity_id: int,
    stage: str,
    probability: int,
    amount: float,
    expected_close: str | None,
    created: str = "2024-05-01",
    closed: str | None = None,
) -> dict:
    return {
        "opportunity_id": opportunity_id,
        "client_id": 3,
        "name": f"O{opportunity_id}",
        "stage": stage,
        "probability": probability,
        "amount": amount,
        "expected_close": d(expected_close) if expected_close else None,
        "closed_at": d(closed) if closed else None,
        "created_at": datetime.fromisoformat(created),
    }


OPPORTUNITIES = [
    _opp(1, "proposal", 40, 10000.0, "2024-07-20"),
    _opp(2, "negotiation", 70, 8000.0, None),  # no close date: counted in no horizon
    _opp(3, "won", 100, 3000.0, "2024-05-15", closed="2024-05-15"),
    _opp(4, "lost", 0, 6000.0, "2024-05-20", closed="2024-05-20"),
    _opp(5, "proposal", 40, 9000.0, "2024-07-10", created="2024-07-02"),  # created after T
]


def scenario() -> Frames:
    return frames(clients=CLIENTS, invoices=INVOICES, payments=PAYMENTS, activities=ACTIVITIES, opportunities=OPPORTUNITIES)
