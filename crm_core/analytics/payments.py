"""Per-invoice payment position as of a date: paid amount, paid date, lateness, status.

The base of every payment figure (client health, cash forecast, invoice lists). Vectorised with
numpy over all invoices and payments at once: payments are sorted by (invoice, date) and a running
total per invoice finds the date they first cover its total.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.days import NO_DAY, as_of_day, day_numbers, to_dates

CENT = 0.005  # money is float64 here: amounts within half a cent are equal

STATUSES: tuple[str, ...] = ("paid", "partially_paid", "open", "overdue", "void", "credit_note")

INVOICE_STATUS_COLUMNS: list[str] = [
    "invoice_id", "client_id", "number", "issue_date", "due_date", "total", "void", "credit_note",
    "paid_amount", "outstanding", "paid_date", "days_to_pay", "days_late", "days_overdue", "status",
]


def invoice_status(invoices: pd.DataFrame, payments: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per invoice issued on or before `as_of` (void ones flagged), with its payment position.

    - paid_amount: payments dated on or before `as_of` (later ones are ignored);
    - outstanding: max(total - paid, 0) for an invoice that is neither void nor a credit note, else 0;
    - paid_date: the date payments first cover the total (NaT if not yet; always NaT for void
      invoices and credit notes, which are never paid);
    - days_to_pay: paid_date - issue_date; days_late: paid_date - due_date floored at 0 (NaN unpaid);
    - days_overdue: as_of - due_date while something is outstanding and the due date has passed
      (due_date < as_of), else 0;
    - status: void | credit_note | paid | overdue | partially_paid | open (first that applies).
    Rows keep the order of `invoices`, on a fresh RangeIndex.
    """
    t = as_of_day(as_of)
    issue = day_numbers(invoices["issue_date"])
    keep = (issue <= t) & (issue != NO_DAY)
    inv = invoices.loc[keep, ["invoice_id", "client_id", "number", "issue_date", "due_date", "total",
                              "void", "credit_note"]].reset_index(drop=True)
    issue = issue[keep]
    due = day_numbers(inv["due_date"])
    total = inv["total"].to_numpy(dtype="float64")
    void = inv["void"].to_numpy(dtype=bool)
    credit = inv["credit_note"].to_numpy(dtype=bool)
    billable = ~void & ~credit

    paid_amount, paid_day = _paid(inv["invoice_id"].to_numpy(), total, billable, payments, t)

    outstanding = np.where(billable, np.maximum(total - paid_amount, 0.0), 0.0)
    outstanding[outstanding < CENT] = 0.0
    has_paid_day = paid_day != NO_DAY
    paid_f = np.where(has_paid_day, paid_day, np.nan).astype("float64")
    days_to_pay = paid_f - issue
    days_late = np.maximum(paid_f - due, 0.0)  # NaN stays NaN
    overdue_now = (outstanding > 0) & (due < t)
    days_overdue = np.where(overdue_now, t - due, 0).astype("int64")

    status = np.select(
        [void, credit, billable & (outstanding == 0), overdue_now, paid_amount > CENT],
        ["void", "credit_note", "paid", "overdue", "partially_paid"],
        default="open",
    )
    inv["paid_amount"] = paid_amount
    inv["outstanding"] = outstanding
    inv["paid_date"] = to_dates(paid_day)
    inv["days_to_pay"] = days_to_pay
    inv["days_late"] = days_late
    inv["days_overdue"] = days_overdue
    inv["status"] = status.astype(object)
    return inv[INVOICE_STATUS_COLUMNS]


def _paid(
    invoice_ids: np.ndarray, total: np.ndarray, billable: np.ndarray, payments: pd.DataFrame, t: int
) -> tuple[np.ndarray, np.ndarray]:
    """Paid amount up to day `t` and the day payments first covered the total, per invoice position."""
    n = len(invoice_ids)
    paid_amount = np.zeros(n)
    paid_day = np.full(n, NO_DAY, dtype=np.int64)
    if n == 0 or payments.empty:
        return paid_amount, paid_day
    pay_day = day_numbers(payments["paid_on"])
    pos = pd.Index(invoice_ids).get_indexer(payments["invoice_id"].to_numpy())
    ok = (pos >= 0) & (pay_day <= t) & (pay_day != NO_DAY)
    pos, pay_day = pos[ok], pay_day[ok]
    amount = payments["amount"].to_numpy(dtype="float64")[ok]
    if len(pos) == 0:
        return paid_amount, paid_day
    paid_amount = np.bincount(pos, weights=amount, minlength=n)

    order = np.lexsort((pay_day, pos))
    pos, pay_day, amount = pos[order], pay_day[order], amount[order]
    running = np.cumsum(amount)
    starts = np.flatnonzero(np.r_[True, pos[1:] != pos[:-1]])
    before_group = np.repeat(running[starts] - amount[starts], np.diff(np.r_[starts, len(pos)]))
    covered = (running - before_group >= total[pos] - CENT) & billable[pos]
    first_pos, first_idx = np.unique(pos[covered], return_index=True)
    paid_day[first_pos] = pay_day[covered][first_idx]
    return paid_amount, paid_day
