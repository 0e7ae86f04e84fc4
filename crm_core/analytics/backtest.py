"""Backtest of the recurring forecast: forecast as of a past date, compare with what was invoiced next.

Clients scored: every client with a non-void invoice on or before `as_of` (existing business; a
client first invoiced later is new business, outside the recurring forecast). Actual revenue in a
horizon h is the sum of non-void totals issued in (as_of, as_of + h], credit notes included.
Metrics per model and horizon: per-client RMSE and MAE, total bias in % ((forecast - actual) /
actual), Spearman rank correlation of forecast and actual. Baselines: zero; the last-90-day run rate
(revenue in (as_of - 90, as_of] x h / 90); the trailing-12-month rate (revenue in
(as_of - 365, as_of] x h / 365).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from crm_core.analytics.forecast import (
    as_of_timestamp,
    billable_invoices,
    forecast_from_history,
    purchase_history,
)
from crm_core.frames import Frames

MODEL = "recurring forecast"
BASELINES: tuple[str, ...] = ("zero", "run rate 90d", "trailing 12m")
BACKTEST_COLUMNS: list[str] = [
    "horizon", "model", "clients", "forecast_total", "actual_total", "rmse", "mae", "bias_pct", "spearman",
]


def revenue_between(invoices: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, clients: np.ndarray) -> np.ndarray:
    """Non-void revenue issued in (start, end] per client of `clients` (sorted ids)."""
    keep = (~invoices["void"].to_numpy(dtype=bool)
            & (invoices["issue_date"] > start).to_numpy() & (invoices["issue_date"] <= end).to_numpy())
    ids = invoices["client_id"].to_numpy(dtype=np.int64)[keep]
    pos = np.searchsorted(clients, ids)
    pos_ok = (pos < len(clients))
    pos_ok[pos_ok] &= clients[pos[pos_ok]] == ids[pos_ok]
    return np.bincount(pos[pos_ok], weights=invoices["total"].to_numpy(dtype="float64")[keep][pos_ok],
                       minlength=len(clients))


def forecast_metrics(forecast: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """RMSE, MAE, total bias (%) and Spearman rank correlation of per-client forecasts."""
    error = forecast - actual
    actual_total = float(actual.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        bias = (float(forecast.sum()) - actual_total) / actual_total * 100.0 if actual_total else np.nan
    constant = len(actual) < 2 or np.ptp(forecast) == 0 or np.ptp(actual) == 0
    rho = np.nan if constant else float(spearmanr(forecast, actual).statistic)
    return {
        "clients": float(len(actual)),
        "forecast_total": float(forecast.sum()),
        "actual_total": actual_total,
        "rmse": float(np.sqrt(np.mean(error**2))) if len(error) else np.nan,
        "mae": float(np.mean(np.abs(error))) if len(error) else np.nan,
        "bias_pct": bias,
        "spearman": rho,
    }


def baseline_forecasts(invoices: pd.DataFrame, as_of: date, horizon: int, clients: np.ndarray) -> dict[str, np.ndarray]:
    """The three baselines for one horizon, per client of `clients`."""
    cutoff = as_of_timestamp(as_of)
    last_90 = revenue_between(invoices, cutoff - pd.Timedelta(days=90), cutoff, clients)
    last_365 = revenue_between(invoices, cutoff - pd.Timedelta(days=365), cutoff, clients)
    return {
        "zero": np.zeros(len(clients)),
        "run rate 90d": last_90 * horizon / 90.0,
        "trailing 12m": last_365 * horizon / 365.0,
    }


def run_backtest(
    frames: Frames,
    as_of: date,
    horizons: tuple[int, ...] = (30, 90),
    forecaster: Callable[..., dict[int, np.ndarray]] = forecast_from_history,
) -> pd.DataFrame:
    """Score the recurring forecast made as of `as_of` against the next `horizons` days, with baselines.

    Only invoices dated on or before `as_of` feed the forecast. One row per (horizon, model); the
    rows carry `rmse_vs_best_baseline_pct`: RMSE against the lowest baseline RMSE of the horizon
    (negative = better).
    """
    cutoff = as_of_timestamp(as_of)
    history_rows = billable_invoices(frames.invoices, as_of)
    clients = np.sort(pd.unique(history_rows["client_id"].to_numpy(dtype=np.int64)))
    past = frames.invoices[frames.invoices["client_id"].isin(clients).to_numpy()
                           & (frames.invoices["issue_date"] <= cutoff).to_numpy()]
    history = purchase_history(past, as_of)
    predicted = forecaster(history, tuple(horizons))
    rows = []
    for h in horizons:
        actual = revenue_between(frames.invoices, cutoff, cutoff + pd.Timedelta(days=h), clients)
        candidates = {MODEL: predicted[h], **baseline_forecasts(frames.invoices, as_of, h, clients)}
        for name, forecast in candidates.items():
            rows.append({"horizon": h, "model": name, **forecast_metrics(forecast, actual)})
    table = pd.DataFrame(rows, columns=BACKTEST_COLUMNS)
    best = table[table["model"].isin(BASELINES)].groupby("horizon")["rmse"].min()
    table["rmse_vs_best_baseline_pct"] = (table["rmse"] / table["horizon"].map(best) - 1.0) * 100.0
    return table


def format_backtest(table: pd.DataFrame, title: str) -> str:
    """The backtest table as aligned text for the terminal and the docs."""
    lines = [title]
    header = f"{'horizon':>7}  {'model':<20} {'clients':>8} {'forecast':>13} {'actual':>13} " \
             f"{'RMSE':>10} {'MAE':>10} {'bias %':>8} {'Spearman':>8} {'RMSE vs best baseline':>22}"
    lines.append(header)
    for row in table.itertuples(index=False):
        lines.append(
            f"{row.horizon:>6}d  {row.model:<20} {int(row.clients):>8} {row.forecast_total:>13,.2f} "
            f"{row.actual_total:>13,.2f} {row.rmse:>10.2f} {row.mae:>10.2f} {row.bias_pct:>8.1f} "
            f"{row.spearman:>8.3f} {row.rmse_vs_best_baseline_pct:>21.1f}%"
        )
    return "\n".join(lines)
