"""Pure numpy generation of a deterministic Spanish SMB portfolio (no database access).

Every table comes out as columns (numpy arrays) so that 100,000 clients and ~2 million
invoices are built with whole-array operations; only string formatting runs per row.

Column conventions (bulk.py turns them into database values):
dates are datetime64[D] (NaT = NULL), timestamps datetime64[us] in UTC, money float64 euros
with 2 decimals (NaN = NULL), ids int64, nullable ints float64 (NaN = NULL), flags bool,
text object arrays (None = NULL).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from crm_core.demo import vocab
from crm_core.demo.arrays import Columns, day_number, euros, to_dates
from crm_core.demo.billing import (
    Invoices,
    client_status,
    invoice_numbers,
    make_invoices,
    make_payments,
)
from crm_core.demo.engagement import activity_columns, opportunity_columns
from crm_core.demo.names import name_pools
from crm_core.demo.parties import client_columns, contact_columns
from crm_core.demo.plan import Plan, make_plan

__all__ = ["Columns", "Portfolio", "build_portfolio", "hidden_plan"]


@dataclass
class Portfolio:
    """The generated tables, in foreign-key insert order."""

    tables: dict[str, Columns] = field(default_factory=dict)

    def count(self, table: str) -> int:
        columns = self.tables[table]
        return len(next(iter(columns.values())))

    def counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in self.tables}


def build_portfolio(clients: int, seed: int, as_of: date, timings: dict[str, float] | None = None) -> Portfolio:
    """Generate every table for `clients` clients, deterministically from (clients, seed, as_of).

    `timings`, when given, receives the seconds spent in each generation step.
    """
    clock = _Clock(timings)
    today = day_number(as_of)
    streams = _streams(clients, seed)
    pools = name_pools(seed)
    plan = make_plan(streams[0], clients, today)
    clock.lap("plan and name pools")
    inv = make_invoices(streams[1], plan, today)
    status = client_status(plan, inv, today, streams[2])
    clock.lap("invoice dates and amounts")
    client_cols, domains = client_columns(streams[3], plan, pools, today, status)
    clock.lap("clients")

    order = np.lexsort((inv.credit, inv.client, inv.issue))
    inv = Invoices(
        client=inv.client[order], issue=inv.issue[order], cents=inv.cents[order], credit=inv.credit[order], void=inv.void[order]
    )
    due = inv.issue + plan.terms[inv.client]
    invoices: Columns = {
        "invoice_id": np.arange(1, len(order) + 1, dtype=np.int64),
        "client_id": inv.client + 1,
        "number": np.array(invoice_numbers(inv.issue, inv.credit), dtype=object),
        "issue_date": to_dates(inv.issue),
        "due_date": to_dates(due),
        "total": euros(inv.cents),
        "credit_note": inv.credit,
        "void": inv.void,
    }
    clock.lap("invoice numbers")
    pay_inv, pay_day, pay_cents, pay_method = make_payments(streams[4], plan, inv, due, today)
    pay_order = np.lexsort((pay_inv, pay_day))
    payments: Columns = {
        "payment_id": np.arange(1, len(pay_order) + 1, dtype=np.int64),
        "invoice_id": pay_inv[pay_order] + 1,
        "paid_on": to_dates(pay_day[pay_order]),
        "amount": euros(pay_cents[pay_order]),
        "method": np.asarray(vocab.PAYMENT_METHODS, dtype=object)[pay_method[pay_order]],
    }
    clock.lap("payments")
    contacts, first_contact, n_contacts = contact_columns(streams[5], plan, pools, domains)
    clock.lap("contacts")
    created_at = client_cols["created_at"]
    activities = activity_columns(streams[6], plan, pools, today, created_at, contacts, first_contact, n_contacts)
    clock.lap("activities")
    opportunities, history = opportunity_columns(streams[7], plan, pools, today, created_at, status, first_contact)
    clock.lap("opportunities and stage history")
    return Portfolio(
        tables={
            "clients": client_cols,
            "contacts": contacts,
            "invoices": invoices,
            "payments": payments,
            "activities": activities,
            "opportunities": opportunities,
            "opportunity_stage_history": history,
        }
    )


def hidden_plan(clients: int, seed: int, as_of: date) -> Plan:
    """The hidden per-client traits behind build_portfolio(clients, seed, as_of) (row i is client_id i + 1),
    for measuring a forecast against what generated the data."""
    return make_plan(_streams(clients, seed)[0], clients, day_number(as_of))


def _streams(clients: int, seed: int) -> list[np.random.Generator]:
    """The independent random streams of one portfolio (plan, invoices, status, clients, ...)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence([seed, clients]).spawn(8)]


class _Clock:
    """Records the seconds between successive laps into an optional dict."""

    def __init__(self, sink: dict[str, float] | None) -> None:
        self.sink = sink
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.sink is not None:
            self.sink[name] = now - self.last
        self.last = now
