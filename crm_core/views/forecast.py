"""Forecast read models for the pages: the pipeline's parts, the forecast by owner, and past accuracy.

Pure functions over `Frames` with `as_of` a parameter (no Streamlit). The accuracy is a backtest
(`analytics.pipeline_backtest.score_parts`) at dates whose whole window ends on or before `as_of`,
so it only uses what was known on `as_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from crm_core.analytics.days import as_of_day
from crm_core.analytics.forecast import HORIZONS
from crm_core.analytics.money import to_cents
from crm_core.analytics.pipeline_backtest import PIPELINE_MODEL, score_parts
from crm_core.analytics.pipeline_forecast import PipelineModel, forecast_by_owner, learned_pipeline
from crm_core.i18n import format_number, t
from crm_core.i18n.formatting import format_percent
from crm_core.store.frames import Frames

ACCURACY_DATES = 6  # past forecast dates behind an accuracy figure, a month apart
ACCURACY_EVERY_DAYS = 30
MIN_ACCURACY_DATES = 3  # fewer scored dates: history too short to tell


def pipeline_model(frames: Frames, as_of: date) -> PipelineModel:
    """`learned_pipeline` over the frames' opportunities, stage history and invoices: the fit shared per day and
    data (`pipeline_forecast.pipeline_fit`) with client_health and the monthly chart; the caller's own frames."""
    return learned_pipeline(frames.opportunities, frames.stage_history, as_of, frames.invoices)


def pipeline_parts(frames: Frames, as_of: date) -> dict[str, float]:
    """Portfolio totals per horizon h: learned_{h}d (open deals), new_{h}d (deals not yet created),
    pipeline_{h}d (their sum: what the cards add to the recurring part) and typed_{h}d (typed probability)."""
    model = pipeline_model(frames, as_of)
    out: dict[str, float] = {}
    for h in HORIZONS:
        learned = float(model.deals[f"learned_{h}d"].sum())
        out[f"learned_{h}d"] = float(to_cents(learned))
        out[f"new_{h}d"] = model.new_deals[h]
        out[f"pipeline_{h}d"] = float(to_cents(learned + model.new_deals[h]))
        out[f"typed_{h}d"] = float(to_cents(model.deals[f"typed_{h}d"].sum()))
    return out


def owner_forecast(frames: Frames, as_of: date) -> pd.DataFrame:
    """Per account manager: open deals, learned / typed value of open deals, new deals, learned total (30/90 d)."""
    return forecast_by_owner(pipeline_model(frames, as_of))


def with_new_deals(summary: dict[str, Any], now: dict[str, float], before: dict[str, float] | None) -> dict[str, Any]:
    """The overview summary with the new-deal part added to pipeline_{h}d and expected_revenue_{h}d.

    `portfolio_summary` sums client_health, whose pipeline covers open deals only; deals not yet created
    are a portfolio figure (`pipeline_parts`). `before`: the parts 30 days earlier, for the deltas.
    Also adds new_deals_{h}d and typed_pipeline_{h}d for the cards' captions.
    """
    out = dict(summary)
    deltas = dict(out.get("deltas", {}))
    for h in HORIZONS:
        new = now[f"new_{h}d"]
        out[f"new_deals_{h}d"] = new
        out[f"typed_pipeline_{h}d"] = now[f"typed_{h}d"]
        for key in (f"pipeline_{h}d", f"expected_revenue_{h}d"):
            out[key] = float(to_cents(out[key] + new))
            if before is not None and key in deltas:
                deltas[key] = float(to_cents(deltas[key] + new - before[f"new_{h}d"]))
    if "deltas" in out:
        out["deltas"] = deltas
    return out


