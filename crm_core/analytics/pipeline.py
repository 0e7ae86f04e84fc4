"""Pipeline forecast (open opportunities weighted by probability) and stage win rates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.forecast import HORIZONS, as_of_timestamp
from crm_core.enums import DEFAULT_STAGE_PROBABILITY, OPEN_STAGES, Stage


def open_opportunities(opportunities: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Opportunities created on or before `as_of` and not closed by then (closed_at <= as_of = closed)."""
    cutoff = as_of_timestamp(as_of)
    next_day = cutoff + pd.Timedelta(days=1)
    created = (opportunities["created_at"] < next_day).to_numpy()
    closed = (opportunities["closed_at"] < next_day).to_numpy()  # NaT compares False: still open
    return opportunities.loc[created & ~closed]


def pipeline_forecast(opportunities: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Probability-weighted amount of open opportunities expected to close by as_of + 30 / + 90 days.

    A close date already past counts in both horizons; an opportunity without close date counts in none.
    One row per client present in `opportunities`.
    """
    clients = pd.Index(pd.unique(opportunities["client_id"]), dtype="int64").sort_values()
    result = pd.DataFrame(
        {f"pipeline_{h}d": np.zeros(len(clients)) for h in HORIZONS},
        index=pd.Index(clients, name="client_id"),
    )
    opps = open_opportunities(opportunities, as_of)
    if opps.empty:
        return result
    cutoff = as_of_timestamp(as_of)
    weighted = opps["amount"].fillna(0.0) * opps["probability"].astype("float64") / 100.0
    for h in HORIZONS:
        due = opps["expected_close"] <= cutoff + pd.Timedelta(days=h)  # NaT: False, not counted
        sums = weighted.where(due, 0.0).groupby(opps["client_id"]).sum()
        result.loc[sums.index, f"pipeline_{h}d"] = sums.to_numpy()
    return result
