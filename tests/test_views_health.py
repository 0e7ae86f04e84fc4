"""Health read model: computed once per day and data (equal to a fresh client_health), payment figures, paging."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import date

import pandas as pd
import pytest

from crm_core.analytics import client_health, forecast
from crm_core.db import get_engine
from crm_core.store.frames import Frames, load_frames
from crm_core.views import health as health_view
from crm_core.views.health import AT_RISK_PAGE_SIZE, health_table, payment_overview
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


@pytest.fixture(scope="module")
def demo_frames(demo_template) -> Frames:
    """The demo portfolio (120 clients, seed 7) as loaded frames."""
    engine = get_engine(f"sqlite:///{demo_template}")
    try:
        return load_frames(engine)
    finally:
        engine.dispose()


def _copies(frames: Frames, deep: bool) -> Frames:
    return Frames(**{f.name: getattr(frames, f.name).copy(deep=deep) for f in fields(Frames)})


def test_health_is_computed_once_per_day_and_data_and_equals_a_fresh_client_health(demo_frames):
    as_of = date(2026, 11, 25)
    health_view._HEALTH.clear()
    first = health_table(demo_frames, as_of)
    hits, misses = health_view._HEALTH.hits, health_view._HEALTH.misses
    shared = health_table(_copies(demo_frames, deep=False), as_of)  # the same table versions, as a cache hands them out
    assert (health_view._HEALTH.hits, health_view._HEALTH.misses) == (hits + 1, misses)

    forecast._MODELS.clear()
    fresh = client_health(_copies(demo_frames, deep=True), as_of)  # new buffers: nothing kept applies
    pd.testing.assert_frame_equal(shared, fresh, check_exact=True)
    pd.testing.assert_frame_equal(first, fresh, check_exact=True)
    assert fresh["recurring_90d"].sum() > 0 and fresh["ltv"].sum() > 0

    shared["ltv"] = 0.0  # a caller's change stays its own
    assert health_table(demo_frames, as_of)["ltv"].sum() == fresh["ltv"].sum()


def test_health_after_a_write_is_computed_again(demo_frames):
    as_of = date(2026, 11, 25)
    before = health_table(demo_frames, as_of)
    written = _copies(demo_frames, deep=False)
    row = written.invoices.index[(written.invoices["issue_date"] <= pd.Timestamp(as_of)) & ~written.invoices["void"]][-1]
    written.invoices.loc[row, "total"] = written.invoices.loc[row, "total"] + 1_000.0
    client = int(written.invoices.loc[row, "client_id"])
    after = health_table(written, as_of)
    assert after.loc[client, "ltv"] == pytest.approx(before.loc[client, "ltv"] + 1_000.0)
    assert health_table(demo_frames, as_of).loc[client, "ltv"] == before.loc[client, "ltv"]
