"""Client health for every face (pages, CLI, API), and what the Health page shows beside the at-risk list."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from crm_core.analytics import client_health
from crm_core.store.frames import Frames

AT_RISK_PAGE_SIZE = 100


def health_table(frames: Frames, as_of: date) -> pd.DataFrame:
    """Every client's health figures as of `as_of` (`analytics.client_health`): what every face reads."""
    return client_health(frames, as_of)


def payment_overview(health: pd.DataFrame) -> dict[str, Any]:
    """Median DSO over clients that have one, mean on-time rate over clients that have one (NaN if none)."""
    dso = health["dso"].dropna()
    rate = health["on_time_rate"].dropna()
    return {
        "median_dso": float(dso.median()) if len(dso) else math.nan,
        "mean_on_time": float(rate.mean()) if len(rate) else math.nan,
        "clients_with_dso": int(len(dso)),
    }
