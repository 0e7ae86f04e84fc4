"""Recurring revenue forecast: invoicing expected from existing business in the next 30/90 days."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

HORIZONS: tuple[int, ...] = (30, 90)
# A client younger than this is rated over this many days, so one fresh invoice is not annualised.
MIN_EXPOSURE_DAYS = 90


def as_of_timestamp(as_of: date | pd.Timestamp) -> pd.Timestamp:
    """`as_of` as a midnight Timestamp, comparable with the frames' naive date columns."""
    return pd.Timestamp(as_of).normalize()


def billable_invoices(invoices: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Non-void invoices (credit notes included, negative) issued on or before `as_of`."""
    cutoff = as_of_timestamp(as_of)
    keep = ~invoices["void"].to_numpy(dtype=bool) & (invoices["issue_date"] <= cutoff).to_numpy()
    return invoices.loc[keep, ["invoice_id", "client_id", "issue_date", "total"]]


def _empty_forecast(index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {f"recurring_{h}d": np.zeros(len(index)) for h in HORIZONS},
        index=pd.Index(index, name="client_id", dtype="int64"),
    )


def recurring_forecast(invoices: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Expected invoiced revenue from existing business in (as_of, as_of + 30] and (as_of, as_of + 90].

    One row per client present in `invoices` (0 for a client without usable history).
    First version: each client's trailing-365-day revenue per day of exposure, carried forward.
    """
    clients = pd.Index(pd.unique(invoices["client_id"]), dtype="int64")
    result = _empty_forecast(clients.sort_values())
    inv = billable_invoices(invoices, as_of)
    if inv.empty:
        return result
    cutoff = as_of_timestamp(as_of)
    recent = inv["issue_date"] >= cutoff - pd.Timedelta(days=365)
    grouped = inv.groupby("client_id")
    first = grouped["issue_date"].min()
    revenue_365 = inv["total"].where(recent, 0.0).groupby(inv["client_id"]).sum()
    exposure = ((cutoff - first).dt.days + 1).clip(lower=MIN_EXPOSURE_DAYS, upper=365)
    rate = (revenue_365 / exposure).clip(lower=0.0)
    for h in HORIZONS:
        result.loc[rate.index, f"recurring_{h}d"] = (rate * h).to_numpy()
    return result
