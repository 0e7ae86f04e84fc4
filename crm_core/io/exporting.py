"""CSV export of each table in the format the importer reads back (UTF-8 with BOM, safe cells).

Besides the table's own fields, rows that point at a client, contact or invoice carry its natural
key too (`client_tax_id`, `client_email`, `contact_email`, `invoice_number`), so an export can be
imported into another database, where the ids differ.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import aliased

from crm_core.config import business_timezone
from crm_core.db import read_session
from crm_core.db.models import Activity, Client, Contact, Invoice, Opportunity, Payment
from crm_core.i18n import MESSAGES, t
from crm_core.io.csv_safety import neutralise_frame
from crm_core.io.headers import check_kind, suggest_mapping

EXPORT_COLUMNS: dict[str, list[str]] = {
    "clients": [
        "client_id",
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
        "created_at",
        "updated_at",
        "version",
    ],
    "contacts": [
        "contact_id",
        "client_id",
        "client_tax_id",
        "client_email",
        "full_name",
        "role",
        "email",
        "phone",
        "whatsapp",
        "is_primary",
        "is_billing",
        "last_interaction_at",
        "notes",
    ],
    "invoices": [
        "invoice_id",
        "client_id",
        "client_tax_id",
        "client_email",
        "number",
        "issue_date",
        "due_date",
        "total",
        "credit_note",
        "void",
    ],
    "payments": ["payment_id", "invoice_id", "invoice_number", "paid_on", "amount", "method"],
    "activities": [
        "activity_id",
        "client_id",
        "client_tax_id",
        "client_email",
        "contact_id",
        "contact_email",
        "kind",
        "title",
        "description",
        "occurred_at",
        "duration_min",
        "owner",
        "done",
        "outcome",
        "follow_up_on",
    ],
    "opportunities": [
        "opportunity_id",
        "client_id",
        "client_tax_id",
        "client_email",
        "contact_id",
        "contact_email",
        "name",
        "description",
        "amount",
        "stage",
        "probability",
        "expected_close",
        "closed_at",
        "won_amount",
        "lost_reason",
        "owner",
        "notes",
        "created_at",
        "version",
    ],
}

_CLIENT_KEYS = (Client.tax_id.label("client_tax_id"), Client.email.label("client_email"))


def _query(kind: str) -> Select[Any]:
    if kind == "clients":
        # From the mapped class, so a rep's scope (crm_core.auth.scope) applies to the plain table too.
        return select(Client.__table__).select_from(Client).order_by(Client.client_id)
    if kind == "contacts":
        return (
            select(Contact.__table__, *_CLIENT_KEYS)
            .join(Client, Client.client_id == Contact.client_id)
            .order_by(Contact.contact_id)
        )
    if kind == "invoices":
        return (
            select(Invoice.__table__, *_CLIENT_KEYS)
            .join(Client, Client.client_id == Invoice.client_id)
            .order_by(Invoice.invoice_id)
        )
    if kind == "payments":
        return (
            select(Payment.__table__, Invoice.number.label("invoice_number"))
            .join(Invoice, Invoice.invoice_id == Payment.invoice_id)
            .order_by(Payment.payment_id)
        )
    model = Activity if kind == "activities" else Opportunity
    contact = aliased(Contact)
    key = Activity.activity_id if kind == "activities" else Opportunity.opportunity_id
    return (
        select(model.__table__, *_CLIENT_KEYS, contact.email.label("contact_email"))
        .join(Client, Client.client_id == model.client_id)
        .outerjoin(contact, contact.contact_id == model.contact_id)
        .order_by(key)
    )


def _cell(value: Any) -> Any:
    """A database value as the importer reads it; money stays a number (a negative total is no formula)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(business_timezone()).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, float)):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if isinstance(value, int):
        # as text: a column of ints and NULLs would otherwise come out as floats ('12.0')
        return str(value)
    return value


def export_frame(engine: Engine, kind: str) -> pd.DataFrame:
    """The rows of one table as text-ready cells (not yet neutralised), in export column order."""
    check_kind(kind)
    columns = EXPORT_COLUMNS[kind]
    with read_session(engine) as session:
        rows = session.execute(_query(kind)).mappings().all()
    records = [[_cell(row[name]) for name in columns] for row in rows]
    return pd.DataFrame(records, columns=columns, dtype=object)


def to_csv_bytes(frame: pd.DataFrame, *, separator: str = ",", decimal: str = ".") -> bytes:
    """A frame as CSV bytes: UTF-8 with BOM (Excel reads the accents), formula-like text neutralised.

    With `decimal` "," amounts are written with a decimal comma (`1210,50`), as Spanish Excel reads them.
    """
    out = neutralise_frame(frame)
    if decimal != ".":
        out = out.map(lambda value: str(value).replace(".", decimal) if isinstance(value, Decimal) else value)
    text = out.to_csv(index=False, sep=separator, lineterminator="\r\n", na_rep="")
    return ("\ufeff" + text).encode("utf-8")


def export_headers(kind: str, lang: str | None) -> dict[str, str]:
    """Column -> the header written for it: the field's label in `lang` where the importer reads that label
    back as the same field (every label of the catalogue is a header synonym), else the field's name."""
    if lang is None:
        return {}
    names: dict[str, str] = {}
    for column in EXPORT_COLUMNS[check_kind(kind)]:
        key = f"field.{column}"
        shown = t(key, lang) if key in MESSAGES else column
        names[column] = shown if suggest_mapping(kind, [shown])[shown] == column else column
    return names


def export_table(engine: Engine, kind: str, *, separator: str = ",", lang: str | None = None) -> bytes:
    """One table as a CSV file that `import_file` reads back unchanged.

    With `lang` the headers are the field labels in that language; `;` as separator gives a decimal comma.
    """
    frame = export_frame(engine, kind).rename(columns=export_headers(kind, lang))
    return to_csv_bytes(frame, separator=separator, decimal="," if separator == ";" else ".")
