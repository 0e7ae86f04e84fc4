"""Checked just before a write reaches the database (a before_flush hook on every ORM session):

- owner fields are user references: a new `owner_id` writes the user's name into `owner`, a typed
  `owner` name is matched to a user (one is made, inactive and without password, for a new name);
- activities and deals with no owner get the acting user;
- a rep writes only to their own clients (another rep's client is "not found", like a missing
  one), creates clients for themselves, and cannot hand a client to someone else.

The rules are `require_own` and `require_kept`; the per-row hook and `check_clients` (a bulk write
to whole clients, checked once up front) both call them, so a bulk write keeps the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from crm_core.auth.errors import NotAllowedError
from crm_core.auth.scope import Viewer, client_owner, current_actor
from crm_core.db.models import (
    Activity,
    Client,
    Contact,
    Invoice,
    Opportunity,
    Payment,
    StageChange,
    User,
)
from crm_core.db.owners import placeholder_email
from crm_core.db.types import utcnow
from crm_core.errors import NotFoundError, ValidationError

OWNED = (Client, Activity, Opportunity)
DEFAULT_TO_ACTOR = (Activity, Opportunity)
CHUNK = 5_000  # ids per IN list (well below SQLite's bound-parameter limit)
_UNCHANGED: Any = object()


def _changed(obj: Any, name: str) -> bool:
    return bool(inspect(obj).attrs[name].history.has_changes())


def _before(obj: Any, name: str) -> Any:
    """The value `name` had when loaded (the current one if unchanged)."""
    history = inspect(obj).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else getattr(obj, name)


def _unscoped(session: Session, statement: Any) -> Any:
    return session.execute(statement, execution_options={"crm_unscoped": True})


def user_for_name(session: Session, name: str) -> int:
    """The id of the user named `name` (case and outer spaces ignored), made inactive if none is."""
    key = name.strip().lower()
    users = _unscoped(session, select(User.user_id, User.display_name, User.email).order_by(User.user_id)).all()
    for user_id, display_name, _ in users:
        if display_name.strip().lower() == key:
            return int(user_id)
    email = placeholder_email(name.strip(), {str(e) for _, _, e in users})
    row = session.connection().execute(
        insert(User)
        .values(
            email=email,
            display_name=name.strip()[:100],
            role="rep",
            active=False,
            password_hash=None,
            demo=False,
            created_at=utcnow(),
        )
        .returning(User.user_id)
    )
    return int(row.scalar_one())


def _sync_owner(session: Session, obj: Any, is_new: bool, actor: Viewer | None, names: dict[int, str | None]) -> None:
    """`names`: the users' names already read in this flush (a bulk reassign sets one owner on many rows)."""
    if is_new and obj.owner_id is None and obj.owner is None and actor is not None and isinstance(obj, DEFAULT_TO_ACTOR):
        obj.owner_id, obj.owner = actor.user_id, actor.name
        return
    if obj.owner_id is not None and (is_new or _changed(obj, "owner_id")):
        if obj.owner_id not in names:
            names[obj.owner_id] = _unscoped(session, select(User.display_name).where(User.user_id == obj.owner_id)).scalar()
        name = names[obj.owner_id]
        if name is None:
            raise ValidationError.on("owner", "unknown_user")
        obj.owner = name
    elif obj.owner is not None and obj.owner.strip() and (is_new or _changed(obj, "owner")):
        obj.owner_id = user_for_name(session, obj.owner)
    elif not is_new and _changed(obj, "owner") and not (obj.owner or "").strip():
        obj.owner_id = None


def _client_of(session: Session, obj: Any) -> object:
    if isinstance(obj, Client):
        return obj.client_id
    parent = obj.__dict__.get("invoice" if isinstance(obj, Payment) else "opportunity")
    if isinstance(obj, Payment | StageChange) and parent is not None:  # a parent in the same flush has no id yet
        return parent.client_id
    if isinstance(obj, Payment):
        return _unscoped(session, select(Invoice.client_id).where(Invoice.invoice_id == obj.invoice_id)).scalar()
    if isinstance(obj, StageChange):
        return _unscoped(session, select(Opportunity.client_id).where(Opportunity.opportunity_id == obj.opportunity_id)).scalar()
    return obj.client_id


