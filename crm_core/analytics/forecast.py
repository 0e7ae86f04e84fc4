"""Recurring revenue forecast: invoicing expected from existing business in the next 30/90 days.

Model (measured in docs/forecast-accuracy.md), vectorised over all clients:
- a purchase is a day on which a client's non-void invoices net to a positive total;
- expected purchases in the horizon: BG/NBD fitted on the whole portfolio as of `as_of`, each
  client's prior rate following its typical amount (a covariate fitted on the portfolio), scaled by
  the portfolio's seasonal index over the horizon (with two years of history), blended with the
  client's own cadence (the purchases its schedule puts in the horizon) by an empirical-Bayes
  weight on how regular its gaps are, scaled by how much the blend helped over the last 90 days;
- expected amount per purchase: Gamma-Gamma when it describes the data, else a log-normal
  empirical Bayes on the client's recent purchases (see estimate_spend);
- times the client's net share (credit notes reduce it: net total / positive total, in [0, 1]).
With fewer than MIN_FIT_CLIENTS repeat buyers there is no population fit: counts come from the
cadence for regular clients and from each client's own purchase rate otherwise, amounts from its mean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd
from scipy.special import log_ndtr, ndtr

from crm_core.analytics.days import as_of_day, month_first_days, month_numbers
from crm_core.analytics.grouped import positions, sorted_unique, stable_order
from crm_core.analytics.memo import FrameMemo, columns_of
from crm_core.analytics.repeat_purchase import (
    BGNBD,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_lognormal_spend,
    rate_covariate_effect,
)

HORIZONS: tuple[int, ...] = (30, 90)
_DAY_SPAN = 1 << 22  # more days than any span of dates in the data (about 11,000 years)
# Fewer clients with a repeat purchase than this: no population fit, per-client rates instead.
MIN_FIT_CLIENTS = 20
# Cadence: gaps with a coefficient of variation at or above CADENCE_MAX_CV get no cadence weight;
# the weight grows to 1 as CV falls to 0 and the number of gaps reaches CADENCE_FULL_GAPS.
CADENCE_MAX_CV = 0.5
CADENCE_MIN_GAPS = 2
CADENCE_FULL_GAPS = 6
CADENCE_PRIOR_GAPS = 3.0
# A regular client later than its gap + tolerance (2 standard deviations, at least
# CADENCE_MIN_TOLERANCE_DAYS) is less and less likely to be on schedule: exp(-excess / gap).
CADENCE_MIN_TOLERANCE_DAYS = 7.0
# A client whose median gap is within CALENDAR_TOLERANCE of m months (m = 1..12) and whose recent
# invoices keep to one day of the month (robust spread up to CALENDAR_MAX_SPREAD_DAYS) bills on that
# day: its schedule steps by calendar months from the month its last invoice was meant for.
MONTH_DAYS = 365.2425 / 12
CALENDAR_TOLERANCE = 0.1
CALENDAR_MAX_SPREAD_DAYS = 4.0
# The cadence blend is checked on the CADENCE_CHECK_DAYS before as_of, on at most this many clients.
CADENCE_CHECK_DAYS = 90
CADENCE_CHECK_SAMPLE = 10_000
# The amount covariate of the purchase rate is fitted on clients with at least this much history.
COVARIATE_MIN_EXPOSURE_DAYS = 180.0
# Without a population fit, a young client is rated over at least this many days.
MIN_EXPOSURE_DAYS = 90.0
RECENT_PURCHASES = 6
# Gamma-Gamma is rejected when its implied within-client CV exceeds the observed one this many times.
GG_MAX_CV_RATIO = 2.0
# Seasonality needs two years of full months (each ratio needs 6 months on either side), and
# SEASON_MIN_DOF months seen in more than one year to tell a yearly pattern from noise.
SEASON_MIN_MONTHS = 24
SEASON_MIN_DOF = 3


def as_of_timestamp(as_of: date | pd.Timestamp) -> pd.Timestamp:
    """`as_of` as a midnight Timestamp, comparable with the frames' naive date columns."""
    return pd.Timestamp(as_of).normalize()


def _billable(invoices: pd.DataFrame, as_of: date) -> np.ndarray:
    """Mask of the non-void invoices (credit notes included, negative) issued on or before `as_of`."""
    cutoff = as_of_timestamp(as_of)
    return ~invoices["void"].to_numpy(dtype=bool) & (invoices["issue_date"] <= cutoff).to_numpy()


