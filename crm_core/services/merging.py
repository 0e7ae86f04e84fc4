"""Whole-client changes: merge two clients that are one company (in one transaction); reassign the account manager of many."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, select, update

from crm_core.auth import audit
from crm_core.auth.guard import CHUNK, check_clients, user_for_name
from crm_core.db import write_session
from crm_core.db.models import Activity, Client, Contact, Invoice, Opportunity, User
from crm_core.db.types import utcnow
from crm_core.errors import ValidationError
from crm_core.services._common import get_or_404
from crm_core.store.writes import writes

_BULK = {"synchronize_session": False}  # bulk statements after the checks; no ORM object is kept in step


@dataclass(frozen=True)
class MergeResult:
    """What moved from the removed client to the kept one."""

    kept_id: int
    removed_name: str
    contacts: int
    activities: int
    opportunities: int
    invoices: int


MOVED = (("contacts", Contact), ("activities", Activity), ("opportunities", Opportunity), ("invoices", Invoice))


@writes("clients", "contacts", "activities", "opportunities", "invoices")
def merge_clients(engine: Engine, keep_id: int, remove_id: int) -> MergeResult:
    """Move the contacts, activities, opportunities and invoices (with their payments) of `remove_id` to
    `keep_id`, then delete `remove_id`; all or nothing. The kept client's profile is unchanged, and
    its primary and billing contacts stay the primary and billing ones when it has them.

    The write checks run once up front (`auth.guard.check_clients`: a rep merges only two clients of
    their own; another rep's is "not found"), then each table moves with one bulk UPDATE. The audit
    log gets what the per-row hook would write (each moved row's `client_id` and cleared contact
    flag, under the kept client, one INSERT ... SELECT per kind; the removed client's delete), plus
    a "merge" row in both clients' histories: which client went into which, and the counts moved.
    """
    if keep_id == remove_id:
        raise ValidationError.on("client_id", "merge_same")
    with write_session(engine) as session:
        kept = get_or_404(session, Client, keep_id, "client", lock=True)
        removed = get_or_404(session, Client, remove_id, "client", lock=True)
        check_clients(session, [keep_id, remove_id])
        for flag in ("is_primary", "is_billing"):
            column = getattr(Contact, flag)
            kept_has = session.query(Contact).filter(Contact.client_id == kept.client_id, column.is_(True)).count()
            if kept_has:
                cleared = (Contact.client_id == removed.client_id) & column.is_(True)
                audit.record_moves(session, Contact, cleared, keep_id, flag, True, False)
                session.execute(update(Contact).where(cleared).values({flag: False}), execution_options=_BULK)
        moved = {}
        for name, model in MOVED:
            where = model.client_id == remove_id
            audit.record_moves(session, model, where, keep_id, "client_id", remove_id, keep_id)
            result = session.execute(update(model).where(where).values(client_id=keep_id), execution_options=_BULK)
            moved[name] = int(getattr(result, "rowcount", 0) or 0)
        name = removed.company_name
        session.flush()
        session.expunge(removed)
        session.execute(delete(Client).where(Client.client_id == remove_id), execution_options=_BULK)
        summary = audit.merge_summary(remove_id, name, moved)
        audit.record(
            session,
            [
                audit.entry(keep_id, "client", keep_id, "merge", "client_id", remove_id, summary),
                audit.entry(remove_id, "client", remove_id, "merge", "client_id", remove_id, keep_id),
                audit.entry(remove_id, "client", remove_id, "delete"),
            ],
        )
        return MergeResult(kept_id=keep_id, removed_name=name, **moved)


@writes("clients")
def reassign_owner(engine: Engine, client_ids: list[int], owner: str | None) -> int:
    """Give every client of `client_ids` the account manager `owner` (a user's name; None: none) in one
    transaction; how many changed.

    The write checks run once up front through the rules the per-row hook uses
    (`auth.guard.check_clients`: every client exists; a rep cannot hand a client away), then one
    bulk UPDATE per 5,000 clients sets `owner_id` and the user's name, and bumps `version` (an edit
    form opened before sees a stale edit); the audit rows (old -> new owner of each changed client,
    as the per-row hook writes them) go in with one bulk INSERT, in the same transaction.
    """
    value = (owner or "").strip() or None
    if value is not None and len(value) > 100:
        raise ValidationError.on("owner", "too_long", max_length=100)
    ids = sorted({int(cid) for cid in client_ids})
    if not ids:
        return 0
    with write_session(engine) as session:
        owner_id = None if value is None else user_for_name(session, value)
        name = None
        if owner_id is not None:
            name = session.execute(
                select(User.display_name).where(User.user_id == owner_id), execution_options={"crm_unscoped": True}
            ).scalar_one()
        before = check_clients(session, ids, new_owner_id=owner_id)
        changed = [cid for cid in ids if not (before[cid][0] == owner_id and (owner_id is not None or before[cid][1] is None))]
        now = utcnow()
        for start in range(0, len(changed), CHUNK):
            session.execute(
                update(Client)
                .where(Client.client_id.in_(changed[start : start + CHUNK]))
                .values(owner_id=owner_id, owner=name, version=Client.version + 1, updated_at=now),
                execution_options=_BULK,
            )
        audit.record(
            session,
            (
                audit.entry(cid, "client", cid, "update", "owner", before[cid][1], name)
                for cid in changed
                if audit.as_text(before[cid][1]) != audit.as_text(name)
            ),
        )
    return len(changed)
