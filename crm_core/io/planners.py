"""Per kind: what a valid row becomes (create, update or skip) and how the rows are written in bulk.

A planner reads the rows it needs to compare against once, through the import's own connection,
and writes with Core executemany inserts inside the import's single transaction.

On SQLite (one writer at a time) the import checks the file before taking the write lock, so a
planner also keeps every read its checks depended on (`Reads`: repeated under the lock, an
unchanged answer means every row's outcome still holds) and can copy the rows to insert into
TEMP tables beforehand (`stage`: the write then only moves them inside the database).

A row that carries its own id (every export does, see `Planner.own_id`) is that record: a new one
keeps the id, so an export imports back into an empty database unchanged, twins included (two
calls alike, two equal payments of one day). Only rows without an id go through the duplicate
rules by content, exactly as for a hand-made file (docs/design.md §3.8).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Container
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Column, Connection, Integer, MetaData, Table, bindparam, event, insert, select, text, update

from crm_core.config import business_timezone, business_today
from crm_core.db.models import (
    Activity,
    Client,
    Contact,
    Invoice,
    Opportunity,
    Payment,
    StageChange,
    table_of,
)
from crm_core.db.types import utcnow
from crm_core.enums import PaidStatus
from crm_core.errors import CodedValueError, FieldError, Problem
from crm_core.schemas import (
    ActivityCreate,
    ClientCreate,
    ContactCreate,
    InvoiceCreate,
    OpportunityCreate,
    PaymentCreate,
    to_field_errors,
    trim_text,
)
from crm_core.services.billing import (
    CENT,
    default_due_date,
    first_payment_days,
    id_in,
    invoices_to_pay,
    overpayment,
    paid_invoice_change_problem,
    paid_totals,
    unpayable_reason,
)
from crm_core.tax_ids import normalise_tax_id

CHUNK_ROWS = 5_000
STAGE_PREFIX = "import_stage_"  # TEMP tables holding an import's rows until the write (see Planner.stage)
STAGE_ORDER = "stage_row"  # their row order: the rows are inserted in the file's order
T = TypeVar("T")
_ID_RE = re.compile(r"^[0-9]+$")
# Ids are INTEGER columns: 32-bit on PostgreSQL.
LAST_ID = 2**31 - 1

# (rows written so far, rows to write) after each chunk
WriteProgress = Callable[[int, int], None]


@dataclass
class Outcome:
    """What one row becomes: errors (rejected), a skip reason, or values to insert / update."""

    errors: list[FieldError] = field(default_factory=list)
    skip: Problem | None = None
    create: dict[str, Any] | None = None
    update: dict[str, Any] | None = None


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in values.items()}


def validate(model: type[BaseModel], payload: dict[str, Any], errors: list[FieldError]) -> Any:
    """The validated model, or None after adding its problems to `errors`.

    Fields whose cell could not even be read already have an error; pydantic's second opinion
    on them (usually 'is required') is dropped.
    """
    try:
        return model.model_validate(payload)
    except PydanticValidationError as exc:
        unreadable = {e.field for e in errors}
        errors.extend(e for e in to_field_errors(exc, model) if e.field not in unreadable)
        return None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=business_timezone())


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK_ROWS] for i in range(0, len(rows), CHUNK_ROWS)]


def _answer_digest(conn: Connection, statement: str, parameters: Any) -> str:
    """A SHA-256 of the raw rows `statement` returns now, read with the driver's own cursor (no type conversion)."""
    digest = hashlib.sha256()
    cursor = conn.connection.cursor()
    try:
        cursor.execute(statement, parameters)
        while rows := cursor.fetchmany(10_000):
            digest.update(repr(rows).encode())
    finally:
        cursor.close()
    return digest.hexdigest()


class Reads:
    """The database reads a planner's checks depend on, kept so they can be repeated under the write lock.

    On SQLite every query a read runs is kept with a digest of its raw answer; `unchanged` runs the
    queries again and compares the digests (raw rows from the driver's cursor: much cheaper than the
    converted rows the planner builds its lookups from). Elsewhere nothing is kept.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.keep = conn.dialect.name == "sqlite"
        self._queries: list[tuple[str, Any, str]] = []  # (SQL, parameters, digest of the answer)

    def __call__(self, read: Callable[[Connection], T]) -> T:
        """`read(conn)`, each query it ran remembered with its answer's digest."""
        if not self.keep:
            return read(self.conn)
        ran: list[tuple[str, Any]] = []

        def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            ran.append((statement, parameters))

        event.listen(self.conn, "before_cursor_execute", remember)
        try:
            value = read(self.conn)
        finally:
            event.remove(self.conn, "before_cursor_execute", remember)
        self._queries += [
            (statement, parameters, _answer_digest(self.conn, statement, parameters)) for statement, parameters in ran
        ]
        return value

    def unchanged(self, conn: Connection) -> bool:
        """Whether every remembered query answers the same on `conn` now (then no checked row needs checking again)."""
        return all(_answer_digest(conn, statement, parameters) == digest for statement, parameters, digest in self._queries)


def _stage_table(table: Table, names: list[str], extra: tuple[Column[Any], ...] = ()) -> Table:
    """A TEMP twin of `table` with the columns `names` (same types, so the same stored values) plus `extra`."""
    return Table(
        f"{STAGE_PREFIX}{table.name}",
        MetaData(),
        Column(STAGE_ORDER, Integer, primary_key=True),
        *(Column(name, table.c[name].type) for name in names),
        *extra,
        prefixes=["TEMPORARY"],
    )


