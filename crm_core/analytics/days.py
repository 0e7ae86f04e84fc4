"""Calendar-day arithmetic for the figures: dates as whole day numbers, so `T - date` is exact (docs/design.md §4.1)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.config import business_timezone

NO_DAY = np.iinfo(np.int64).min  # stands for NaT in day-number arrays
NS_PER_DAY = 86_400_000_000_000


def as_of_day(as_of: date | pd.Timestamp) -> int:
    """`as_of` as a day number (days since 1970-01-01); a time of day is dropped."""
    return int(np.datetime64(pd.Timestamp(as_of).normalize().date(), "D").astype(np.int64))


def months_before(as_of: date | pd.Timestamp, months: int) -> int:
    """Day number of `as_of` minus `months` calendar months, so (that day, as_of] is `months` whole months.

    From a month end the result is a month end too: Feb 28 2025 - 12 months is Feb 29 2024 and
    Sep 30 - 6 months is Mar 31, so the window is Mar 2024 .. Feb 2025 (or Apr .. Sep), not a day more.
    Otherwise the same day of the month, clamped to a shorter month (Mar 31 - 1 month = Feb 29).
    """
    stamp = pd.Timestamp(as_of).normalize()
    start = stamp - pd.DateOffset(months=months)
    if stamp.is_month_end:
        start = start + pd.offsets.MonthEnd(0)
    return as_of_day(start)


def end_of_day(as_of: date) -> pd.Timestamp:
    """The first instant after `as_of` (naive, business timezone): `at < end_of_day(T)` keeps times on day T."""
    return pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)


def day_numbers(values: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Dates or timestamps as int64 day numbers (the calendar day; NaT becomes NO_DAY).

    Naive values are already business-local (as `crm_core.store.frames` loads them); timezone-aware ones are
    counted on their business-timezone day (CRM_TIMEZONE), never on their UTC day.
    """
    if isinstance(getattr(values, "dtype", None), pd.DatetimeTZDtype):
        values = pd.Series(values).dt.tz_convert(business_timezone()).dt.tz_localize(None)
    ns = np.asarray(values, dtype="datetime64[ns]").view(np.int64)
    days = ns // NS_PER_DAY  # floor division: also right before 1970
    days[ns == NO_DAY] = NO_DAY  # NaT is the minimum int64 in nanoseconds too
    return days


def to_dates(days: np.ndarray) -> np.ndarray:
    """Float or int day numbers back to datetime64[ns] (NaN / NO_DAY become NaT)."""
    days = np.asarray(days)
    if days.dtype.kind == "f":
        out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
        ok = ~np.isnan(days)
        out[ok] = days[ok].astype(np.int64).astype("datetime64[D]")
        return out
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[days == NO_DAY] = np.datetime64("NaT")
    return out


def month_numbers(days: np.ndarray) -> np.ndarray:
    """Int day numbers to month numbers (months since 1970-01): `days.astype("datetime64[D]").astype("datetime64[M]")`.

    Many rows fall on few days, so the calendar is worked out once per day of their span and looked up.
    """
    days = np.asarray(days, dtype=np.int64)
    if len(days) < 1024:
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    low, high = int(days.min()), int(days.max())
    if high - low >= len(days) // 4:  # spread too wide for a table to pay
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    table = np.arange(low, high + 1, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return table[days - low]


def month_first_days(months: np.ndarray) -> np.ndarray:
    """Int month numbers to the day number of each month's first day: `months.astype("datetime64[M]").astype("datetime64[D]")`."""
    months = np.asarray(months, dtype=np.int64)
    if len(months) < 1024:
        return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    low, high = int(months.min()), int(months.max())
    if high - low >= len(months) // 4:
        return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    table = np.arange(low, high + 1, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return table[months - low]
