"""Recurring revenue forecast on hand-made invoice histories."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from crm_core.analytics.forecast import recurring_forecast
from crm_core.frames import Frames

AS_OF = date(2024, 6, 30)


def _invoices(rows: list[tuple]) -> pd.DataFrame:
    """rows: (client_id, issue_date, total[, void])."""
    df = pd.DataFrame(
        [(*r[:3], r[3] if len(r) > 3 else False) for r in rows],
        columns=["client_id", "issue_date", "total", "void"],
    )
    df["invoice_id"] = range(1, len(df) + 1)
    df["number"] = "F-" + df["invoice_id"].astype(str)
    df["credit_note"] = df["total"] < 0
    df["issue_date"] = pd.to_datetime(df["issue_date"]).astype("datetime64[ns]")
    df["due_date"] = df["issue_date"] + pd.Timedelta(days=30)
    base = Frames.empty().invoices
    return df[base.columns].astype(base.dtypes.to_dict())


def _monthly(client_id: int, start: str, end: str, amount: float) -> list[tuple]:
    return [(client_id, d, amount) for d in pd.date_range(start, end, freq="MS")]


def test_monthly_client_gets_one_and_three_months() -> None:
    rows = _monthly(1, "2022-07-01", "2024-06-01", 1_000.0)
    result = recurring_forecast(_invoices(rows), AS_OF)
    # One invoice of 1,000 a month for two years: about 1,000 in 30 days, 3,000 in 90 days.
    assert result.loc[1, "recurring_30d"] == pytest.approx(1_000.0, rel=0.05)
    assert result.loc[1, "recurring_90d"] == pytest.approx(3_000.0, rel=0.05)


def test_data_after_as_of_ignored_and_void_excluded() -> None:
    rows = _monthly(1, "2022-07-01", "2024-06-01", 1_000.0)
    base = recurring_forecast(_invoices(rows), AS_OF)
    noisy = rows + [(1, "2024-07-01", 50_000.0), (1, "2024-06-15", 80_000.0, True), (2, "2024-08-01", 9_000.0)]
    result = recurring_forecast(_invoices(noisy), AS_OF)
    assert result.loc[1].tolist() == pytest.approx(base.loc[1].tolist())
    # Client 2's only invoice is after as_of: no history, 0.
    assert result.loc[2].tolist() == [0.0, 0.0]


def test_empty_and_single_invoice_clients() -> None:
    empty = recurring_forecast(Frames.empty().invoices, AS_OF)
    assert empty.empty and list(empty.columns) == ["recurring_30d", "recurring_90d"]
    one = recurring_forecast(_invoices([(7, "2024-06-01", 500.0)]), AS_OF)
    assert 0.0 <= one.loc[7, "recurring_30d"] <= one.loc[7, "recurring_90d"]
