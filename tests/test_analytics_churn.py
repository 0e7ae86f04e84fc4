"""Churn score: each component at its break points, the weighted sum, the driver and the reason."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from crm_core.analytics.churn import churn_scores
from crm_core.analytics.settings import AnalyticsSettings, ChurnWeights

NaN = math.nan
BASE: dict[str, Any] = {
    "lifecycle": "active",
    "days_since_last_invoice": 10.0,
    "cadence_days": 30.0,
    "days_since_last_activity": 5.0,
    "on_time_rate": 1.0,
    "max_days_overdue": 0.0,
    "revenue_last_6m": 600.0,
    "revenue_prev_6m": 600.0,
}


def score(settings: AnalyticsSettings | None = None, **changes: Any) -> pd.Series:
    figures = pd.DataFrame([{**BASE, **changes}])
    return churn_scores(figures, settings or AnalyticsSettings()).iloc[0]


def test_healthy_client_scores_zero() -> None:
    row = score()
    assert row["churn_score"] == 0.0
    assert row["churn_driver"] == "none" and row["churn_reason"] == "No warning sign."


@pytest.mark.parametrize(
    ("since", "cadence", "expected"),
    [
        (30.0, 30.0, 0.0),  # 1x the usual gap: 0
        (60.0, 30.0, 50.0),  # 2x: (2 - 1) / (3 - 1) = 50
        (90.0, 30.0, 100.0),  # 3x: 100
        (300.0, 30.0, 100.0),  # capped
        (90.0, NaN, 25.0),  # one purchase only: held to 60 days -> 1.5x -> (1.5 - 1) / 2 = 25
        (14.0, 2.0, 50.0),  # cadence under 7 days is rated as 7: 14 / 7 = 2x -> 50
    ],
)
def test_recency_against_own_cadence(since: float, cadence: float, expected: float) -> None:
    row = score(days_since_last_invoice=since, cadence_days=cadence)
    assert row["churn_recency"] == expected
    assert row["churn_score"] == round(0.35 * expected, 1)


@pytest.mark.parametrize(
    ("days", "expected"),
    [(30.0, 0.0), (75.0, 50.0), (120.0, 100.0), (400.0, 100.0), (NaN, 100.0)],  # NaN: never contacted
)
def test_engagement(days: float, expected: float) -> None:
    # (75 - 30) / (120 - 30) = 0.5
    assert score(days_since_last_activity=days)["churn_engagement"] == expected


@pytest.mark.parametrize(
    ("on_time", "oldest", "expected"),
    [
        (1.0, 0.0, 0.0),
        (0.75, 0.0, 25.0),  # 25 % not on time
        (1.0, 45.0, 50.0),  # 45 / 90 days
        (0.75, 45.0, 50.0),  # the larger of 25 and 50
        (NaN, 0.0, 0.0),  # nothing came due
        (1.0, 200.0, 100.0),
    ],
)
def test_payment(on_time: float, oldest: float, expected: float) -> None:
    assert score(on_time_rate=on_time, max_days_overdue=oldest)["churn_payment"] == expected


@pytest.mark.parametrize(
    ("last", "prev", "expected"),
    [(600.0, 600.0, 0.0), (900.0, 600.0, 0.0), (150.0, 600.0, 75.0), (0.0, 600.0, 100.0), (500.0, 0.0, 0.0)],
)
def test_trend(last: float, prev: float, expected: float) -> None:
    # (600 - 150) / 600 = 75 %; a rise or nothing before: 0
    assert score(revenue_last_6m=last, revenue_prev_6m=prev)["churn_trend"] == expected


def test_weighted_sum_driver_and_reason() -> None:
    # recency 60 / 30 = 2x -> 50; engagement (75 - 30) / 90 -> 50; payment 25; trend 75.
    row = score(days_since_last_invoice=60.0, days_since_last_activity=75.0, on_time_rate=0.75, revenue_last_6m=150.0)
    # 0.35 * 50 + 0.20 * 50 + 0.20 * 25 + 0.25 * 75 = 17.5 + 10 + 5 + 18.75 = 51.25 -> 51.2 (half to even)
    assert row["churn_score"] == pytest.approx(51.2)
    assert row["churn_driver"] == "trend"  # 18.75 is the largest weighted part
    assert row["churn_reason"] == "Revenue of the last 6 months fell 75% against the 6 before."


@pytest.mark.parametrize(
    ("changes", "driver", "reason"),
    [
        ({"days_since_last_invoice": 90.0}, "recency", "No invoice for 90 days, against a usual gap of 30 days."),
        ({"days_since_last_invoice": 150.0, "cadence_days": NaN}, "recency", "No invoice for 150 days since the only one."),
        ({"days_since_last_activity": 100.0}, "engagement", "No contact logged for 100 days."),
        ({"days_since_last_activity": NaN}, "engagement", "No contact ever logged."),
        ({"max_days_overdue": 40.0}, "payment", "An invoice is 40 days overdue."),
        ({"on_time_rate": 0.6}, "payment", "Only 60% of invoices paid on time."),
    ],
)
def test_reason_names_the_driver(changes: dict[str, Any], driver: str, reason: str) -> None:
    row = score(**changes)
    assert row["churn_driver"] == driver
    assert row["churn_reason"] == reason


def test_prospect_and_lost() -> None:
    prospect = score(
        lifecycle="prospect",
        days_since_last_invoice=NaN,
        cadence_days=NaN,
        days_since_last_activity=NaN,
        on_time_rate=NaN,
        revenue_last_6m=0.0,
        revenue_prev_6m=0.0,
    )
    assert prospect["churn_score"] == 0.0 and prospect["churn_engagement"] == 0.0
    assert prospect["churn_driver"] == "none"
    lost = score(lifecycle="lost", days_since_last_invoice=90.0)
    # Lost has already churned: 100; components still computed (recency 3x -> 100).
    assert lost["churn_score"] == 100.0 and lost["churn_recency"] == 100.0
    assert lost["churn_driver"] == "lost" and lost["churn_reason"] == "Marked as lost."


def test_weights_come_from_settings() -> None:
    settings = AnalyticsSettings(churn_weights=ChurnWeights(recency=1.0, engagement=0.0, payment=0.0, trend=0.0))
    assert score(settings, days_since_last_invoice=60.0)["churn_score"] == 50.0  # 1.0 * 50
    with pytest.raises(ValueError, match="sum to 1"):
        ChurnWeights(recency=0.5, engagement=0.0, payment=0.0, trend=0.0)
