"""Client operations: create, edit with optimistic locking, delete, read and list."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm_core.db import read_session, write_session
from crm_core.db.models import Client
from crm_core.db.types import utcnow
from crm_core.enums import ClientStatus
from crm_core.errors import DuplicateClientError, StaleEditError, ValidationError
from crm_core.schemas import (
    ClientCreate,
    ClientOut,
    ClientPage,
    ClientUpdate,
    parse,
    text_problem,
)
from crm_core.services._common import get_or_404, integrity_to_domain, require_whole
from crm_core.store.writes import writes, writes_every_table

# The only orderings a caller may ask for; never an SQL string from outside.
SORT_KEYS: dict[str, Any] = {
    "company_name": Client.company_name,
    "created_at": Client.created_at,
    "updated_at": Client.updated_at,
    "status": Client.status,
    "region": Client.region,
    "owner": Client.owner,
    "industry": Client.industry,
    "segment": Client.segment,
    "payment_terms_days": Client.payment_terms_days,
}
MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000  # keeps the row offset within a 64-bit OFFSET
MAX_SEARCH = 200  # longer LIKE patterns are refused by SQLite ("LIKE or GLOB pattern too complex")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
def update_client(
    engine: Engine, client_id: int, payload: ClientUpdate | dict[str, Any], expected_version: int
) -> ClientOut:
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_clients(
    engine: Engine,
    *,
    status: ClientStatus | str | None = None,
    segment: str | None = None,
    industry: str | None = None,
    region: str | None = None,
    owner: str | None = None,
    search: str | None = None,
    sort: str = "company_name",
    order: Literal["asc", "desc"] = "asc",
    page: int = 1,
    page_size: int = 50,
) -> ClientPage:
    """One page of clients matching the filters; `search` matches name, email or tax id."""
    if not isinstance(sort, str) or sort not in SORT_KEYS:
        raise ValidationError.on("sort", "unknown_sort", value=sort if isinstance(sort, str) else repr(sort),
                                 expected=list(SORT_KEYS))
    if order not in ("asc", "desc"):
        raise ValidationError.on("order", "sort_order")
    if not _whole(page) or not 1 <= page <= MAX_PAGE:
        raise ValidationError.on("page", "page_range", first=1, last=MAX_PAGE)
    if not _whole(page_size) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError.on("page_size", "between", first=1, last=MAX_PAGE_SIZE)
    if status is not None and (not isinstance(status, str) or status not in {s.value for s in ClientStatus}):
        raise ValidationError.on("status", "unknown_value", value=status if isinstance(status, str) else repr(status),
                                 one_of=[s.value for s in ClientStatus])
    for name, value in (("segment", segment), ("industry", industry), ("region", region), ("owner", owner),
                        ("search", search)):
        if value is not None and not isinstance(value, str):
            raise ValidationError.on(name, "text", type=type(value).__name__)
        problem = None if value is None else text_problem(value)
        if problem is not None:  # the database would refuse it even in a query
            raise ValidationError.on(name, problem)
        if value is not None and len(value) > MAX_SEARCH:
            raise ValidationError.on(name, "too_long", max_length=MAX_SEARCH)

    conditions = []
    for column, value in (
        (Client.status, status),
        (Client.segment, segment),
        (Client.industry, industry),
        (Client.region, region),
        (Client.owner, owner),
    ):
        if value is not None and value != "":
            conditions.append(column == str(value))
    if search and search.strip():
        pattern = f"%{_escape_like(search.strip().lower())}%"
        compact = f"%{_escape_like(search.strip().replace('-', '').replace(' ', '').upper())}%"
        conditions.append(
            or_(
                func.lower(Client.company_name).like(pattern, escape="\\"),
                Client.email.like(pattern, escape="\\"),
                Client.tax_id.like(compact, escape="\\"),
            )
        )
    column = SORT_KEYS[sort]
    ordering = column.asc() if order == "asc" else column.desc()
    with read_session(engine) as session:
        total = session.scalar(select(func.count()).select_from(Client).where(*conditions)) or 0
        rows = session.scalars(
            select(Client)
            .where(*conditions)
            .order_by(ordering, Client.client_id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
        items = [ClientOut.model_validate(r) for r in rows]
    return ClientPage(items=items, total=total, page=page, page_size=page_size)
