"""Thresholds of the health figures, in one frozen object so a page or a test can change them."""

from __future__ import annotations

from dataclasses import astuple, dataclass


@dataclass(frozen=True)
class ChurnWeights:
    """Weights of the churn components; they sum to 1 so the score stays within 0-100."""

    recency: float = 0.35
    engagement: float = 0.20
    payment: float = 0.20
    trend: float = 0.25

    def __post_init__(self) -> None:
        if min(astuple(self)) < 0 or abs(sum(astuple(self)) - 1) > 1e-9:
            raise ValueError("churn weights must be non-negative and sum to 1")


@dataclass(frozen=True)
class AnalyticsSettings:
    """Every threshold and weight the health figures use (docs/design.md §4.2)."""

    # Default risk (seed's four levels).
    critical_overdue_days: int = 90  # an invoice overdue more than this: critical
    high_overdue_days: int = 30  # an invoice overdue more than this: high
    high_on_time_below: float = 0.50  # on-time rate under this: high
    medium_on_time_below: float = 0.85  # on-time rate under this (or anything overdue): medium

    # Lifecycle.
    dormant_days: int = 60  # no invoice for more than this many days: dormant
    vip_top_share: float = 0.10  # top share of clients with revenue (last 12 months): VIP

    # Windows of the activity figures.
    activity_window_days: int = 30

    # Churn score: weights of the components (they sum to 1) and where each reaches 0 and 100.
    churn_weights: ChurnWeights = ChurnWeights()
    recency_start_ratio: float = 1.0  # days since last invoice / own cadence: 0 at or below this
    recency_full_ratio: float = 3.0  # ... and 100 at or above this
    min_cadence_days: int = 7  # a cadence shorter than this is rated as this (one-week buyers)
    engagement_start_days: int = 30  # days since the last done activity: 0 at or below this
    engagement_full_days: int = 120  # ... and 100 at or above this (never contacted: 100)
    payment_full_overdue_days: int = 90  # oldest overdue days giving 100 on the overdue side
    trend_months: int = 6  # last N months against the N before

    # Who is "at risk" by default (overview KPI and at-risk list).
    at_risk_churn_min: float = 60.0
    at_risk_levels: tuple[str, ...] = ("high", "critical")
    # Severity of an at-risk client from its churn score (the worse of this and its default risk).
    churn_critical_min: float = 85.0  # churn score at or above this: critical
    churn_high_min: float = 70.0  # ... high
    churn_medium_min: float = 60.0  # ... medium

    # Recommendations (the seed's `generar_recomendaciones`). Overdue severity and the collection
    # action use critical_overdue_days / high_overdue_days above.
    churn_alert: float = 70.0  # churn score over this: a churn alert, an urgent call
    inactivity_alert_days: int = 30  # no contact for more than this: an inactivity alert
    follow_up_days: int = 15  # no contact for more than this: a follow-up action
    high_ltv: float = 30_000.0  # LTV over this (medium or large company): a VIP-account opportunity
    high_engagement_activities: int = 5  # more activities than this in the activity window: an upsell moment
    many_open_opportunities: int = 2  # more open opportunities than this: prioritise them


DEFAULT_SETTINGS = AnalyticsSettings()
