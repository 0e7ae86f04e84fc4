"""Invoices (per-client cadence and amounts, credit notes, void), their numbers, payments and the
lifecycle status they imply."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crm_core.demo import vocab
from crm_core.demo.arrays import group_index, pick, to_dates, weekday_forward
from crm_core.demo.plan import (
    CHRONIC,
    HISTORY_DAYS,
    IRREGULAR,
    LATE,
    NEVER,
    PARTIAL,
    PUNCTUAL,
    QUARTERLY,
    Plan,
)

# Irregular buyers: fewer invoices in August, noisier amounts, a December bump (also read by
# benchmarks/forecast_ceiling.py, which forecasts with these true parameters).
AUGUST_SKIP = 0.45
IRREGULAR_AMOUNT_SIGMA = 0.35
DECEMBER_BUMP = 1.2
IRREGULAR_GAP_SHAPE = 2.2


@dataclass
class Invoices:
    """Invoice rows as parallel arrays (client index, issue day, cents, flags)."""

    client: np.ndarray
    issue: np.ndarray
    cents: np.ndarray
    credit: np.ndarray
    void: np.ndarray


def _month_start_day(month_index: np.ndarray) -> np.ndarray:
    """Day number of the first day of month index (months since 1970-01)."""
    return month_index.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _regular_invoices(rng: np.random.Generator, plan: Plan, today: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Issue days and amounts (cents) of ordinary invoices, per client cadence."""
    n = len(plan.size)
    h0 = today - HISTORY_DAYS
    last = np.minimum(plan.end, today)
    span = np.maximum(last - plan.start, 0)
    fixed_step = np.where(plan.cadence == QUARTERLY, 3, 1)
    k_fixed = span // (30 * fixed_step) + 3
    k_irregular = np.ceil(span / plan.mean_gap * 1.7).astype(np.int64) + 6
    count = np.where(plan.customer, np.where(plan.cadence == IRREGULAR, k_irregular, k_fixed), 0)

    client = np.repeat(np.arange(n), count)
    k = group_index(count)
    cadence = plan.cadence[client]
    start = plan.start[client]
    drift = plan.drift[client]

    # fixed cadences: same day of the month, rolled to a weekday
    start_month = to_dates(start).astype("datetime64[M]").astype(np.int64)
    dom = np.minimum(start - _month_start_day(start_month), 27)
    fixed_day = _month_start_day(start_month + k * fixed_step[client]) + dom + (rng.random(len(k)) < 0.15)
    fixed_day = weekday_forward(fixed_day)

    # irregular: gamma gaps, slower after the client starts drifting, fewer in August
    gap_mean = plan.mean_gap[client]
    gaps = rng.gamma(IRREGULAR_GAP_SHAPE, gap_mean / IRREGULAR_GAP_SHAPE)
    gaps[k == 0] = rng.uniform(0, 1, int((k == 0).sum())) * gap_mean[k == 0]
    cum = np.cumsum(gaps)
    group_start = np.repeat(np.cumsum(count) - count, count)
    before = np.concatenate(([0.0], cum[:-1]))
    irregular_day = start + np.floor(cum - before[group_start]).astype(np.int64)
    warped = np.where(irregular_day > drift, drift + (irregular_day - drift) * 2.6, irregular_day)
    irregular_day = weekday_forward(np.floor(warped).astype(np.int64))

    day = np.where(cadence == IRREGULAR, irregular_day, fixed_day)
    keep = (day >= start) & (day <= np.minimum(plan.end[client], today))
    month = to_dates(day).astype("datetime64[M]").astype(np.int64) % 12 + 1
    u = rng.random(len(day))
    keep &= ~((cadence == IRREGULAR) & (month == 8) & (u < AUGUST_SKIP))
    keep &= ~((cadence != IRREGULAR) & (day > drift) & (u < 0.6))
    keep &= ~((cadence != IRREGULAR) & (u > 0.985))  # an occasional skipped period

    # amounts: a per-client level with a yearly trend; retainers change price once a year
    level = plan.level[client]
    growth = plan.growth[client]
    years_in = (day - np.maximum(start, h0)) / 365.0
    fixed_amount = level * np.exp(growth * np.floor(years_in)) * rng.lognormal(0, 0.02, len(day))
    extra = rng.random(len(day)) < 0.08
    fixed_amount = np.where(extra, fixed_amount * rng.uniform(1.15, 1.8, len(day)), fixed_amount)
    irregular_amount = level * np.exp(growth * years_in) * rng.lognormal(0, IRREGULAR_AMOUNT_SIGMA, len(day))
    amount = np.where(cadence == IRREGULAR, irregular_amount, fixed_amount)
    amount = np.where(day > drift, amount * 0.75, amount)
    december = (month == 12) & (cadence == IRREGULAR)
    amount = np.where(december, amount * DECEMBER_BUMP, amount)
    cents = np.maximum(np.round(amount), 1500).astype(np.int64)
    return client[keep], day[keep], cents[keep]


