"""Calendar-day helpers: the end of an as-of day."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from crm_core import activity_views, pipeline_views
from crm_core.analytics.days import end_of_day


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