class Planner:
    """Base: subclasses set `kind` and `id_field`, load their lookups, check rows and write them."""

    kind: ClassVar[str]
    id_field: ClassVar[str]  # the record's own id column (`contact_id` of a contact)
    can_update: ClassVar[bool] = False

    def __init__(self, conn: Connection, *, update: bool, present: set[str]) -> None:
        self.conn = conn
        self.reads = Reads(conn)
        self.update_existing = update and self.can_update
        self.present = present  # fields that have a column in the file
        self.seen: dict[tuple[Any, ...], int] = {}  # in-file identity -> first line
        self.staged: dict[str, Table] = {}  # target table name -> its TEMP twin holding the rows to insert

    def prepare(self, payloads: list[dict[str, Any]]) -> None:
        """Called once with every row's values as read, before the first `check` (nothing to do by default)."""
        return None

    def check(self, line: int, payload: dict[str, Any], errors: list[FieldError]) -> Outcome:
        """One row's outcome: the errors that reject it, a reason to skip it, or the values to create or update."""
        raise NotImplementedError

    def write(self, creates: list[dict[str, Any]], updates: list[dict[str, Any]], progress: WriteProgress) -> None:
        """Write the checked rows of this kind in bulk, inside the caller's transaction, reporting progress."""
        raise NotImplementedError

    def stage(self, creates: list[dict[str, Any]]) -> None:
        """Copy the rows `write` will insert into TEMP tables of this connection, before the write lock.

        SQLite only (a TEMP table is private to the connection and takes no lock on the database):
        the values are converted and sent now, and `write` moves them with INSERT ... SELECT, chunk by chunk.
        Kinds that do not stage (opportunities) insert their rows in `write` as usual.
        """
        return None

    def unstage(self) -> None:
        """Drop the TEMP tables `stage` made (the connection goes back to the pool)."""
        for staged in self.staged.values():
            staged.drop(self.conn, checkfirst=True)
        self.staged.clear()

    def _stage(self, table: Table, rows: list[dict[str, Any]], extra: tuple[Column[Any], ...] = ()) -> None:
        if not rows or any(row.get(self.id_field) is not None for row in rows):
            return  # rows keeping their own ids are inserted by `write` as usual (`_insert_keeping_ids`)
        staged = _stage_table(table, [name for name in rows[0] if name in table.c and name != self.id_field], extra)
        staged.drop(self.conn, checkfirst=True)
        staged.create(self.conn)
        self.staged[table.name] = staged
        names = [column.name for column in staged.c if column.name != STAGE_ORDER]
        for chunk in _chunks(rows):
            self.conn.execute(insert(staged), [{name: row[name] for name in names} for row in chunk])

    def own_id(self, line: int, payload: dict[str, Any], errors: list[FieldError]) -> int | None:
        """The row's own id, popped from `payload` (None without one); not a whole number in 1..LAST_ID
        or already on an earlier line of the file: None with the reason added to `errors`."""
        raw = payload.pop(self.id_field, None)
        if raw is None:
            return None
        found = _whole_id(self.id_field, raw, errors)
        if found is None:
            return None
        if not 1 <= found <= LAST_ID:
            errors.append(FieldError(self.id_field, "min" if found < 1 else "max", {"limit": 1 if found < 1 else LAST_ID}))
            return None
        first = self._first_seen(("id", found), line)
        if first is not None:
            errors.append(FieldError(self.id_field, "repeated_in_file", {"field": self.id_field, "value": found, "line": first}))
            return None
        return found

    def _first_seen(self, key: tuple[Any, ...], line: int) -> int | None:
        """The earlier line of this file with the same identity, remembering this one if new."""
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = line
        return first

    def _insert(
        self,
        table: Table,
        rows: list[dict[str, Any]],
        progress: WriteProgress,
        done: int = 0,
        total: int | None = None,
    ) -> int:
        total = len(rows) if total is None else total
        staged = self.staged.get(table.name)
        if staged is not None:  # the rows are in the TEMP twin already (numbered 1..n): moved inside the database
            names = [column.name for column in staged.c if column.name in table.c]
            order = staged.c[STAGE_ORDER]
            for start in range(0, len(rows), CHUNK_ROWS):
                end = min(start + CHUNK_ROWS, len(rows))
                moved = select(*(staged.c[name] for name in names)).where(order > start, order <= end).order_by(order)
                self.conn.execute(insert(table).from_select(names, moved))
                progress(done + end, total)
            return done + len(rows)
        for chunk in _chunks(rows):
            self.conn.execute(insert(table), chunk)
            done += len(chunk)
            progress(done, total)
        return done

    def _insert_keeping_ids(
        self,
        table: Table,
        rows: list[dict[str, Any]],
        progress: WriteProgress,
        done: int = 0,
        total: int | None = None,
    ) -> int:
        """Insert `rows`: those with their own id first (the id sequence moved past them), then the rest, numbered by the database."""
        total = len(rows) if total is None else total
        kept = [row for row in rows if row.get(self.id_field) is not None]
        fresh = [{k: v for k, v in row.items() if k != self.id_field} for row in rows if row.get(self.id_field) is None]
        if kept:
            advance_id_sequence(self.conn, table, self.id_field, max(row[self.id_field] for row in kept))
        done = self._insert(table, kept, progress, done, total)
        return self._insert(table, fresh, progress, done, total)


def advance_id_sequence(conn: Connection, table: Table, column: str, last_id: int) -> None:
    """On PostgreSQL, move the id sequence of `table` past `last_id` before rows with that id are inserted.

    Never backwards, and before the insert, so a form writing meanwhile gets an id after the file's.
    SQLite needs nothing: a new row gets the largest id + 1.
    """
    if conn.dialect.name != "postgresql":
        return
    sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column}).scalar()
    if sequence is None:
        return
    # `sequence` comes from the catalogue, already quoted where it needs to be.
    conn.execute(
        text(
            f"SELECT setval(CAST(:s AS regclass), :m) FROM {sequence} "
            "WHERE last_value + CASE WHEN is_called THEN 1 ELSE 0 END <= :m"
        ),
        {"s": sequence, "m": last_id},
    )


def _other_record(field: str, what: str, own: int) -> Outcome:
    """The rejection of a row whose id already holds a different record here."""
    return Outcome(errors=[FieldError(field, "id_other_record", {"what": what, "id": own})])


def _version(payload: dict[str, Any], errors: list[FieldError]) -> int:
    """The row's `version` (an export carries it; kept by a new record), 1 without one."""
    raw = payload.pop("version", None)
    if raw is None:
        return 1
    found = _whole_id("version", raw, errors)
    if found is not None and not 1 <= found <= LAST_ID:
        errors.append(FieldError("version", "min" if found < 1 else "max", {"limit": 1 if found < 1 else LAST_ID}))
    return found if found is not None and 1 <= found <= LAST_ID else 1