def make_invoices(rng: np.random.Generator, plan: Plan, today: int) -> Invoices:
    """Ordinary invoices plus a few void ones and credit notes (negative, a few weeks later)."""
    client, issue, cents = _regular_invoices(rng, plan, today)
    m = len(client)
    void = rng.random(m) < 0.005
    noted = ~void & (rng.random(m) < 0.01)
    cn_client = client[noted]
    cn_issue = np.minimum(issue[noted] + rng.integers(2, 45, int(noted.sum())), np.minimum(plan.end[cn_client], today))
    cn_cents = -np.maximum(np.round(cents[noted] * rng.uniform(0.05, 1.0, int(noted.sum()))), 100).astype(np.int64)
    return Invoices(
        client=np.concatenate([client, cn_client]),
        issue=np.concatenate([issue, cn_issue]),
        cents=np.concatenate([cents, cn_cents]),
        credit=np.concatenate([np.zeros(m, bool), np.ones(len(cn_client), bool)]),
        void=np.concatenate([void, np.zeros(len(cn_client), bool)]),
    )


def invoice_numbers(issue: np.ndarray, credit: np.ndarray) -> list[str]:
    """F2025-000123 for invoices, R2025-000012 for credit notes, numbered by date within a year."""
    year = to_dates(issue).astype("datetime64[Y]").astype(np.int64) + 1970
    series = year * 2 + credit
    order = np.lexsort((np.arange(len(issue)), series))
    sorted_series = series[order]
    first = np.searchsorted(sorted_series, sorted_series, side="left")
    seq = np.empty(len(issue), dtype=np.int64)
    seq[order] = np.arange(len(issue)) - first + 1
    if len(seq) and (seq.max() >= 10**6 or year.min() < 1000 or year.max() > 9999):
        prefix = np.where(credit, "R", "F")
        return [f"{p}{y}-{s:06d}" for p, y, s in zip(prefix.tolist(), year.tolist(), seq.tolist(), strict=False)]
    # fixed width 'F2025-000123': build the characters as a code-point matrix (much faster than f-strings)
    chars = np.empty((len(seq), 12), dtype=np.uint32)
    chars[:, 0] = np.where(credit, ord("R"), ord("F"))
    chars[:, 5] = ord("-")
    rest_year, rest_seq = year.astype(np.uint32), seq.astype(np.uint32)
    for position in range(4, 0, -1):
        chars[:, position] = ord("0") + rest_year % 10
        rest_year //= 10
    for position in range(11, 5, -1):
        chars[:, position] = ord("0") + rest_seq % 10
        rest_seq //= 10
    return chars.view("<U12").ravel().tolist()


