"""Backtest of the expected revenue as the Overview shows it: each part, at several past dates.

At each date T and horizon h the parts are scored on portfolio totals (what a card shows):
- recurring: the recurring forecast summed over the clients with invoices on or before T, against
  what those clients invoiced in (T, T + h] (new clients are new business, outside it);
- pipeline: the learned pipeline (open deals + deals not yet created), against the value won in
  (T, T + h] (won amount of the deals closed won in the window; the amount when it is missing).
  Baselines: the typed figure (probability x amount of the deals due by T + h, past-due deals in the
  first window: the model before this one) and the value won in the last h days (T - h, T].
Error = |forecast - actual| / actual of the portfolio total, in %; bias = (forecast - actual) / actual.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.backtest import revenue_between
from crm_core.analytics.days import as_of_day
from crm_core.analytics.forecast import as_of_timestamp, billable_invoices, forecast_from_history, purchase_history
from crm_core.analytics.pipeline_forecast import fit_periods, fit_pipeline, won_between
from crm_core.store.frames import Frames

PIPELINE_MODEL = "learned pipeline"
TYPED = "typed probability"
LAST_WON = "won last h days"
RECURRING = "recurring forecast"
PART_COLUMNS: list[str] = ["as_of", "horizon", "part", "model", "forecast", "actual", "bias_pct", "error_pct"]


def _row(as_of: date, h: int, part: str, model: str, forecast: float, actual: float) -> dict[str, object]:
    bias = (forecast - actual) / actual * 100.0 if actual else np.nan
    return {
        "as_of": as_of,
        "horizon": h,
        "part": part,
        "model": model,
        "forecast": forecast,
        "actual": actual,
        "bias_pct": bias,
        "error_pct": abs(bias),
    }


def recurring_totals(frames: Frames, as_of: date, horizons: Sequence[int]) -> dict[int, tuple[float, float]]:
    """(forecast, actual) totals of the recurring part per horizon, over clients with history on `as_of`."""
    cutoff = as_of_timestamp(as_of)
    rows = billable_invoices(frames.invoices, as_of)
    clients = np.sort(pd.unique(rows["client_id"].to_numpy(dtype=np.int64)))
    if not len(clients):
        return {h: (0.0, 0.0) for h in horizons}
    past = frames.invoices[
        frames.invoices["client_id"].isin(clients).to_numpy() & (frames.invoices["issue_date"] <= cutoff).to_numpy()
    ]
    predicted = forecast_from_history(purchase_history(past, as_of), tuple(horizons))
    return {
        h: (
            float(predicted[h].sum()),
            float(revenue_between(frames.invoices, cutoff, cutoff + pd.Timedelta(days=h), clients).sum()),
        )
        for h in horizons
    }


def score_parts(
    frames: Frames,
    dates: Sequence[date],
    horizons: Sequence[int] = (30, 90),
    recurring: bool = True,
) -> pd.DataFrame:
    """One row per (date, horizon, part, model): portfolio forecast, actual, bias and error in %.

    Parts: "recurring" (model only), "pipeline" (learned model, typed and last-h-days baselines),
    "pipeline open" / "pipeline new" (the learned model's two parts against the value won by deals
    open at T / created in the window) and "total" (recurring + learned pipeline against invoiced +
    won: the card's figure; "recurring + typed" is the card before the learned pipeline). Only data dated on or before T feeds each forecast; the caller makes sure
    (T, T + h] is in the data.
    """
    rows: list[dict[str, object]] = []
    for as_of in sorted(dates):
        t = as_of_day(as_of)
        # past dates: a fit of its own, not the shared one (it would push the current date's fits out)
        fit = fit_pipeline(frames.opportunities, frames.stage_history, as_of, frames.invoices, fit_periods(tuple(horizons)))
        model = fit.model(tuple(horizons))
        totals = recurring_totals(frames, as_of, horizons) if recurring else {}
        for h in horizons:
            won, won_new = won_between(frames.opportunities, t, t + h)
            last_won, _ = won_between(frames.opportunities, t - h, t)
            open_part = float(model.deals[f"learned_{h}d"].sum())
            learned = open_part + model.new_deals[h]
            rows.append(_row(as_of, h, "pipeline", PIPELINE_MODEL, learned, won))
            typed = float(model.deals[f"typed_{h}d"].sum())
            rows.append(_row(as_of, h, "pipeline", TYPED, typed, won))
            rows.append(_row(as_of, h, "pipeline", LAST_WON, last_won, won))
            rows.append(_row(as_of, h, "pipeline open", PIPELINE_MODEL, open_part, won - won_new))
            rows.append(_row(as_of, h, "pipeline new", PIPELINE_MODEL, model.new_deals[h], won_new))
            if recurring:
                forecast, actual = totals[h]
                rows.append(_row(as_of, h, "recurring", RECURRING, forecast, actual))
                rows.append(_row(as_of, h, "total", "recurring + learned", forecast + learned, actual + won))
                rows.append(_row(as_of, h, "total", "recurring + typed", forecast + typed, actual + won))
    return pd.DataFrame(rows, columns=PART_COLUMNS)


def summarise_parts(scores: pd.DataFrame) -> pd.DataFrame:
    """Per (horizon, part, model): dates, median / min / max bias, median error, and error vs typed (%).

    `error_vs_typed_pct` compares median errors with the typed baseline of the same horizon
    (pipeline rows only; negative = smaller error than typed).
    """
    grouped = scores.groupby(["horizon", "part", "model"], sort=False)
    out = grouped.agg(
        dates=("bias_pct", "size"),
        bias_median=("bias_pct", "median"),
        bias_min=("bias_pct", "min"),
        bias_max=("bias_pct", "max"),
        error_median=("error_pct", "median"),
        error_max=("error_pct", "max"),
    ).reset_index()
    typed = out[(out["part"] == "pipeline") & (out["model"] == TYPED)].set_index("horizon")["error_median"]
    pipeline_rows = out["part"] == "pipeline"
    out["error_vs_typed_pct"] = np.where(pipeline_rows, (out["error_median"] / out["horizon"].map(typed) - 1.0) * 100.0, np.nan)
    return out


def format_parts(scores: pd.DataFrame, title: str) -> str:
    """The per-date scores and their summary as aligned text for the terminal and the docs."""
    lines = [title, f"{'as of':<10} {'horizon':>7}  {'part':<14} {'model':<20} {'forecast':>14} {'actual':>14} {'bias %':>8}"]
    for row in scores.itertuples(index=False):
        lines.append(
            f"{row.as_of.isoformat():<10} {row.horizon:>6}d  {row.part:<14} {row.model:<20} "
            f"{row.forecast:>14,.0f} {row.actual:>14,.0f} {row.bias_pct:>8.1f}"
        )
    summary = summarise_parts(scores)
    lines.append("")
    lines.append(
        f"{'horizon':>7}  {'part':<14} {'model':<20} {'dates':>5} {'bias median':>11} {'bias range':>17} "
        f"{'|error| median':>14} {'vs typed':>9}"
    )
    for row in summary.itertuples(index=False):
        versus = "" if np.isnan(row.error_vs_typed_pct) else f"{row.error_vs_typed_pct:>8.1f}%"
        lines.append(
            f"{row.horizon:>6}d  {row.part:<14} {row.model:<20} {row.dates:>5} {row.bias_median:>10.1f}% "
            f"{row.bias_min:>7.1f}% to {row.bias_max:>5.1f}% {row.error_median:>13.1f}% {versus:>9}"
        )
    lines.append(
        "error = |forecast - actual| / actual of the portfolio total; vs typed = median error "
        "against the typed-probability baseline's (negative = smaller)"
    )
    return "\n".join(lines)
