"""Pipeline views for the pages: deals by stage, close months, totals, stale deals, missing next steps.

Pure functions over `crm_core.store.frames.Frames` with `as_of` as a parameter. An opportunity is open as
of T when it was created on or before T and not closed by then (`analytics.pipeline.open_opportunities`);
its stage as of T comes from the stage history (`analytics.pipeline.stage_as_of`). Weighted amount = amount x probability / 100, the
same weighting as `analytics.pipeline.pipeline_forecast`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.days import as_of_day, day_numbers, end_of_day
from crm_core.analytics.engagement import follow_up_due
from crm_core.analytics.forecast import HORIZONS
from crm_core.analytics.pipeline import (
    open_opportunities,
    open_stage_as_of,
    pipeline_forecast,
    probability_as_of,
    stage_win_rates,
)
from crm_core.enums import Stage
from crm_core.store.frames import Frames
from crm_core.views.forecast import owner_forecast, pipeline_parts

STALE_INACTIVITY_DAYS = 30
CLOSED_WINDOW_DAYS = 365
DEAL_COLUMNS: list[str] = [
    "opportunity_id",
    "client_id",
    "company_name",
    "name",
    "stage",
    "amount",
    "probability",
    "weighted",
    "expected_close",
    "owner",
]


def open_deals(frames: Frames, as_of: date) -> pd.DataFrame:
    """Opportunities open on `as_of`, with their stage and probability then (`probability_as_of`), the weighted amount and the company."""
    opps = open_opportunities(frames.opportunities, as_of).copy()
    opps["stage"] = open_stage_as_of(opps, frames.stage_history, as_of)
    opps["probability"] = probability_as_of(opps, frames.stage_history, as_of)
    opps["weighted"] = opps["amount"].fillna(0.0) * opps["probability"] / 100.0
    companies = frames.clients.set_index("client_id")["company_name"]
    opps["company_name"] = opps["client_id"].map(companies)
    return opps.reset_index(drop=True)


def stage_summary(
    frames: Frames, as_of: date, closed_window_days: int = CLOSED_WINDOW_DAYS, deals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Count, amount and weighted amount per stage, in funnel order.

    Open stages: deals open on `as_of`. Won and lost: deals closed in the last `closed_window_days`
    (as_of - window, as_of]; won counts the won amount, lost the amount that was at stake.
    `deals`: `open_deals(frames, as_of)` when the caller has it already (`pipeline_view`).
    """
    deals = open_deals(frames, as_of) if deals is None else deals
    open_part = deals.groupby("stage")[["amount", "weighted"]].sum()
    open_part["count"] = deals.groupby("stage").size()
    opps = frames.opportunities
    t = as_of_day(as_of)
    closed_day = day_numbers(opps["closed_at"])
    in_window = (closed_day <= t) & (closed_day > t - closed_window_days)
    closed = opps.loc[in_window & opps["stage"].isin([Stage.WON.value, Stage.LOST.value]).to_numpy()]
    closed_amount = np.where(closed["stage"] == Stage.WON.value, closed["won_amount"].fillna(closed["amount"]), closed["amount"])
    closed_part = (
        pd.DataFrame({"stage": closed["stage"], "amount": closed_amount}).groupby("stage")["amount"].agg(["sum", "size"])
    )
    closed_part = closed_part.rename(columns={"sum": "amount", "size": "count"})
    closed_part["weighted"] = np.where(closed_part.index == Stage.WON.value, closed_part["amount"], 0.0)
    order = [s.value for s in Stage]
    summary = pd.concat([open_part, closed_part]).reindex(order)
    summary = summary.fillna({"amount": 0.0, "weighted": 0.0, "count": 0})
    summary["count"] = summary["count"].astype("int64")
    summary.index.name = "stage"
    return summary[["count", "amount", "weighted"]].reset_index()


def pipeline_totals(frames: Frames, as_of: date, deals: pd.DataFrame | None = None) -> dict[str, float]:
    """Open deals on `as_of`: count, amount, weighted amount and the 30/90-day pipeline forecast.

    forecast_{h}d is the learned forecast (open deals + deals not yet created, `views.forecast.pipeline_parts`),
    with its parts learned_{h}d and new_{h}d; typed_{h}d is the typed-probability figure
    (`analytics.pipeline.pipeline_forecast`), kept beside it. `deals`: as in `stage_summary`.
    """
    deals = open_deals(frames, as_of) if deals is None else deals
    typed = pipeline_forecast(frames.opportunities, as_of, frames.stage_history)
    parts = pipeline_parts(frames, as_of)
    totals: dict[str, float] = {
        "open_count": float(len(deals)),
        "open_amount": float(deals["amount"].sum()),
        "weighted": float(deals["weighted"].sum()),
    }
    for h in HORIZONS:
        totals[f"forecast_{h}d"] = parts[f"pipeline_{h}d"]
        totals[f"learned_{h}d"] = parts[f"learned_{h}d"]
        totals[f"new_{h}d"] = parts[f"new_{h}d"]
        totals[f"typed_{h}d"] = float(typed[f"pipeline_{h}d"].sum())
    return totals