# ------------------------------------------------------------------ references


def _found(found: int | None, error: FieldError, errors: list[FieldError]) -> int | None:
    """`found`, or None with `error` added to `errors` when the lookup found nothing."""
    if found is None:
        errors.append(error)
    return found


def _whole_id(field: str, raw_id: object, errors: list[FieldError]) -> int | None:
    """`raw_id` as an id, or None with the reason added to `errors`."""
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):  # an id column read as a whole number
        return raw_id
    if not isinstance(raw_id, str) or not _ID_RE.match(raw_id.strip()):  # int() would also read '1_000' and other scripts' digits
        errors.append(FieldError(field, "whole_number", {"value": raw_id}))
        return None
    return int(raw_id.strip())


def _id_or_none(raw: object) -> int | None:
    """`raw` as an id when it is one (a cell not yet checked), else None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return int(raw.strip()) if isinstance(raw, str) and _ID_RE.match(raw.strip()) else None


def _known_id(field: str, raw_id: str, known: Container[int], what: str, errors: list[FieldError]) -> int | None:
    """The id in `raw_id` when a `what` has it, or None with the reason added to `errors`."""
    found = _whole_id(field, raw_id, errors)
    if found is not None and found not in known:
        errors.append(FieldError(field, "no_id", {"what": what, "id": found}))
        return None
    return found


class ClientRefs:
    """Find a client by tax id, email or id (in that order of preference)."""

    def __init__(self, reads: Reads) -> None:
        rows = reads(lambda c: c.execute(select(Client.client_id, Client.tax_id, Client.email, Client.payment_terms_days)).all())
        self.by_tax = {r.tax_id: r.client_id for r in rows if r.tax_id}
        self.by_email = {r.email.lower(): r.client_id for r in rows}
        self.terms = {r.client_id: r.payment_terms_days for r in rows}
        # A file names the same few clients over and over: check each spelling of a tax id once.
        self._tax_ids: dict[str, str | CodedValueError] = {}

    def _tax_id(self, raw: str) -> str:
        known = self._tax_ids.get(raw)
        if known is None:
            try:
                known = normalise_tax_id(raw)
            except CodedValueError as exc:
                known = exc
            self._tax_ids[raw] = known
        if isinstance(known, CodedValueError):
            raise known
        return known

    def resolve(self, payload: dict[str, Any], errors: list[FieldError]) -> int | None:
        """Pop the reference fields from `payload` and return the client's id (or add an error)."""
        tax = payload.pop("client_tax_id", None)
        email = payload.pop("client_email", None)
        raw_id = payload.pop("client_id", None)
        if tax is not None:
            try:
                key = self._tax_id(tax)
            except CodedValueError as exc:
                errors.append(FieldError("client_tax_id", exc.code, exc.params))
                return None
            return _found(self.by_tax.get(key), FieldError("client_tax_id", "no_client", {"by": "tax_id", "value": key}), errors)
        if email is not None:
            return _found(
                self.by_email.get(email.strip().lower()),
                FieldError("client_email", "no_client", {"by": "email", "value": email}),
                errors,
            )
        if raw_id is not None:
            return _known_id("client_id", raw_id, self.terms, "client", errors)
        errors.append(FieldError("client_tax_id", "client_required"))
        return None


class ContactRefs:
    """Find a client's contact by email or id."""

    def __init__(self, reads: Reads) -> None:
        rows = reads(lambda c: c.execute(select(Contact.contact_id, Contact.client_id, Contact.email)).all())
        self.client_of = {r.contact_id: r.client_id for r in rows}
        self.by_email = {(r.client_id, r.email.lower()): r.contact_id for r in rows if r.email}

    def resolve(self, client_id: int | None, payload: dict[str, Any], errors: list[FieldError]) -> int | None:
        """The contact id of a row (by contact email or id) within `client_id`, or None with the reason in `errors`."""
        email = payload.pop("contact_email", None)
        raw_id = payload.pop("contact_id", None)
        if client_id is None:
            return None
        if email is not None:
            return _found(
                self.by_email.get((client_id, email.strip().lower())),
                FieldError("contact_email", "no_contact", {"email": email}),
                errors,
            )
        if raw_id is not None:
            contact_id = _whole_id("contact_id", raw_id, errors)
            if contact_id is None:
                return None
            if self.client_of.get(contact_id) != client_id:
                errors.append(FieldError("contact_id", "contact_of_client"))
                return None
            return contact_id
        return None


def _refer_to_client_and_contact(
    clients: ClientRefs, contacts: ContactRefs, payload: dict[str, Any], errors: list[FieldError]
) -> None:
    """Replace a row's client and contact references by their ids (client 0 when not found, so the schema still runs)."""
    client_id = clients.resolve(payload, errors)
    contact_id = contacts.resolve(client_id, payload, errors)
    payload["client_id"] = client_id if client_id is not None else 0
    if contact_id is not None:
        payload["contact_id"] = contact_id


# ------------------------------------------------------------------ clients

_CLIENT_UPDATABLE = (
    "company_name",
    "email",
    "phone",
    "address",
    "tax_id",
    "status",
    "segment",
    "industry",
    "company_size",
    "region",
    "city",
    "website",
    "linkedin",
    "employees",
    "owner",
    "payment_terms_days",
)


