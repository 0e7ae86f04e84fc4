"""Recurring revenue forecast: invoicing expected from existing business in the next 30/90 days.

Model (measured in docs/forecast-accuracy.md):
- a purchase is a day on which a client's non-void invoices net to a positive total;
- expected purchases in the horizon: BG/NBD fitted on the whole portfolio as of `as_of`; for a
  client whose gaps between purchases are regular (low coefficient of variation), a blend with its
  own cadence (the purchases its schedule puts in the horizon, discounted when it is overdue);
- expected amount per purchase: Gamma-Gamma (the client's mean shrunk towards the portfolio's);
- times the client's net share (credit notes reduce it: net total / positive total, in [0, 1]).
With too little history to fit (a handful of clients), the counts come from the cadence for regular
clients and from the client's own purchase rate otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.repeat_purchase import BGNBD, GammaGamma, fit_bgnbd, fit_gamma_gamma

HORIZONS: tuple[int, ...] = (30, 90)
# Fewer clients with a repeat purchase than this: no population fit, per-client rates instead.
MIN_FIT_CLIENTS = 20
# Cadence: gaps with a coefficient of variation at or above CADENCE_MAX_CV get no cadence weight;
# the weight grows to 1 as CV falls to 0 and the number of gaps reaches CADENCE_FULL_GAPS.
CADENCE_MAX_CV = 0.5
CADENCE_MIN_GAPS = 3
CADENCE_FULL_GAPS = 6
# A regular client later than its gap + tolerance (2 standard deviations, at least
# CADENCE_MIN_TOLERANCE_DAYS) is less and less likely to be on schedule: exp(-excess / gap).
CADENCE_MIN_TOLERANCE_DAYS = 7.0
# Without a population fit, a young client is rated over at least this many days.
MIN_EXPOSURE_DAYS = 90.0


def as_of_timestamp(as_of: date | pd.Timestamp) -> pd.Timestamp:
    """`as_of` as a midnight Timestamp, comparable with the frames' naive date columns."""
    return pd.Timestamp(as_of).normalize()