def close_by_month(frames: Frames, as_of: date, deals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open deals grouped by the month of their expected close: count, amount, weighted amount.

    `overdue` marks months before the month of `as_of` (close date passed, deal still open).
    Deals without an expected close date are left out. `deals`: as in `stage_summary`.
    """
    deals = open_deals(frames, as_of) if deals is None else deals
    deals = deals.loc[deals["expected_close"].notna()]
    month = deals["expected_close"].dt.to_period("M").dt.to_timestamp()
    grouped = deals.groupby(month)
    result = grouped[["amount", "weighted"]].sum()
    result.insert(0, "count", grouped.size().astype("int64"))
    result.index.name = "month"
    result = result.reset_index()
    result["month"] = result["month"].astype("datetime64[ns]")
    result["overdue"] = result["month"] < pd.Timestamp(as_of).to_period("M").to_timestamp()
    return result


def _lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """`table`'s value for each key, keeping its dtype (Series.map of an empty datetime table raises)."""
    return pd.Series(table.reindex(keys.to_numpy()).to_numpy(), index=keys.index, dtype=table.dtype)


def _last_touch(frames: Frames, deals: pd.DataFrame, as_of: date) -> pd.Series:
    """Latest of: deal created, a stage change, a done activity with its client (all by `as_of`)."""
    if deals.empty:
        return pd.Series(index=deals.index, dtype="datetime64[ns]")
    end = end_of_day(as_of)
    acts = frames.activities
    done = acts.loc[acts["done"].to_numpy(dtype=bool) & (acts["occurred_at"] < end).to_numpy()]
    last_activity = done.groupby("client_id")["occurred_at"].max()
    changes = frames.stage_history.loc[frames.stage_history["changed_at"] < end]
    last_change = changes.groupby("opportunity_id")["changed_at"].max()
    touches = pd.concat(
        [
            deals["created_at"],
            _lookup(deals["client_id"], last_activity),
            _lookup(deals["opportunity_id"], last_change),
        ],
        axis=1,
    )
    return touches.max(axis=1).astype("datetime64[ns]")


def stale_deals(
    frames: Frames, as_of: date, inactivity_days: int = STALE_INACTIVITY_DAYS, deals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Open deals whose expected close date has passed, or untouched for `inactivity_days` or more.

    Columns of DEAL_COLUMNS plus last_touch, days_idle, close_passed and idle (the reasons).
    `deals`: as in `stage_summary` (not changed: its columns are added to a copy).
    """
    deals = open_deals(frames, as_of) if deals is None else deals.copy(deep=False)
    t = as_of_day(as_of)
    deals["last_touch"] = _last_touch(frames, deals, as_of)
    deals["days_idle"] = (t - day_numbers(deals["last_touch"])).astype("int64")
    close_day = day_numbers(deals["expected_close"])
    deals["close_passed"] = deals["expected_close"].notna().to_numpy() & (close_day < t)
    deals["idle"] = deals["days_idle"] >= inactivity_days
    stale = deals.loc[deals["close_passed"] | deals["idle"]]
    stale = stale.sort_values(["days_idle", "weighted"], ascending=False)
    return stale[[*DEAL_COLUMNS, "last_touch", "days_idle", "close_passed", "idle"]].reset_index(drop=True)


def deals_without_next_activity(frames: Frames, as_of: date, deals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open deals whose client has no open activity scheduled on or after `as_of` (`deals`: as in `stage_summary`)."""
    deals = open_deals(frames, as_of) if deals is None else deals
    acts = frames.activities
    scheduled = ~acts["done"].to_numpy(dtype=bool) & (day_numbers(follow_up_due(acts)) >= as_of_day(as_of))
    with_next = pd.unique(acts.loc[scheduled, "client_id"])
    missing = deals.loc[~deals["client_id"].isin(with_next)]
    missing = missing.sort_values("weighted", ascending=False)
    return missing[DEAL_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class PipelineView:
    """Every figure and list of the pipeline page for one as-of date, computed together (and cached as one)."""

    totals: dict[str, float]
    by_stage: pd.DataFrame
    by_month: pd.DataFrame
    win_rates: pd.DataFrame
    stale: pd.DataFrame
    no_next_activity: pd.DataFrame
    open_deals: pd.DataFrame
    by_owner: pd.DataFrame  # views.forecast.owner_forecast: learned and typed forecast per account manager


def pipeline_view(frames: Frames, as_of: date) -> PipelineView:
    """The pipeline page's figures as of `as_of`, open deals sorted by client and name for the pickers.

    The open deals (their stage and probability as of `as_of` from the stage history: a third of a
    second at 100,000 clients) are found once and shared by every figure built on them.
    """
    deals = open_deals(frames, as_of)
    return PipelineView(
        totals=pipeline_totals(frames, as_of, deals),
        by_stage=stage_summary(frames, as_of, deals=deals),
        by_month=close_by_month(frames, as_of, deals),
        win_rates=stage_win_rates(frames, as_of),
        stale=stale_deals(frames, as_of, deals=deals),
        no_next_activity=deals_without_next_activity(frames, as_of, deals),
        open_deals=deals.sort_values(["company_name", "name"]),
        by_owner=owner_forecast(frames, as_of),
    )
