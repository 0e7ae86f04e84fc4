"""Cash-in forecast from open invoices and each client's own payment delay, on hand-made ledgers."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics import payments as payments_module
from crm_core.analytics.cash import LATE_WAIT_DAYS, OVERDUE_DECAY_DAYS, cash_forecast
from crm_core.analytics.payments import invoice_status
from crm_core.store.frames import Frames

AS_OF = date(2024, 6, 30)


def _invoices(rows: list[tuple]) -> pd.DataFrame:
    """rows: (invoice_id, client_id, issue_date, due_date, total[, void])."""
    df = pd.DataFrame(
        [(*r[:5], r[5] if len(r) > 5 else False) for r in rows],
        columns=["invoice_id", "client_id", "issue_date", "due_date", "total", "void"],
    )
    df["number"] = "F-" + df["invoice_id"].astype(str)
    df["credit_note"] = df["total"] < 0
    for col in ("issue_date", "due_date"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    base = Frames.empty().invoices
    return df[base.columns].astype(base.dtypes.to_dict())


def _payments(rows: list[tuple]) -> pd.DataFrame:
    """rows: (invoice_id, paid_on, amount)."""
    df = pd.DataFrame(rows, columns=["invoice_id", "paid_on", "amount"])
    df["payment_id"] = np.arange(1, len(df) + 1)
    df["method"] = "transfer"
    df["paid_on"] = pd.to_datetime(df["paid_on"]).astype("datetime64[ns]")
    base = Frames.empty().payments
    return df[base.columns].astype(base.dtypes.to_dict())


def _history() -> tuple[list[tuple], list[tuple]]:
    """Client 1 always pays 20 days late, client 2 on the due date (three paid invoices each)."""
    invoices, payments = [], []
    for k, month in enumerate(("2024-01", "2024-03", "2024-04")):
        invoices += [(10 + k, 1, f"{month}-01", f"{month}-10", 100.0), (20 + k, 2, f"{month}-01", f"{month}-10", 100.0)]
        payments += [(10 + k, f"{month}-30", 100.0), (20 + k, f"{month}-10", 100.0)]
    return invoices, payments


def test_each_client_own_delay_moves_the_expected_date() -> None:
    invoices, payments = _history()
    # Portfolio median days late of [20, 20, 20, 0, 0, 0] = 10. Shrunk with 3 prior invoices:
    # client 1: (3 x 20 + 3 x 10) / 6 = 15 days; client 2: (3 x 0 + 3 x 10) / 6 = 5 days.
    # Both have 1,000 due on as_of + 20 = 2024-07-20: client 1 expected on 07-20 + 15 = 08-04
    # (as_of + 35: only in 90 days), client 2 on 07-25 (as_of + 25: in 30 days).
    invoices += [(1, 1, "2024-06-20", "2024-07-20", 1_000.0), (2, 2, "2024-06-20", "2024-07-20", 1_000.0)]
    result = cash_forecast(_invoices(invoices), _payments(payments), AS_OF)
    assert result.loc[1].tolist() == pytest.approx([0.0, 1_000.0])
    assert result.loc[2].tolist() == pytest.approx([1_000.0, 1_000.0])


def test_partial_payment_and_payment_after_as_of() -> None:
    invoices, payments = _history()
    # 1,000 due 2024-07-01, 400 paid before as_of -> 600 outstanding; the 600 paid on 07-02 is after
    # as_of and ignored. Client 2's delay is 5 days -> expected 07-06, in both horizons: 600, never 1,000.
    invoices += [(1, 2, "2024-06-01", "2024-07-01", 1_000.0)]
    payments += [(1, "2024-06-15", 400.0), (1, "2024-07-02", 600.0)]
    result = cash_forecast(_invoices(invoices), _payments(payments), AS_OF)
    assert result.loc[2].tolist() == pytest.approx([600.0, 600.0])


def test_long_overdue_invoice_decays_and_never_exceeds_outstanding() -> None:
    invoices, payments = _history()
    # Client 2 (5-day delay) owes 1,000 due 2024-03-01: expected 03-06, i.e. 116 days before as_of.
    # P(ever paid) = exp(-116 / 120); P(paid within h | paid) = 1 - exp(-h / 30).
    invoices += [(1, 2, "2024-02-01", "2024-03-01", 1_000.0)]
    result = cash_forecast(_invoices(invoices), _payments(payments), AS_OF)
    p_ever = np.exp(-116 / OVERDUE_DECAY_DAYS)
    for h in (30, 90):
        expected = round(1_000.0 * p_ever * (1 - np.exp(-h / LATE_WAIT_DAYS)), 2)  # to the cent
        assert result.loc[2, f"expected_cash_{h}d"] == expected
        assert result.loc[2, f"expected_cash_{h}d"] < 1_000.0


def test_void_credit_note_and_paid_invoices_bring_no_cash() -> None:
    invoices, payments = _history()
    invoices += [(1, 1, "2024-06-20", "2024-07-01", 500.0, True), (2, 1, "2024-06-21", "2024-07-01", -50.0)]
    result = cash_forecast(_invoices(invoices), _payments(payments), AS_OF)
    assert result.loc[1].tolist() == [0.0, 0.0]
    assert result.loc[2].tolist() == [0.0, 0.0]


def test_client_without_history_uses_portfolio_delay() -> None:
    invoices, payments = _history()
    # Client 3 has no paid invoice: portfolio median 10 days. Due 07-15 -> expected 07-25 (as_of + 25).
    invoices += [(1, 3, "2024-06-15", "2024-07-15", 300.0)]
    result = cash_forecast(_invoices(invoices), _payments(payments), AS_OF)
    assert result.loc[3].tolist() == pytest.approx([300.0, 300.0])


def test_empty_frames() -> None:
    empty = Frames.empty()
    result = cash_forecast(empty.invoices, empty.payments, AS_OF)
    assert result.empty and list(result.columns) == ["expected_cash_30d", "expected_cash_90d"]


def test_a_given_invoice_status_is_used_as_passed() -> None:
    invoices, payments = _history()
    invoices += [(1, 2, "2024-06-20", "2024-07-20", 1_000.0)]
    inv, pay = _invoices(invoices), _payments(payments)
    status = invoice_status(inv, pay, AS_OF)
    pd.testing.assert_frame_equal(cash_forecast(inv, pay, AS_OF, status), cash_forecast(inv, pay, AS_OF))
    # Half of invoice 1 already paid in the status handed in: the forecast counts the 500 left.
    half_paid = status.assign(outstanding=status["outstanding"].where(status["invoice_id"] != 1, 500.0))
    assert cash_forecast(inv, pay, AS_OF, half_paid).loc[2, "expected_cash_30d"] == pytest.approx(500.0)
    assert cash_forecast(inv, pay, AS_OF).loc[2, "expected_cash_30d"] == pytest.approx(1_000.0)


def test_invoice_status_keeps_no_hidden_state() -> None:
    assert not [name for name, value in vars(payments_module).items() if isinstance(value, ContextVar)]


def test_expected_cash_is_to_the_cent() -> None:
    # No paid invoice anywhere: every delay is 0 days. Client 1 owes 100.00 due yesterday (Jun 29): late
    # by 1 day, so P(ever paid) = exp(-1 / 120) and the share within h is that x (1 - exp(-h / 30)):
    #   30 days: 100 x 0.99170 x (1 - e^-1) = 62.6874... -> 62.69; 90 days: 100 x 0.99170 x 0.95021 = 94.2324... -> 94.23.
    # Client 2 owes 0.10 and 0.20 due as_of + 10: both arrive in 30 days -> 0.30 (float64: 0.30000000000000004).
    invoices = [
        (1, 1, "2024-06-01", "2024-06-29", 100.0),
        (2, 2, "2024-06-20", "2024-07-10", 0.10),
        (3, 2, "2024-06-20", "2024-07-10", 0.20),
    ]
    result = cash_forecast(_invoices(invoices), _payments([]), AS_OF)
    assert result.loc[1].tolist() == [62.69, 94.23]
    assert result.loc[2].tolist() == [0.30, 0.30]


def test_cash_expected_on_as_of_is_still_to_come() -> None:
    # Client 1 paid its three earlier invoices on their due dates (delay 0, portfolio 0): 500 due on as_of
    # itself is expected today, not late, and counts in full in both horizons (as late by 0 days it would
    # count 500 x (1 - e^-1) = 316.06 in 30 days). Due yesterday, it is late: 500 x e^(-1/120) x 0.632 = 313.44.
    invoices = [(10 + k, 1, f"2024-0{m}-01", f"2024-0{m}-10", 100.0) for k, m in enumerate((1, 2, 3))]
    payments = [(10 + k, f"2024-0{m}-10", 100.0) for k, m in enumerate((1, 2, 3))]
    today = cash_forecast(_invoices([*invoices, (1, 1, "2024-06-01", "2024-06-30", 500.0)]), _payments(payments), AS_OF)
    assert today.loc[1].tolist() == [500.0, 500.0]
    yesterday = cash_forecast(_invoices([*invoices, (1, 1, "2024-06-01", "2024-06-29", 500.0)]), _payments(payments), AS_OF)
    assert yesterday.loc[1, "expected_cash_30d"] == 313.44
