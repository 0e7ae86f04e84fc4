"""Pipeline forecast (open opportunities weighted by probability) and stage win rates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.forecast import HORIZONS, as_of_timestamp
from crm_core.analytics.money import to_cents
from crm_core.enums import (
    DEFAULT_STAGE_PROBABILITY,
    OPEN_STAGE_VALUES,
    OPEN_STAGES,
    Stage,
)
from crm_core.store.frames import Frames


def open_mask(opportunities: pd.DataFrame, as_of: date) -> np.ndarray:
    """Which opportunities were open on `as_of` (docs/design.md §4.13): created by then and not closed by then.

    Closed by then: closed_at on or before `as_of`, or a won/lost stage with no close date at all.
    """
    next_day = as_of_timestamp(as_of) + pd.Timedelta(days=1)
    created = (opportunities["created_at"] < next_day).to_numpy()
    closed_at = opportunities["closed_at"]
    closed_stage = opportunities["stage"].isin([Stage.WON.value, Stage.LOST.value]).to_numpy()
    closed = np.where(closed_at.isna().to_numpy(), closed_stage, (closed_at < next_day).to_numpy())
    return created & ~closed


def open_opportunities(opportunities: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Opportunities open on `as_of` (`open_mask`)."""
    return opportunities.loc[open_mask(opportunities, as_of)]


def pipeline_forecast(opportunities: pd.DataFrame, as_of: date, stage_history: pd.DataFrame) -> pd.DataFrame:
    """Probability-weighted amount of open opportunities expected to close by as_of + 30 / + 90 days.

    A close date already past counts in both horizons; an opportunity without close date counts in none.
    The probability is the one on `as_of` (`probability_as_of`: a deal closed later weighs by the default
    probability of its stage then, not the 100 / 0 its close wrote). One row per client in `opportunities`; amounts to the cent.
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
    weighted = opps["amount"].fillna(0.0) * probability_as_of(opps, stage_history, as_of) / 100.0
    for h in HORIZONS:
        due = opps["expected_close"] <= cutoff + pd.Timedelta(days=h)  # NaT: False, not counted
        sums = weighted.where(due, 0.0).groupby(opps["client_id"]).sum()
        result.loc[sums.index, f"pipeline_{h}d"] = to_cents(sums.to_numpy())
    return result


# Prior strength of the stage defaults, in closed deals: with n closed deals that reached a stage,
# the learned rate is (100 x won + PRIOR_DEALS x default %) / (n + PRIOR_DEALS).
PRIOR_DEALS = 10.0
WIN_RATE_COLUMNS: list[str] = [
    "stage",
    "closed",
    "won",
    "observed_rate",
    "win_rate",
    "default_probability",
    "mean_typed_probability",
    "open_count",
]


def stage_as_of(opportunities: pd.DataFrame, stage_history: pd.DataFrame, as_of: date) -> pd.Series:
    """Each opportunity's stage on `as_of` (its last change dated on or before it; else its stage field)."""
    next_day = as_of_timestamp(as_of) + pd.Timedelta(days=1)
    changes = stage_history[stage_history["changed_at"] < next_day]
    last = changes.sort_values(["opportunity_id", "changed_at", "change_id"], kind="stable")
    last = last.drop_duplicates("opportunity_id", keep="last")
    stages = opportunities["stage"].to_numpy(dtype=object).copy()
    if len(last):  # positional lookup: no map/fillna dtype inference (empty lookups, pandas 3 strings)
        found = pd.Index(last["opportunity_id"]).get_indexer(opportunities["opportunity_id"])
        hit = found >= 0
        stages[hit] = last["to_stage"].to_numpy(dtype=object)[found[hit]]
    return pd.Series(stages, index=opportunities.index, dtype=object, name="stage")


def open_stage_as_of(opportunities: pd.DataFrame, stage_history: pd.DataFrame, as_of: date) -> pd.Series:
    """The open stage of deals open on `as_of` (`stage_as_of`), identified when the history shows no open stage.

    A deal open then whose history only shows a close after `as_of` sat in an open stage the history
    does not name: it counts as identified (docs/design.md §4.13).
    """
    stages = stage_as_of(opportunities, stage_history, as_of).astype("object")
    return stages.where(stages.isin(OPEN_STAGE_VALUES), Stage.IDENTIFIED.value)


