"""invoice_status: every column on hand-computed invoices, as of 2024-06-30."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crm_core.analytics.payments import (
    INVOICE_STATUS_COLUMNS,
    client_payment_figures,
    client_revenue_12m,
    invoice_status,
)
from tests.frames_builder import d, frames

T = d("2024-06-30")

INVOICES = [
    # A: paid in two parts, due on a month end (2024-01-31).
    {"invoice_id": 1, "client_id": 1, "number": "A", "issue_date": d("2024-01-10"), "due_date": d("2024-01-31"), "total": 1000.0},
    # B: partially paid, the rest paid after T (ignored), overdue.
    {"invoice_id": 2, "client_id": 1, "number": "B", "issue_date": d("2024-05-01"), "due_date": d("2024-05-31"), "total": 500.0},
    # C: void.
    {
        "invoice_id": 3,
        "client_id": 1,
        "number": "C",
        "issue_date": d("2024-03-01"),
        "due_date": d("2024-03-31"),
        "total": 800.0,
        "void": True,
    },
    # D: credit note.
    {
        "invoice_id": 4,
        "client_id": 1,
        "number": "D",
        "issue_date": d("2024-04-01"),
        "due_date": d("2024-04-01"),
        "total": -100.0,
        "credit_note": True,
    },
    # E: issued after T: not in the result.
    {"invoice_id": 5, "client_id": 1, "number": "E", "issue_date": d("2024-07-01"), "due_date": d("2024-07-31"), "total": 900.0},
    # F: open, not yet due.
    {"invoice_id": 6, "client_id": 2, "number": "F", "issue_date": d("2024-06-20"), "due_date": d("2024-07-20"), "total": 300.0},
    # G: partially paid, not yet due.
    {"invoice_id": 7, "client_id": 2, "number": "G", "issue_date": d("2024-06-25"), "due_date": d("2024-07-25"), "total": 200.0},
    # H: due exactly on T: not overdue yet.
    {"invoice_id": 8, "client_id": 2, "number": "H", "issue_date": d("2024-06-01"), "due_date": d("2024-06-30"), "total": 100.0},
    # I: paid early in cents that only add up within rounding (33.33 + 33.33 + 33.34).
    {"invoice_id": 9, "client_id": 2, "number": "I", "issue_date": d("2024-02-01"), "due_date": d("2024-03-01"), "total": 100.0},
    # J..N: unpaid, due 31, 60, 61, 90 and 91 days before T.
    {"invoice_id": 10, "client_id": 3, "number": "J", "issue_date": d("2024-05-01"), "due_date": d("2024-05-30"), "total": 10.0},
    {"invoice_id": 11, "client_id": 3, "number": "K", "issue_date": d("2024-04-01"), "due_date": d("2024-05-01"), "total": 20.0},
    {"invoice_id": 12, "client_id": 3, "number": "L", "issue_date": d("2024-04-01"), "due_date": d("2024-04-30"), "total": 30.0},
    {"invoice_id": 13, "client_id": 3, "number": "M", "issue_date": d("2024-03-01"), "due_date": d("2024-04-01"), "total": 40.0},
    {"invoice_id": 14, "client_id": 3, "number": "N", "issue_date": d("2024-03-01"), "due_date": d("2024-03-31"), "total": 50.0},
]
PAYMENTS = [
    {"payment_id": 1, "invoice_id": 1, "paid_on": d("2024-01-20"), "amount": 400.0},
    {"payment_id": 2, "invoice_id": 1, "paid_on": d("2024-02-05"), "amount": 600.0},
    {"payment_id": 3, "invoice_id": 2, "paid_on": d("2024-05-15"), "amount": 200.0},
    {"payment_id": 4, "invoice_id": 2, "paid_on": d("2024-07-02"), "amount": 300.0},  # after T
    {"payment_id": 5, "invoice_id": 7, "paid_on": d("2024-06-28"), "amount": 50.0},
    # I's payments listed out of date order on purpose.
    {"payment_id": 6, "invoice_id": 9, "paid_on": d("2024-02-10"), "amount": 33.34},
    {"payment_id": 7, "invoice_id": 9, "paid_on": d("2024-02-03"), "amount": 33.33},
    {"payment_id": 8, "invoice_id": 9, "paid_on": d("2024-02-05"), "amount": 33.33},
]


@pytest.fixture
def status() -> pd.DataFrame:
    f = frames(invoices=INVOICES, payments=PAYMENTS)
    return invoice_status(f.invoices, f.payments, T).set_index("number")


def test_columns_and_rows(status: pd.DataFrame) -> None:
    assert sorted(status.reset_index().columns) == sorted(INVOICE_STATUS_COLUMNS)
    # E is issued after T; the void C stays, flagged.
    assert "E" not in status.index
    assert sorted(status.index) == sorted(set("ABCDFGHIJKLMN"))
    assert bool(status.loc["C", "void"]) and bool(status.loc["D", "credit_note"])


def test_numbers_keep_their_rows_and_dtype_on_a_cut_frame() -> None:
    """A rep's cut of the invoices (rows dropped, index with gaps) keeps each number on its own invoice,
    as the same Arrow strings as the frame's, and writing to the result leaves the frame as it was."""
    f = frames(invoices=INVOICES, payments=PAYMENTS)
    cut = f.invoices[f.invoices["client_id"] != 2]  # index 0-4, 10-13
    result = invoice_status(cut, f.payments, T)
    assert list(result.index) == list(range(len(result)))
    assert dict(zip(result["invoice_id"], result["number"], strict=True)) == {
        i: n for i, n in zip(cut["invoice_id"], cut["number"], strict=True) if n != "E"
    }
    assert result["number"].dtype == cut["number"].dtype == "str"
    issued = f.invoices[f.invoices["number"] != "E"].reset_index(drop=True)  # every row issued by T: shared, not cut
    every = invoice_status(issued, f.payments, T)
    every.loc[0, "number"] = "changed"
    assert every.loc[0, "number"] == "changed" and "changed" not in set(issued["number"])