class ClientPlanner(Planner):
    """Clients: the normalised tax id is the identity, then the email; a new client keeps the file's id when free."""

    kind = "clients"
    id_field = "client_id"
    can_update = True

    def __init__(self, conn: Connection, *, update: bool, present: set[str]) -> None:
        super().__init__(conn, update=update, present=present)
        table = table_of(Client)
        # Without `update` only the identities count: fewer columns to read (and to read again under the lock).
        read = select(table) if self.update_existing else select(table.c.client_id, table.c.tax_id, table.c.email)
        self.existing = {r.client_id: r._asdict() for r in self.reads(lambda c: c.execute(read).all())}
        self.by_tax = {r["tax_id"]: cid for cid, r in self.existing.items() if r["tax_id"]}
        self.by_email = {r["email"].lower(): cid for cid, r in self.existing.items()}
        self.now = utcnow()

    def check(self, line: int, payload: dict[str, Any], errors: list[FieldError]) -> Outcome:
        """A client row: errors, a skip when it exists (or is up to date), an update with `update`, else a create."""
        updated_at = payload.pop("updated_at", None)
        own, version = self.own_id(line, payload, errors), _version(payload, errors)
        data: ClientCreate | None = validate(ClientCreate, payload, errors)
        if data is None or errors:
            return Outcome(errors=errors)
        for name, value in (("tax_id", data.tax_id), ("email", data.email)):
            if value is not None:
                first = self._first_seen((name, value), line)
                if first is not None:
                    return Outcome(errors=[FieldError(name, "repeated_in_file", {"field": name, "value": value, "line": first})])
        by_tax = self.by_tax.get(data.tax_id) if data.tax_id else None
        by_email = self.by_email.get(data.email)
        if by_tax is not None and by_email is not None and by_tax != by_email:
            return Outcome(
                errors=[
                    FieldError(
                        "email",
                        "email_other_client",
                        {
                            "email": data.email,
                            "client": by_email,
                            "tax_id": data.tax_id,
                            "other_client": by_tax,
                        },
                    )
                ]
            )
        if by_tax is None and by_email is not None:
            other_tax = self.existing[by_email]["tax_id"]
            if other_tax and data.tax_id and other_tax != data.tax_id:
                return Outcome(
                    errors=[
                        FieldError("email", "email_other_tax_id", {"email": data.email, "client": by_email, "tax_id": other_tax})
                    ]
                )
        existing_id = by_tax if by_tax is not None else by_email
        if existing_id is not None:
            first = self._first_seen(("client", existing_id), line)
            if first is not None:
                return Outcome(errors=[FieldError("email", "same_client_in_file", {"client": existing_id, "line": first})])
        values = _plain(data.model_dump())
        if existing_id is None:
            values["created_at"] = values["created_at"] or self.now
            values["updated_at"] = _aware(updated_at) if updated_at else values["created_at"]
            values["version"] = version
            # The tax id / email is the identity: an id another client holds here is not kept.
            values["client_id"] = own if own is not None and own not in self.existing else None
            return Outcome(create=values)
        matched_by = (
            {"id": existing_id, "by": "tax_id", "value": data.tax_id}
            if by_tax is not None
            else {"id": existing_id, "by": "email", "value": data.email}
        )
        if not self.update_existing:
            return Outcome(skip=Problem("client_exists", matched_by))
        current = self.existing[existing_id]
        changes = {name: values[name] for name in _CLIENT_UPDATABLE if name in self.present and values[name] != current[name]}
        if not changes:
            return Outcome(skip=Problem("client_up_to_date", matched_by))
        full = {name: values[name] for name in _CLIENT_UPDATABLE if name in self.present}
        return Outcome(update={"_id": existing_id, **full})

    def stage(self, creates: list[dict[str, Any]]) -> None:
        """The new clients, into their TEMP twin."""
        self._stage(table_of(Client), creates)

    def write(self, creates: list[dict[str, Any]], updates: list[dict[str, Any]], progress: WriteProgress) -> None:
        """Insert the new clients and update the existing ones (only the columns the file holds), in chunks."""
        table = table_of(Client)
        total = len(creates) + len(updates)
        done = self._insert_keeping_ids(table, creates, progress, 0, total)
        if updates:
            names = [name for name in _CLIENT_UPDATABLE if name in self.present]
            stmt = (
                update(table)
                .where(table.c.client_id == bindparam("_id"))
                .values(
                    {name: bindparam(name) for name in names} | {"updated_at": bindparam("_now"), "version": table.c.version + 1}
                )
            )
            for chunk in _chunks(updates):
                self.conn.execute(stmt, [row | {"_now": self.now} for row in chunk])
                done += len(chunk)
                progress(done, total)


# ------------------------------------------------------------------ contacts


class ContactPlanner(Planner):
    """Contacts: a row with an id is that contact; without, one per client and email (or name, without an email)."""

    kind = "contacts"
    id_field = "contact_id"

    def __init__(self, conn: Connection, *, update: bool, present: set[str]) -> None:
        super().__init__(conn, update=update, present=present)
        self.clients = ClientRefs(self.reads)
        rows = self.reads(
            lambda c: c.execute(select(Contact.contact_id, Contact.client_id, Contact.email, Contact.full_name)).all()
        )
        self.by_id = {r.contact_id: self._identity(r.client_id, r.email, r.full_name) for r in rows}
        self.existing = {key: contact_id for contact_id, key in self.by_id.items()}

    @staticmethod
    def _identity(client_id: int, email: str | None, full_name: str) -> tuple[Any, ...]:
        return (client_id, "email", email.lower()) if email else (client_id, "name", full_name.casefold())

    def check(self, line: int, payload: dict[str, Any], errors: list[FieldError]) -> Outcome:
        """A contact row: its client resolved, errors, a skip when the client already has it, else a create."""
        own = self.own_id(line, payload, errors)
        client_id = self.clients.resolve(payload, errors)
        last = payload.pop("last_interaction_at", None)
        payload["client_id"] = client_id if client_id is not None else 0
        data: ContactCreate | None = validate(ContactCreate, payload, errors)
        if data is None or errors:
            return Outcome(errors=errors)
        key = self._identity(data.client_id, data.email, data.full_name)
        by = {"by": "email", "value": data.email} if data.email else {"by": "name", "value": data.full_name}
        values = _plain(data.model_dump())
        values["last_interaction_at"] = _aware(last) if last else None
        if own is not None:
            held = self.by_id.get(own)
            if held is None:
                return Outcome(create={**values, "contact_id": own})
            if held != key:
                return _other_record("contact_id", "contact", own)
            return Outcome(skip=Problem("contact_exists", {"id": own, **by}))
        first = self._first_seen(key, line)
        if first is not None:
            field_name = "email" if data.email else "full_name"
            return Outcome(errors=[FieldError(field_name, "repeated_contact", {**by, "line": first})])
        if key in self.existing:
            return Outcome(skip=Problem("contact_exists", {"id": self.existing[key], **by}))
        return Outcome(create=values)

    @staticmethod
    def _settle_flags(creates: list[dict[str, Any]]) -> dict[str, list[int]]:
        """Per flag, the clients some row flags; only the last such row of a client keeps it (`creates` is changed)."""
        flagged: dict[str, list[int]] = {}
        for flag in ("is_primary", "is_billing"):
            winner: dict[int, int] = {}
            for index, row in enumerate(creates):
                if row[flag]:
                    winner[row["client_id"]] = index
            for index, row in enumerate(creates):
                if row[flag] and winner[row["client_id"]] != index:
                    row[flag] = False
            flagged[flag] = list(winner)
        return flagged

    def stage(self, creates: list[dict[str, Any]]) -> None:
        """The new contacts, flags settled, into their TEMP twin."""
        self._settle_flags(creates)
        self._stage(table_of(Contact), creates)

    def write(self, creates: list[dict[str, Any]], updates: list[dict[str, Any]], progress: WriteProgress) -> None:
        """Insert the contacts; per client the last row flagged primary / billing keeps the flag."""
        table = table_of(Contact)
        for flag, clients in self._settle_flags(creates).items():  # a client has at most one primary and one billing contact
            if clients:
                self.conn.execute(update(table).where(table.c.client_id.in_(clients)).values({flag: False}))
        self._insert_keeping_ids(table, creates, progress)