def billable_invoices(invoices: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Non-void invoices (credit notes included, negative) issued on or before `as_of`."""
    cutoff = as_of_timestamp(as_of)
    keep = ~invoices["void"].to_numpy(dtype=bool) & (invoices["issue_date"] <= cutoff).to_numpy()
    return invoices.loc[keep, ["invoice_id", "client_id", "issue_date", "total"]]


@dataclass(frozen=True)
class PurchaseHistory:
    """Per-client purchase summary as of a date (arrays aligned with `client_ids`)."""

    client_ids: np.ndarray
    x: np.ndarray  # repeat purchases (purchase days after the first)
    t_x: np.ndarray  # days from first to last purchase
    t: np.ndarray  # days from first purchase to as_of
    mean_repeat: np.ndarray  # mean amount of the repeat purchases (NaN without any)
    net_share: np.ndarray  # net invoiced / positive purchases, in [0, 1]
    gap: np.ndarray  # median days between purchases (NaN with fewer than 2 purchases)
    gap_sd: np.ndarray  # standard deviation of those gaps
    gap_cv: np.ndarray  # sd / mean of the gaps
    gaps: np.ndarray  # number of gaps


def purchase_history(invoices: pd.DataFrame, as_of: date) -> PurchaseHistory:
    """Summarise each client's invoices up to `as_of` into purchase days (vectorised, one sort)."""
    inv = billable_invoices(invoices, as_of)
    clients_all = np.sort(pd.unique(invoices["client_id"].to_numpy(dtype=np.int64)))
    n = len(clients_all)
    cutoff_day = int(as_of_timestamp(as_of).value // 86_400_000_000_000)
    client_pos = np.searchsorted(clients_all, inv["client_id"].to_numpy(dtype=np.int64))
    day = inv["issue_date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    total = inv["total"].to_numpy(dtype="float64")

    # Net total per (client, day), then keep the positive days: those are purchases.
    order = np.lexsort((day, client_pos))
    client_pos, day, total = client_pos[order], day[order], total[order]
    new = np.r_[True, (client_pos[1:] != client_pos[:-1]) | (day[1:] != day[:-1])] if len(day) else np.zeros(0, bool)
    starts = np.flatnonzero(new)
    d_client, d_day = client_pos[starts], day[starts]
    d_total = np.add.reduceat(total, starts) if len(starts) else np.zeros(0)
    net = np.bincount(d_client, weights=d_total, minlength=n)
    buy = d_total > 0.005
    b_client, b_day, b_total = d_client[buy], d_day[buy], d_total[buy]
    positive = np.bincount(b_client, weights=b_total, minlength=n)
    count = np.bincount(b_client, minlength=n).astype("float64")

    first_day = np.full(n, np.nan)
    last_day = np.full(n, np.nan)
    if len(b_client):
        bounds = np.flatnonzero(np.r_[True, b_client[1:] != b_client[:-1]])
        first_day[b_client[bounds]] = b_day[bounds]
        ends = np.r_[bounds[1:], len(b_client)] - 1
        last_day[b_client[ends]] = b_day[ends]
    has = count > 0
    x = np.where(has, count - 1.0, 0.0)
    t_x = np.where(has, last_day - first_day, 0.0)
    t = np.where(has, cutoff_day - first_day, 0.0)

    # Repeat purchases: every purchase after each client's first.
    is_first = np.r_[True, b_client[1:] != b_client[:-1]] if len(b_client) else np.zeros(0, bool)
    repeat_sum = np.bincount(b_client[~is_first], weights=b_total[~is_first], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_repeat = np.where(x > 0, repeat_sum / np.maximum(x, 1), np.nan)
        net_share = np.clip(np.where(positive > 0, net / np.maximum(positive, 1e-9), 0.0), 0.0, 1.0)

    gap_values = np.diff(b_day).astype("float64")[~is_first[1:]] if len(b_day) else np.zeros(0)
    gap_client = b_client[1:][~is_first[1:]] if len(b_client) else np.zeros(0, np.int64)
    gaps = np.bincount(gap_client, minlength=n).astype("float64")
    gap_sum = np.bincount(gap_client, weights=gap_values, minlength=n)
    gap_sq = np.bincount(gap_client, weights=gap_values**2, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap_mean = np.where(gaps > 0, gap_sum / np.maximum(gaps, 1), np.nan)
        gap_var = np.where(gaps > 1, (gap_sq - gaps * gap_mean**2) / np.maximum(gaps - 1, 1), 0.0)
        gap_sd = np.sqrt(np.clip(gap_var, 0.0, None))
        gap_cv = np.where(gap_mean > 0, gap_sd / gap_mean, np.inf)
    gap_median = _group_median(gap_client, gap_values, n)
    return PurchaseHistory(clients_all, x, t_x, t, mean_repeat, net_share, gap_median, gap_sd, gap_cv, gaps)


def _group_median(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Median of `values` per group 0..n-1 (NaN for an empty group), by one lexsort."""
    out = np.full(n, np.nan)
    if len(values) == 0:
        return out
    order = np.lexsort((values, groups))
    g, v = groups[order], values[order]
    counts = np.bincount(g, minlength=n)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    has = counts > 0
    lo = starts + (counts - 1) // 2
    hi = starts + counts // 2
    out[has] = (v[lo[has]] + v[hi[has]]) / 2.0
    return out


def cadence_purchases(history: PurchaseHistory, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Purchases a client's own schedule puts in (as_of, as_of + horizon], and the cadence weight.

    The schedule is last purchase + k x median gap. A client already past its next date is taken to
    buy right away when within tolerance, with a probability decaying by exp(-excess / gap) beyond.
    The weight (0-1) says how much to trust the schedule: regular gaps (low CV), enough of them.
    """
    gap = np.where(np.isfinite(history.gap) & (history.gap > 0), history.gap, np.inf)
    since = history.t - history.t_x  # days since the last purchase
    next_in = gap - since  # days from as_of to the next scheduled purchase
    overdue = next_in <= 0
    tolerance = np.maximum(2.0 * history.gap_sd, CADENCE_MIN_TOLERANCE_DAYS)
    excess = np.clip(-next_in - tolerance, 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        on_schedule = np.where(overdue, np.exp(-excess / gap), 1.0)
        first = np.where(overdue, 1.0, next_in)  # an overdue purchase is expected tomorrow
        count = np.where(first <= horizon, 1.0 + np.floor((horizon - first) / gap), 0.0)
    count = np.nan_to_num(count * on_schedule)
    regular = np.clip(1.0 - history.gap_cv / CADENCE_MAX_CV, 0.0, 1.0)
    enough = np.clip(history.gaps / CADENCE_FULL_GAPS, 0.0, 1.0) * (history.gaps >= CADENCE_MIN_GAPS)
    return count, np.nan_to_num(regular * enough)


def _fallback_purchases(history: PurchaseHistory, horizon: float) -> np.ndarray:
    """Without a population fit: each client's own purchase rate over its exposure."""
    has = history.t > 0
    exposure = np.maximum(history.t, MIN_EXPOSURE_DAYS)
    return np.where(has | (history.x > 0), (history.x + 1.0) / exposure * horizon, 0.0)


def fit_models(history: PurchaseHistory) -> tuple[BGNBD | None, GammaGamma | None]:
    """Population BG/NBD and Gamma-Gamma on the clients with at least one purchase."""
    buyers = (history.t > 0) | (history.x > 0)
    if np.count_nonzero(history.x[buyers] > 0) < MIN_FIT_CLIENTS:
        return None, None
    bgnbd = fit_bgnbd(history.x[buyers], history.t_x[buyers], history.t[buyers])
    gamma_gamma = fit_gamma_gamma(history.x[buyers], history.mean_repeat[buyers])
    return bgnbd, gamma_gamma


def forecast_from_history(history: PurchaseHistory, horizons: tuple[int, ...] = HORIZONS,
                          use_cadence: bool = True) -> dict[int, np.ndarray]:
    """Expected invoiced revenue per client for each horizon (arrays aligned with history.client_ids)."""
    bgnbd, gamma_gamma = fit_models(history)
    bought = (history.x > 0) | (history.t > 0) | (history.net_share > 0)
    if gamma_gamma is not None:
        spend = gamma_gamma.expected_spend(history.x, history.mean_repeat)
    else:
        spend = np.where(history.x > 0, history.mean_repeat, np.nan)
        fallback_spend = np.nanmean(spend) if np.any(np.isfinite(spend)) else 0.0
        spend = np.where(np.isfinite(spend), spend, fallback_spend)
    out = {}
    for h in horizons:
        if bgnbd is not None:
            base = bgnbd.expected_purchases(float(h), history.x, history.t_x, history.t)
        else:
            base = _fallback_purchases(history, float(h))
        if use_cadence:
            cadence, weight = cadence_purchases(history, float(h))
            base = weight * cadence + (1.0 - weight) * base
        out[h] = np.where(bought, np.clip(base, 0.0, None) * spend * history.net_share, 0.0)
    return out


def recurring_forecast(invoices: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Expected invoiced revenue from existing business in (as_of, as_of + 30] and (as_of, as_of + 90].

    One row per client present in `invoices`, indexed by client_id (0 for a client without usable
    history: no invoice on or before `as_of`, or only void ones). See the module doc for the model.
    """
    history = purchase_history(invoices, as_of)
    values = forecast_from_history(history)
    return pd.DataFrame(
        {f"recurring_{h}d": values[h] for h in HORIZONS},
        index=pd.Index(history.client_ids, name="client_id", dtype="int64"),
    )