@dataclass(frozen=True)
class Accuracy:
    """How the forecast did at past dates, per horizon and part ("recurring", "pipeline", "total").

    scores: one row per (date, horizon, part) of the shown model: forecast, actual, bias_pct, error_pct.
    summary: per (horizon, part): dates scored, median error and bias (%), or NaN when fewer than
    MIN_ACCURACY_DATES (`enough` False: history too short to tell).
    """

    scores: pd.DataFrame
    summary: pd.DataFrame

    def figure(self, horizon: int, part: str) -> dict[str, Any]:
        """dates, enough, error_median, bias_median for one horizon and part."""
        row = self.summary[(self.summary["horizon"] == horizon) & (self.summary["part"] == part)]
        if row.empty:
            return {"dates": 0, "enough": False, "error_median": np.nan, "bias_median": np.nan}
        return row.iloc[0].to_dict()


SHOWN_MODELS: dict[str, str] = {"recurring": "recurring forecast", "pipeline": PIPELINE_MODEL, "total": "recurring + learned"}


def accuracy_dates(frames: Frames, as_of: date, horizon: int) -> list[date]:
    """Past forecast dates whose window (T, T + horizon] ends on or before `as_of`, a month apart, oldest first.

    Dates before the first invoice or opportunity are left out (nothing to forecast from).
    """
    starts = [frames.invoices["issue_date"].min(), frames.opportunities["created_at"].min()]
    known = [s for s in starts if pd.notna(s)]
    if not known:
        return []
    first = as_of_day(min(known))
    latest = as_of - timedelta(days=horizon)
    dates = [latest - timedelta(days=ACCURACY_EVERY_DAYS * k) for k in range(ACCURACY_DATES)]
    return sorted(d for d in dates if as_of_day(d) > first)


# The tables forecast_accuracy reads: logging an activity or editing a contact does not run it again.
ACCURACY_TABLES: tuple[str, ...] = ("invoices", "opportunities", "stage_history")


def forecast_accuracy(frames: Frames, as_of: date) -> Accuracy:
    """The backtest behind the accuracy lines: each horizon at ACCURACY_DATES past dates, parts as shown."""
    wanted = {h: set(accuracy_dates(frames, as_of, h)) for h in HORIZONS}
    dates = sorted(set().union(*wanted.values()))  # a month apart, the horizons' dates mostly shared
    columns = ["as_of", "horizon", "part", "forecast", "actual", "bias_pct", "error_pct"]
    if dates:
        scores = score_parts(frames, dates, HORIZONS)
        in_window = np.array([d in wanted[h] for d, h in zip(scores["as_of"], scores["horizon"], strict=True)])
        shown = scores["model"].to_numpy() == scores["part"].map(SHOWN_MODELS).to_numpy()
        scores = scores.loc[shown & in_window, columns].reset_index(drop=True)
    else:
        scores = pd.DataFrame(columns=columns)
    rows = []
    for h in HORIZONS:
        for part in SHOWN_MODELS:
            group = scores[(scores["horizon"] == h) & (scores["part"] == part)]
            valid = group["bias_pct"].dropna()
            enough = len(valid) >= MIN_ACCURACY_DATES
            rows.append(
                {
                    "horizon": h,
                    "part": part,
                    "dates": int(len(valid)),
                    "enough": enough,
                    "error_median": float(valid.abs().median()) if enough else np.nan,
                    "bias_median": float(valid.median()) if enough else np.nan,
                }
            )
    return Accuracy(scores, pd.DataFrame(rows))


def accuracy_text(accuracy: Accuracy, horizon: int, part: str, lang: str) -> str:
    """The accuracy line under a forecast figure in `lang`, or the 'history too short' line."""
    figure = accuracy.figure(horizon, part)
    if not figure["enough"]:
        return t(
            "forecast.accuracy_short",
            lang,
            days=horizon,
            dates=format_number(figure["dates"], lang),
            needed=format_number(MIN_ACCURACY_DATES, lang),
        )
    bias = figure["bias_median"]
    sign = "+" if round(bias) > 0 else ""
    return t(
        "forecast.accuracy",
        lang,
        dates=format_number(figure["dates"], lang),
        days=horizon,
        error=format_percent(figure["error_median"] / 100.0, lang),
        bias=sign + format_percent(bias / 100.0, lang),
    )
