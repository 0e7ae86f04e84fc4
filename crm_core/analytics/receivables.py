"""Receivables a Spanish SMB can act on: Ley 3/2004 late-payment claims and client statements (docs/design.md §4.22).

Claim per invoice (real invoices only: a credit note is not linked to an invoice, so it owes and
reduces no claim), as of T:
- the due date is capped at 60 days after the issue date when the agreed term is longer (art. 4);
- interest runs for each day d from the day after the (capped) due date to the day the invoice was
  paid in full, or T while it is still owed, both inclusive, on the principal unpaid at the start of
  day d (a payment dated P stops interest on its amount from P + 1);
- interest = sum over those days of principal x rate of d's half-year / 365 (art. 7), plus a fixed
  40 EUR per invoice for recovery costs (art. 8).
Vectorised over every invoice: with C the running sum of the daily rate over the calendar, the
interest of an invoice is total x (C[E] - C[start-1]) minus, per payment, amount x (C[E] - C[P]).
Amounts are integer cents and rates integer thousandths of a point, so the sum is an exact integer;
it is rounded to the cent once per invoice (half up) and exposed as Decimal where money leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from crm_core.analytics.days import NO_DAY, as_of_day, day_numbers, to_dates
from crm_core.analytics.grouped import positions
from crm_core.analytics.late_rates import (
    RATE_UNITS_PER_PERCENT,
    LateRates,
    half_year_index,
    half_year_label,
    load_late_rates,
)
from crm_core.analytics.payments import invoice_status

MAX_AGREED_TERM_DAYS = 60  # Ley 3/2004 art. 4.3: agreed terms between companies cannot exceed 60 days
COMPENSATION_CENTS = 4000  # art. 8: 40 EUR per invoice
# interest in cents = cents x units / (100 x 1000 x 365): percent -> fraction, thousandths, days a year
_DENOMINATOR = 100 * RATE_UNITS_PER_PERCENT * 365
LEGAL_BASIS_ARTICLES: tuple[int, ...] = (5, 7, 8)

CLAIM_COLUMNS: list[str] = [
    "invoice_id",
    "client_id",
    "number",
    "issue_date",
    "due_date",
    "capped_due_date",
    "paid_date",
    "days_late",
    "principal",
    "outstanding",
    "interest",
    "compensation",
    "claim_total",
    "interest_cents",
    "compensation_cents",
    "provisional",
    "missing_half_years",
]


def _cents(values: np.ndarray) -> np.ndarray:
    """Float euros (2-decimal amounts from Numeric columns) as exact int64 cents."""
    return np.rint(np.asarray(values, dtype="float64") * 100.0).astype(np.int64)


def _round_half_up(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """numerator / denominator rounded half up to an integer, exactly (numerator >= 0, integer arrays)."""
    quotient, remainder = np.divmod(numerator, denominator)
    return quotient + (2 * remainder >= denominator)


@dataclass(frozen=True)
class _Calendar:
    """Running sums of the daily rate units and of the days without a published rate, from day `low`."""

    low: int
    rate_sum: np.ndarray  # rate_sum[i] = units of days low .. low + i - 1
    missing_sum: np.ndarray  # missing_sum[i] = days among low .. low + i - 1 whose half-year the table lacks
    missing_before: np.ndarray  # per day: the last missing half-year index at or before it (-1: none)
    missing_after: np.ndarray  # per day: the first missing half-year index at or after it (-1: none)

    def between(self, sums: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """sum over days first .. last (inclusive; 0 where first > last) of a running-sum array."""
        empty = first > last
        a = np.clip(first - self.low, 0, len(sums) - 1)
        b = np.clip(last - self.low + 1, 0, len(sums) - 1)
        return np.where(empty, 0, sums[b] - sums[a])


def _calendar(rates: LateRates, low: int, high: int) -> _Calendar:
    """The rate of each day low .. high: its half-year's, else (provisional) the latest before it, else the first."""
    days = np.arange(low, high + 1, dtype=np.int64)
    half = half_year_index(days)
    table = rates.half_year_units()
    known_halves = np.array(sorted(table), dtype=np.int64)
    known_units = np.array([table[h] for h in known_halves.tolist()], dtype=np.int64)
    if len(known_halves) == 0:
        units = np.zeros(len(days), dtype=np.int64)
        known = np.zeros(len(days), dtype=bool)
    else:
        at = np.searchsorted(known_halves, half, side="right") - 1  # latest known half-year at or before
        known = (at >= 0) & (known_halves[np.maximum(at, 0)] == half)
        units = known_units[np.maximum(at, 0)]  # before the first row: the first rate
    rate_sum = np.r_[0, np.cumsum(units)].astype(np.int64)
    missing_sum = np.r_[0, np.cumsum(~known)].astype(np.int64)
    marked = np.where(known, -1, half)
    before = np.maximum.accumulate(marked) if len(marked) else marked
    big = np.iinfo(np.int64).max
    after = np.minimum.accumulate(np.where(known, big, half)[::-1])[::-1] if len(marked) else marked
    after = np.where(after == big, -1, after)
    return _Calendar(low, rate_sum, missing_sum, before, after)