def test_paid_in_two_parts_due_on_month_end(status: pd.DataFrame) -> None:
    a = status.loc["A"]
    assert a["paid_amount"] == 1000.0  # 400 + 600
    assert a["outstanding"] == 0.0
    assert a["paid_date"] == pd.Timestamp("2024-02-05")  # 400 alone does not cover 1000
    assert a["days_to_pay"] == 26  # Jan 10 -> Feb 5: 21 days left in January + 5
    assert a["days_late"] == 5  # due Jan 31 -> paid Feb 5
    assert a["days_overdue"] == 0
    assert a["status"] == "paid"


def test_partial_payment_with_later_payment_ignored(status: pd.DataFrame) -> None:
    b = status.loc["B"]
    assert b["paid_amount"] == 200.0  # the 300 of 2024-07-02 is after T
    assert b["outstanding"] == 300.0  # 500 - 200
    assert pd.isna(b["paid_date"]) and math.isnan(b["days_to_pay"]) and math.isnan(b["days_late"])
    assert b["days_overdue"] == 30  # June 30 - May 31
    assert b["status"] == "overdue"


def test_void_and_credit_note_owe_nothing(status: pd.DataFrame) -> None:
    for number, expected in (("C", "void"), ("D", "credit_note")):
        row = status.loc[number]
        assert row["outstanding"] == 0.0
        assert row["days_overdue"] == 0
        assert pd.isna(row["paid_date"])
        assert row["status"] == expected
    assert status.loc["D", "total"] == -100.0


def test_open_partially_paid_and_due_today(status: pd.DataFrame) -> None:
    assert status.loc["F", "status"] == "open" and status.loc["F", "outstanding"] == 300.0
    assert status.loc["G", "status"] == "partially_paid"
    assert status.loc["G", "outstanding"] == 150.0  # 200 - 50
    # Due on T itself: due < T is false, so not overdue yet.
    assert status.loc["H", "status"] == "open" and status.loc["H", "days_overdue"] == 0


def test_payment_in_cents_covers_total_on_last_date(status: pd.DataFrame) -> None:
    i = status.loc["I"]
    # 33.33 (Feb 3) + 33.33 (Feb 5) = 66.66 < 100; + 33.34 (Feb 10) = 100.00
    assert i["paid_date"] == pd.Timestamp("2024-02-10")
    assert i["days_to_pay"] == 9  # Feb 1 -> Feb 10
    assert i["days_late"] == 0  # paid before the due date Mar 1: floored at 0
    assert i["outstanding"] == 0.0 and i["status"] == "paid"


