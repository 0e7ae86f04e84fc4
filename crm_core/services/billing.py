"""Invoices and payments, as they come from the billing tool."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, Row, SQLColumnExpression, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.db import write_session
from crm_core.db.models import Client, IdempotencyKey, Invoice, Payment
from crm_core.db.types import utcnow
from crm_core.errors import (
    DuplicateError,
    DuplicateInvoiceError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from crm_core.schemas import (
    InvoiceCreate,
    InvoiceOut,
    PaymentCreate,
    PaymentOut,
    parse,
    text_problem,
)
from crm_core.services._common import find, get_or_404, integrity_to_domain, is_key
from crm_core.store.writes import writes

CENT = Decimal("0.01")
# Ids per locking / summing query: bounded statements, each lock request a short one.
IDS_PER_QUERY = 5_000


class PayableInvoice(Protocol):
    """What the payment rules read of an invoice (an ORM Invoice or a row of `invoices_to_pay`)."""

    invoice_id: int
    number: str
    issue_date: date
    total: Decimal
    void: bool
    credit_note: bool


def default_due_date(issue_date: date, terms_days: int) -> date:
    """The due date of an invoice that names none: its issue date plus the client's payment terms."""
    return issue_date + timedelta(days=terms_days)


@writes("invoices")
def record_invoice(engine: Engine, payload: InvoiceCreate | dict[str, Any]) -> InvoiceOut:
    """Add an invoice (or a credit note); the due date defaults to the client's payment terms."""
    data = parse(InvoiceCreate, payload)
    values = data.model_dump()
    try:
        with write_session(engine) as session:
            client = get_or_404(session, Client, data.client_id, "client")
            # Case-insensitive, as people read numbers: F-1 and f-1 cannot both exist.
            if session.scalar(select(Invoice.invoice_id).where(func.lower(Invoice.number) == data.number.lower())):
                raise DuplicateInvoiceError(data.number)
            if values["due_date"] is None:
                values["due_date"] = default_due_date(data.issue_date, client.payment_terms_days)
            invoice = Invoice(**values)
            session.add(invoice)
            session.flush()
            return InvoiceOut.model_validate(invoice)
    except IntegrityError as exc:
        raise integrity_to_domain(exc, values) from None


def id_in(column: SQLColumnExpression[int], ids: list[int]) -> ColumnElement[bool]:
    """`column IN (ids)` with the ids written into the SQL: binding thousands of parameters one by one
    costs more than the query itself (100,000 ids on PostgreSQL: 1.6 s against 0.4 s)."""
    return column.in_(bindparam("ids", ids, expanding=True, literal_execute=True))


