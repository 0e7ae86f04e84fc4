"""Churn risk 0-100: a weighted sum of four explainable components, each 0-100, and its main driver.

Definition: docs/design.md §4.11.

- recency: days since the last invoice against the client's own cadence (a client without a
  cadence, one purchase only, is held to the dormant threshold): 0 up to 1x the usual gap,
  100 from 3x, linear between;
- engagement: days since the last done activity: 0 up to 30 days, 100 from 120 (never contacted:
  100);
- payment: the larger of the share of due invoices not paid on time and the oldest overdue days
  over 90 (both as 0-100);
- trend: the fall of revenue in the last 6 months against the 6 before (0 when it did not fall or
  there was nothing before; 100 when it stopped).
Weights and break points live in `AnalyticsSettings`. The driver is the component with the largest
weighted part; `none` when the score is 0.

Two lifecycles are fixed by definition: a prospect has bought nothing, so there is nothing to lose
(score and components 0, driver `none`); a client a person marked lost has already churned (score
100, components computed as usual so they still explain why, driver `lost`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_core.analytics.settings import DEFAULT_SETTINGS, AnalyticsSettings

COMPONENTS: tuple[str, ...] = ("recency", "engagement", "payment", "trend")
DRIVERS: tuple[str, ...] = (*COMPONENTS, "none", "lost")


def _ramp(values: np.ndarray, start: float, full: float) -> np.ndarray:
    """0 at or below `start`, 100 at or above `full`, linear between (NaN stays NaN)."""
    return np.clip((values - start) / (full - start), 0.0, 1.0) * 100.0


def churn_scores(figures: pd.DataFrame, settings: AnalyticsSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """churn_score, churn_recency/engagement/payment/trend, churn_driver and churn_reason per client.

    `figures` needs: lifecycle, days_since_last_invoice, cadence_days, days_since_last_activity,
    on_time_rate, max_days_overdue, revenue_last_6m, revenue_prev_6m.
    """
    s = settings
    since_invoice = figures["days_since_last_invoice"].to_numpy(dtype="float64")
    cadence = figures["cadence_days"].to_numpy(dtype="float64")
    usual_gap = np.maximum(np.where(np.isnan(cadence), s.dormant_days, cadence), s.min_cadence_days)
    recency = np.nan_to_num(_ramp(since_invoice / usual_gap, s.recency_start_ratio, s.recency_full_ratio))

    since_activity = figures["days_since_last_activity"].to_numpy(dtype="float64")
    engagement = np.where(np.isnan(since_activity), 100.0, _ramp(since_activity, s.engagement_start_days, s.engagement_full_days))

    on_time = figures["on_time_rate"].to_numpy(dtype="float64")
    oldest = figures["max_days_overdue"].to_numpy(dtype="float64")
    payment = np.maximum(np.nan_to_num((1.0 - on_time) * 100.0), _ramp(oldest, 0.0, s.payment_full_overdue_days))

    last = figures["revenue_last_6m"].to_numpy(dtype="float64")
    prev = figures["revenue_prev_6m"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        trend = np.where(prev > 0, np.clip((prev - last) / prev, 0.0, 1.0) * 100.0, 0.0)

    parts = np.column_stack([recency, engagement, payment, trend]).round(1)
    weights = np.array([s.churn_weights.recency, s.churn_weights.engagement, s.churn_weights.payment, s.churn_weights.trend])
    life = figures["lifecycle"].to_numpy(dtype=object)
    prospect = life == "prospect"
    lost = life == "lost"
    parts[prospect] = 0.0
    weighted = parts * weights
    score = np.clip(weighted.sum(axis=1), 0.0, 100.0).round(1)
    score[lost] = 100.0

    driver = np.array(COMPONENTS, dtype=object)[weighted.argmax(axis=1)]
    driver[score == 0] = "none"
    driver[lost] = "lost"

    columns: dict[str, np.ndarray] = {"churn_score": score}
    for i, name in enumerate(COMPONENTS):
        columns[f"churn_{name}"] = parts[:, i]
    columns["churn_driver"] = driver
    columns["churn_reason"] = _reasons(driver, figures, prospect, s)
    return pd.DataFrame(columns, index=figures.index)


def _whole(values: pd.Series) -> pd.Series:
    """Numbers as whole-number text (for reasons), vectorised."""
    return values.round().astype("Int64").astype(str)


def _reasons(driver: np.ndarray, figures: pd.DataFrame, prospect: np.ndarray, settings: AnalyticsSettings) -> np.ndarray:
    """One short English sentence per client naming the main driver, with its numbers.

    Each sentence is built, vectorised, only on the rows whose driver it explains.
    """
    reason = np.full(len(driver), "No warning sign.", dtype=object)
    reason[driver == "lost"] = "Marked as lost."
    reason[prospect] = "Prospect: nothing bought yet, nothing to lose."

    rows = driver == "recency"
    f = figures.loc[rows]
    since = _whole(f["days_since_last_invoice"])
    text = ("No invoice for " + since + " days, against a usual gap of " + _whole(f["cadence_days"].fillna(0)) + " days.").where(
        f["cadence_days"].notna(), "No invoice for " + since + " days since the only one."
    )
    reason[rows] = text.to_numpy(dtype=object)

    rows = driver == "engagement"
    f = figures.loc[rows]
    text = ("No contact logged for " + _whole(f["days_since_last_activity"].fillna(0)) + " days.").where(
        f["days_since_last_activity"].notna(), "No contact ever logged."
    )
    reason[rows] = text.to_numpy(dtype=object)

    rows = driver == "payment"
    f = figures.loc[rows]
    text = ("An invoice is " + _whole(f["max_days_overdue"]) + " days overdue.").where(
        f["max_days_overdue"] > 0, "Only " + _whole(f["on_time_rate"].fillna(0) * 100) + "% of invoices paid on time."
    )
    reason[rows] = text.to_numpy(dtype=object)

    rows = driver == "trend"
    f = figures.loc[rows]
    fall = (1 - f["revenue_last_6m"] / f["revenue_prev_6m"].where(f["revenue_prev_6m"] > 0)).clip(0, 1)
    months = str(settings.trend_months)
    text = (
        "Revenue of the last " + months + " months fell " + _whole(fall.fillna(0) * 100) + "% against the " + months + " before."
    )
    reason[rows] = text.to_numpy(dtype=object)
    return reason
