"""Cash-in forecast: money expected to arrive from open invoices, from each client's own payment delay.

Definition: docs/design.md §4.15.

Model (documented choice, vectorised over all invoices):
- each client's typical delay is the median of its days late (due -> paid, floored at 0) over its
  fully paid invoices, shrunk towards the portfolio median with the weight of PRIOR_INVOICES
  invoices (a client with one paid invoice is mostly the portfolio; with twenty, mostly itself);
- an open invoice is expected on due date + that delay; if that date is still ahead or is `as_of`
  itself (a payment may still come today), the outstanding amount arrives then (counted when it
  falls within the horizon);
- if that date has already passed by `excess` days, the invoice is late even for this client: it is
  paid at all with probability exp(-excess / OVERDUE_DECAY_DAYS), and then after an exponentially
  distributed wait of mean LATE_WAIT_DAYS, so the amount counted is outstanding x that probability x
  P(wait <= horizon). Nothing counted ever exceeds the outstanding amount.
Each client's expected cash is rounded to the cent.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics import grouped
from crm_core.analytics.forecast import HORIZONS, as_of_timestamp
from crm_core.analytics.money import CENT, to_cents
from crm_core.analytics.payments import invoice_status

PRIOR_INVOICES = 3.0
OVERDUE_DECAY_DAYS = 120.0
LATE_WAIT_DAYS = 30.0


def _invoice_positions(invoices: pd.DataFrame, payments: pd.DataFrame, as_of: date, status: pd.DataFrame | None) -> pd.DataFrame:
    """Billable invoices issued by `as_of` (neither void nor credit notes) with their payment position."""
    if status is None:
        status = invoice_status(invoices, payments, as_of)
    billable = ~status["void"].to_numpy(dtype=bool) & ~status["credit_note"].to_numpy(dtype=bool)
    return status.loc[billable, ["invoice_id", "client_id", "due_date", "total", "outstanding", "days_late"]]


def client_payment_delay(positions: pd.DataFrame) -> tuple[pd.Series, float]:
    """Each client's typical days late (shrunk towards the portfolio's) and the portfolio median."""
    days_late = positions["days_late"].to_numpy(dtype="float64")
    paid = ~np.isnan(days_late)
    late, client = days_late[paid], positions["client_id"].to_numpy(dtype=np.int64)[paid]
    portfolio = float(np.median(late)) if len(late) else 0.0
    clients = pd.Index(np.sort(pd.unique(client)), name="client_id")
    pos = grouped.positions(clients, client)
    n = np.bincount(pos, minlength=len(clients)).astype("float64")
    whole = np.rint(late)
    if np.array_equal(whole, late) and not np.any(late < 0):  # whole days: a median by one sort of packed keys
        own = grouped.group_median(pos, whole.astype(np.int64), len(clients))
    else:
        own = pd.Series(late).groupby(pos).median().reindex(range(len(clients))).to_numpy()
    return pd.Series((n * own + PRIOR_INVOICES * portfolio) / (n + PRIOR_INVOICES), index=clients), portfolio


def cash_forecast(
    invoices: pd.DataFrame, payments: pd.DataFrame, as_of: date, status: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Expected cash-in from invoices open at `as_of` within 30 / 90 days, per client (see module doc).

    `status` is `invoice_status(invoices, payments, as_of)` when the caller already has it (client_health
    does), so it is not computed twice; None computes it here.
    """
    clients = pd.Index(pd.unique(invoices["client_id"]), dtype="int64").sort_values()
    result = pd.DataFrame(
        {f"expected_cash_{h}d": np.zeros(len(clients)) for h in HORIZONS},
        index=pd.Index(clients, name="client_id"),
    )
    positions = _invoice_positions(invoices, payments, as_of, status)
    open_inv = positions[positions["outstanding"] > CENT]
    if open_inv.empty:
        return result
    delay, portfolio = client_payment_delay(positions)
    client_delay = open_inv["client_id"].map(delay).fillna(portfolio).round()
    expected = open_inv["due_date"] + pd.to_timedelta(client_delay, unit="D")
    days_ahead = (expected - as_of_timestamp(as_of)).dt.days.to_numpy(dtype="float64")
    excess = np.clip(-days_ahead, 0.0, None)
    p_ever = np.exp(-excess / OVERDUE_DECAY_DAYS)
    amount = open_inv["outstanding"].to_numpy()
    for h in HORIZONS:
        late_share = p_ever * (1.0 - np.exp(-h / LATE_WAIT_DAYS))
        share = np.where(days_ahead >= 0, (days_ahead <= h).astype("float64"), late_share)
        sums = pd.Series(amount * share, index=open_inv.index).groupby(open_inv["client_id"]).sum()
        result.loc[sums.index, f"expected_cash_{h}d"] = to_cents(sums.to_numpy())
    return result