@pytest.mark.parametrize(
    ("number", "days"),
    [("J", 31), ("K", 60), ("L", 61), ("M", 90), ("N", 91)],
)
def test_days_overdue_at_bucket_edges(status: pd.DataFrame, number: str, days: int) -> None:
    # J due May 30: 1 (May 31) + 30 (June) = 31; K May 1: 30 + 30 = 60; L Apr 30 (month end): 61;
    # M Apr 1: 29 + 31 + 30 = 90; N Mar 31: 91.
    assert status.loc[number, "days_overdue"] == days
    assert status.loc[number, "status"] == "overdue"


def test_empty_frames_give_typed_empty_result() -> None:
    f = frames()
    out = invoice_status(f.invoices, f.payments, T)
    assert out.empty and list(out.columns) == INVOICE_STATUS_COLUMNS
    assert str(out["paid_date"].dtype) == "datetime64[ns]"


def test_money_is_exact_to_the_cent() -> None:
    # P: 100.10 with 33.37 paid -> 66.73 owed (float64 gives 100.1 - 33.37 = 66.72999999999999).
    # Q: 0.30 paid by 0.10 + 0.20 -> paid 0.30 (float64 gives 0.30000000000000004), nothing owed.
    f = frames(
        invoices=[
            {
                "invoice_id": 1,
                "client_id": 1,
                "number": "P",
                "issue_date": d("2024-06-01"),
                "due_date": d("2024-07-01"),
                "total": 100.10,
            },
            {
                "invoice_id": 2,
                "client_id": 1,
                "number": "Q",
                "issue_date": d("2024-06-01"),
                "due_date": d("2024-07-01"),
                "total": 0.30,
            },
        ],
        payments=[
            {"payment_id": 1, "invoice_id": 1, "paid_on": d("2024-06-05"), "amount": 33.37},
            {"payment_id": 2, "invoice_id": 2, "paid_on": d("2024-06-05"), "amount": 0.10},
            {"payment_id": 3, "invoice_id": 2, "paid_on": d("2024-06-06"), "amount": 0.20},
        ],
    )
    out = invoice_status(f.invoices, f.payments, T).set_index("number")
    assert out.loc["P", "outstanding"] == 66.73
    assert out.loc["Q", "paid_amount"] == 0.30
    assert out.loc["Q", "outstanding"] == 0.0 and out.loc["Q", "status"] == "paid"
    assert out.loc["Q", "paid_date"] == pd.Timestamp("2024-06-06")


def test_client_money_figures_are_exact_to_the_cent() -> None:
    # Client 1: R 0.10 (May 1, due May 31) unpaid -> 30 days overdue; S 0.20 (Jun 1) paid by three
    # payments of 0.10 (Jun 2, 3, 4): covered on Jun 3 and overpaid by 0.10.
    #   ltv = revenue_12m = revenue_90d = last 6 months = 0.10 + 0.20 = 0.30;
    #   collected (all cash received) = 0.10 + 0.10 + 0.10 = 0.30 (float64 gives 0.30000000000000004 for both);
    #   outstanding = overdue = aging_1_30 = 0.10 (R; S owes nothing); average invoice (0.10 + 0.20) / 2 = 0.15.
    f = frames(
        invoices=[
            {
                "invoice_id": 1,
                "client_id": 1,
                "number": "R",
                "issue_date": d("2024-05-01"),
                "due_date": d("2024-05-31"),
                "total": 0.10,
            },
            {
                "invoice_id": 2,
                "client_id": 1,
                "number": "S",
                "issue_date": d("2024-06-01"),
                "due_date": d("2024-07-01"),
                "total": 0.20,
            },
        ],
        payments=[{"payment_id": k, "invoice_id": 2, "paid_on": d(f"2024-06-0{k + 1}"), "amount": 0.10} for k in (1, 2, 3)],
    )
    status = invoice_status(f.invoices, f.payments, T)
    row = client_payment_figures(status, pd.Index([1], name="client_id"), T).loc[1]
    for column in ("ltv", "revenue_12m", "revenue_90d", "revenue_last_6m", "collected"):
        assert row[column] == 0.30, column
    for column in ("outstanding", "overdue", "aging_1_30"):
        assert row[column] == 0.10, column
    assert row["avg_invoice_amount"] == 0.15


