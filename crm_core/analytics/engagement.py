"""Engagement per client from the activities table: recency of contact and recent activity count.

Definitions: docs/design.md §4.9.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.days import NO_DAY, as_of_day, day_numbers, to_dates
from crm_core.analytics.grouped import group_count, group_max, positions
from crm_core.analytics.pipeline import open_mask


def follow_up_due(activities: pd.DataFrame) -> pd.Series:
    """When each activity is due: its `follow_up_on` date, else the moment it is scheduled for (`occurred_at`)."""
    return activities["follow_up_on"].where(activities["follow_up_on"].notna(), activities["occurred_at"])


def engagement_figures(activities: pd.DataFrame, client_index: pd.Index, as_of: date, window_days: int = 30) -> pd.DataFrame:
    """days_since_last_activity, activities_30d and last_activity_date per client.

    Only done activities count, dated by the calendar day of occurred_at, on or before `as_of`: a
    scheduled follow-up (done=False) is a plan, not a contact. activities_30d counts the window
    (as_of - window_days, as_of]. days_since_last_activity is NaN for a client never contacted.
    """
    t = as_of_day(as_of)
    n = len(client_index)
    pos = positions(client_index, activities["client_id"])
    day = day_numbers(activities["occurred_at"])
    done = activities["done"].to_numpy(dtype=bool)
    keep = (pos >= 0) & done & (day <= t) & (day != NO_DAY)
    last = group_max(pos, day.astype("float64"), n, keep)
    return pd.DataFrame(
        {
            "days_since_last_activity": t - last,
            "activities_30d": group_count(pos, n, keep & (day > t - window_days)),
            "last_activity_date": to_dates(last),
        },
        index=client_index,
    )


def open_opportunity_count(opportunities: pd.DataFrame, client_index: pd.Index, as_of: date) -> np.ndarray:
    """Opportunities open at `as_of` per client (`analytics.pipeline.open_mask`)."""
    pos = positions(client_index, opportunities["client_id"])
    keep = (pos >= 0) & open_mask(opportunities, as_of)
    return group_count(pos, len(client_index), keep)
