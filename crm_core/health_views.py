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
    """How many pages of `page_size` rows `rows` fill (at least 1, so an empty list still has a page)."""
    return max(1, -(-rows // page_size))


def page_of(frame: pd.DataFrame, page: int, page_size: int = AT_RISK_PAGE_SIZE) -> pd.DataFrame:
    """Rows of page `page` (1-based, clamped to the pages there are) of `frame`."""
    first, last = page_rows(len(frame), page, page_size)
    return frame.iloc[max(first - 1, 0) : last]


def page_rows(rows: int, page: int, page_size: int = AT_RISK_PAGE_SIZE) -> tuple[int, int]:
    """The 1-based first and last row numbers on page `page` (clamped); (0, 0) when there are no rows."""
    if rows == 0:
        return 0, 0
    page = min(max(page, 1), page_count(rows, page_size))
    return (page - 1) * page_size + 1, min(page * page_size, rows)
