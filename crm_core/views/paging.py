"""Splitting a long table into numbered pages (1-based, clamped), shared by the client and at-risk lists."""

from __future__ import annotations

import pandas as pd


def page_count(rows: int, page_size: int) -> int:
    """How many pages of `page_size` rows `rows` fill (at least 1, so an empty list still has a page)."""
    return max(1, -(-rows // page_size))


def page_rows(rows: int, page: int, page_size: int) -> tuple[int, int]:
    """The 1-based first and last row numbers on page `page` (clamped); (0, 0) when there are no rows."""
    if rows == 0:
        return 0, 0
    page = min(max(page, 1), page_count(rows, page_size))
    return (page - 1) * page_size + 1, min(page * page_size, rows)


def page_of(frame: pd.DataFrame, page: int, page_size: int) -> pd.DataFrame:
    """Rows of page `page` (1-based; before the first or past the last gives that end page) of `frame`."""
    first, last = page_rows(len(frame), page, page_size)
    return frame.iloc[max(first - 1, 0) : last]
