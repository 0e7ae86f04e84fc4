"""Who may see and change which clients: the ONE place visibility is decided.

A manager (and anyone in open mode, with no users) sees every client; a rep only the clients whose
`owner_id` is theirs, with those clients' contacts, activities, deals, invoices and payments.
Two mechanisms, both defined here and applied below every face:

- reads through the ORM (every service) get `with_loader_criteria` for the acting rep
  (`acting_as`), so another rep's client is simply not found, exactly like a missing one;
- frames (every view and figure) are cut with `scope_frames` after the portfolio-wide figures
  are computed, so a client's VIP rank or health does not depend on who looks at it.

Writes are checked again just before they reach the database (`_guard` in a before_flush hook).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from crm_core.db.models import (
    Activity,
    Client,
    Contact,
    Invoice,
    Opportunity,
    Payment,
    StageChange,
)
from crm_core.store.frames import Frames

MANAGER = "manager"
REP = "rep"
ROLES: tuple[str, ...] = (MANAGER, REP)


@dataclass(frozen=True)
class Scope:
    """Which clients one viewer sees: `owner_id` None means every client."""

    owner_id: int | None = None

    @property
    def everything(self) -> bool:
        return self.owner_id is None


EVERYTHING = Scope()


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as the faces see them (never the password hash)."""

    user_id: int
    email: str
    name: str
    role: str

    @property
    def is_manager(self) -> bool:
        return self.role == MANAGER

    @property
    def scope(self) -> Scope:
        return EVERYTHING if self.is_manager else Scope(self.user_id)


_ACTOR: ContextVar[Viewer | None] = ContextVar("crm_actor", default=None)


@contextmanager
def acting_as(viewer: Viewer | None) -> Iterator[None]:
    """Run the block's service calls as `viewer` (None: open mode or a command-line tool, no scope)."""
    token = _ACTOR.set(viewer)
    try:
        yield
    finally:
        _ACTOR.reset(token)


def set_actor(viewer: Viewer | None) -> Callable[[], None]:
    """Make `viewer` the acting user of the current context; returns the undo (for a web request,
    whose setup and teardown may run in different contexts: the undo then just clears it)."""
    token = _ACTOR.set(viewer)

    def reset() -> None:
        try:
            _ACTOR.reset(token)
        except ValueError:
            _ACTOR.set(None)

    return reset


def current_actor() -> Viewer | None:
    """The user the current service call acts for (None outside `acting_as`)."""
    return _ACTOR.get()


def current_scope() -> Scope:
    actor = current_actor()
    return EVERYTHING if actor is None else actor.scope


# ---------------------------------------------------------------- reads through the ORM


def _owned_clients(owner_id: int) -> Any:
    return select(Client.client_id).where(Client.owner_id == owner_id)


def _criteria(owner_id: int) -> list[Any]:
    # Lambdas, so that an aliased table (a second join to contacts) gets the criteria on its alias;
    # `owner_id` is a closure variable, so it becomes a bound parameter of the cached statement.
    return [
        with_loader_criteria(Client, lambda cls: cls.owner_id == owner_id, include_aliases=True),
        *(
            with_loader_criteria(
                model,
                lambda cls: cls.client_id.in_(select(Client.client_id).where(Client.owner_id == owner_id)),
                include_aliases=True,
            )
            for model in (Contact, Activity, Opportunity, Invoice)
        ),
        with_loader_criteria(
            Payment,
            lambda cls: cls.invoice_id.in_(
                select(Invoice.invoice_id).join(Client, Client.client_id == Invoice.client_id).where(Client.owner_id == owner_id)
            ),
            include_aliases=True,
        ),
        with_loader_criteria(
            StageChange,
            lambda cls: cls.opportunity_id.in_(
                select(Opportunity.opportunity_id)
                .join(Client, Client.client_id == Opportunity.client_id)
                .where(Client.owner_id == owner_id)
            ),
            include_aliases=True,
        ),
    ]


def _scope_orm_reads(state: ORMExecuteState) -> None:
    scope = current_scope()
    if scope.everything or not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get("crm_unscoped"):
        return
    state.statement = state.statement.options(*_criteria(scope.owner_id))  # type: ignore[arg-type]


def client_owner(session: Session, client_id: object) -> tuple[bool, int | None]:
    """(whether the client exists, its owner_id), read past the scope: for the write guard."""
    row = session.execute(
        select(Client.owner_id).where(Client.client_id == client_id),
        execution_options={"crm_unscoped": True},
    ).first()
    return (row is not None, None if row is None else row[0])


# ---------------------------------------------------------------- frames (views and figures)


def visible_client_ids(engine: Engine, scope: Scope) -> frozenset[int] | None:
    """The ids of the clients `scope` sees (None: every client), with one query."""
    if scope.everything:
        return None
    with engine.connect() as conn:
        conn = conn.execution_options(crm_readonly=True)
        return frozenset(int(i) for (i,) in conn.execute(_owned_clients(scope.owner_id)))  # type: ignore[arg-type]


def scope_rows(frame: pd.DataFrame, client_ids: frozenset[int] | None, column: str = "client_id") -> pd.DataFrame:
    """The rows of `frame` whose `column` (or index of that name, as in the health table) is one of
    `client_ids` (all rows for None)."""
    if client_ids is None:
        return frame
    keys = frame.index if column not in frame.columns and frame.index.name == column else frame[column]
    return frame[keys.isin(client_ids)]


def scope_frames(frames: Frames, client_ids: frozenset[int] | None) -> Frames:
    """Every table cut to `client_ids` (None: unchanged): payments follow their invoices, stage
    history its deals."""
    if client_ids is None:
        return frames
    invoices = scope_rows(frames.invoices, client_ids)
    deals = scope_rows(frames.opportunities, client_ids)
    return replace(
        frames,
        clients=scope_rows(frames.clients, client_ids),
        contacts=scope_rows(frames.contacts, client_ids),
        activities=scope_rows(frames.activities, client_ids),
        opportunities=deals,
        invoices=invoices,
        payments=frames.payments[frames.payments["invoice_id"].isin(invoices["invoice_id"])],
        stage_history=frames.stage_history[frames.stage_history["opportunity_id"].isin(deals["opportunity_id"])],
    )


def install() -> None:
    """Hook the read scope into every ORM session (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _scope_orm_reads):
        event.listen(Session, "do_orm_execute", _scope_orm_reads)
