"""Domain errors: each carries a machine-readable `code` and `params` (and the field or row it names).

The sentences come from the catalogue (`error.<code>` in crm_core/i18n/catalogue.py): `message` is
the English one, `crm_core.i18n.error_text.error_text(error, lang)` the one a page shows, and
`to_dict()` the structured form an API answers with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from crm_core.i18n.error_text import code_text


def english(code: str, params: Mapping[str, Any]) -> str:
    """The English sentence of `code` with `params`, from the catalogue."""
    return code_text(code, params, "en", plain=True)


def json_value(value: Any) -> Any:
    """A param as JSON can carry it (decimals and dates as text, enums as their value)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: json_value(value) for name, value in params.items()}


@dataclass(frozen=True)
class Problem:
    """One problem that names no field (a whole-file import error, a skipped row's reason)."""

    code: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def message(self) -> str:
        return english(self.code, self.params)

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": _json_params(self.params), "message": self.message}


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field: `FieldError("amount", "min", {"limit": 0})`."""

    field: str
    code: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English sentence, without the field (`must be 0 or more`)."""
        return english(self.code, self.params)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "params": _json_params(self.params), "message": self.message}


class CodedValueError(ValueError):
    """A ValueError with a code, raised by validators (pydantic keeps it as the error's `ctx["error"]`).

    `field` names the field a whole-model check is about (pydantic gives such an error no location).
    """

    def __init__(self, code: str, params: Mapping[str, Any] | None = None, *, field: str | None = None) -> None:
        self.code = code
        self.params = dict(params or {})
        self.field = field
        super().__init__(english(code, self.params))


class CRMError(Exception):
    """Base of every error the services raise on purpose: `code`, `params`, English `message`."""

    def __init__(self, code: str, params: Mapping[str, Any] | None = None) -> None:
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        self.message = self._message()
        super().__init__(self.message)

    def _message(self) -> str:
        return english(self.code, self.params)

    def __str__(self) -> str:
        return self.message

    @property
    def field_errors(self) -> list[FieldError]:
        """The fields this error names (none by default)."""
        return []

    def to_dict(self) -> dict[str, Any]:
        """`{"code", "params", "message"}` plus `errors` (one dict per field) when it names fields."""
        out: dict[str, Any] = {"code": self.code, "params": _json_params(self.params), "message": self.message}
        if self.field_errors:
            out["errors"] = [e.to_dict() for e in self.field_errors]
        return out


class SchemaUpgradeError(CRMError):
    """A schema migration found data it cannot take; it changed nothing (the message names the rows)."""


class ValidationError(CRMError):
    """Bad input; `errors` names each field, its code and params."""

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors: list[FieldError] = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("invalid_input", {"count": len(self.errors)})

    def _message(self) -> str:
        return "; ".join(str(e) for e in self.errors)

    @classmethod
    def on(cls, field: str, code: str, **params: Any) -> ValidationError:
        """The error of one field: `ValidationError.on("page", "between", first=1, last=100)`."""
        return cls(FieldError(field, code, params))

    @property
    def fields(self) -> list[str]:
        return [e.field for e in self.errors]

    @property
    def field_errors(self) -> list[FieldError]:
        return self.errors


class DuplicateError(CRMError):
    """A unique value (email, tax id, invoice number) is already taken."""

    def __init__(self, field: str, value: str, what: str, holder: str | None = None) -> None:
        self.field = field
        self.value = value
        params: dict[str, Any] = {"what": what, "field": field, "value": value}
        if holder is not None:  # who already has it, so the message can say (`error.duplicate.<what>_named`)
            params.update(what=f"{what}_named", holder=holder)
        super().__init__("duplicate", params)

    def _message(self) -> str:
        return f"{self.field}: {english(self.code, self.params)}"

    @property
    def field_errors(self) -> list[FieldError]:
        return [FieldError(self.field, self.code, self.params)]


class DuplicateClientError(DuplicateError):
    def __init__(self, field: str, value: str, holder: str | None = None) -> None:
        super().__init__(field, value, "client", holder)


class DuplicateInvoiceError(DuplicateError):
    def __init__(self, value: str) -> None:
        super().__init__("number", value, "invoice")


class NotFoundError(CRMError):
    """No `what` has the key `key` (it may have been deleted)."""

    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key
        super().__init__("not_found", {"what": what, "key": key})


class StaleEditError(CRMError):
    """Someone else changed the row since the user loaded it."""

    def __init__(self, what: str, key: object, seen: int, current: int | None) -> None:
        self.what = what
        self.key = key
        self.seen_version = seen
        self.current_version = current
        super().__init__("stale_edit", {"what": what, "key": key, "seen": seen, "current": current})


class BusyError(CRMError):
    """Another write held the database for longer than a write waits (SQLite's lock): nothing was written."""

    def __init__(self) -> None:
        super().__init__("busy")