# ------------------------------------------------------------------ invoices

_INVOICE_UPDATABLE = ("client_id", "issue_date", "due_date", "total", "credit_note", "void")


PAYMENT_OF = "_payment"  # a created invoice's key holding the payment its paid status records


def _paid_payment(
    status: Any, paid_on: date | None, data: InvoiceCreate, due: date, errors: list[FieldError]
) -> dict[str, Any] | None:
    """The payment a row's paid status records (the whole total), None when unpaid; errors for a bad status or date.

    A paid date alone means paid too. Without a paid date the payment is dated on the due date, or
    today when that is later than today (docs/design.md §4.3 counts it then as paid on time).
    """
    if status is not None and status not in (PaidStatus.PAID.value, PaidStatus.UNPAID.value):
        errors.append(FieldError("paid_status", "paid_status", {"value": status}))
        return None
    paid = status == PaidStatus.PAID.value or (status is None and paid_on is not None)
    if not paid:
        if paid_on is not None:
            errors.append(FieldError("paid_on", "paid_on_unpaid"))
        return None
    if data.void or data.credit_note:
        errors.append(FieldError("paid_status", "paid_not_payable"))
        return None
    when = paid_on or min(due, business_today())
    if when < data.issue_date:
        errors.append(FieldError("paid_on", "paid_before_issue"))
        return None
    return {"paid_on": when, "amount": data.total, "method": None}


