"""Calendar-day helpers: the end of an as-of day, whole months back from an as-of day."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from crm_core import activity_views, pipeline_views
from crm_core.analytics.days import as_of_day, end_of_day, months_before


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