def billable_invoices(invoices: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Non-void invoices (credit notes included, negative) issued on or before `as_of`."""
    return invoices.loc[_billable(invoices, as_of), ["invoice_id", "client_id", "issue_date", "total"]]


@dataclass(frozen=True)
class PurchaseHistory:
    """Per-client purchase summary as of a date (arrays aligned with `client_ids`)."""

    client_ids: np.ndarray
    count: np.ndarray  # purchase days
    x: np.ndarray  # repeat purchases (purchase days after the first)
    t_x: np.ndarray  # days from first to last purchase
    t: np.ndarray  # days from first purchase to as_of
    net_share: np.ndarray  # net invoiced / positive purchases, in [0, 1]
    first_amount: np.ndarray  # amount of the first purchase (NaN without any)
    last_amount: np.ndarray  # amount of the last purchase
    repeat_sum: np.ndarray  # total of the repeat purchases
    log_ss: np.ndarray  # sum of squared deviations of log-amounts from the client's mean log-amount
    mean_log: np.ndarray  # mean log-amount of all purchases
    recent_log: np.ndarray  # mean log-amount of the last RECENT_PURCHASES purchases
    prior_log: np.ndarray  # mean log-amount of the RECENT_PURCHASES purchases before the last one
    gaps: np.ndarray  # number of gaps between purchases
    gap: np.ndarray  # median gap in days (NaN without gaps)
    gap_mean: np.ndarray  # mean gap
    gap_mad: np.ndarray  # median absolute deviation of the gaps from their median
    gap_robust_cv: np.ndarray  # 1.4826 x gap_mad / gap: regularity, robust to a skipped period
    anchor_day: np.ndarray = field(default_factory=lambda: np.zeros(0))  # median day of the month of recent purchases
    anchor_mad: np.ndarray = field(default_factory=lambda: np.zeros(0))  # their median absolute deviation from it
    as_of_day: int = 0  # day number of as_of
    season: np.ndarray = field(default_factory=lambda: np.ones(12))  # revenue index by calendar month
    cadence_trust: float = 1.0  # how far the cadence blend earned its weight in the last CADENCE_CHECK_DAYS

    @property
    def mean_repeat(self) -> np.ndarray:
        """Mean amount of the repeat purchases (NaN without any)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.x > 0, self.repeat_sum / np.maximum(self.x, 1.0), np.nan)

    @property
    def recent_n(self) -> np.ndarray:
        return np.minimum(self.count, RECENT_PURCHASES)


