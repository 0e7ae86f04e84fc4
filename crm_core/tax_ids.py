"""Spanish tax identifiers (CIF, NIF/DNI, NIE), checked and normalised with python-stdnum."""

from __future__ import annotations

from stdnum.es import nif
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from crm_core.errors import CodedValueError


def normalise_tax_id(value: str) -> str:
    """The compact, upper-case form of a valid CIF/NIF/NIE (`b-12345674` -> `B12345674`).

    Raises CodedValueError (a ValueError) with code `tax_id_check_digit`, `tax_id_length` or
    `tax_id` when the id is not valid.
    """
    raw = value.strip()
    try:
        return nif.validate(raw)
    except InvalidChecksum:
        raise CodedValueError("tax_id_check_digit", {"value": raw}) from None
    except InvalidLength:
        raise CodedValueError("tax_id_length", {"value": raw}) from None
    except ValidationError:  # a bad format or component, or any other reason stdnum gives
        raise CodedValueError("tax_id", {"value": raw}) from None