def acting_rep() -> Viewer | None:
    """The acting user when their writes are checked: a rep (a manager, open mode or a tool: None)."""
    actor = current_actor()
    return actor if actor is not None and not actor.is_manager else None


def require_own(rep: Viewer, client_id: object, exists: bool, owner_id: int | None) -> None:
    """A rep writes only to a client that exists and is theirs; another rep's is "not found", like a missing one."""
    if not exists or owner_id != rep.user_id:
        raise NotFoundError("client", client_id)


def require_kept(rep: Viewer, new_owner_id: int | None) -> None:
    """A rep cannot hand a client (or its work) to someone else, nor leave it without an owner."""
    if new_owner_id != rep.user_id:
        raise NotAllowedError("reassign")


def check_clients(
    session: Session, client_ids: Sequence[int], new_owner_id: Any = _UNCHANGED
) -> dict[int, tuple[int | None, str | None]]:
    """The write checks of a bulk write to whole clients, once up front (the rules of the per-row hook):
    every client must exist ("not found"); for a rep, be theirs and, given `new_owner_id`, stay theirs.

    Returns each client's (owner_id, owner) as read past the scope, rows locked (PostgreSQL), for the audit.
    """
    found: dict[int, tuple[int | None, str | None]] = {}
    ids = list(dict.fromkeys(client_ids))
    for start in range(0, len(ids), CHUNK):
        statement = (
            select(Client.client_id, Client.owner_id, Client.owner)
            .where(Client.client_id.in_(ids[start : start + CHUNK]))
            .with_for_update()
        )
        found.update({int(cid): (owner_id, owner) for cid, owner_id, owner in _unscoped(session, statement)})
    rep = acting_rep()
    for cid in ids:
        if cid not in found:
            raise NotFoundError("client", cid)
        if rep is not None:
            require_own(rep, cid, True, found[cid][0])
            if new_owner_id is not _UNCHANGED:
                require_kept(rep, new_owner_id)
    return found


def _guard(session: Session, obj: Any, is_new: bool, rep: Viewer) -> None:
    """Refuse a rep's write to a client that is not theirs."""
    if isinstance(obj, Client):
        if is_new:
            if obj.owner_id is None:
                obj.owner_id, obj.owner = rep.user_id, rep.name
            require_kept(rep, obj.owner_id)
            return
        require_own(rep, obj.client_id, True, _before(obj, "owner_id"))
        require_kept(rep, obj.owner_id)
        return
    client_id = _client_of(session, obj)
    require_own(rep, client_id, *client_owner(session, client_id))
    if isinstance(obj, OWNED[1:]) and obj.owner_id is not None and (is_new or _changed(obj, "owner_id")):
        require_kept(rep, obj.owner_id)


GUARDED = (Client, Contact, Activity, Opportunity, Invoice, Payment, StageChange)


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    actor = current_actor()
    rep = acting_rep()
    names: dict[int, str | None] = {}
    with session.no_autoflush:
        for objects, is_new in ((list(session.new), True), (list(session.dirty), False)):
            for obj in objects:
                if isinstance(obj, OWNED) and (is_new or session.is_modified(obj)):
                    _sync_owner(session, obj, is_new, actor, names)
                if rep is not None and isinstance(obj, GUARDED) and (is_new or session.is_modified(obj)):
                    _guard(session, obj, is_new, rep)
        if rep is not None:
            for obj in list(session.deleted):
                if isinstance(obj, GUARDED):
                    client_id = _client_of(session, obj)
                    require_own(rep, client_id, *client_owner(session, client_id))


def install() -> None:
    """Hook the write checks into every ORM session (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
