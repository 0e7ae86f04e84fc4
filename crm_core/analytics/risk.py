"""Default risk (seed's four levels) and lifecycle per client, from the payment and cadence figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from crm_core.analytics.settings import DEFAULT_SETTINGS, AnalyticsSettings


def default_risk(figures: pd.DataFrame, settings: AnalyticsSettings = DEFAULT_SETTINGS) -> pd.Series:
    """low | medium | high | critical from on_time_rate, max_days_overdue and overdue (docs/design.md §4.7).

    critical: an invoice overdue more than 90 days; high: on-time rate under 50 % or an invoice
    overdue more than 30 days; medium: on-time rate under 85 % or anything overdue; low otherwise.
    An on-time rate that is NaN (nothing came due yet) triggers nothing.
    """
    on_time = figures["on_time_rate"].to_numpy(dtype="float64")
    oldest = figures["max_days_overdue"].to_numpy(dtype="float64")
    overdue = figures["overdue"].to_numpy(dtype="float64") > 0
    with np.errstate(invalid="ignore"):
        level = np.select(
            [
                oldest > settings.critical_overdue_days,
                (on_time < settings.high_on_time_below) | (oldest > settings.high_overdue_days),
                (on_time < settings.medium_on_time_below) | overdue,
            ],
            ["critical", "high", "medium"],
            default="low",
        )
    return pd.Series(level.astype(object), index=figures.index, name="default_risk")


def lifecycle(
    status: pd.Series,
    invoice_count: pd.Series,
    days_since_last_invoice: pd.Series,
    revenue_12m: pd.Series,
    settings: AnalyticsSettings = DEFAULT_SETTINGS,
) -> pd.Series:
    """prospect | active | dormant | lost | vip, first rule that applies, in this order (docs/design.md §4.10).

    lost: a person set the status to lost (analytics never infer it); prospect: never invoiced;
    dormant: no invoice for more than 60 days; vip: among the clients with revenue in the last 12
    months, the top 10 % by that revenue (rounded up, so any portfolio with revenue has one; ties
    at the cut all count); active otherwise. Dormant wins over VIP: a big client gone quiet is the
    one to call.
    """
    revenue = revenue_12m.to_numpy(dtype="float64")
    has_revenue = revenue > 0
    slots = math.ceil(settings.vip_top_share * int(has_revenue.sum()))
    vip = np.zeros(len(revenue), dtype=bool)
    if slots:
        cut = np.sort(revenue[has_revenue])[::-1][slots - 1]
        vip = has_revenue & (revenue >= cut)
    since = days_since_last_invoice.to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        stage = np.select(
            [
                status.to_numpy(dtype=object) == "lost",
                invoice_count.to_numpy() == 0,
                since > settings.dormant_days,
                vip,
            ],
            ["lost", "prospect", "dormant", "vip"],
            default="active",
        )
    return pd.Series(stage.astype(object), index=status.index, name="lifecycle")
