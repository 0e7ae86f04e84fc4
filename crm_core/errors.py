"""Domain errors: every one carries a message fit to show a user as it is."""

from __future__ import annotations

from dataclasses import dataclass


class CRMError(Exception):
    """Base of every error the services raise on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationError(CRMError):
    """Bad input; `errors` names each field and what is wrong with it."""

    def __init__(self, errors: list[FieldError] | FieldError | str, field: str | None = None) -> None:
        if isinstance(errors, str):
            errors = [FieldError(field or "input", errors)]
        elif isinstance(errors, FieldError):
            errors = [errors]
        self.errors: list[FieldError] = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @property
    def fields(self) -> list[str]:
        return [e.field for e in self.errors]


class DuplicateError(CRMError):
    """A unique value (email, tax id, invoice number) is already taken."""

    def __init__(self, field: str, value: str, what: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field}: another {what} already has {field} {value!r}")


class DuplicateClientError(DuplicateError):
    def __init__(self, field: str, value: str) -> None:
        super().__init__(field, value, "client")


class DuplicateInvoiceError(DuplicateError):
    def __init__(self, value: str) -> None:
        super().__init__("number", value, "invoice")


class NotFoundError(CRMError):
    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key
        super().__init__(f"{what} {key} does not exist (it may have been deleted)")


class StaleEditError(CRMError):
    """Someone else changed the row since the user loaded it."""

    def __init__(self, what: str, key: object, seen: int, current: int | None) -> None:
        self.what = what
        self.key = key
        self.seen_version = seen
        self.current_version = current
        super().__init__(
            f"{what} {key} was changed by someone else since you opened it "
            f"(you edited version {seen}, it is now at version {current}); "
            "reload to see the current values and apply your change again"
        )


class BusyError(CRMError):
    """Another write held the database for longer than a write waits (SQLite's lock): nothing was written."""

    def __init__(self) -> None:
        super().__init__("the database is busy with another write (an import?); nothing was saved: try again in a moment")
