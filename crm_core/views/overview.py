"""The Overview page's read model: portfolio KPIs with their 30-day and 12-month deltas, and monthly revenue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from crm_core.analytics import monthly_revenue, portfolio_summary
from crm_core.analytics.money import to_cents
from crm_core.analytics.payments import client_revenue_12m
from crm_core.analytics.portfolio import money_total
from crm_core.store.frames import Frames
from crm_core.views.forecast import pipeline_parts, with_new_deals

# The overview compares with the portfolio this many days earlier (12 months for revenue).
PREVIOUS_PERIOD_DAYS = 30
PREVIOUS_YEAR_DAYS = 365
MONTHS_AHEAD = 3


@dataclass(frozen=True)
class Overview:
    """What the Overview page draws, computed once per database and date."""

    summary: dict[str, Any]  # portfolio_summary against 30 days earlier (with "deltas"), new deals added
    year_deltas: dict[str, Any]  # {"revenue_12m": its delta against 12 months earlier}
    monthly: pd.DataFrame  # monthly_revenue: month, revenue, kind
    # True when the health 30 days earlier was not given: `summary` then has no "deltas" (a large
    # portfolio's Overview shows its figures first and the changes once that health is computed).
    deltas_pending: bool = False


def comparison_dates(as_of: date) -> tuple[date, date]:
    """The two earlier dates the overview compares with: a month and a year before `as_of`."""
    return as_of - timedelta(days=PREVIOUS_PERIOD_DAYS), as_of - timedelta(days=PREVIOUS_YEAR_DAYS)


def summary(health: pd.DataFrame) -> dict[str, Any]:
    """The portfolio summary as of the health's date, without deltas (the Health page's risk counts)."""
    return portfolio_summary(health)


def overview(
    frames: Frames,
    as_of: date,
    health: pd.DataFrame,
    month_ago: pd.DataFrame | None,
    year_ago: pd.DataFrame | None = None,
) -> Overview:
    """The overview from the health as of `as_of` and 30 days earlier (`comparison_dates`).

    `month_ago` None: the figures without their 30-day deltas (`Overview.deltas_pending`).

    The pipeline and expected revenue include the deals not yet created (`views.forecast.with_new_deals`).
    The 12-month delta is that of revenue_12m only (the one card comparing with a year earlier): from
    `year_ago`'s health when given, else from the invoices alone (`client_revenue_12m`, the same figure)
    so the Overview computes the whole health for two dates, not three.
    """
    earlier, year_before = comparison_dates(as_of)
    summary = with_new_deals(
        portfolio_summary(health, previous=month_ago),
        pipeline_parts(frames, as_of),
        None if month_ago is None else pipeline_parts(frames, earlier),
    )
    if year_ago is not None:
        before = money_total(year_ago["revenue_12m"])
    else:
        index = pd.Index(frames.clients["client_id"].to_numpy(dtype=np.int64), name="client_id")
        before = money_total(client_revenue_12m(frames.invoices, index, year_before))
    return Overview(
        summary=summary,
        year_deltas={"revenue_12m": float(to_cents(summary["revenue_12m"] - before))},
        monthly=monthly_revenue(frames, as_of, months_ahead=MONTHS_AHEAD),
        deltas_pending=month_ago is None,
    )
