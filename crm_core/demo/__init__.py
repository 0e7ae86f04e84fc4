"""Deterministic Spanish SMB demo portfolio: `generate_demo(engine, clients, seed, as_of)`.

generate.py builds every table as numpy columns, without a database (plan.py: hidden client
traits; parties.py: clients and contacts; billing.py: invoices, payments, status;
engagement.py: activities and opportunities); bulk.py writes them in one transaction with
executemany (SQLite) or COPY (PostgreSQL).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine, text

from crm_core.config import business_today
from crm_core.db.owners import link_owners
from crm_core.demo.bulk import write_portfolio
from crm_core.demo.generate import Portfolio, build_portfolio
from crm_core.demo.users import add_demo_users
from crm_core.errors import FieldError, ValidationError

MAX_CLIENTS = 1_000_000

__all__ = ["DemoStats", "MAX_CLIENTS", "Portfolio", "build_portfolio", "generate_demo", "paused_gc"]


@dataclass(frozen=True)
class DemoStats:
    """What a demo load wrote: rows per table and seconds per phase."""

    clients: int
    seed: int
    as_of: date
    rows: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _check_arguments(clients: object, seed: object, as_of: object) -> None:
    errors: list[FieldError] = []
    if isinstance(clients, bool) or not isinstance(clients, int) or not 1 <= clients <= MAX_CLIENTS:
        errors.append(FieldError("clients", "clients_range", {"limit": MAX_CLIENTS}))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        errors.append(FieldError("seed", "min_whole", {"limit": 0}))
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        errors.append(FieldError("as_of", "date_type"))
    if errors:
        raise ValidationError(errors)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of short-lived tuples are built
    (they hold no cycles; the collector's passes over them cost ~5 % of a large load)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _has_clients(engine: Engine) -> bool:
    with engine.connect() as conn:
        conn = conn.execution_options(crm_readonly=True)
        return conn.execute(text("SELECT 1 FROM clients LIMIT 1")).first() is not None


def generate_demo(engine: Engine, clients: int, seed: int, as_of: date | None = None, *, users: bool = False) -> DemoStats:
    """Fill an EMPTY, migrated database with `clients` demo clients and their history up to `as_of`.

    The same (clients, seed, as_of) always gives identical rows. With `users`, the demo team (a
    manager and two reps, crm_core.demo.users) is added afterwards, so the app asks for sign-in;
    without, the owners still become (inactive) users and the app stays open. Raises
    ValidationError, writing nothing, if the database already has clients or an argument is out of range.
    """
    if as_of is None:
        as_of = business_today()
    _check_arguments(clients, seed, as_of)
    if _has_clients(engine):  # refuse before spending time generating; checked again in the load
        raise ValidationError.on("database", "demo_not_empty")
    with paused_gc():
        started = time.perf_counter()
        portfolio = build_portfolio(clients, seed, as_of)
        seconds = {"generate": time.perf_counter() - started}
        seconds.update({f"insert {name}": s for name, s in write_portfolio(engine, portfolio).items()})
    started = time.perf_counter()
    if users:
        add_demo_users(engine)
    else:
        with engine.begin() as conn:
            link_owners(conn)
    seconds["users"] = time.perf_counter() - started
    return DemoStats(clients=clients, seed=seed, as_of=as_of, rows=portfolio.counts(), seconds=seconds)
