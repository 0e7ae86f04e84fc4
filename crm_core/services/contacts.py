"""Contacts: the people at a client."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from crm_core.db import read_session, write_session
from crm_core.db.models import Client, Contact
from crm_core.schemas import ContactCreate, ContactOut, ContactUpdate, parse
from crm_core.services._common import get_or_404, require_whole
from crm_core.store.writes import writes


def _single_flags(session: Session, contact: Contact) -> None:
    """A client has at most one primary and one billing contact: the newest flagged one wins."""
    for flag in ("is_primary", "is_billing"):
        if getattr(contact, flag):
            session.execute(
                update(Contact)
                .where(Contact.client_id == contact.client_id, Contact.contact_id != contact.contact_id)
                .values({flag: False})
            )


@writes("contacts")
def add_contact(engine: Engine, payload: ContactCreate | dict[str, Any]) -> ContactOut:
    data = parse(ContactCreate, payload)
    with write_session(engine) as session:
        get_or_404(session, Client, data.client_id, "client")
        contact = Contact(**data.model_dump())
        session.add(contact)
        session.flush()
        _single_flags(session, contact)
        return ContactOut.model_validate(contact)


@writes("contacts")
def update_contact(engine: Engine, contact_id: int, payload: ContactUpdate | dict[str, Any]) -> ContactOut:
    data = parse(ContactUpdate, payload)
    with write_session(engine) as session:
        contact = get_or_404(session, Contact, contact_id, "contact")
        for name, value in data.model_dump(exclude_unset=True).items():
            setattr(contact, name, value)
        session.flush()
        _single_flags(session, contact)
        return ContactOut.model_validate(contact)


def list_contacts(engine: Engine, client_id: int) -> list[ContactOut]:
    """The contacts of a client, the primary first."""
    require_whole(client_id, "client_id")
    with read_session(engine) as session:
        rows = session.scalars(
            select(Contact).where(Contact.client_id == client_id).order_by(Contact.is_primary.desc(), Contact.full_name)
        ).all()
        return [ContactOut.model_validate(r) for r in rows]
