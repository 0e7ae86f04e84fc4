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


def page_count(rows: int, page_size: int = AT_RISK_PAGE_SIZE) -> int:
    return max(1, -(-rows // page_size))


def page_of(frame: pd.DataFrame, page: int, page_size: int = AT_RISK_PAGE_SIZE) -> pd.DataFrame:
    """Rows of page `page` (1-based, clamped to the pages there are) of `frame`."""
    page = min(max(page, 1), page_count(len(frame), page_size))
    return frame.iloc[(page - 1) * page_size : page * page_size]
