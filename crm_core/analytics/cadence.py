"""Purchase cadence per client: median gap between invoice dates, next expected invoice, tenure.

Definitions: docs/design.md §4.8.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.days import NO_DAY, as_of_day, day_numbers, to_dates
from crm_core.analytics.grouped import group_median, positions, sorted_keys


def cadence_figures(status: pd.DataFrame, client_index: pd.Index, as_of: date) -> pd.DataFrame:
    """cadence_days, first/last invoice, next_invoice_expected, days_since_last_invoice, months_as_client.

    Purchases are the non-void invoices that are not credit notes, issued on or before `as_of`
    (`status` is `invoice_status` output, already cut at `as_of`; an invoice without an issue date is not
    in it). first_invoice_date is `first_invoice_days`, which reads the invoices themselves. Several invoices on one day are
    one purchase, so the cadence is the median gap, in days, between distinct invoice dates (NaN
    with fewer than two). next_invoice_expected = last invoice date + cadence (NaT without one).
    months_as_client counts whole calendar months from the first invoice to `as_of` (0 for a
    client never invoiced; a month-end `as_of` completes the month, so Jan 31 -> Feb 29 is 1 month,
    as in `days.months_before`); days_since_last_invoice is NaN for them.
    """
    t = as_of_day(as_of)
    n = len(client_index)
    pos = positions(client_index, status["client_id"])
    keep = (pos >= 0) & ~status["void"].to_numpy(dtype=bool) & ~status["credit_note"].to_numpy(dtype=bool)
    day = day_numbers(status["issue_date"])[keep]
    pos = pos[keep]

    # Distinct (client, day) pairs, sorted by client then day: one int64 key per pair.
    base = int(day.min()) if len(day) else 0
    span = int(day.max()) - base + 1 if len(day) else 1
    key = sorted_keys(pos.astype(np.int64) * span + (day - base))
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
    upos, uday = key // span, key % span + base

    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    if len(key):
        starts = np.flatnonzero(np.r_[True, upos[1:] != upos[:-1]])
        ends = np.r_[starts[1:], len(key)] - 1
        first[upos[starts]] = uday[starts]
        last[upos[ends]] = uday[ends]
    same = upos[1:] == upos[:-1]
    cadence = group_median(upos[1:][same], (uday[1:] - uday[:-1])[same], n)

    return pd.DataFrame(
        {
            "cadence_days": cadence,
            "first_invoice_date": to_dates(first),
            "last_invoice_date": to_dates(last),
            "next_invoice_expected": to_dates(last + cadence),
            "days_since_last_invoice": t - last,
            "months_as_client": _whole_months(first, t),
        },
        index=client_index,
    )


def _whole_months(first: np.ndarray, t: int) -> np.ndarray:
    """Whole calendar months from day numbers `first` to day `t` (0 where `first` is NaN)."""
    ok = ~np.isnan(first)
    start = np.where(ok, first, t).astype(np.int64).astype("datetime64[D]")
    end = np.datetime64(t, "D")
    start_month = start.astype("datetime64[M]")
    end_month = end.astype("datetime64[M]")
    months = (end_month - start_month).astype(np.int64)
    start_dom = (start - start_month.astype("datetime64[D]")).astype(np.int64)
    end_dom = int((end - end_month.astype("datetime64[D]")).astype(np.int64))
    month_end = (end + 1).astype("datetime64[M]") != end_month  # the last day of its month
    months = months - ((end_dom < start_dom) & (not month_end))
    return np.where(ok, np.maximum(months, 0), 0).astype(np.int64)


def first_invoice_days(invoices: pd.DataFrame, as_of: date) -> pd.Series:
    """Each client's first purchase day (day numbers, indexed by client_id): client_health's first_invoice_date.

    The earliest issue day of the client's non-void invoices that are not credit notes, issued on or before
    `as_of`. An invoice without an issue date never counts: nothing says it was issued by then (as in
    `invoice_status`). Clients without one are absent. The learned pipeline reads it without the payments.
    """
    day = day_numbers(invoices["issue_date"])
    keep = (
        (day != NO_DAY)
        & (day <= as_of_day(as_of))
        & ~invoices["void"].to_numpy(dtype=bool)
        & ~invoices["credit_note"].to_numpy(dtype=bool)
    )
    first = pd.Series(day[keep]).groupby(invoices["client_id"].to_numpy(dtype=np.int64)[keep]).min()
    first.index.name = "client_id"
    return first.astype(np.int64)
