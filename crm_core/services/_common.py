"""Helpers shared by the service modules: loading rows, mapping database errors."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.db.models import Base
from crm_core.errors import (
    DuplicateClientError,
    DuplicateInvoiceError,
    NotFoundError,
    ValidationError,
)

T = TypeVar("T", bound=Base)

# (table, column) -> its duplicate error; a constraint or index named `uq_<table>_<column>...` counts too,
# so `uq_invoices_number_lower` (numbers unique without case, migration 0004) is the duplicate-number error.
_UNIQUE_FIELDS = {
    ("clients", "email"): lambda v: DuplicateClientError("email", v),
    ("clients", "tax_id"): lambda v: DuplicateClientError("tax_id", v),
    ("invoices", "number"): lambda v: DuplicateInvoiceError(v),
}


# Keys are INTEGER columns: 32-bit on PostgreSQL, which refuses a larger value in a query, as
# SQLite's driver refuses one past 64 bits.
KEY_RANGE = range(-(2**31), 2**31)


def is_key(key: object) -> bool:
    """Whether `key` could be a row id at all (an int in range, not a bool, str or float)."""
    return isinstance(key, int) and not isinstance(key, bool) and key in KEY_RANGE


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def require_whole(value: object, field: str, *, optional: bool = False) -> None:
    """Refuse a key or version that is not a whole number (True, "1", 1.0), naming `field`.

    Strict at the service boundary: `True` would otherwise pay invoice 1, and `"1"` be reported
    as a missing row or a stale edit "from version 1 to version 1".
    """
    if optional and value is None:
        return
    if not _whole(value):
        raise ValidationError.on(field, "whole_number", value=value)


def find(session: Session, model: type[T], key: object, *, lock: bool = False) -> T | None:
    """The row with primary key `key`, or None (also for a key no row can have)."""
    if not is_key(key):
        return None
    return session.get(model, key, with_for_update=lock or None)


def get_or_404(session: Session, model: type[T], key: object, what: str, *, lock: bool = False) -> T:
    """The row with primary key `key`; ValidationError when `key` is not a whole number, NotFoundError when no row has it."""
    require_whole(key, f"{what}_id")
    row = find(session, model, key, lock=lock)
    if row is None:
        raise NotFoundError(what, key)
    return row


def integrity_to_domain(exc: IntegrityError, values: dict[str, object]) -> Exception:
    """Turn a constraint violation that slipped past the pre-checks (a race) into a domain error."""
    text = str(exc.orig)
    for (table, column), make in _UNIQUE_FIELDS.items():
        if f"{table}.{column}" in text or f"uq_{table}_{column}" in text:
            return make(str(values.get(column, "")))
    if "FOREIGN KEY" in text.upper():
        return ValidationError.on("input", "missing_reference")
    return ValidationError.on("input", "database_refused", detail=text.splitlines()[0])