def make_payments(
    rng: np.random.Generator, plan: Plan, inv: Invoices, due: np.ndarray, today: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(invoice row, paid day, cents, method) of every payment made up to `today`."""
    payable = np.flatnonzero(~inv.void & ~inv.credit)
    client = inv.client[payable]
    issue = inv.issue[payable]
    due_p = due[payable]
    total = inv.cents[payable]
    m = len(payable)
    behaviour = plan.behaviour[client]
    mu = plan.delay_mu[client]
    terms = plan.terms[client]

    early = np.floor(rng.random(m) * (np.minimum(terms, 10) + 1)).astype(np.int64)
    punctual_day = np.where(plan.method[client] == 1, due_p, due_p - early)  # direct debit: on the due date
    slip = rng.random(m) < 0.05
    punctual_day = np.where(slip, due_p + rng.integers(1, 10, m), punctual_day)
    late_day = due_p + np.round(rng.gamma(2.0, np.maximum(mu, 1) / 2.0)).astype(np.int64)
    late_on_time = rng.random(m) < np.where(behaviour == CHRONIC, 0.05, 0.45)
    late_day = np.where(late_on_time, due_p - np.minimum(early, 3), late_day)
    chronic_day = due_p + np.round(rng.gamma(2.5, np.maximum(mu, 1) / 2.5)).astype(np.int64)
    paid = np.select([behaviour == PUNCTUAL, behaviour == CHRONIC], [punctual_day, chronic_day], late_day)
    paid = np.maximum(paid, issue)

    never = (issue >= plan.default_day[client] - 40) | (rng.random(m) < 0.0015)

    split = ~never & (((behaviour == PARTIAL) & (rng.random(m) < 0.4)) | ((behaviour == LATE) & (rng.random(m) < 0.03)))
    parts = np.where(split, np.where(rng.random(m) < 0.7, 2, 3), 1)
    first_share = np.round(total * rng.uniform(0.3, 0.6, m)).astype(np.int64)
    second_share = np.where(parts == 3, np.round(total * rng.uniform(0.15, 0.3, m)).astype(np.int64), 0)
    last_share = total - first_share - second_share
    gap1 = rng.integers(12, 45, m)
    gap2 = rng.integers(12, 45, m)

    rows = np.repeat(np.arange(m), parts)
    idx = group_index(parts)
    n_parts = parts[rows]
    amount = np.where(
        n_parts == 1,
        total[rows],
        np.where(idx == 0, first_share[rows], np.where(idx == n_parts - 1, last_share[rows], second_share[rows])),
    )
    day = paid[rows] + np.where(idx >= 1, gap1[rows], 0) + np.where(idx >= 2, gap2[rows], 0)
    keep = ~never[rows] & (day <= today) & (amount > 0)
    methods = np.where(rng.random(len(rows)) < 0.9, plan.method[client[rows]], pick(rng, vocab.PAYMENT_METHOD_WEIGHTS, len(rows)))
    return payable[rows[keep]], day[keep], amount[keep], methods[keep]


def client_status(plan: Plan, inv: Invoices, today: int, rng: np.random.Generator) -> np.ndarray:
    """Lifecycle status consistent with what each client did (prospects never invoiced...)."""
    n = len(plan.size)
    real = ~inv.void & ~inv.credit
    n_invoices = np.bincount(inv.client[real], minlength=n)
    last = np.full(n, -NEVER, dtype=np.int64)
    np.maximum.at(last, inv.client[real], inv.issue[real])
    recent = ~inv.void & (inv.issue > today - 365)
    revenue = np.bincount(inv.client[recent], weights=inv.cents[recent], minlength=n)
    status = np.full(n, "active", dtype=object)
    dormant = today - last > 90
    status[dormant] = "dormant"
    lost = plan.churned & (rng.random(n) < 0.8)
    status[lost] = "lost"
    active = (n_invoices > 0) & ~plan.churned & ~dormant
    if active.any():
        threshold = np.quantile(revenue[active], 0.9)
        status[active & (revenue >= threshold) & (revenue > 0)] = "vip"
    status[n_invoices == 0] = "prospect"
    return status
