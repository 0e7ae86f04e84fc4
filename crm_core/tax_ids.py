"""Spanish tax identifiers (CIF, NIF/DNI, NIE), checked and normalised with python-stdnum."""

from __future__ import annotations

from stdnum.es import nif
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)


def normalise_tax_id(value: str) -> str:
    """The compact, upper-case form of a valid CIF/NIF/NIE (`b-12345674` -> `B12345674`).

    Raises ValueError with a user-facing reason when the id is not valid.
    """
    raw = value.strip()
    try:
        return nif.validate(raw)
    except InvalidChecksum:
        raise ValueError(f"{raw!r} is not a valid Spanish tax id: its check digit is wrong") from None
    except InvalidLength:
        raise ValueError(
            f"{raw!r} is not a valid Spanish tax id: a CIF, NIF or NIE has 9 characters"
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise ValueError(
            f"{raw!r} is not a valid Spanish tax id (expected a CIF like B12345674, "
            "a NIF like 12345678Z or a NIE like X1234567L)"
        ) from None
    except ValidationError as exc:
        raise ValueError(f"{raw!r} is not a valid Spanish tax id: {exc}") from None