def invoices_to_pay(conn: Connection, invoice_ids: Iterable[int], *, lock: bool = True) -> dict[int, Row[Any]]:
    """The invoices among `invoice_ids` that exist, by id; with `lock`, each row locked until the transaction ends.

    The lock (SELECT ... FOR UPDATE, in id order so two payment writers never deadlock) makes every
    other writer of a payment to these invoices wait on PostgreSQL, so the paid sums read after it
    stay true until commit. SQLite drops FOR UPDATE: there BEGIN IMMEDIATE lets one writer in at a time.
    """
    ids = sorted(set(invoice_ids))
    found: dict[int, Row[Any]] = {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        stmt = (
            select(Invoice.invoice_id, Invoice.number, Invoice.issue_date, Invoice.total, Invoice.void, Invoice.credit_note)
            .where(id_in(Invoice.invoice_id, ids[start : start + IDS_PER_QUERY]))
            .order_by(Invoice.invoice_id)
        )
        for row in conn.execute(stmt.with_for_update() if lock else stmt):
            found[row.invoice_id] = row  # type: ignore[assignment]  # Row is invariant in its column types
    return found


def paid_totals(conn: Connection, invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What is already paid of each of `invoice_ids` (0.00 when nothing); read it after `invoices_to_pay` locked them."""
    ids = sorted(set(invoice_ids))
    paid = dict.fromkeys(ids, Decimal("0.00"))
    for start in range(0, len(ids), IDS_PER_QUERY):
        rows = conn.execute(
            select(Payment.invoice_id, func.sum(Payment.amount))
            .where(id_in(Payment.invoice_id, ids[start : start + IDS_PER_QUERY]))
            .group_by(Payment.invoice_id)
        )
        paid.update((invoice_id, Decimal(str(total)).quantize(CENT)) for invoice_id, total in rows)
    return paid


def unpayable_reason(invoice: PayableInvoice, paid_on: date, invoice_field: str) -> FieldError | None:
    """Why `invoice` cannot take a payment made on `paid_on` (on `invoice_field` or `paid_on`), else None."""
    if invoice.void:
        return FieldError(invoice_field, "invoice_void", {"number": invoice.number})
    if invoice.credit_note:
        return FieldError(invoice_field, "credit_note_unpayable", {"number": invoice.number})
    if paid_on < invoice.issue_date:
        return FieldError("paid_on", "before_issue", {"issue_date": invoice.issue_date})
    return None


def overpayment(invoice: PayableInvoice, paid: Decimal, amount: Decimal) -> FieldError | None:
    """The `amount` error when `amount` on top of `paid` would pay more than the invoice's total, else None."""
    remaining = Decimal(str(invoice.total)).quantize(CENT) - paid
    if amount > remaining:
        return FieldError("amount", "overpay", {"amount": amount, "number": invoice.number, "remaining": remaining})
    return None


def first_payment_days(conn: Connection, invoice_ids: Iterable[int]) -> dict[int, date]:
    """The date of the first payment of each of `invoice_ids` that has any."""
    ids = sorted(set(invoice_ids))
    first: dict[int, date] = {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        rows = conn.execute(
            select(Payment.invoice_id, func.min(Payment.paid_on))
            .where(id_in(Payment.invoice_id, ids[start : start + IDS_PER_QUERY]))
            .group_by(Payment.invoice_id)
        )
        first.update((invoice_id, day) for invoice_id, day in rows)
    return first


def paid_invoice_change_problem(
    number: str,
    paid: Decimal,
    first_paid_on: date | None,
    *,
    total: Decimal,
    void: bool,
    credit_note: bool,
    issue_date: date,
) -> FieldError | None:
    """Why an invoice with `paid` already paid cannot take these values (the field and rule), else None.

    The payment rules of `record_payment` seen from the other side: an invoice keeps covering its
    payments (no total below them, not voided, not a credit note, not issued after one was made).
    """
    if paid <= 0:
        return None
    if void:
        return FieldError("void", "paid_cannot_void", {"number": number, "paid": paid})
    if credit_note:
        return FieldError("credit_note", "paid_cannot_credit", {"number": number, "paid": paid})
    if Decimal(str(total)).quantize(CENT) < paid:
        return FieldError(
            "total", "total_below_paid", {"total": Decimal(str(total)).quantize(CENT), "number": number, "paid": paid}
        )
    if first_paid_on is not None and issue_date > first_paid_on:
        return FieldError("issue_date", "issued_after_payment", {"number": number, "first": first_paid_on})
    return None


@writes("payments")
def record_payment(engine: Engine, payload: PaymentCreate | dict[str, Any]) -> PaymentOut:
    """Add a (possibly partial) payment; refuses one that would pay more than the invoice's total.

    The invoice stays locked from the check to the commit (`invoices_to_pay`), as in the CSV import.
    """
    data = parse(PaymentCreate, payload)
    with write_session(engine) as session:
        conn = session.connection()
        invoice = invoices_to_pay(conn, [data.invoice_id]).get(data.invoice_id)
        if invoice is None:
            raise NotFoundError("invoice", data.invoice_id)
        problem = unpayable_reason(invoice, data.paid_on, "invoice_id") or overpayment(
            invoice, paid_totals(conn, [invoice.invoice_id])[invoice.invoice_id], data.amount
        )
        if problem is not None:
            raise ValidationError(problem)
        payment = Payment(**data.model_dump(mode="python"))
        session.add(payment)
        session.flush()
        return PaymentOut.model_validate(payment)


# ---------------------------------------------------------------- the billing feed (API)

R = TypeVar("R", InvoiceOut, PaymentOut)
MAX_KEY_LENGTH = 200  # the width of idempotency_keys.key


@dataclass(frozen=True)
class Recorded(Generic[R]):
    """One row the billing feed stored (`created`) or found already there (a retry)."""

    row: R
    created: bool


def _indexed(exc: ValidationError, index: int, many: bool) -> ValidationError:
    """`exc` with each field named `<index>.<field>` when the request held a list."""
    if not many:
        return exc
    return ValidationError([FieldError(f"{index}.{e.field}", e.code, e.params) for e in exc.errors])


def _parse_all(model: type[Any], payloads: Sequence[Any]) -> list[Any]:
    parsed, problems = [], []
    for i, payload in enumerate(payloads):
        try:
            parsed.append(parse(model, payload))
        except ValidationError as exc:
            problems.extend(_indexed(exc, i, len(payloads) > 1).errors)
    if problems:
        raise ValidationError(problems)
    return parsed


def _request_hash(scope: str, rows: Sequence[Any]) -> str:
    body = json.dumps([row.model_dump(mode="json") for row in rows], sort_keys=True)
    return hashlib.sha256(f"{scope}\n{body}".encode()).hexdigest()


def _check_key(key: str | None) -> None:
    if key is None:
        return
    if not isinstance(key, str):
        raise ValidationError.on("Idempotency-Key", "text", type=type(key).__name__)
    problem = text_problem(key)
    if problem is not None:
        raise ValidationError.on("Idempotency-Key", problem)
    if not key.strip():
        raise ValidationError.on("Idempotency-Key", "required")
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError.on("Idempotency-Key", "too_long", max_length=MAX_KEY_LENGTH)


def _replay(session: Session, scope: str, key: str, request_hash: str) -> list[tuple[int, bool]] | None:
    """The (id, created) pairs a done request under `key` produced, or None; DuplicateError for another body."""
    found = session.get(IdempotencyKey, key)
    if found is None:
        return None
    if found.scope != scope or found.request_hash != request_hash:
        raise DuplicateError("Idempotency-Key", key, "request")
    return [(int(i), bool(c)) for i, c in json.loads(found.result)]


def _remember(session: Session, scope: str, key: str | None, request_hash: str, done: list[tuple[int, bool]]) -> None:
    if key is not None:
        session.add(IdempotencyKey(key=key, scope=scope, request_hash=request_hash, result=json.dumps(done), created_at=utcnow()))
        session.flush()


def _same_invoice(found: Invoice, data: InvoiceCreate) -> bool:
    """Whether `data` describes the stored invoice (a resend), not another one under the same number."""
    return (
        found.number == data.number
        and found.client_id == data.client_id
        and found.issue_date == data.issue_date
        and (data.due_date is None or found.due_date == data.due_date)
        and Decimal(found.total) == data.total
        and bool(found.credit_note) == data.credit_note
        and bool(found.void) == data.void
    )


@writes("invoices")
def record_invoices(
    engine: Engine, payloads: Sequence[InvoiceCreate | dict[str, Any]], idempotency_key: str | None = None
) -> list[Recorded[InvoiceOut]]:
    """Store invoices from the billing tool, all or none, in one transaction.

    Idempotent by number: an invoice whose number is already stored with the same content is
    returned as it is (`created` False); under another content it is a DuplicateInvoiceError. With
    `idempotency_key`, a retry of the same request returns the same rows and a reuse of the key
    for another request is a DuplicateError. In a list, errors name the item as `<index>.<field>`.
    """
    _check_key(idempotency_key)
    rows = _parse_all(InvoiceCreate, payloads)
    many = len(rows) > 1
    digest = _request_hash("invoices", rows)
    inserting: dict[str, object] = {}  # the row being inserted, named if a concurrent writer's number refuses it
    try:
        with write_session(engine) as session:
            if idempotency_key is not None:
                done = _replay(session, "invoices", idempotency_key, digest)
                if done is not None:
                    return _invoices_back(session, done)
            results: list[Recorded[InvoiceOut]] = []
            for i, data in enumerate(rows):
                client = find(session, Client, data.client_id)
                if client is None:
                    raise _indexed(ValidationError.on("client_id", "missing_reference"), i, many)
                # Case-insensitive, as in record_invoice: F-1 and f-1 are one invoice.
                found = session.scalar(select(Invoice).where(func.lower(Invoice.number) == data.number.lower()))
                if found is not None:
                    if not _same_invoice(found, data):
                        raise DuplicateInvoiceError(data.number)
                    results.append(Recorded(InvoiceOut.model_validate(found), False))
                    continue
                values = data.model_dump()
                if values["due_date"] is None:
                    values["due_date"] = default_due_date(data.issue_date, client.payment_terms_days)
                inserting = values
                invoice = Invoice(**values)
                session.add(invoice)
                session.flush()
                results.append(Recorded(InvoiceOut.model_validate(invoice), True))
            _remember(session, "invoices", idempotency_key, digest, [(r.row.invoice_id, r.created) for r in results])
            return results
    except IntegrityError as exc:
        replayed = _replay_after_race(engine, "invoices", idempotency_key, digest)
        if replayed is not None:
            return replayed
        raise integrity_to_domain(exc, inserting) from None


def _invoices_back(session: Session, done: list[tuple[int, bool]]) -> list[Recorded[InvoiceOut]]:
    """A retried request's invoices, as stored by the first (none created now; a deleted one left out)."""
    rows = [session.get(Invoice, i) for i, _ in done]
    return [Recorded(InvoiceOut.model_validate(row), False) for row in rows if row is not None]


def _payments_back(session: Session, done: list[tuple[int, bool]]) -> list[Recorded[PaymentOut]]:
    """A retried request's payments, as stored by the first (none created now; a deleted one left out)."""
    rows = [session.get(Payment, i) for i, _ in done]
    return [Recorded(PaymentOut.model_validate(row), False) for row in rows if row is not None]


def _replay_after_race(engine: Engine, scope: str, key: str | None, digest: str) -> list[Any] | None:
    """After a unique-key clash: the rows of the concurrent request that stored `key` first, if it did."""
    if key is None:
        return None
    with write_session(engine) as session:
        done = _replay(session, scope, key, digest)
        if done is None:
            return None
        return _invoices_back(session, done) if scope == "invoices" else _payments_back(session, done)


@writes("payments")
def record_payments(
    engine: Engine, payloads: Sequence[PaymentCreate | dict[str, Any]], idempotency_key: str | None = None
) -> list[Recorded[PaymentOut]]:
    """Store payments from the billing tool, all or none, in one transaction (the invoices locked, as in record_payment).

    No payment may pay more than what its invoice still owes, counting the earlier ones of the same
    request. With `idempotency_key`, a retry of the same request returns the same payments instead
    of paying twice. In a list, errors name the item as `<index>.<field>`.
    """
    _check_key(idempotency_key)
    rows = _parse_all(PaymentCreate, payloads)
    many = len(rows) > 1
    digest = _request_hash("payments", rows)
    try:
        with write_session(engine) as session:
            if idempotency_key is not None:
                done = _replay(session, "payments", idempotency_key, digest)
                if done is not None:
                    return _payments_back(session, done)
            conn = session.connection()
            invoices = invoices_to_pay(conn, [p.invoice_id for p in rows if is_key(p.invoice_id)])
            paid = paid_totals(conn, invoices)
            results: list[Recorded[PaymentOut]] = []
            for i, data in enumerate(rows):
                invoice = invoices.get(data.invoice_id)
                if invoice is None:
                    raise _indexed(ValidationError.on("invoice_id", "missing_reference"), i, many)
                problem = unpayable_reason(invoice, data.paid_on, "invoice_id") or overpayment(
                    invoice, paid[invoice.invoice_id], data.amount
                )
                if problem is not None:
                    raise _indexed(ValidationError(problem), i, many)
                paid[invoice.invoice_id] += data.amount
                payment = Payment(**data.model_dump(mode="python"))
                session.add(payment)
                session.flush()
                results.append(Recorded(PaymentOut.model_validate(payment), True))
            _remember(session, "payments", idempotency_key, digest, [(r.row.payment_id, True) for r in results])
            return results
    except IntegrityError as exc:
        replayed = _replay_after_race(engine, "payments", idempotency_key, digest)
        if replayed is not None:
            return replayed
        raise integrity_to_domain(exc, {}) from None