def _revenue(invoices: list[tuple[str, float]], as_of) -> pd.Series:
    f = frames(
        invoices=[
            {"invoice_id": k, "client_id": 1, "number": f"W{k}", "issue_date": d(day), "due_date": d(day), "total": total}
            for k, (day, total) in enumerate(invoices, start=1)
        ]
    )
    return client_payment_figures(invoice_status(f.invoices, f.payments, as_of), pd.Index([1]), as_of).loc[1]


def test_month_windows_of_a_month_end_as_of_are_whole_months() -> None:
    # As of Feb 28 2025 (a month end) the last 12 months are Mar 2024 .. Feb 2025, i.e. (Feb 29 2024,
    # Feb 28 2025]: the invoice of Feb 29 2024 is 13 months back, the one of Mar 1 2024 is in -> 10.
    row = _revenue([("2024-02-29", 100.0), ("2024-03-01", 10.0)], d("2025-02-28"))
    assert row["revenue_12m"] == 10.0
    # As of Sep 30 2024 the last 6 months are Apr .. Sep: Mar 31 belongs to the 6 months before
    # (Oct 2023 .. Mar 2024), with Oct 1 2023; Sep 30 2023 is in neither.
    row = _revenue([("2023-09-30", 1.0), ("2023-10-01", 20.0), ("2024-03-31", 300.0), ("2024-04-01", 4000.0)], d("2024-09-30"))
    assert row["revenue_last_6m"] == 4000.0
    assert row["revenue_prev_6m"] == 20.0 + 300.0
    assert row["revenue_12m"] == 4320.0


def test_month_windows_of_a_mid_month_as_of() -> None:
    # As of Jun 15 2024: last 12 months (Jun 15 2023, Jun 15 2024]; last 6 months (Dec 15, Jun 15].
    row = _revenue([("2023-06-15", 1.0), ("2023-06-16", 20.0), ("2023-12-15", 300.0), ("2023-12-16", 4000.0)], d("2024-06-15"))
    assert row["revenue_12m"] == 4320.0
    assert row["revenue_last_6m"] == 4000.0 and row["revenue_prev_6m"] == 320.0


def test_average_invoice_rounds_half_a_cent_up() -> None:
    # (16.81 + 16.82) / 2 = 16.815 exactly: 16.82 (float64 holds 16.81499999..., which rounds to 16.81).
    f = frames(
        invoices=[
            {
                "invoice_id": k,
                "client_id": 1,
                "number": f"V{k}",
                "issue_date": d("2024-06-01"),
                "due_date": d("2024-06-01"),
                "total": total,
            }
            for k, total in ((1, 16.81), (2, 16.82))
        ]
    )
    row = client_payment_figures(invoice_status(f.invoices, f.payments, T), pd.Index([1]), T).loc[1]
    assert row["avg_invoice_amount"] == 16.82


def test_revenue_12m_from_the_invoices_alone_is_client_payment_figures_revenue_12m() -> None:
    # Month-end window (Feb 29 2024, Feb 28 2025]; a void invoice, a credit note, a later invoice, a
    # client without invoices and an invoice of a client outside the index.
    rows = [
        (1, "2024-02-29", 100.0, False),
        (1, "2024-03-01", 10.0, False),
        (1, "2024-07-01", 0.005, False),
        (1, "2025-01-10", 999.0, True),
        (2, "2025-02-28", -30.0, False),
        (2, "2025-02-01", 200.0, False),
        (2, "2025-03-01", 7.0, False),
        (9, "2025-01-01", 50.0, False),
    ]
    f = frames(
        invoices=[
            {
                "invoice_id": k,
                "client_id": client,
                "number": f"R{k}",
                "issue_date": d(day),
                "due_date": d(day),
                "total": total,
                "void": void,
                "credit_note": total < 0,
            }
            for k, (client, day, total, void) in enumerate(rows, start=1)
        ]
    )
    index = pd.Index([1, 2, 3])
    for as_of in (d("2025-02-28"), d("2025-02-27"), d("2026-01-01")):
        expected = client_payment_figures(invoice_status(f.invoices, f.payments, as_of), index, as_of)["revenue_12m"]
        assert list(client_revenue_12m(f.invoices, index, as_of)) == list(expected)
    assert list(client_revenue_12m(f.invoices, index, d("2025-02-28"))) == [10.01, 170.0, 0.0]
