"""Overview read model: the 12-month delta from the invoices alone equals the one from a year-ago health."""

from __future__ import annotations

from datetime import date

import pytest

from crm_core.analytics import client_health, portfolio_summary
from crm_core.db import get_engine
from crm_core.store.frames import Frames, load_frames
from crm_core.views.health import health_table
from crm_core.views.overview import comparison_dates, overview


@pytest.fixture(scope="module")
def demo_frames(demo_template) -> Frames:
    """The demo portfolio (120 clients, seed 7) as loaded frames."""
    engine = get_engine(f"sqlite:///{demo_template}")
    try:
        return load_frames(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("as_of", [date(2026, 11, 25), date(2026, 2, 28)])
def test_year_delta_without_the_year_ago_health_is_the_same_figure(demo_frames, as_of):
    month_ago, year_ago = comparison_dates(as_of)
    health, before = health_table(demo_frames, as_of), health_table(demo_frames, month_ago)
    year_health = client_health(demo_frames, year_ago)
    expected = portfolio_summary(health, previous=year_health)["deltas"]["revenue_12m"]

    lean = overview(demo_frames, as_of, health, before)
    assert lean.year_deltas == {"revenue_12m": expected}
    assert expected != 0.0
    full = overview(demo_frames, as_of, health, before, year_health)
    assert full.year_deltas == lean.year_deltas
    assert full.summary == lean.summary
    assert full.summary["deltas"] == portfolio_summary(health, previous=before)["deltas"] | {
        key: full.summary["deltas"][key]
        for key in ("pipeline_30d", "pipeline_90d", "expected_revenue_30d", "expected_revenue_90d")
    }
