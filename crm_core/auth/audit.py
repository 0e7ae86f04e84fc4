"""Who changed what: every ORM write leaves audit rows (who, when, which row, field, old -> new).

An after_flush hook on every session writes them in the same transaction as the change, so a
write and its history are committed or rolled back together. A bulk write of the services (bulk
reassign, merge) records the same rows itself with `record` and `record_moves`, in bulk. Bulk
loads (demo, CSV import) are not row-by-row writes and are not recorded field by field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Engine, event, insert, inspect, literal, select
from sqlalchemy.orm import Session, UOWTransaction

from crm_core.auth.scope import current_actor
from crm_core.db.models import (
    Activity,
    AuditEntry,
    Client,
    Contact,
    Invoice,
    Opportunity,
    Payment,
    User,
)
from crm_core.db.types import UTCDateTime, utcnow

AUDITED: dict[type, str] = {
    Client: "client",
    Contact: "contact",
    Activity: "activity",
    Opportunity: "opportunity",
    Invoice: "invoice",
    Payment: "payment",
}
# Bookkeeping columns that change with every edit and say nothing themselves.
SKIPPED = {"version", "updated_at", "owner_id", "last_interaction_at"}
HISTORY_COLUMNS = ["at", "user", "entity", "entity_id", "action", "field", "old_value", "new_value"]


def as_text(value: Any) -> str | None:
    """A value as the history shows it (ISO dates, exact decimals, None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _primary_key(obj: Any) -> int | None:
    value = getattr(obj, inspect(obj).mapper.primary_key[0].key)
    return None if value is None else int(value)


def _client_id(session: Session, obj: Any) -> int | None:
    if isinstance(obj, Client):
        return obj.client_id
    if isinstance(obj, Payment):
        return session.execute(
            select(Invoice.client_id).where(Invoice.invoice_id == obj.invoice_id),
            execution_options={"crm_unscoped": True},
        ).scalar()
    return getattr(obj, "client_id", None)


def _changes(obj: Any) -> list[tuple[str, str | None, str | None]]:
    state = inspect(obj)
    out = []
    for column in state.mapper.column_attrs:
        name = column.key
        if name in SKIPPED:
            continue
        history = state.attrs[name].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if as_text(old) != as_text(new):
            out.append((name, as_text(old), as_text(new)))
    return out


def _author() -> int | None:
    actor = current_actor()
    return None if actor is None else actor.user_id


def entry(
    client_id: int | None,
    entity: str,
    entity_id: int | None,
    action: str,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
) -> dict[str, Any]:
    """One audit row by the acting user, now (old and new as the history shows them, `as_text`)."""
    return {
        "at": utcnow(),
        "user_id": _author(),
        "client_id": client_id,
        "entity": entity,
        "entity_id": entity_id,
        "action": action,
        "field": field,
        "old_value": as_text(old),
        "new_value": as_text(new),
    }


def record(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Insert audit rows (`entry`) in bulk in the session's transaction; how many."""
    rows = list(rows)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)
    return len(rows)


def record_moves(session: Session, model: Any, where: Any, client_id: int, field: str, old: Any, new: Any) -> int:
    """Record `field` going from `old` to `new` on every `model` row matching `where`, as the per-row
    hook would, with one INSERT ... SELECT (thousands of moved invoices are one statement); call it
    before the bulk UPDATE it describes. `client_id`: whose history the rows belong to."""
    key = inspect(model).primary_key[0]
    columns = ["at", "user_id", "client_id", "entity", "entity_id", "action", "field", "old_value", "new_value"]
    rows = select(
        literal(utcnow(), UTCDateTime()),
        literal(_author(), AuditEntry.user_id.type),
        literal(client_id, AuditEntry.client_id.type),
        literal(AUDITED[model], AuditEntry.entity.type),
        key,
        literal("update", AuditEntry.action.type),
        literal(field, AuditEntry.field.type),
        literal(as_text(old), AuditEntry.old_value.type),
        literal(as_text(new), AuditEntry.new_value.type),
    ).where(where)
    result = session.connection().execute(insert(AuditEntry).from_select(columns, rows))
    return int(getattr(result, "rowcount", 0) or 0)


def merge_summary(removed_id: int, removed_name: str, moved: dict[str, int]) -> str:
    """The new value of a merge's audit row: the client merged in and how many rows of each kind moved (JSON)."""
    return json.dumps({"client_id": removed_id, "company_name": removed_name, **moved}, ensure_ascii=False, sort_keys=True)


def read_merge_summary(value: str | None) -> dict[str, Any] | None:
    """The fields of a `merge_summary` (None for any other value: the merged client's own merge row)."""
    try:
        summary = json.loads(value or "")
    except ValueError:
        return None
    return summary if isinstance(summary, dict) and "company_name" in summary else None


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    rows: list[dict[str, Any]] = []

    def add(obj: Any, action: str, field: str | None = None, old: str | None = None, new: str | None = None) -> None:
        rows.append(entry(_client_id(session, obj), AUDITED[type(obj)], _primary_key(obj), action, field, old, new))

    with session.no_autoflush:
        for obj in session.new:
            if type(obj) in AUDITED:
                add(obj, "create")
        for obj in session.dirty:
            if type(obj) in AUDITED:
                for field, old, new in _changes(obj):
                    add(obj, "update", field, old, new)
        for obj in session.deleted:
            if type(obj) in AUDITED:
                add(obj, "delete")
    record(session, rows)


def client_history(engine: Engine, client_id: int) -> pd.DataFrame:
    """A client's change history, newest first: when, who (their name), what row, field, old -> new."""
    query = (
        select(
            AuditEntry.at,
            User.display_name,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.action,
            AuditEntry.field,
            AuditEntry.old_value,
            AuditEntry.new_value,
        )
        .outerjoin(User, User.user_id == AuditEntry.user_id)
        .where(AuditEntry.client_id == client_id)
        .order_by(AuditEntry.entry_id.desc())
    )
    with engine.connect() as conn:
        rows = conn.execution_options(crm_readonly=True).execute(query).all()
    history = pd.DataFrame.from_records([tuple(r) for r in rows], columns=HISTORY_COLUMNS)
    texts = HISTORY_COLUMNS[1:]
    history[texts] = history[texts].astype(object).where(history[texts].notna(), None)  # None, not NaN
    return history


def install() -> None:
    """Hook the audit into every ORM session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
