"""Revenue per calendar month: invoiced so far, and forecast for the months ahead (docs/design.md §4.19)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.forecast import as_of_timestamp, billable_invoices, recurring_model
from crm_core.analytics.money import to_cents
from crm_core.analytics.pipeline_forecast import learned_pipeline
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
    plus the learned pipeline's (`pipeline_forecast.learned_pipeline`: open deals and deals not yet
    created, the model of the expected-revenue cards) cumulative over the same horizons, month by month
    (with too little history to learn, its typed figure: past-due deals in the current month, undated
    ones not counted). Revenue is rounded to the cent.
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

    horizons = tuple(int(d) for d in ends if d > 0)
    won_by = np.zeros(len(ends))
    if horizons and not frames.opportunities.empty:
        model = learned_pipeline(frames.opportunities, frames.stage_history, as_of, frames.invoices, horizons)
        cumulative_pipeline = {h: float(model.deals[f"learned_{h}d"].sum()) + model.new_deals[h] for h in horizons}
        won_by = np.array([cumulative_pipeline.get(int(d), 0.0) for d in ends])
    pipeline = np.diff(np.r_[0.0, won_by])

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
