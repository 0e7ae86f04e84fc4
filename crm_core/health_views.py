"""What the Health page shows beside the at-risk list: portfolio payment figures and list paging."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

AT_RISK_PAGE_SIZE = 100


def payment_overview(health: pd.DataFrame) -> dict[str, Any]:
    """Median DSO over clients that have one, mean on-time rate over clients that have one (NaN if none)."""
    dso = health["dso"].dropna()
    rate = health["on_time_rate"].dropna()
    return {
        "median_dso": float(dso.median()) if len(dso) else math.nan,
        "mean_on_time": float(rate.mean()) if len(rate) else math.nan,
        "clients_with_dso": int(len(dso)),
    }
