"""Calendar-day helpers: the end of an as-of day, whole months back from an as-of day, month numbers of days."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from crm_core.analytics.days import as_of_day, day_numbers, end_of_day, month_first_days, month_numbers, months_before
from crm_core.analytics.engagement import engagement_figures
from crm_core.views import activities as activity_views
from crm_core.views import pipeline as pipeline_views


def test_end_of_day_is_the_first_instant_of_the_next_day() -> None:
    assert end_of_day(date(2024, 2, 28)) == pd.Timestamp("2024-02-29 00:00")
    assert end_of_day(date(2024, 12, 31)) == pd.Timestamp("2025-01-01 00:00")
    # a time of day is dropped: the end of that same day
    assert end_of_day(datetime(2024, 6, 30, 23, 59)) == pd.Timestamp("2024-07-01")
    assert pd.Timestamp("2024-06-30 23:59:59") < end_of_day(date(2024, 6, 30))


def test_the_views_share_it() -> None:
    assert activity_views.end_of_day is end_of_day
    assert pipeline_views.end_of_day is end_of_day
    assert not hasattr(activity_views, "_end_of") and not hasattr(pipeline_views, "_end_of")


def test_months_before_keeps_month_ends() -> None:
    # From a month end, a month end: Feb 28 2025 - 12 = Feb 29 2024; Sep 30 - 6 = Mar 31; Apr 30 - 2 = Feb 29.
    assert months_before(date(2025, 2, 28), 12) == as_of_day(date(2024, 2, 29))
    assert months_before(date(2024, 9, 30), 6) == as_of_day(date(2024, 3, 31))
    assert months_before(date(2024, 4, 30), 2) == as_of_day(date(2024, 2, 29))
    # Otherwise the same day of the month, clamped: Mar 31 - 1 = Feb 29 (leap); Jun 15 - 12 = Jun 15 2023.
    assert months_before(date(2024, 3, 31), 1) == as_of_day(date(2024, 2, 29))
    assert months_before(date(2024, 6, 15), 12) == as_of_day(date(2023, 6, 15))
    assert months_before(date(2024, 3, 30), 1) == as_of_day(date(2024, 2, 29))


def test_aware_timestamps_count_on_the_business_calendar_day() -> None:
    # Frames from the database hold naive Madrid times; a frame built with UTC-aware times must not be
    # counted on the UTC day: 23:30 UTC on Jan 15 is 00:30 on Jan 16 in Madrid (UTC+1 in winter),
    # 22:30 UTC on Jul 15 is 00:30 on Jul 16 (UTC+2 in summer); 12:00 UTC on Jan 15 stays on Jan 15.
    aware = pd.Series(pd.to_datetime(["2024-01-15 23:30", "2024-07-15 22:30", "2024-01-15 12:00"]).tz_localize("UTC"))
    expected = [as_of_day(date(2024, 1, 16)), as_of_day(date(2024, 7, 16)), as_of_day(date(2024, 1, 15))]
    assert day_numbers(aware).tolist() == expected
    activities = pd.DataFrame({"client_id": [1], "occurred_at": aware.iloc[:1], "done": [True]})
    out = engagement_figures(activities, pd.Index([1]), date(2024, 1, 15))
    assert out.loc[1, "activities_30d"] == 0  # on Jan 16 locally: after as_of
    assert engagement_figures(activities, pd.Index([1]), date(2024, 1, 16)).loc[1, "days_since_last_activity"] == 0


def test_month_numbers_and_first_days_match_numpy_calendar_for_any_size() -> None:
    rng = np.random.default_rng(2)
    for days in (
        rng.integers(-800, 900, 50),  # short: numpy directly
        rng.integers(19_000, 19_800, 100_000),  # many rows on few days: the lookup table
        rng.integers(-(10**6), 10**6, 5_000),  # a wide spread: numpy directly
    ):
        months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        assert np.array_equal(month_numbers(days), months)
        firsts = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        assert np.array_equal(month_first_days(months), firsts)
