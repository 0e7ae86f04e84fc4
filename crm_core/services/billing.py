"""Invoices and payments, as they come from the billing tool."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from crm_core.db import write_session
from crm_core.errors import DuplicateInvoiceError, ValidationError
from crm_core.models import Client, Invoice, Payment
from crm_core.schemas import InvoiceCreate, InvoiceOut, PaymentCreate, PaymentOut, parse
from crm_core.services._common import get_or_404, integrity_to_domain


def default_due_date(issue_date: date, terms_days: int) -> date:
    """The due date of an invoice that names none: its issue date plus the client's payment terms."""
    return issue_date + timedelta(days=terms_days)


def record_invoice(engine: Engine, payload: InvoiceCreate | dict[str, Any]) -> InvoiceOut:
    """Add an invoice (or a credit note); the due date defaults to the client's payment terms."""
    data = parse(InvoiceCreate, payload)
    values = data.model_dump()
    try:
        with write_session(engine) as session:
            client = get_or_404(session, Client, data.client_id, "client")
            if session.scalar(select(Invoice.invoice_id).where(Invoice.number == data.number)):
                raise DuplicateInvoiceError(data.number)
            if values["due_date"] is None:
                values["due_date"] = default_due_date(data.issue_date, client.payment_terms_days)
            invoice = Invoice(**values)
            session.add(invoice)
            session.flush()
            return InvoiceOut.model_validate(invoice)
    except IntegrityError as exc:
        raise integrity_to_domain(exc, values) from None


def record_payment(engine: Engine, payload: PaymentCreate | dict[str, Any]) -> PaymentOut:
    """Add a (possibly partial) payment; refuses one that would pay more than the invoice's total."""
    data = parse(PaymentCreate, payload)
    with write_session(engine) as session:
        invoice = get_or_404(session, Invoice, data.invoice_id, "invoice", lock=True)
        if invoice.void:
            raise ValidationError(f"invoice {invoice.number} is void and cannot be paid", "invoice_id")
        if invoice.credit_note:
            raise ValidationError(f"{invoice.number} is a credit note and cannot be paid", "invoice_id")
        if data.paid_on < invoice.issue_date:
            raise ValidationError(
                f"must not be before the invoice's issue date ({invoice.issue_date.isoformat()})", "paid_on"
            )
        paid = session.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.invoice_id == invoice.invoice_id)
        )
        paid = Decimal(str(paid)).quantize(Decimal("0.01"))
        remaining = Decimal(invoice.total).quantize(Decimal("0.01")) - paid
        if data.amount > remaining:
            raise ValidationError(
                f"{data.amount} would overpay invoice {invoice.number}: only {remaining} is still owed",
                "amount",
            )
        payment = Payment(**data.model_dump(mode="python"))
        session.add(payment)
        session.flush()
        return PaymentOut.model_validate(payment)