class InvoicePlanner(Planner):
    """Invoices: the number is the identity; the due date defaults to the client's payment terms.

    A paid status (`Estado` = Cobrada) records the payment of the whole total with the invoice
    (dated by `Fecha de cobro`, see `_paid_payment`); only for invoices this import creates.
    """

    kind = "invoices"
    id_field = "invoice_id"
    can_update = True

    def __init__(self, conn: Connection, *, update: bool, present: set[str]) -> None:
        super().__init__(conn, update=update, present=present)
        self.clients = ClientRefs(self.reads)
        table = table_of(Invoice)
        # Numbers compare case-insensitively, as people read them: F-1 and f-1 are one invoice.
        # Without `update` only the numbers and ids count: fewer columns to read (and to read again under the lock).
        read = select(table) if self.update_existing else select(table.c.number, table.c.invoice_id)
        self.existing = {r.number.lower(): r._asdict() for r in self.reads(lambda c: c.execute(read).all())}
        self.ids = {row["invoice_id"] for row in self.existing.values()}
        self.lock = not conn.get_execution_options().get("crm_readonly", False)
        self.paid: dict[int, Decimal] = {}
        self.first_paid_on: dict[int, date] = {}

    def prepare(self, payloads: list[dict[str, Any]]) -> None:
        """With `update`: lock the existing invoices the file names, then read what is paid of them.

        The lock (as in a payment import) keeps a payment recorded meanwhile from slipping under an
        updated total; the paid sums let `check` apply the payment rules to every update.
        """
        if not self.update_existing:
            return
        ids = {
            self.existing[number.lower()]["invoice_id"]
            for payload in payloads
            if isinstance(number := payload.get("number"), str) and (number := trim_text(number)).lower() in self.existing
        }
        if ids:
            self.reads(lambda c: invoices_to_pay(c, ids, lock=self.lock))
            self.paid = self.reads(lambda c: paid_totals(c, ids))
            self.first_paid_on = self.reads(lambda c: first_payment_days(c, ids))

    def check(self, line: int, payload: dict[str, Any], errors: list[FieldError]) -> Outcome:
        """An invoice row: client resolved, errors, a skip when it exists (or is up to date), an update, else a create."""
        own = self.own_id(line, payload, errors)
        client_id = self.clients.resolve(payload, errors)
        payload["client_id"] = client_id if client_id is not None else 0
        status, paid_on = payload.pop("paid_status", None), payload.pop("paid_on", None)
        data: InvoiceCreate | None = validate(InvoiceCreate, payload, errors)
        if data is None or errors:
            return Outcome(errors=errors)
        first = self._first_seen((data.number.lower(),), line)
        if first is not None:
            return Outcome(errors=[FieldError("number", "repeated_invoice", {"number": data.number, "line": first})])
        values = data.model_dump()
        if values["due_date"] is None:
            values["due_date"] = default_due_date(data.issue_date, self.clients.terms[data.client_id])
        payment = _paid_payment(status, paid_on, data, values["due_date"], errors)
        if errors:
            return Outcome(errors=errors)
        current = self.existing.get(data.number.lower())
        if current is None:
            # The number is the identity: an id another invoice holds here is not kept.
            kept = own if own is not None and own not in self.ids else None
            return Outcome(create={**values, "invoice_id": kept, PAYMENT_OF: payment})
        if not self.update_existing:
            return Outcome(skip=Problem("invoice_exists", {"number": data.number}))
        names = [n for n in _INVOICE_UPDATABLE if n in self.present or n == "client_id"]
        changes = [n for n in names if _differs(values[n], current[n])]
        if not changes:
            return Outcome(skip=Problem("invoice_up_to_date", {"number": data.number}))
        due = values["due_date"] if "due_date" in names else current["due_date"]
        if due < values["issue_date"]:
            return Outcome(errors=[FieldError("issue_date", "issue_after_due")])
        after = {n: (values[n] if n in names else current[n]) for n in ("total", "void", "credit_note", "issue_date")}
        problem = paid_invoice_change_problem(
            data.number,
            self.paid.get(current["invoice_id"], Decimal("0.00")),
            self.first_paid_on.get(current["invoice_id"]),
            **after,
        )
        if problem is not None:
            return Outcome(errors=[problem])
        return Outcome(update={"_id": current["invoice_id"], **{n: values[n] for n in names}})

    def stage(self, creates: list[dict[str, Any]]) -> None:
        """The new invoices into their TEMP twin, and the payments their paid status records (keyed by number) into another."""
        invoices = table_of(Invoice)
        self._stage(invoices, creates)
        paid = [{"number": row["number"], **row[PAYMENT_OF]} for row in creates if row.get(PAYMENT_OF) is not None]
        self._stage(table_of(Payment), paid, (Column("number", invoices.c.number.type),))

    def write(self, creates: list[dict[str, Any]], updates: list[dict[str, Any]], progress: WriteProgress) -> None:
        """Insert the new invoices and update the existing ones, in chunks."""
        table = table_of(Invoice)
        total = len(creates) + len(updates)
        payments = {row["number"]: row.pop(PAYMENT_OF, None) for row in creates}
        done = self._insert_keeping_ids(table, creates, progress, 0, total)
        paid = {number: payment for number, payment in payments.items() if payment is not None}
        staged = self.staged.get(table_of(Payment).name)
        if staged is not None:  # each staged payment joins its invoice, just inserted, by number
            self.conn.execute(
                insert(table_of(Payment)).from_select(
                    ["invoice_id", "paid_on", "amount", "method"],
                    select(table.c.invoice_id, staged.c.paid_on, staged.c.amount, staged.c.method)
                    .join_from(staged, table, table.c.number == staged.c.number)
                    .order_by(staged.c[STAGE_ORDER]),
                )
            )
        elif paid:
            numbers = list(paid)
            ids: dict[str, int] = {}
            for start in range(0, len(numbers), CHUNK_ROWS):
                chunk = numbers[start : start + CHUNK_ROWS]
                found = self.conn.execute(select(table.c.number, table.c.invoice_id).where(table.c.number.in_(chunk)))
                ids.update({row.number: row.invoice_id for row in found})
            rows = [{"invoice_id": ids[number], **payment} for number, payment in paid.items()]
            for chunk_rows in _chunks(rows):
                self.conn.execute(insert(table_of(Payment)), chunk_rows)
        if updates:
            names = [n for n in _INVOICE_UPDATABLE if n in updates[0] and n != "_id"]
            stmt = update(table).where(table.c.invoice_id == bindparam("_id")).values({name: bindparam(name) for name in names})
            for chunk in _chunks(updates):
                self.conn.execute(stmt, chunk)
                done += len(chunk)
                progress(done, total)


def _differs(new: Any, old: Any) -> bool:
    if isinstance(new, Decimal) or isinstance(old, Decimal):
        return Decimal(str(new)) != Decimal(str(old))
    return bool(new != old)


# ------------------------------------------------------------------ payments


