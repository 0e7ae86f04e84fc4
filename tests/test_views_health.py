"""Health page helpers: portfolio payment figures and paging of the at-risk list."""

from __future__ import annotations

import math

import pandas as pd

from crm_core.views.health import AT_RISK_PAGE_SIZE, payment_overview
from crm_core.views.paging import page_count, page_of, page_rows


def test_payment_overview_medians_and_means_over_clients_with_a_figure():
    health = pd.DataFrame({"dso": [10.0, 30.0, math.nan, 50.0], "on_time_rate": [1.0, 0.5, math.nan, 0.0]})
    figures = payment_overview(health)
    assert figures["median_dso"] == 30.0  # median of 10, 30, 50
    assert figures["mean_on_time"] == 0.5  # (1 + 0.5 + 0) / 3
    assert figures["clients_with_dso"] == 3


def test_payment_overview_of_nothing_is_empty():
    figures = payment_overview(pd.DataFrame({"dso": [math.nan], "on_time_rate": [math.nan]}))
    assert math.isnan(figures["median_dso"]) and math.isnan(figures["mean_on_time"])


def test_paging():
    frame = pd.DataFrame({"x": range(250)})
    assert page_count(250, AT_RISK_PAGE_SIZE) == 3 and page_count(0, AT_RISK_PAGE_SIZE) == 1
    assert list(page_of(frame, 3, AT_RISK_PAGE_SIZE)["x"]) == list(range(200, 250))
    assert page_rows(250, 3, AT_RISK_PAGE_SIZE) == (201, 250)
    assert page_rows(250, 9, AT_RISK_PAGE_SIZE) == (201, 250)  # clamped to the last page
    assert page_rows(250, 0, AT_RISK_PAGE_SIZE) == (1, 100)
    assert page_rows(0, 1, AT_RISK_PAGE_SIZE) == (0, 0)
    assert page_of(frame.iloc[:0], 1, AT_RISK_PAGE_SIZE).empty
