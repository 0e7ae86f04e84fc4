"""Pages of a table: count, row numbers, the rows of one page."""

from __future__ import annotations

import pandas as pd

from crm_core.views.paging import page_count, page_of, page_rows


def test_page_count() -> None:
    assert page_count(250, 100) == 3
    assert page_count(200, 100) == 2
    assert page_count(0, 100) == 1


def test_page_rows_clamped() -> None:
    assert page_rows(250, 3, 100) == (201, 250)
    assert page_rows(250, 9, 100) == (201, 250)
    assert page_rows(250, 0, 100) == (1, 100)
    assert page_rows(0, 1, 100) == (0, 0)


def test_page_of() -> None:
    frame = pd.DataFrame({"x": range(250)})
    assert list(page_of(frame, 3, 100)["x"]) == list(range(200, 250))
    assert list(page_of(frame, 9, 100)["x"]) == list(range(200, 250))  # past the end: last page
    assert list(page_of(frame, -1, 100)["x"]) == list(range(100))
    assert page_of(frame.iloc[:0], 1, 100).empty