class PaymentPlanner(Planner):
    """Payments: checked like `record_payment` (not void, not a credit note, no overpayment), no row twice.

    Importing for real locks the invoices the file pays until the import commits (`invoices_to_pay`),
    so a payment written meanwhile by someone else cannot make the file's payments overpay.
    """

    kind = "payments"
    id_field = "payment_id"

    def __init__(self, conn: Connection, *, update: bool, present: set[str]) -> None:
        super().__init__(conn, update=update, present=present)
        numbers = self.reads(lambda c: c.execute(select(Invoice.number, Invoice.invoice_id)).all())
        self.by_number = {r.number.lower(): r.invoice_id for r in numbers}
        self.lock = not conn.get_execution_options().get("crm_readonly", False)
        self.invoices: dict[int, Any] = {}
        self.paid: dict[int, Decimal] = {}
        self.recorded: Counter[tuple[int, date, Decimal]] = Counter()
        self.by_id: dict[int, tuple[int, date, Decimal]] = {}  # the payments the file's ids name, as recorded

    def prepare(self, payloads: list[dict[str, Any]]) -> None:
        """Lock the invoices the rows name, then read what is paid and recorded of them."""
        ids: set[int] = set()
        for payload in payloads:
            number, raw_id = payload.get("invoice_number"), payload.get("invoice_id")
            if number is not None:
                found = self.by_number.get(number.strip().lower())
                if found is not None:
                    ids.add(found)
            elif raw_id is not None:
                with suppress(ValueError):
                    ids.add(int(raw_id))
        self.invoices = self.reads(lambda c: invoices_to_pay(c, ids, lock=self.lock))
        found_ids = sorted(self.invoices)
        self.paid = self.reads(lambda c: paid_totals(c, found_ids))
        self.recorded = self.reads(lambda c: _recorded_payments(c, found_ids))
        own_ids = sorted(
            {i for payload in payloads if (i := _id_or_none(payload.get(self.id_field))) is not None and 1 <= i <= LAST_ID}
        )

        def own_payments(conn: Connection) -> dict[int, tuple[int, date, Decimal]]:
            table = table_of(Payment)
            found: dict[int, tuple[int, date, Decimal]] = {}
            for start in range(0, len(own_ids), CHUNK_ROWS):
                rows = conn.execute(
                    select(table.c.payment_id, table.c.invoice_id, table.c.paid_on, table.c.amount).where(
                        id_in(table.c.payment_id, own_ids[start : start + CHUNK_ROWS])
                    )
                )
                found.update({r.payment_id: (r.invoice_id, r.paid_on, Decimal(str(r.amount)).quantize(CENT)) for r in rows})
            return found

        self.by_id.update(self.reads(own_payments))

    def _resolve(self, payload: dict[str, Any], errors: list[FieldError]) -> int | None:
        number = payload.pop("invoice_number", None)
        raw_id = payload.pop("invoice_id", None)
        if number is not None:
            return _found(
                self.by_number.get(number.strip().lower()),
                FieldError("invoice_number", "no_invoice", {"number": number.strip()}),
                errors,
            )
        if raw_id is not None:
            return _known_id("invoice_id", raw_id, self.invoices, "invoice", errors)
        errors.append(FieldError("invoice_number", "invoice_required"))
        return None

    def check(self, line: int, payload: dict[str, Any], errors: list[FieldError]) -> Outcome:
        """A payment row: invoice resolved, errors (void, credit note, repeated, overpaid...), a skip when recorded, else a create."""
        own = self.own_id(line, payload, errors)
        invoice_id = self._resolve(payload, errors)
        payload["invoice_id"] = invoice_id if invoice_id is not None else 0
        data: PaymentCreate | None = validate(PaymentCreate, payload, errors)
        if data is None or errors:
            return Outcome(errors=errors)
        invoice = self.invoices.get(data.invoice_id)
        if invoice is None:  # deleted since this import read the invoice numbers
            return Outcome(errors=[FieldError("invoice_number", "no_id", {"what": "invoice", "id": data.invoice_id})])
        key = (data.invoice_id, data.paid_on, data.amount)
        if own is not None and own in self.by_id:
            if self.by_id[own] != key:
                return _other_record("payment_id", "payment", own)
            return Outcome(
                skip=Problem("payment_recorded", {"amount": data.amount, "date": data.paid_on, "number": invoice.number})
            )
        reason = unpayable_reason(invoice, data.paid_on, "invoice_number")
        if reason is not None:
            return Outcome(errors=[reason])
        if own is not None:  # a payment of its own, even when one alike was paid the same day
            return self._pay(invoice, data, {"payment_id": own})
        first = self._first_seen((data.invoice_id, data.paid_on, data.amount, data.method), line)
        if first is not None:
            return Outcome(
                errors=[
                    FieldError(
                        "amount",
                        "repeated_payment",
                        {
                            "amount": data.amount,
                            "date": data.paid_on,
                            "number": invoice.number,
                            "line": first,
                        },
                    )
                ]
            )
        if self.recorded[key] > 0:
            self.recorded[key] -= 1
            return Outcome(
                skip=Problem("payment_recorded", {"amount": data.amount, "date": data.paid_on, "number": invoice.number})
            )
        return self._pay(invoice, data, {})

    def _pay(self, invoice: Any, data: PaymentCreate, extra: dict[str, Any]) -> Outcome:
        """The payment created, unless it would pay more than the invoice still owes."""
        paid = self.paid.get(data.invoice_id, Decimal("0.00"))
        overpaid = overpayment(invoice, paid, data.amount)
        if overpaid is not None:
            return Outcome(errors=[overpaid])
        self.paid[data.invoice_id] = paid + data.amount
        return Outcome(create={**_plain(data.model_dump()), **extra})

    def stage(self, creates: list[dict[str, Any]]) -> None:
        """The new payments, into their TEMP twin."""
        self._stage(table_of(Payment), creates)

    def write(self, creates: list[dict[str, Any]], updates: list[dict[str, Any]], progress: WriteProgress) -> None:
        """Insert the payments in chunks."""
        self._insert_keeping_ids(table_of(Payment), creates, progress)


def _recorded_payments(conn: Connection, invoice_ids: list[int]) -> Counter[tuple[int, date, Decimal]]:
    """How many payments of each (invoice, day, amount) are recorded for `invoice_ids`."""
    table = table_of(Payment)
    recorded: Counter[tuple[int, date, Decimal]] = Counter()
    for start in range(0, len(invoice_ids), CHUNK_ROWS):
        rows = conn.execute(
            select(table.c.invoice_id, table.c.paid_on, table.c.amount).where(
                id_in(table.c.invoice_id, invoice_ids[start : start + CHUNK_ROWS])
            )
        )
        recorded.update((r.invoice_id, r.paid_on, Decimal(str(r.amount)).quantize(CENT)) for r in rows)
    return recorded


# ------------------------------------------------------------------ activities


