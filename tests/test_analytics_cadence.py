"""Purchase cadence: median gap between distinct invoice dates, next expected invoice, tenure."""

from __future__ import annotations

import math

import pandas as pd

from crm_core.analytics.cadence import cadence_figures, first_invoice_days
from crm_core.analytics.days import as_of_day
from crm_core.analytics.payments import invoice_status
from tests.frames_builder import d, frames

T = d("2024-06-30")


def _figures(invoices: list[dict], as_of=T) -> pd.DataFrame:
    f = frames(invoices=invoices)
    index = pd.Index([1, 2, 3], name="client_id")
    return cadence_figures(invoice_status(f.invoices, f.payments, as_of), index, as_of)


def _inv(invoice_id: int, client_id: int, issue: str, **flags: object) -> dict:
    return {
        "invoice_id": invoice_id,
        "client_id": client_id,
        "number": f"F{invoice_id}",
        "issue_date": d(issue),
        "due_date": d(issue),
        "total": -10.0 if flags.get("credit_note") else 10.0,
        **flags,
    }


def test_median_of_an_even_number_of_gaps_and_same_day_invoices() -> None:
    out = _figures(
        [
            _inv(1, 1, "2024-01-01"),
            _inv(2, 1, "2024-01-01"),  # same day: one purchase
            _inv(3, 1, "2024-01-11"),
            _inv(4, 1, "2024-01-31"),
            _inv(5, 1, "2024-03-01"),
            _inv(6, 1, "2024-02-15", void=True),  # void: not a purchase
            _inv(7, 1, "2024-02-20", credit_note=True),  # credit note: not a purchase
            _inv(8, 1, "2024-07-05"),  # after T
        ]
    )
    row = out.loc[1]
    # Dates Jan 1, Jan 11, Jan 31, Mar 1: gaps 10, 20, 30 (Jan 31 -> Mar 1 in a leap year) -> median 20.
    assert row["cadence_days"] == 20
    assert row["next_invoice_expected"] == pd.Timestamp("2024-03-21")  # Mar 1 + 20
    assert row["days_since_last_invoice"] == 121  # Mar 1 -> Jun 30: 30 + 30 + 31 + 30
    assert row["months_as_client"] == 5  # Jan 1 -> Jun 30
    assert row["first_invoice_date"] == pd.Timestamp("2024-01-01")


def test_one_purchase_no_cadence_and_a_client_without_invoices() -> None:
    out = _figures([_inv(1, 2, "2024-01-31"), _inv(2, 2, "2024-01-31")])
    assert math.isnan(out.loc[2, "cadence_days"]) and pd.isna(out.loc[2, "next_invoice_expected"])
    # Jan 31 -> Jun 30: Jun 30 is the last day of June, so Feb .. Jun are 5 whole months (Jan 31 + 5
    # months is Jun 30), as a month-end window counts them (days.months_before).
    assert out.loc[2, "months_as_client"] == 5
    assert out.loc[2, "days_since_last_invoice"] == 151  # 29 (Feb) + 31 + 30 + 31 + 30
    assert math.isnan(out.loc[3, "days_since_last_invoice"]) and out.loc[3, "months_as_client"] == 0


def test_odd_number_of_gaps() -> None:
    out = _figures([_inv(1, 3, "2024-06-01"), _inv(2, 3, "2024-06-04"), _inv(3, 3, "2024-06-14"), _inv(4, 3, "2024-06-15")])
    # gaps 3, 10, 1 -> median 3
    assert out.loc[3, "cadence_days"] == 3


def test_months_as_client_when_as_of_is_a_month_end() -> None:
    # A month from Jan 31 ends on Feb 29 (the last day of February, 2024 is leap): 1 month as client.
    assert _figures([_inv(1, 1, "2024-01-31")], as_of=d("2024-02-29")).loc[1, "months_as_client"] == 1
    # A year from Feb 29 2024 ends on Feb 28 2025: 12 months.
    assert _figures([_inv(1, 1, "2024-02-29")], as_of=d("2025-02-28")).loc[1, "months_as_client"] == 12
    # Jan 30 -> Feb 29: the month-end is reached as well; Jan 31 -> Mar 30 (not a month end): 1 month.
    assert _figures([_inv(1, 1, "2024-01-30")], as_of=d("2024-02-29")).loc[1, "months_as_client"] == 1
    assert _figures([_inv(1, 1, "2024-01-31")], as_of=d("2024-03-30")).loc[1, "months_as_client"] == 1
    # Mid-month: Jan 15 -> Feb 14 is 0 months, -> Feb 15 is 1.
    assert _figures([_inv(1, 1, "2024-01-15")], as_of=d("2024-02-14")).loc[1, "months_as_client"] == 0
    assert _figures([_inv(1, 1, "2024-01-15")], as_of=d("2024-02-15")).loc[1, "months_as_client"] == 1


def test_first_invoice_days_is_client_healths_first_invoice_date() -> None:
    """Void invoices, credit notes, invoices after T and an invoice without an issue date never count."""
    invoices = [
        _inv(1, 1, "2024-03-01"),
        _inv(2, 1, "2024-02-15", void=True),
        _inv(3, 1, "2024-02-20", credit_note=True),
        _inv(4, 2, "2024-07-05"),  # after T: client 2 has none by T
        _inv(5, 3, "2024-05-10"),
        {**_inv(6, 3, "2024-01-01"), "issue_date": None},  # no issue date: not known to be issued by T
    ]
    first = first_invoice_days(frames(invoices=invoices).invoices, T)
    assert first.to_dict() == {1: as_of_day(d("2024-03-01")), 3: as_of_day(d("2024-05-10"))}
    health_dates = _figures(invoices)["first_invoice_date"].dropna()
    assert [as_of_day(day) for day in health_dates] == first.tolist()
    assert health_dates.index.tolist() == first.index.tolist()
