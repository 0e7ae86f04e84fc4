"""Whole-client changes: merge two clients that are one company (in one transaction); reassign the account manager of many."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, select, update

from crm_core.auth.guard import user_for_name
from crm_core.db import write_session
from crm_core.db.models import Activity, Client, Contact, Invoice, Opportunity
from crm_core.errors import ValidationError
from crm_core.services._common import get_or_404
from crm_core.store.writes import writes


@dataclass(frozen=True)
class MergeResult:
    """What moved from the removed client to the kept one."""

    kept_id: int
    removed_name: str
    contacts: int
    activities: int
    opportunities: int
    invoices: int


@writes("clients", "contacts", "activities", "opportunities", "invoices")
def merge_clients(engine: Engine, keep_id: int, remove_id: int) -> MergeResult:
    """Move the contacts, activities, opportunities and invoices (with their payments) of `remove_id` to
    `keep_id`, then delete `remove_id`; all or nothing. The kept client's profile is unchanged, and
    its primary and billing contacts stay the primary and billing ones when it has them.
    """
    if keep_id == remove_id:
        raise ValidationError.on("client_id", "merge_same")
    with write_session(engine) as session:
        kept = get_or_404(session, Client, keep_id, "client", lock=True)
        removed = get_or_404(session, Client, remove_id, "client", lock=True)
        for flag in ("is_primary", "is_billing"):
            column = getattr(Contact, flag)
            kept_has = session.query(Contact).filter(Contact.client_id == kept.client_id, column.is_(True)).count()
            if kept_has:
                session.execute(update(Contact).where(Contact.client_id == removed.client_id).values({flag: False}))
        moved = {}
        for name, model in (
            ("contacts", Contact),
            ("activities", Activity),
            ("opportunities", Opportunity),
            ("invoices", Invoice),
        ):
            result = session.execute(update(model).where(model.client_id == removed.client_id).values(client_id=kept.client_id))
            moved[name] = int(getattr(result, "rowcount", 0) or 0)
        name = removed.company_name
        session.flush()
        session.expunge(removed)
        session.execute(delete(Client).where(Client.client_id == remove_id))
        return MergeResult(kept_id=keep_id, removed_name=name, **moved)


@writes("clients")
def reassign_owner(engine: Engine, client_ids: list[int], owner: str | None) -> int:
    """Give every client of `client_ids` the account manager `owner` (a user's name; None: none) in one
    transaction; how many changed.

    Row by row through the ORM, so the write checks (crm_core.auth.guard: `owner_id` follows the
    name, a rep cannot hand a client away) and the audit log see every change; each changed
    client's version goes up, so an edit form opened before sees a stale edit.
    """
    value = (owner or "").strip() or None
    if value is not None and len(value) > 100:
        raise ValidationError.on("owner", "too_long", max_length=100)
    ids = sorted({int(cid) for cid in client_ids})
    if not ids:
        return 0
    changed = 0
    with write_session(engine) as session:
        owner_id = None if value is None else user_for_name(session, value)
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            for client in session.scalars(select(Client).where(Client.client_id.in_(chunk)).order_by(Client.client_id)):
                if client.owner_id == owner_id and (owner_id is not None or client.owner is None):
                    continue
                client.owner_id = owner_id
                if owner_id is None:
                    client.owner = None
                changed += 1
            session.flush()
    return changed