class ActivityPlanner(Planner):
    """Activities as recorded history: no follow-up task is added (an export already holds them).

    A row with an id is that activity; without, one per client, kind, time and title.
    """

    kind = "activities"
    id_field = "activity_id"

    def __init__(self, conn: Connection, *, update: bool, present: set[str]) -> None:
        super().__init__(conn, update=update, present=present)
        self.clients = ClientRefs(self.reads)
        self.contacts = ContactRefs(self.reads)
        rows = self.reads(
            lambda c: c.execute(
                select(Activity.activity_id, Activity.client_id, Activity.kind, Activity.occurred_at, Activity.title)
            ).all()
        )
        self.by_id = {r.activity_id: (r.client_id, r.kind, r.occurred_at, r.title) for r in rows}
        self.existing = set(self.by_id.values())
        self.last_touch: dict[int, datetime] = {}

    def check(self, line: int, payload: dict[str, Any], errors: list[FieldError]) -> Outcome:
        """An activity row: client and contact resolved, errors, a skip when already recorded, else a create."""
        own = self.own_id(line, payload, errors)
        _refer_to_client_and_contact(self.clients, self.contacts, payload, errors)
        data: ActivityCreate | None = validate(ActivityCreate, payload, errors)
        if data is None or errors:
            return Outcome(errors=errors)
        key = (data.client_id, data.kind.value, data.occurred_at, data.title)
        when = data.occurred_at.astimezone(business_timezone()).strftime("%Y-%m-%d %H:%M")
        if own is not None:
            held = self.by_id.get(own)
            if held is not None and held != key:
                return _other_record("activity_id", "activity", own)
            if held is not None:
                return Outcome(skip=Problem("activity_recorded", {"kind": data.kind.value, "title": data.title, "when": when}))
            return self._record(data, {"activity_id": own})
        first = self._first_seen(key, line)
        if first is not None:
            return Outcome(
                errors=[
                    FieldError(
                        "title", "repeated_activity", {"kind": data.kind.value, "title": data.title, "when": when, "line": first}
                    )
                ]
            )
        if key in self.existing:
            return Outcome(skip=Problem("activity_recorded", {"kind": data.kind.value, "title": data.title, "when": when}))
        return self._record(data, {})

    def _record(self, data: ActivityCreate, extra: dict[str, Any]) -> Outcome:
        """The activity created; a done one with a contact moves that contact's last interaction forward."""
        if data.contact_id is not None and data.done:
            last = self.last_touch.get(data.contact_id)
            if last is None or last < data.occurred_at:
                self.last_touch[data.contact_id] = data.occurred_at
        return Outcome(create={**_plain(data.model_dump()), **extra})

    def stage(self, creates: list[dict[str, Any]]) -> None:
        """The new activities, into their TEMP twin."""
        self._stage(table_of(Activity), creates)

    def write(self, creates: list[dict[str, Any]], updates: list[dict[str, Any]], progress: WriteProgress) -> None:
        """Insert the activities and move each touched contact's last interaction forward."""
        table = table_of(Activity)
        self._insert_keeping_ids(table, creates, progress)
        touched = {row["contact_id"] for row in creates if row["contact_id"] is not None and row["done"]}
        contacts = table_of(Contact)
        stmt = (
            update(contacts)
            .where(contacts.c.contact_id == bindparam("_id"))
            .where((contacts.c.last_interaction_at.is_(None)) | (contacts.c.last_interaction_at < bindparam("_at")))
            .values(last_interaction_at=bindparam("_at"))
        )
        params = [{"_id": cid, "_at": self.last_touch[cid]} for cid in touched if cid in self.last_touch]
        if params:
            self.conn.execute(stmt, params)


# ------------------------------------------------------------------ opportunities


class OpportunityPlanner(Planner):
    """Opportunities: a row with an id is that deal; without, one per client and name. Each gets its first stage in the history."""

    kind = "opportunities"
    id_field = "opportunity_id"

    def __init__(self, conn: Connection, *, update: bool, present: set[str]) -> None:
        super().__init__(conn, update=update, present=present)
        self.clients = ClientRefs(self.reads)
        self.contacts = ContactRefs(self.reads)
        rows = self.reads(lambda c: c.execute(select(Opportunity.opportunity_id, Opportunity.client_id, Opportunity.name)).all())
        self.by_id = {r.opportunity_id: (r.client_id, r.name.casefold()) for r in rows}
        self.existing = {key: opportunity_id for opportunity_id, key in self.by_id.items()}
        self.now = utcnow()

    def check(self, line: int, payload: dict[str, Any], errors: list[FieldError]) -> Outcome:
        """An opportunity row: client and contact resolved, errors, a skip when the client has it, else a create."""
        own, version = self.own_id(line, payload, errors), _version(payload, errors)
        _refer_to_client_and_contact(self.clients, self.contacts, payload, errors)
        data: OpportunityCreate | None = validate(OpportunityCreate, payload, errors)
        if data is None or errors:
            return Outcome(errors=errors)
        key = (data.client_id, data.name.casefold())
        values = _plain(data.model_dump())
        values["created_at"] = values["created_at"] or self.now
        values["version"] = version
        if own is not None:
            held = self.by_id.get(own)
            if held is None:
                return Outcome(create={**values, "opportunity_id": own})
            if held != key:
                return _other_record("opportunity_id", "opportunity", own)
            return Outcome(skip=Problem("opportunity_exists", {"id": own, "name": data.name}))
        first = self._first_seen(key, line)
        if first is not None:
            return Outcome(errors=[FieldError("name", "repeated_opportunity", {"name": data.name, "line": first})])
        if key in self.existing:
            return Outcome(skip=Problem("opportunity_exists", {"id": self.existing[key], "name": data.name}))
        return Outcome(create=values)

    def write(self, creates: list[dict[str, Any]], updates: list[dict[str, Any]], progress: WriteProgress) -> None:
        """Insert the opportunities (those with their own id first) and their first stage-history row."""
        table = table_of(Opportunity)
        history = table_of(StageChange)
        kept = [row for row in creates if row.get("opportunity_id") is not None]
        fresh = [{k: v for k, v in row.items() if k != "opportunity_id"} for row in creates if row.get("opportunity_id") is None]
        if kept:
            advance_id_sequence(self.conn, table, "opportunity_id", max(row["opportunity_id"] for row in kept))
        done = 0
        for chunk in [*_chunks(kept), *_chunks(fresh)]:
            if "opportunity_id" in chunk[0]:
                self.conn.execute(insert(table), chunk)
                ids = [row["opportunity_id"] for row in chunk]
            else:
                ids = list(
                    self.conn.execute(insert(table).returning(table.c.opportunity_id, sort_by_parameter_order=True), chunk)
                    .scalars()
                    .all()
                )
            self.conn.execute(
                insert(history),
                [
                    {"opportunity_id": oid, "from_stage": None, "to_stage": row["stage"], "changed_at": row["created_at"]}
                    for oid, row in zip(ids, chunk, strict=True)
                ],
            )
            done += len(chunk)
            progress(done, len(creates))


PLANNERS: dict[str, type[Planner]] = {
    planner.kind: planner
    for planner in (ClientPlanner, ContactPlanner, InvoicePlanner, PaymentPlanner, ActivityPlanner, OpportunityPlanner)
}