def purchase_history(invoices: pd.DataFrame, as_of: date, check_cadence: bool = True) -> PurchaseHistory:
    """Summarise each client's invoices up to `as_of` into purchase days (vectorised, one sort).

    With `check_cadence`, also measures how much to trust the cadence blend (see cadence_trust).
    """
    keep = _billable(invoices, as_of)  # the rows of billable_invoices, read as arrays (no frame copied)
    clients_all = sorted_unique(invoices["client_id"].to_numpy(dtype=np.int64))
    n = len(clients_all)
    cutoff_day = int(as_of_timestamp(as_of).value // 86_400_000_000_000)
    client_pos = positions(pd.Index(clients_all), invoices["client_id"].to_numpy(dtype=np.int64)[keep])
    day = invoices["issue_date"].to_numpy(dtype="datetime64[D]")[keep].astype(np.int64)
    total = invoices["total"].to_numpy(dtype="float64")[keep]

    # Net total per (client, day), then keep the positive days: those are purchases.
    day_offset = day - (day.min() if len(day) else 0)
    day_span = int(day_offset.max()) + 1 if len(day) else 1  # packs (client, day) in the fewest bits: same order
    order = stable_order(client_pos.astype(np.int64) * day_span + day_offset)
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

    starts_of = np.r_[True, b_client[1:] != b_client[:-1]] if len(b_client) else np.zeros(0, bool)
    ends_of = np.r_[starts_of[1:], True] if len(b_client) else np.zeros(0, bool)
    first_amount = np.full(n, np.nan)
    last_amount = np.full(n, np.nan)
    first_amount[b_client[starts_of]] = b_total[starts_of]
    last_amount[b_client[ends_of]] = b_total[ends_of]
    repeat_sum = np.bincount(b_client[~starts_of], weights=b_total[~starts_of], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        net_share = np.clip(np.where(positive > 0, net / np.maximum(positive, 1e-9), 0.0), 0.0, 1.0)

    # Log-amounts: all purchases, the last RECENT_PURCHASES, and the RECENT_PURCHASES before the last.
    log_total = np.log(b_total)
    group_end = (
        # b_client is sorted, so its distinct values are those at starts_of
        np.repeat(np.flatnonzero(ends_of), np.bincount(b_client)[b_client[starts_of]]) if len(b_client) else np.zeros(0, np.int64)
    )
    from_end = group_end - np.arange(len(b_client))
    mean_log = _group_mean(b_client, log_total, n)
    log_ss = np.bincount(b_client, weights=(log_total - np.nan_to_num(mean_log)[b_client]) ** 2, minlength=n)
    recent_log = _group_mean(b_client, log_total, n, from_end < RECENT_PURCHASES)
    prior_log = _group_mean(b_client, log_total, n, (from_end >= 1) & (from_end <= RECENT_PURCHASES))
    recent = from_end < RECENT_PURCHASES
    recent_client, recent_day = b_client[recent], b_day[recent]
    day_of_month = (recent_day - month_first_days(month_numbers(recent_day)) + 1).astype("float64")
    anchor_day = _group_median(recent_client, day_of_month, n)
    anchor_mad = _group_median(recent_client, np.abs(day_of_month - anchor_day[recent_client]), n)

    gap_values = np.diff(b_day).astype("float64")[~starts_of[1:]] if len(b_day) else np.zeros(0)
    gap_client = b_client[1:][~starts_of[1:]] if len(b_client) else np.zeros(0, np.int64)
    gaps = np.bincount(gap_client, minlength=n).astype("float64")
    gap_mean = _group_mean(gap_client, gap_values, n)
    gap_median = _group_median(gap_client, gap_values, n)
    gap_mad = _group_median(gap_client, np.abs(gap_values - gap_median[gap_client]), n)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap_robust_cv = np.where(gap_median > 0, 1.4826 * gap_mad / gap_median, np.inf)
    history = PurchaseHistory(
        client_ids=clients_all,
        count=count,
        x=x,
        t_x=t_x,
        t=t,
        net_share=net_share,
        first_amount=first_amount,
        last_amount=last_amount,
        repeat_sum=repeat_sum,
        log_ss=log_ss,
        mean_log=mean_log,
        recent_log=recent_log,
        prior_log=prior_log,
        gaps=gaps,
        gap=gap_median,
        gap_mean=gap_mean,
        gap_mad=gap_mad,
        gap_robust_cv=gap_robust_cv,
        anchor_day=anchor_day,
        anchor_mad=anchor_mad,
        as_of_day=cutoff_day,
    )
    irregular = cadence_weight(history) < 0.5
    irregular_rows = np.flatnonzero(irregular[b_client])
    season = seasonal_index(b_day[irregular_rows], b_total[irregular_rows], cutoff_day)
    history = replace(history, season=season)
    if check_cadence:
        history = replace(history, cadence_trust=cadence_trust(invoices, history))
    return history


def cadence_trust(invoices: pd.DataFrame, history: PurchaseHistory) -> float:
    """How much the cadence blend helped in the last CADENCE_CHECK_DAYS, 0-1 (1 when it cannot be told).

    The forecast is remade as of as_of - CADENCE_CHECK_DAYS from the invoices before it, for a
    seeded sample of clients, and the blend's scale s (weight x s) that best fits the purchases
    really made since is found by least squares, clipped to 0-1. Where regular-looking gaps are
    chance (retail buyers such as CDNOW's) it comes out near 0 and the schedule is not used; where
    clients bill on schedules it is 1.
    """
    check_day = history.as_of_day - CADENCE_CHECK_DAYS
    buyers = history.client_ids[history.count > 0]
    if len(buyers) > CADENCE_CHECK_SAMPLE:
        buyers = np.sort(np.random.default_rng(20240101).choice(buyers, CADENCE_CHECK_SAMPLE, replace=False))
    check_date = np.datetime64(int(check_day), "D").astype(object)
    earlier = invoices.loc[
        (positions(pd.Index(buyers), invoices["client_id"].to_numpy(dtype=np.int64)) >= 0)  # isin, by a lookup table
        & (invoices["issue_date"] <= as_of_timestamp(check_date)).to_numpy(),
        ["invoice_id", "client_id", "issue_date", "total", "void"],  # what purchase_history reads
    ]
    if earlier.empty:
        return 1.0
    before = purchase_history(earlier, check_date, check_cadence=False)
    bought = before.count > 0
    if np.count_nonzero(before.x > 0) < MIN_FIT_CLIENTS:
        return 1.0
    fitted = fit_bgnbd(before.x[bought], before.t_x[bought], before.t[bought])
    if fitted is None:
        return 1.0
    horizon = float(CADENCE_CHECK_DAYS)
    base = fitted.expected_purchases(horizon, before.x, before.t_x, before.t, amount_rate_scale(before))
    base = base * season_factor(before, CADENCE_CHECK_DAYS)
    schedule, weight = cadence_purchases(before, horizon)
    made = history.count[np.searchsorted(history.client_ids, before.client_ids)] - before.count
    lift = (weight * (schedule - base))[bought]
    if float(np.sum(lift**2)) <= 1e-12:
        return 1.0
    return float(np.clip(np.sum(lift * (made - base)[bought]) / np.sum(lift**2), 0.0, 1.0))


def seasonal_index(day: np.ndarray, amount: np.ndarray, cutoff_day: int) -> np.ndarray:
    """Revenue index by calendar month (mean 1), from at least SEASON_MIN_MONTHS full months.

    Each full month's revenue is divided by the mean of the 12 months centred on it (which removes
    growth). A calendar month's mean ratio is shrunk towards 1 by empirical Bayes: by how much the
    ratios of one month differ between years (noise) against how much the months' means differ
    (signal), so a pattern that repeats every year is kept whole and noise is flattened. With fewer
    than SEASON_MIN_DOF repeated months to measure the noise, as if one more year had shown no
    seasonality. Fed with the purchases of clients without a regular cadence (the cadence model
    already places the others' invoices in time). All ones when the history is shorter.
    """
    if len(day) == 0:
        return np.ones(12)
    months = month_numbers(day)
    # the month before the day after as_of: as_of's own month when as_of is a month end
    last_full = int(np.datetime64(int(cutoff_day) + 1, "D").astype("datetime64[M]").astype(np.int64)) - 1
    first = int(months.min())
    if last_full - first + 1 < SEASON_MIN_MONTHS:
        return np.ones(12)
    keep = months <= last_full
    revenue = np.bincount(months[keep] - first, weights=amount[keep], minlength=last_full - first + 1)
    kernel = np.ones(12) / 12.0
    centred = np.convolve(revenue, kernel, mode="valid")  # mean of months i .. i + 11
    # month i + 6 is (roughly) the centre of window i
    ratios = revenue[6 : 6 + len(centred)] / np.where(centred > 0, centred, np.nan)
    calendar = (np.arange(len(ratios)) + 6 + first) % 12
    ok = np.isfinite(ratios)
    ratio, month = ratios[ok], calendar[ok]
    counts = np.bincount(month, minlength=12).astype("float64")
    sums = np.bincount(month, weights=ratio, minlength=12)
    seen = counts > 0
    mean = np.where(seen, sums / np.maximum(counts, 1.0), 1.0)
    dof = float(np.sum(np.maximum(counts - 1.0, 0.0)))
    if dof >= SEASON_MIN_DOF:
        noise = float(np.sum((ratio - mean[month]) ** 2)) / dof  # variance of one year's ratio
        signal = max(float(np.var(mean[seen])) - float(np.mean(noise / counts[seen])), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            reliability = np.where(seen, signal / (signal + noise / np.maximum(counts, 1.0)), 0.0)
        index = 1.0 + (mean - 1.0) * np.nan_to_num(reliability)
    else:
        index = (sums + 1.0) / (counts + 1.0)
    return index / index.mean()


def season_factor(history: PurchaseHistory, horizon: int) -> float:
    """Mean seasonal index over the days of (as_of, as_of + horizon]; 1 without a seasonal index."""
    if len(history.season) < 12 or horizon <= 0:
        return 1.0
    days = np.arange(history.as_of_day + 1, history.as_of_day + horizon + 1).astype("datetime64[D]")
    calendar = days.astype("datetime64[M]").astype(np.int64) % 12
    return float(np.mean(history.season[calendar]))


def _group_mean(groups: np.ndarray, values: np.ndarray, n: int, where: np.ndarray | None = None) -> np.ndarray:
    """Mean of `values` per group 0..n-1 (NaN for an empty group)."""
    if where is not None:
        rows = np.flatnonzero(where)  # found once, read twice
        groups, values = groups[rows], values[rows]
    counts = np.bincount(groups, minlength=n)
    sums = np.bincount(groups, weights=values, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _group_median(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Median of whole- or half-valued `values` per group 0..n-1 (NaN for an empty group).

    Groups and values are packed into one int64 key, so a single sort orders both. The callers' groups
    are sorted (purchases by client), so the keys are short unsorted runs in ascending blocks: a stable
    sort (timsort) merges those in near-linear time, several times faster than the default sort.
    """
    out = np.full(n, np.nan)
    if len(values) == 0:
        return out
    doubled = np.rint(values * 2.0).astype(np.int64)  # gaps and their deviations: whole or half days
    low = doubled.min()
    packed = np.sort(groups.astype(np.int64) * (2 * _DAY_SPAN) + (doubled - low), kind="stable")
    counts = np.bincount(groups, minlength=n)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    has = counts > 0
    lo = starts + (counts - 1) // 2
    hi = starts + counts // 2
    # unpack only the middle keys
    out[has] = ((packed[lo[has]] % (2 * _DAY_SPAN) + low) / 2.0 + (packed[hi[has]] % (2 * _DAY_SPAN) + low) / 2.0) / 2.0
    return out


def cadence_weight(history: PurchaseHistory) -> np.ndarray:
    """How much to trust each client's own schedule, 0-1 (empirical Bayes on regularity).

    A client's own regularity is 1 - robust CV / CADENCE_MAX_CV (clipped to 0-1), measured on 2+
    gaps; it is shrunk towards the portfolio's (the mean over clients with CADENCE_FULL_GAPS+ gaps)
    as if CADENCE_PRIOR_GAPS more gaps had shown the portfolio's regularity, and scaled by the
    evidence (gaps / CADENCE_FULL_GAPS, at most 1). Fewer than CADENCE_MIN_GAPS gaps: weight 0 (one
    gap says nothing about regularity, and two invoices a day apart are no daily schedule).
    """
    own = np.nan_to_num(np.clip(1.0 - history.gap_robust_cv / CADENCE_MAX_CV, 0.0, 1.0))
    measured = np.where(history.gaps >= 2, history.gaps, 0.0)
    well_measured = history.gaps >= CADENCE_FULL_GAPS
    prior = float(np.mean(own[well_measured])) if np.any(well_measured) else 0.0
    shrunk = (measured * own + CADENCE_PRIOR_GAPS * prior) / (measured + CADENCE_PRIOR_GAPS)
    evidence = np.minimum(history.gaps, CADENCE_FULL_GAPS) / CADENCE_FULL_GAPS
    return np.where(history.gaps >= CADENCE_MIN_GAPS, shrunk * evidence, 0.0)


def calendar_months(history: PurchaseHistory) -> np.ndarray:
    """Months between a client's invoices when it bills on a day of the month (1-12), else 0."""
    with np.errstate(invalid="ignore"):
        months = np.rint(history.gap / MONTH_DAYS)
        fits = (
            (months >= 1)
            & (months <= 12)
            & (np.abs(history.gap - months * MONTH_DAYS) <= CALENDAR_TOLERANCE * months * MONTH_DAYS)
        )
        one_day = 1.4826 * history.anchor_mad <= CALENDAR_MAX_SPREAD_DAYS
    return np.where(fits & one_day & np.isfinite(history.anchor_day), months, 0).astype(np.int64)


def _slot_probability(offset: np.ndarray, spread: np.ndarray, horizon: float, pending: np.ndarray | bool = False) -> np.ndarray:
    """Probability that a date expected `offset` days after as_of (give or take `spread`) is in the horizon.

    A pending date (the first after the last purchase) has not come by as_of, so its chance of
    having fallen before is removed: P(date <= horizon | date > as_of), computed from the tails so a
    date already a little late stays stable (it comes at once).
    """
    probability = ndtr((horizon - offset) / spread) - ndtr(-offset / spread)
    pending = np.broadcast_to(pending, np.shape(offset))
    if np.any(pending):
        o, sd = offset[pending], np.broadcast_to(spread, np.shape(offset))[pending]
        probability[pending] = 1.0 - np.exp(log_ndtr(-(horizon - o) / sd) - log_ndtr(o / sd))
    return probability


_SLOT_CHUNK = 1 << 20  # (client, slot) pairs evaluated at once: bounds the memory of a long schedule


def _sum_over_slots(steps: np.ndarray, probability: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Per row r, the sum of `probability(r, k)` over its slots k = 1..steps[r], all pairs in one vectorised call.

    Pairs come row by row, k ascending, and `bincount` adds each row's weights in that order, so every
    sum is the same float as adding slot after slot; rows are taken in chunks of about _SLOT_CHUNK pairs.
    """
    counts = np.maximum(steps, 0)
    total = np.zeros(len(steps))
    ends = np.cumsum(counts)
    begin = 0
    while begin < len(steps):
        end = max(int(np.searchsorted(ends, (ends[begin - 1] if begin else 0) + _SLOT_CHUNK, side="right")), begin + 1)
        chunk = counts[begin:end]
        row = np.repeat(np.arange(begin, end), chunk)
        if len(row):
            k = np.arange(len(row)) - np.repeat(np.cumsum(chunk) - chunk, chunk) + 1
            total[begin:end] = np.bincount(row - begin, weights=probability(row, k), minlength=end - begin)
        begin = end
    return total


def _calendar_slots(history: PurchaseHistory, rows: np.ndarray, months: np.ndarray, horizon: float) -> np.ndarray:
    """Sum over a calendar schedule's dates (anchor day of every `months`-th month) of their chance
    of falling in the horizon. The schedule starts from the month the last invoice was meant for:
    an invoice on the 2nd for a client billing on the 28th was the previous month's, moved past a
    weekend."""
    anchor = history.anchor_day[rows]
    spread = np.maximum(1.4826 * np.nan_to_num(history.anchor_mad[rows]), 1.0)
    last_day = (history.as_of_day - (history.t[rows] - history.t_x[rows])).astype(np.int64)
    last_month = month_numbers(last_day)
    last_dom = last_day - month_first_days(last_month) + 1
    meant = last_month - (last_dom < anchor - 14) + (last_dom > anchor + 14)
    since = history.as_of_day - last_day
    # slots up to 4 spreads past the horizon; at least one slot (a client may be late for it)
    steps = np.ceil((since + horizon + 4.0 * spread + 31.0) / (months * MONTH_DAYS)).astype(np.int64)

    def probability(row: np.ndarray, k: np.ndarray) -> np.ndarray:
        month = meant[row] + k * months[row]
        first = month_first_days(month)
        length = month_first_days(month + 1) - first
        day = first + np.minimum(np.rint(anchor[row]) - 1, length - 1)
        offset = day - history.as_of_day
        # the first slot after the last invoice is pending unless over 4 spreads late (missed)
        pending = (k == 1) & (offset >= -4.0 * spread[row])
        return _slot_probability(offset, spread[row], horizon, pending)

    return _sum_over_slots(steps, probability)


def _gap_slots(history: PurchaseHistory, rows: np.ndarray, horizon: float) -> np.ndarray:
    """Sum over a day-count schedule's dates (last purchase + k x median gap) of their chance of
    falling in the horizon, each date uncertain by the gaps' robust spread."""
    g = history.gap[rows]
    sd = np.maximum(np.nan_to_num(history.gap_mad[rows]) * 1.4826, 1.0)
    s = history.t[rows] - history.t_x[rows]
    # first slot worth looking at: one that could still fall after as_of (4 spreads late at most);
    # then one slot after another (every client's slots at once, see _sum_over_slots).
    first_offset = np.maximum(1.0, np.ceil((s - 4.0 * sd) / g)) * g - s  # slot date - as_of, days
    slots = np.ceil((horizon + 4.0 * sd - first_offset) / g).astype(np.int64) + 1
    return _sum_over_slots(slots, lambda row, k: _slot_probability(first_offset[row] + (k - 1) * g[row], sd[row], horizon))


def cadence_purchases(history: PurchaseHistory, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Purchases a client's own schedule puts in (as_of, as_of + horizon], and the cadence weight.

    The schedule is the client's day of the month every m months when it bills that way (see
    calendar_months; the date uncertain by how far its recent invoices strayed from that day, at
    least one day), else last purchase + k x median gap, each date uncertain by the gaps' robust
    spread (1.4826 x median absolute deviation, at least one day). The count is the sum of the
    probabilities that each scheduled date falls in the horizon (a date just before as_of may still
    come a little late), times the share of scheduled periods really invoiced (median gap / mean
    gap: skipped periods). A client past its next date by more than the tolerance (two spreads, at
    least CADENCE_MIN_TOLERANCE_DAYS) is on schedule with a probability decaying as exp(-excess / gap).
    The weight (0-1) says how much to trust the schedule: regular gaps (low robust CV), enough of them.
    """
    gap = np.where(np.isfinite(history.gap) & (history.gap > 0), history.gap, np.inf)
    spread = np.maximum(np.nan_to_num(history.gap_mad) * 1.4826, 1.0)
    since = history.t - history.t_x  # days since the last purchase
    tolerance = np.maximum(2.0 * spread, CADENCE_MIN_TOLERANCE_DAYS)
    weight = cadence_weight(history)
    count = np.zeros(len(gap))
    use = weight > 0
    if np.any(use):
        months = calendar_months(history)
        by_calendar = np.flatnonzero(use & (months > 0))
        by_gap = np.flatnonzero(use & (months == 0))
        count[by_calendar] = _calendar_slots(history, by_calendar, months[by_calendar], horizon)
        count[by_gap] = _gap_slots(history, by_gap, horizon)
        excess = np.clip(since - gap - tolerance, 0.0, None)  # days late beyond tolerance for slot 1
        with np.errstate(invalid="ignore", divide="ignore"):
            on_schedule = np.exp(-excess / gap)
            reliability = np.clip(gap / history.gap_mean, 0.0, 1.0)
        count = np.where(use, np.nan_to_num(count * on_schedule * reliability), 0.0)
    return count, weight


def _fallback_purchases(history: PurchaseHistory, horizon: float) -> np.ndarray:
    """Without a population fit: each client's own purchase rate over its exposure."""
    exposure = np.maximum(history.t, MIN_EXPOSURE_DAYS)
    return np.where(history.count > 0, history.count / exposure * horizon, 0.0)


def observed_within_cv(history: PurchaseHistory) -> float:
    """Coefficient of variation of amounts within a client, pooled over clients with 3+ purchases."""
    enough = history.count >= 3
    dof = float(np.sum(history.count[enough] - 1.0))
    if dof <= 0:
        return np.nan
    return float(np.sqrt(np.expm1(np.sum(history.log_ss[enough]) / dof)))


def _gamma_gamma_spend(history: PurchaseHistory) -> np.ndarray | None:
    """Gamma-Gamma on repeat purchases (a first purchase alone: Gamma-Gamma on all purchases).

    None when a fit fails or does not describe the data: q at its bound (GammaGamma.degenerate), or
    a within-client CV implied by the fit (1 / sqrt(p)) over GG_MAX_CV_RATIO times the one observed,
    i.e. the fit explains how clients differ as noise within each client, and would shrink a steady
    client's amount towards the portfolio's far more than its history warrants.
    """
    buyers = history.count > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_all = (history.repeat_sum + np.nan_to_num(history.first_amount)) / np.maximum(history.count, 1)
    observed = observed_within_cv(history)
    repeat = fit_gamma_gamma(history.x[buyers], history.mean_repeat[buyers])
    if repeat is None or repeat.degenerate or not 1.0 / np.sqrt(repeat.p) <= GG_MAX_CV_RATIO * observed:
        return None
    single = fit_gamma_gamma(history.count[buyers], mean_all[buyers])
    if single is None or single.degenerate:
        return None
    return np.where(
        history.x > 0,
        repeat.expected_spend(history.x, history.mean_repeat),
        single.expected_spend(np.ones_like(history.x), history.first_amount),
    )


def _lognormal_spend(history: PurchaseHistory) -> np.ndarray | None:
    """Log-normal empirical Bayes on each client's last RECENT_PURCHASES purchases (see LogNormalSpend)."""
    model = fit_lognormal_spend(history.count, history.mean_log, history.log_ss)
    if model is None:
        return None
    own_within = model.client_within(history.count, history.log_ss)
    return model.expected_spend(history.recent_n, history.recent_log, own_within)


def estimate_spend(history: PurchaseHistory) -> tuple[np.ndarray, str]:
    """Expected amount per purchase per client, and the name of the spend model used.

    Gamma-Gamma (Fader, Hardie & Lee), the literature's model for retail purchases, whose amounts
    vary a lot within a client: used when it describes the data (see _gamma_gamma_spend). Business
    invoices usually do not fit it (amounts spread over orders of magnitude across clients, steady
    within one): then a log-normal empirical Bayes on each client's recent purchases, which also
    follows price rises.
    With fewer than MIN_FIT_CLIENTS repeat buyers: each client's own mean purchase.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        own_mean = np.where(
            history.count > 0, (history.repeat_sum + np.nan_to_num(history.first_amount)) / np.maximum(history.count, 1), np.nan
        )
    if np.count_nonzero(history.x > 0) >= MIN_FIT_CLIENTS:
        gamma_gamma = _gamma_gamma_spend(history)
        if gamma_gamma is not None:
            return np.nan_to_num(gamma_gamma), "gamma-gamma"
        lognormal = _lognormal_spend(history)
        if lognormal is not None:
            return np.nan_to_num(lognormal), "log-normal"
    fallback = float(np.nanmean(own_mean)) if np.any(np.isfinite(own_mean)) else 0.0
    return np.where(np.isfinite(own_mean), own_mean, fallback), "client mean"


def amount_rate_scale(history: PurchaseHistory) -> np.ndarray:
    """Each client's prior purchase rate relative to the portfolio's, from its typical amount.

    Whether clients with larger invoices buy more or less often differs by business (CDNOW's bigger
    spenders buy more often; a B2B client billed quarterly gets larger, rarer invoices), so the
    effect is fitted on the portfolio (rate_covariate_effect, on the mean log-amount of clients with
    COVARIATE_MIN_EXPOSURE_DAYS of history). 1 without enough such clients.
    """
    exposed = (history.count > 0) & (history.t >= COVARIATE_MIN_EXPOSURE_DAYS) & np.isfinite(history.mean_log)
    if np.count_nonzero(exposed) < MIN_FIT_CLIENTS:
        return np.ones(len(history.count))
    effect = rate_covariate_effect(history.x[exposed], history.t[exposed], history.mean_log[exposed])
    centre = float(np.mean(history.mean_log[exposed]))
    return np.exp(effect * np.nan_to_num(history.mean_log - centre))


def _fit_counts(history: PurchaseHistory) -> tuple[BGNBD | None, np.ndarray | float]:
    """BG/NBD fitted on the buyers (None below MIN_FIT_CLIENTS repeat buyers or when the fit fails), and
    each client's prior-rate scale from its typical amount (amount_rate_scale; 1 without a fit)."""
    fitted = None
    buyers = history.count > 0
    if np.count_nonzero(history.x > 0) >= MIN_FIT_CLIENTS:
        fitted = fit_bgnbd(history.x[buyers], history.t_x[buyers], history.t[buyers])
    scale = amount_rate_scale(history) if fitted is not None else 1.0
    return fitted, scale


def _counts(
    history: PurchaseHistory,
    fitted: BGNBD | None,
    scale: np.ndarray | float,
    horizons: tuple[int, ...],
    use_cadence: bool,
) -> dict[int, np.ndarray]:
    """Expected purchase days per client in each horizon from a fitted (or absent) BG/NBD, blended with cadence."""
    buyers = history.count > 0
    out = {}
    for h in horizons:
        if fitted is not None:
            base = fitted.expected_purchases(float(h), history.x, history.t_x, history.t, scale)
        else:
            base = _fallback_purchases(history, float(h))
        base = base * season_factor(history, h)  # the cadence part is already placed in time
        if use_cadence:
            cadence, weight = cadence_purchases(history, float(h))
            weight = weight * history.cadence_trust
            base = weight * cadence + (1.0 - weight) * base
        out[h] = np.where(buyers, np.clip(base, 0.0, None), 0.0)
    return out


def expected_purchases(history: PurchaseHistory, horizons: tuple[int, ...], use_cadence: bool = True) -> dict[int, np.ndarray]:
    """Expected purchase days per client in each horizon: BG/NBD (or own rate), blended with cadence.

    BG/NBD's prior rate follows each client's typical amount (amount_rate_scale)."""
    fitted, scale = _fit_counts(history)
    return _counts(history, fitted, scale, horizons, use_cadence)


@dataclass(frozen=True)
class RecurringModel:
    """The recurring model fitted as of a date: the purchase history, the BG/NBD fit and the spend per purchase.

    Fitting is the costly part; `forecast` then gives any horizons (client_health's 30/90/365 days and
    monthly_revenue's month ends share one fit)."""

    history: PurchaseHistory
    fitted: BGNBD | None
    rate_scale: np.ndarray | float
    spend: np.ndarray
    # per (horizon, use_cadence): the forecast already made, so a shared model forecasts each horizon once
    made: dict[tuple[int, bool], np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def forecast(self, horizons: tuple[int, ...] = HORIZONS, use_cadence: bool = True) -> dict[int, np.ndarray]:
        """Expected invoiced revenue per client for each horizon (arrays aligned with history.client_ids)."""
        missing = tuple(h for h in dict.fromkeys(horizons) if (h, use_cadence) not in self.made)
        if missing:
            counts = _counts(self.history, self.fitted, self.rate_scale, missing, use_cadence)
            for h in missing:
                self.made[(h, use_cadence)] = counts[h] * self.spend * self.history.net_share
        return {h: self.made[(h, use_cadence)].copy() for h in horizons}


def fit_recurring(history: PurchaseHistory) -> RecurringModel:
    """The recurring model fitted on `history` (spend per purchase, BG/NBD and its amount covariate)."""
    spend, _ = estimate_spend(history)
    fitted, scale = _fit_counts(history)
    return RecurringModel(history=history, fitted=fitted, rate_scale=scale, spend=spend)


def forecast_from_history(
    history: PurchaseHistory, horizons: tuple[int, ...] = HORIZONS, use_cadence: bool = True
) -> dict[int, np.ndarray]:
    """Expected invoiced revenue per client for each horizon (arrays aligned with history.client_ids)."""
    return fit_recurring(history).forecast(horizons, use_cadence)


# One fit per invoices data (by identity, crm_core.analytics.memo) and as-of day: the health of every page
# and the monthly chart share it. Keyed on, kept with and fitted from only the columns purchase_history
# reads, so an older table version stays in memory with those alone (4 entries: two dates, two versions).
RECURRING_COLUMNS: list[str] = ["invoice_id", "client_id", "issue_date", "total", "void"]
_MODELS = FrameMemo(max_entries=4)


def recurring_model(invoices: pd.DataFrame, as_of: date) -> RecurringModel:
    """`fit_recurring(purchase_history(invoices, as_of))`, computed once per invoices data and as-of day."""
    read = columns_of(invoices, RECURRING_COLUMNS)
    return _MODELS.get((read,), as_of_day(as_of), lambda: fit_recurring(purchase_history(read, as_of)))


def recurring_forecast(invoices: pd.DataFrame, as_of: date, horizons: tuple[int, ...] = HORIZONS) -> pd.DataFrame:
    """Expected invoiced revenue from existing business in (as_of, as_of + h] for each horizon (30 and 90 days).

    One row per client present in `invoices`, indexed by client_id (0 for a client without usable
    history: no invoice on or before `as_of`, or only void ones), one column recurring_{h}d per
    horizon. See the module doc for the model.
    """
    model = recurring_model(invoices, as_of)
    history, values = model.history, model.forecast(horizons)
    return pd.DataFrame(
        {f"recurring_{h}d": values[h] for h in horizons},
        index=pd.Index(history.client_ids, name="client_id", dtype="int64"),
    )
