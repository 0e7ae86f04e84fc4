"""Client operations: create, edit with optimistic locking, delete, read (the list is crm_core.views.clients.list_clients)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm_core.db import read_session, write_session
from crm_core.db.models import Client
from crm_core.db.types import utcnow
from crm_core.errors import DuplicateClientError, StaleEditError
from crm_core.schemas import (
    ClientCreate,
    ClientOut,
    ClientUpdate,
    parse,
)
from crm_core.services._common import get_or_404, integrity_to_domain, require_whole
from crm_core.store.writes import writes, writes_every_table


def _check_unique(session: Session, email: str | None, tax_id: str | None, exclude_id: int | None) -> None:
    """Refuse an email or tax id another client has, naming that client (so the user can find it)."""
    if email is not None:
        q = select(Client.company_name).where(Client.email == email)
        if exclude_id is not None:
            q = q.where(Client.client_id != exclude_id)
        holder = session.scalar(q)
        if holder is not None:
            raise DuplicateClientError("email", email, holder)
    if tax_id is not None:
        q = select(Client.company_name).where(Client.tax_id == tax_id)
        if exclude_id is not None:
            q = q.where(Client.client_id != exclude_id)
        holder = session.scalar(q)
        if holder is not None:
            raise DuplicateClientError("tax_id", tax_id, holder)


@writes("clients")
def create_client(engine: Engine, payload: ClientCreate | dict[str, Any]) -> ClientOut:
    """Add a client; its email and tax id must not belong to another client."""
    data = parse(ClientCreate, payload)
    values = data.model_dump(exclude_none=True)
    try:
        with write_session(engine) as session:
            _check_unique(session, data.email, data.tax_id, None)
            now = utcnow()
            values.setdefault("created_at", now)
            values["updated_at"] = values["created_at"]
            client = Client(**values)
            session.add(client)
            session.flush()
            return ClientOut.model_validate(client)
    except IntegrityError as exc:
        raise integrity_to_domain(exc, values) from None


@writes("clients")
def update_client(engine: Engine, client_id: int, payload: ClientUpdate | dict[str, Any], expected_version: int) -> ClientOut:
    """Apply a partial edit made on `expected_version`; StaleEditError if it changed meanwhile."""
    require_whole(client_id, "client_id")
    require_whole(expected_version, "expected_version")
    data = parse(ClientUpdate, payload)
    values = data.model_dump(exclude_unset=True)
    try:
        with write_session(engine) as session:
            client = get_or_404(session, Client, client_id, "client", lock=True)
            if client.version != expected_version:
                raise StaleEditError("client", client_id, expected_version, client.version)
            _check_unique(session, values.get("email"), values.get("tax_id"), client_id)
            for name, value in values.items():
                setattr(client, name, value)
            session.flush()
            return ClientOut.model_validate(client)
    except StaleDataError:
        current = _current_version(engine, client_id)
        raise StaleEditError("client", client_id, expected_version, current) from None
    except IntegrityError as exc:
        raise integrity_to_domain(exc, values) from None


def _current_version(engine: Engine, client_id: int) -> int | None:
    with read_session(engine) as session:
        return session.scalar(select(Client.version).where(Client.client_id == client_id))


@writes_every_table
def delete_client(engine: Engine, client_id: int) -> None:
    """Delete a client with its contacts, activities, opportunities, invoices and payments."""
    require_whole(client_id, "client_id")
    with write_session(engine) as session:
        client = get_or_404(session, Client, client_id, "client")
        session.delete(client)


def get_client(engine: Engine, client_id: int) -> ClientOut:
    with read_session(engine) as session:
        return ClientOut.model_validate(get_or_404(session, Client, client_id, "client"))