def probability_as_of(opportunities: pd.DataFrame, stage_history: pd.DataFrame, as_of: date) -> pd.Series:
    """Each opportunity's win probability (%) as it stood on `as_of`, so later closes leave as-of figures alone.

    Deals open now (or closed on or before `as_of`) keep their typed probability. Closing overwrites it
    with 100 / 0, so for a deal closed after `as_of` the typed value of that day is gone: it gets the
    DEFAULT_STAGE_PROBABILITY of the open stage it was in on `as_of` (`stage_as_of`; identified when the
    history shows no open stage by then).
    """
    probability = opportunities["probability"].astype("float64")
    next_day = as_of_timestamp(as_of) + pd.Timedelta(days=1)
    closed_later = (opportunities["closed_at"] >= next_day).to_numpy()  # NaT compares False: still open
    if not closed_later.any():
        return probability
    stages = stage_as_of(opportunities.loc[closed_later], stage_history, as_of)
    defaults = {s.value: float(DEFAULT_STAGE_PROBABILITY[s]) for s in OPEN_STAGES}
    fallback = float(DEFAULT_STAGE_PROBABILITY[Stage.IDENTIFIED])
    values = probability.to_numpy(copy=True)
    values[closed_later] = stages.map(defaults).astype("float64").fillna(fallback).to_numpy()
    return pd.Series(values, index=opportunities.index, name="probability")


def stage_win_rates(frames: Frames, as_of: date) -> pd.DataFrame:
    """Per open stage: closed deals that ever reached it, how many were won, and the learned win rate.

    "Reached" comes from the stage history (changes dated on or before `as_of`, creation included);
    "closed" means closed_at on or before `as_of`, won if the stage is won. Rates are percentages.
    `observed_rate` is won / closed (NaN without closed deals); `win_rate` shrinks it towards the
    default probability of the stage as if PRIOR_DEALS more deals had closed at the default rate
    (`(100 x won + 10 x default) / (closed + 10)`, in %), so a stage with 2 closed deals stays near its default
    and one with 200 follows its history. `mean_typed_probability` is the mean probability people
    entered on the opportunities open in that stage on `as_of` (NaN when none is open; a deal closed
    after `as_of` counts with its stage's default probability, see `probability_as_of`).
    """
    opps = frames.opportunities
    next_day = as_of_timestamp(as_of) + pd.Timedelta(days=1)
    history = frames.stage_history[frames.stage_history["changed_at"] < next_day]
    closed_mask = (opps["closed_at"] < next_day) & opps["stage"].isin([Stage.WON.value, Stage.LOST.value])
    outcome = pd.Series(
        opps.loc[closed_mask, "stage"].eq(Stage.WON.value).to_numpy(), index=opps.loc[closed_mask, "opportunity_id"].to_numpy()
    )
    open_stages = list(OPEN_STAGE_VALUES)
    reached = history.loc[history["to_stage"].isin(open_stages), ["opportunity_id", "to_stage"]].drop_duplicates()
    reached = reached[reached["opportunity_id"].isin(outcome.index)]
    reached = reached.assign(won=reached["opportunity_id"].map(outcome).astype(bool))
    counts = reached.groupby("to_stage")["won"].agg(["size", "sum"]).reindex(open_stages, fill_value=0)

    open_now = open_opportunities(opps, as_of)
    current = stage_as_of(open_now, frames.stage_history, as_of)
    typed = probability_as_of(open_now, frames.stage_history, as_of).groupby(current).agg(["mean", "size"])
    typed = typed.reindex(open_stages)

    default = np.array([DEFAULT_STAGE_PROBABILITY[Stage(s)] for s in open_stages], dtype="float64")
    closed = counts["size"].to_numpy(dtype="float64")
    won = counts["sum"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.where(closed > 0, won / np.maximum(closed, 1) * 100.0, np.nan)
    return pd.DataFrame(
        {
            "stage": open_stages,
            "closed": closed.astype(np.int64),
            "won": won.astype(np.int64),
            "observed_rate": observed,
            "win_rate": (won * 100.0 + PRIOR_DEALS * default) / (closed + PRIOR_DEALS),
            "default_probability": default,
            "mean_typed_probability": typed["mean"].to_numpy(dtype="float64"),
            "open_count": typed["size"].fillna(0).to_numpy(dtype=np.int64),
        },
        columns=WIN_RATE_COLUMNS,
    )
