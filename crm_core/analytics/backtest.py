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

from collections.abc import Callable, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from crm_core.analytics.forecast import (
    as_of_timestamp,
    billable_invoices,
    forecast_from_history,
    purchase_history,
)
from crm_core.errors import CRMError
from crm_core.store.frames import Frames

MODEL = "recurring forecast"
BASELINES: tuple[str, ...] = ("zero", "run rate 90d", "trailing 12m")
BACKTEST_COLUMNS: list[str] = [
    "horizon",
    "model",
    "clients",
    "forecast_total",
    "actual_total",
    "rmse",
    "mae",
    "bias_pct",
    "spearman",
]
ROLLING_COLUMNS: list[str] = [
    "as_of",
    "horizon",
    "clients",
    "rmse",
    "best_baseline",
    "best_baseline_rmse",
    "rmse_vs_best_baseline_pct",
    "bias_pct",
    "spearman",
]


def revenue_between(invoices: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, clients: np.ndarray) -> np.ndarray:
    """Non-void revenue issued in (start, end] per client of `clients` (sorted ids)."""
    keep = (
        ~invoices["void"].to_numpy(dtype=bool)
        & (invoices["issue_date"] > start).to_numpy()
        & (invoices["issue_date"] <= end).to_numpy()
    )
    ids = invoices["client_id"].to_numpy(dtype=np.int64)[keep]
    pos = np.searchsorted(clients, ids)
    pos_ok = pos < len(clients)
    pos_ok[pos_ok] &= clients[pos[pos_ok]] == ids[pos_ok]
    return np.bincount(pos[pos_ok], weights=invoices["total"].to_numpy(dtype="float64")[keep][pos_ok], minlength=len(clients))


def forecast_metrics(forecast: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """RMSE, MAE, total bias (%) and Spearman rank correlation of per-client forecasts."""
    error = forecast - actual
    actual_total = float(actual.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        bias = (float(forecast.sum()) - actual_total) / actual_total * 100.0 if actual_total else np.nan
    constant = len(actual) < 2 or np.ptp(forecast) == 0 or np.ptp(actual) == 0
    if constant:
        rho = np.nan
    else:
        # Imported here: scipy.stats takes about a second to import, and a page of a large portfolio
        # never scores a backtest in its own process (ui.background does).
        from scipy.stats import spearmanr

        rho = float(spearmanr(forecast, actual).statistic)
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
    past = frames.invoices[
        frames.invoices["client_id"].isin(clients).to_numpy() & (frames.invoices["issue_date"] <= cutoff).to_numpy()
    ]
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
    header = (
        f"{'horizon':>7}  {'model':<20} {'clients':>8} {'forecast':>13} {'actual':>13} "
        f"{'RMSE':>10} {'MAE':>10} {'bias %':>8} {'Spearman':>8} {'RMSE vs best baseline':>22}"
    )
    lines.append(header)
    for row in table.itertuples(index=False):
        lines.append(
            f"{row.horizon:>6}d  {row.model:<20} {int(row.clients):>8} {row.forecast_total:>13,.2f} "
            f"{row.actual_total:>13,.2f} {row.rmse:>10.2f} {row.mae:>10.2f} {row.bias_pct:>8.1f} "
            f"{row.spearman:>8.3f} {row.rmse_vs_best_baseline_pct:>21.1f}%"
        )
    return "\n".join(lines)


def backtest_dates(last: date, every_days: int, times: int) -> list[date]:
    """`times` forecast dates `every_days` apart, ending at `last`, oldest first."""
    if every_days < 1 or times < 1:
        raise ValueError("every_days and times must be >= 1")
    return [last - timedelta(days=every_days * k) for k in range(times - 1, -1, -1)]


def rolling_backtest(
    frames: Frames,
    dates: Sequence[date],
    horizons: tuple[int, ...] = (30, 90),
    forecaster: Callable[..., dict[int, np.ndarray]] = forecast_from_history,
) -> pd.DataFrame:
    """The backtest repeated at several forecast dates: one row per (date, horizon) for the model.

    One date is one draw: a few large clients can swing it, and a window may hold a season or an
    event no other holds; judging a forecast over many dates shows how steady its margin is. Every
    date needs its whole horizon in the data (an invoice on or after as_of + horizon), or a short
    window would pass for a quiet one.
    """
    issued = frames.invoices.loc[~frames.invoices["void"].to_numpy(dtype=bool), "issue_date"]
    if issued.empty:
        raise CRMError("no_invoices")
    first, last = issued.min(), issued.max()
    rows = []
    for as_of in sorted(dates):
        cutoff = as_of_timestamp(as_of)
        if cutoff < first:
            raise CRMError("no_invoice_before", {"as_of": as_of})
        if cutoff + pd.Timedelta(days=max(horizons)) > last:
            raise CRMError("horizon_past_data", {"days": max(horizons), "as_of": as_of, "last": last.date()})
        table = run_backtest(frames, as_of, horizons, forecaster)
        baselines = table[table["model"].isin(BASELINES)]
        for h in horizons:
            model = table[(table["horizon"] == h) & (table["model"] == MODEL)].iloc[0]
            contenders = baselines[baselines["horizon"] == h]
            best = contenders.loc[contenders["rmse"].idxmin()]
            rows.append(
                {
                    "as_of": as_of,
                    "horizon": h,
                    "clients": int(model["clients"]),
                    "rmse": model["rmse"],
                    "best_baseline": best["model"],
                    "best_baseline_rmse": best["rmse"],
                    "rmse_vs_best_baseline_pct": model["rmse_vs_best_baseline_pct"],
                    "bias_pct": model["bias_pct"],
                    "spearman": model["spearman"],
                }
            )
    return pd.DataFrame(rows, columns=ROLLING_COLUMNS)


def format_rolling(table: pd.DataFrame, title: str) -> str:
    """The rolling backtest as aligned text, with the median and range of each horizon's figures."""
    lines = [
        title,
        f"{'as of':<10} {'horizon':>7} {'clients':>8} {'RMSE':>12} {'best baseline':<14} "
        f"{'its RMSE':>12} {'vs best':>8} {'bias %':>8} {'Spearman':>8}",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"{row.as_of.isoformat():<10} {row.horizon:>6}d {row.clients:>8} {row.rmse:>12.2f} "
            f"{row.best_baseline:<14} {row.best_baseline_rmse:>12.2f} {row.rmse_vs_best_baseline_pct:>7.1f}% "
            f"{row.bias_pct:>8.1f} {row.spearman:>8.3f}"
        )
    for h, group in table.groupby("horizon"):
        vs, bias = group["rmse_vs_best_baseline_pct"], group["bias_pct"]
        lines.append(
            f"{h}d over {len(group)} dates: RMSE vs best baseline median {vs.median():.1f}% "
            f"(range {vs.min():.1f}% to {vs.max():.1f}%), bias median {bias.median():.1f}% "
            f"(range {bias.min():.1f}% to {bias.max():.1f}%)"
        )
    return "\n".join(lines)