def late_payment_claims(
    invoices: pd.DataFrame,
    payments: pd.DataFrame,
    as_of: date,
    rates: LateRates | None = None,
    status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per real invoice paid late or still owed past its (capped) due date as of `as_of` (CLAIM_COLUMNS).

    principal: the invoice total; outstanding: still owed at `as_of`; days_late: interest days; interest,
    compensation (40 EUR) and claim_total in euros from the exact integer cents (`*_cents`). provisional: some
    interest day falls in a half-year the rates table lacks (`missing_half_years`, e.g. "2026-H2"), priced at
    the latest rate the table holds. `status` may pass `invoice_status(invoices, payments, as_of)` already made.
    """
    rates = rates or load_late_rates()
    t = as_of_day(as_of)
    st = status if status is not None else invoice_status(invoices, payments, as_of)
    billable = ~st["void"].to_numpy(dtype=bool) & ~st["credit_note"].to_numpy(dtype=bool)
    issue = day_numbers(st["issue_date"])
    due = day_numbers(st["due_date"])
    paid = day_numbers(st["paid_date"])
    capped = np.where(due == NO_DAY, issue + MAX_AGREED_TERM_DAYS, np.minimum(due, issue + MAX_AGREED_TERM_DAYS))
    end = np.where(paid != NO_DAY, paid, t)
    late = billable & (end > capped)
    rows = np.flatnonzero(late)
    start, end, capped = capped[rows] + 1, end[rows], capped[rows]
    total = _cents(st["total"].to_numpy(dtype="float64")[rows])
    if len(rows):
        calendar = _calendar(rates, int(start.min()), int(end.max()))
        weight = calendar.between(calendar.rate_sum, start, end)
        if int(np.abs(total).max()) * int(weight.max()) >= 2**62:  # beyond int64: exact Python integers
            total, weight = total.astype(object), weight.astype(object)
        numerator = total * weight
        numerator -= _payment_part(st["invoice_id"].to_numpy()[rows], payments, start, end, t, calendar)
        missing_days = calendar.between(calendar.missing_sum, start, end)
        first_missing = calendar.missing_after[np.clip(start - calendar.low, 0, None)]
        last_missing = calendar.missing_before[end - calendar.low]
    else:
        numerator = np.zeros(0, dtype=np.int64)
        missing_days = first_missing = last_missing = np.zeros(0, dtype=np.int64)
    interest = _round_half_up(np.maximum(numerator, 0), _DENOMINATOR)
    provisional = missing_days > 0
    compensation = np.full(len(rows), COMPENSATION_CENTS, dtype=np.int64)
    claim = interest + compensation
    return pd.DataFrame(
        {
            "invoice_id": st["invoice_id"].to_numpy()[rows],
            "client_id": st["client_id"].to_numpy()[rows],
            "number": st["number"].array.take(rows).astype("str", copy=False),  # Arrow strings kept, no Python str each
            "issue_date": st["issue_date"].to_numpy()[rows],
            "due_date": st["due_date"].to_numpy()[rows],
            "capped_due_date": to_dates(capped),
            "paid_date": st["paid_date"].to_numpy()[rows],
            "days_late": (end - capped).astype(np.int64),
            "principal": total / 100.0,
            "outstanding": st["outstanding"].to_numpy(dtype="float64")[rows],
            "interest": interest / 100.0,
            "compensation": compensation / 100.0,
            "claim_total": claim / 100.0,
            "interest_cents": interest,
            "compensation_cents": compensation,
            "provisional": provisional,
            "missing_half_years": _missing_labels(provisional, first_missing, last_missing),
        }
    )


def _payment_part(
    invoice_ids: np.ndarray, payments: pd.DataFrame, start: np.ndarray, end: np.ndarray, t: int, calendar: _Calendar
) -> np.ndarray:
    """Per claimed invoice: sum over its payments (dated <= t) of amount_cents x rate units of max(P+1, start) .. end."""
    out = np.zeros(len(invoice_ids), dtype=np.int64)
    if payments.empty or len(invoice_ids) == 0:
        return out
    pos = positions(pd.Index(invoice_ids), payments["invoice_id"].to_numpy())
    day = day_numbers(payments["paid_on"])
    keep = (pos >= 0) & (day != NO_DAY) & (day <= t)
    pos, day = pos[keep], day[keep]
    amount = _cents(payments["amount"].to_numpy(dtype="float64")[keep])
    first = np.maximum(day + 1, start[pos])
    part = amount * calendar.between(calendar.rate_sum, first, end[pos])
    order = np.argsort(pos, kind="stable")
    pos, part = pos[order], part[order]
    if len(pos) == 0:
        return out
    starts = np.flatnonzero(np.r_[True, pos[1:] != pos[:-1]])
    out[pos[starts]] = np.add.reduceat(part, starts)
    return out


def _missing_labels(provisional: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """'2026-H2' or '2026-H2 to 2027-H1' for provisional rows, '' otherwise (one label per distinct pair)."""
    out = np.full(len(provisional), "", dtype=object)
    if not provisional.any():
        return out
    pairs = pd.DataFrame({"a": first[provisional], "b": last[provisional]})
    text = {
        (a, b): half_year_label(a) if a == b else f"{half_year_label(a)} to {half_year_label(b)}"
        for a, b in pairs.drop_duplicates().itertuples(index=False)
    }
    out[provisional] = [text[pair] for pair in zip(pairs["a"], pairs["b"], strict=True)]
    return out


def missing_half_years(claims: pd.DataFrame) -> list[str]:
    """The distinct missing half-year labels of provisional claims, sorted (empty when no claim is provisional)."""
    return sorted(set(claims.loc[claims["provisional"], "missing_half_years"]))


CLIENT_CLAIM_COLUMNS: list[str] = [
    "claimed_invoices",
    "unpaid_principal",
    "interest",
    "compensation",
    "claim_total",
    "provisional",
]


def client_claims(claims: pd.DataFrame, client_index: pd.Index) -> pd.DataFrame:
    """Claims summed per client on `client_index` (0 for a client without any), exact to the cent."""
    pos = positions(client_index, claims["client_id"].to_numpy())
    n = len(client_index)
    ok = pos >= 0
    binned = np.where(ok, pos, n)

    def summed(values: np.ndarray) -> np.ndarray:
        out = np.zeros(n + 1, dtype=np.int64)
        np.add.at(out, binned, values)
        return out[:n]

    interest = summed(claims["interest_cents"].to_numpy(dtype=np.int64))
    compensation = summed(claims["compensation_cents"].to_numpy(dtype=np.int64))
    outstanding = summed(_cents(claims["outstanding"].to_numpy(dtype="float64")))
    count = np.bincount(binned, minlength=n + 1)[:n].astype(np.int64)
    provisional = np.bincount(binned, weights=claims["provisional"].to_numpy(dtype="float64"), minlength=n + 1)[:n] > 0
    return pd.DataFrame(
        {
            "claimed_invoices": count,
            "unpaid_principal": outstanding / 100.0,
            "interest": interest / 100.0,
            "compensation": compensation / 100.0,
            "claim_total": (interest + compensation) / 100.0,
            "provisional": provisional,
        },
        index=client_index,
    )


def to_decimal(cents: int | np.integer) -> Decimal:
    """Integer cents as a Decimal amount in euros (exact)."""
    return Decimal(int(cents)).scaleb(-2)


# ---------------------------------------------------------------- statement

STATEMENT_COLUMNS: list[str] = ["date", "kind", "reference", "invoice_number", "debit", "credit", "balance", "note_amount"]
_KIND_ORDER = {"invoice": 0, "credit_note": 1, "payment": 2}


@dataclass(frozen=True)
class Statement:
    """A client's statement of account over [start, end]: money in Decimal, rows in date order.

    rows: date, kind (invoice | credit_note | payment), reference (invoice / credit note number),
    invoice_number (the invoice a payment pays), debit, credit, balance (running), note_amount (a credit
    note's amount: it is listed but, not being linked to an invoice, does not change what is owed).
    """

    client_id: int
    start: date
    end: date
    opening_balance: Decimal
    closing_balance: Decimal
    total_debit: Decimal
    total_credit: Decimal
    unapplied_credit_notes: Decimal  # credit notes issued up to `end`, not linked to an invoice
    rows: pd.DataFrame


def client_statement(invoices: pd.DataFrame, payments: pd.DataFrame, client_id: int, start: date, end: date) -> Statement:
    """The statement of `client_id` from `start` to `end` (inclusive): opening balance, lines, closing balance.

    Owed = real (not void) invoices minus their payments; a void invoice and its payments are left out
    (as the aging figures do), so the closing balance is the client's outstanding as of `end`.
    """
    if start > end:
        start, end = end, start
    mine = invoices.loc[invoices["client_id"].to_numpy() == client_id]
    issue = day_numbers(mine["issue_date"])
    s, e = as_of_day(start), as_of_day(end)
    void = mine["void"].to_numpy(dtype=bool)
    credit = mine["credit_note"].to_numpy(dtype=bool)
    real = ~void & ~credit & (issue <= e)
    cents = _cents(mine["total"].to_numpy(dtype="float64"))
    pays = payments.loc[payments["invoice_id"].isin(mine.loc[real, "invoice_id"])]
    pay_day = day_numbers(pays["paid_on"])
    pay_cents = _cents(pays["amount"].to_numpy(dtype="float64"))
    opening = int(cents[real & (issue < s)].sum()) - int(pay_cents[pay_day < s].sum())
    number_of = dict(zip(mine["invoice_id"].to_numpy(), mine["number"].astype(object), strict=True))

    in_range = (issue >= s) & (issue <= e) & ~void
    inv_rows = mine.loc[in_range & ~credit]
    note_rows = mine.loc[in_range & credit]
    pay_rows = pays.loc[(pay_day >= s) & (pay_day <= e)]
    lines = pd.concat(
        [
            pd.DataFrame(
                {
                    "date": inv_rows["issue_date"].to_numpy(),
                    "kind": "invoice",
                    "reference": inv_rows["number"].astype(object).to_numpy(),
                    "invoice_number": None,
                    "debit_c": _cents(inv_rows["total"].to_numpy(dtype="float64")),
                    "credit_c": 0,
                    "note_c": 0,
                }
            ),
            pd.DataFrame(
                {
                    "date": note_rows["issue_date"].to_numpy(),
                    "kind": "credit_note",
                    "reference": note_rows["number"].astype(object).to_numpy(),
                    "invoice_number": None,
                    "debit_c": 0,
                    "credit_c": 0,
                    "note_c": -_cents(note_rows["total"].to_numpy(dtype="float64")),
                }
            ),
            pd.DataFrame(
                {
                    "date": pay_rows["paid_on"].to_numpy(),
                    "kind": "payment",
                    "reference": pay_rows["invoice_id"].map(number_of).astype(object).to_numpy(),
                    "invoice_number": pay_rows["invoice_id"].map(number_of).astype(object).to_numpy(),
                    "debit_c": 0,
                    "credit_c": _cents(pay_rows["amount"].to_numpy(dtype="float64")),
                    "note_c": 0,
                }
            ),
        ],
        ignore_index=True,
    )
    lines["date"] = pd.to_datetime(lines["date"]).dt.normalize()
    lines["_order"] = lines["kind"].map(_KIND_ORDER)
    lines = lines.sort_values(["date", "_order", "reference"], kind="stable").reset_index(drop=True)
    debit_c = lines["debit_c"].to_numpy(dtype=np.int64)
    credit_c = lines["credit_c"].to_numpy(dtype=np.int64)
    balance_c = opening + np.cumsum(debit_c - credit_c)
    rows = pd.DataFrame(
        {
            "date": lines["date"].astype("datetime64[ns]"),
            "kind": lines["kind"].astype(object),
            "reference": lines["reference"].astype(object),
            "invoice_number": lines["invoice_number"].astype(object),
            "debit": [to_decimal(v) for v in debit_c],
            "credit": [to_decimal(v) for v in credit_c],
            "balance": [to_decimal(v) for v in balance_c],
            "note_amount": [to_decimal(v) for v in lines["note_c"].to_numpy(dtype=np.int64)],
        },
        columns=STATEMENT_COLUMNS,
    )
    closing = opening + int(debit_c.sum() - credit_c.sum())
    notes = -int(cents[credit & ~void & (issue <= e)].sum())
    return Statement(
        client_id=int(client_id),
        start=start,
        end=end,
        opening_balance=to_decimal(opening),
        closing_balance=to_decimal(closing),
        total_debit=to_decimal(int(debit_c.sum())),
        total_credit=to_decimal(int(credit_c.sum())),
        unapplied_credit_notes=to_decimal(notes),
        rows=rows,
    )


def statement_start(end: date, days: int = 365) -> date:
    """The default first day of a statement ending on `end`: a year before it."""
    return end - timedelta(days=days)
