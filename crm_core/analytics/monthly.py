"""Revenue per calendar month: invoiced so far, and forecast for the months ahead (docs/design.md §4.19)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.forecast import as_of_timestamp, billable_invoices, recurring_model
from crm_core.analytics.money import to_cents
from crm_core.analytics.pipeline import open_opportunities, probability_as_of
from crm_core.store.frames import Frames

MONTHLY_COLUMNS: list[str] = ["month", "revenue", "kind"]


def monthly_revenue(frames: Frames, as_of: date, months_ahead: int = 3) -> pd.DataFrame:
    """Actual invoiced revenue per month up to `as_of`, then forecast revenue per month.

    Columns: month (first day, Timestamp), revenue, kind ('actual' | 'forecast'). Actual months run
    from the first invoice's month to the month of `as_of` (months without invoices are 0): non-void
    totals, credit notes included. The month of `as_of` is partial, so it appears twice: 'actual' is
    what was invoiced up to `as_of`, 'forecast' what is expected for the rest of it. Then come
    `months_ahead` full forecast months. A forecast is the recurring model's expected revenue for the
    month (the same model as `recurring_forecast`, cumulative over horizons ending at each month end)
    plus open opportunities weighted by their probability on `as_of` (`probability_as_of`) in the month of their expected close (a close
    date already past falls in the rest of the current month; no close date: not counted). Revenue is
    rounded to the cent.
    """
    cutoff = as_of_timestamp(as_of)
    current = cutoff.to_period("M")
    inv = billable_invoices(frames.invoices, as_of)

    month_number = inv["issue_date"].to_numpy(dtype="datetime64[M]").astype(np.int64)  # months since 1970-01
    first = pd.Period(np.datetime64(int(month_number.min()), "M"), freq="M") if len(inv) else current
    months = pd.period_range(first, current, freq="M")
    actual = np.bincount(month_number - first.ordinal, weights=inv["total"].to_numpy(dtype="float64"), minlength=len(months))

    ahead = pd.period_range(current, periods=months_ahead + 1, freq="M")
    ends = np.array([(p.end_time.normalize() - cutoff).days for p in ahead], dtype=np.int64)
    cumulative = recurring_model(frames.invoices, as_of).forecast(tuple(int(d) for d in ends)) if len(ends) else {}
    totals = np.array([float(np.sum(cumulative[int(d)])) if int(d) > 0 else 0.0 for d in ends])
    recurring = np.diff(np.r_[0.0, totals])

    opps = open_opportunities(frames.opportunities, as_of)
    weighted = opps["amount"].fillna(0.0) * probability_as_of(opps, frames.stage_history, as_of) / 100.0
    close_month = opps["expected_close"].dt.to_period("M")
    close_month = close_month.where(close_month.isna() | (close_month >= current), current)
    pipeline = weighted.groupby(close_month).sum().reindex(ahead, fill_value=0.0).to_numpy()

    rows = pd.concat(
        [
            pd.DataFrame({"month": months.to_timestamp(), "revenue": actual, "kind": "actual"}),
            pd.DataFrame({"month": ahead.to_timestamp(), "revenue": recurring + pipeline, "kind": "forecast"}),
        ],
        ignore_index=True,
    )
    rows["month"] = rows["month"].astype("datetime64[ns]")
    rows["revenue"] = to_cents(rows["revenue"].to_numpy())
    return rows[MONTHLY_COLUMNS]
