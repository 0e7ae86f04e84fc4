"""Error sentences from the catalogue by code, in English and Spanish, with their params formatted."""

from __future__ import annotations

from decimal import Decimal
from string import Formatter
from typing import Any

import pytest

from crm_core.errors import DuplicateClientError, FieldError, NotFoundError, Problem, StaleEditError, ValidationError
from crm_core.i18n import MESSAGES
from crm_core.i18n.error_text import VARIANT_PARAMS, code_text, error_key, error_lines, error_text
from crm_core.io.reading import ImportFileError
from crm_core.schemas import ClientCreate, parse

ERROR_KEYS = sorted(key for key in MESSAGES if key.startswith("error."))
SAMPLE: dict[str, Any] = {
    "count": 2,
    "limit": 5,
    "max_length": 300,
    "first": 1900,
    "last": 2199,
    "line": 4,
    "amount": Decimal("40.01"),
    "remaining": Decimal("40.00"),
    "field": "tax_id",
    "columns": ["a", "b"],
    "any_of": ["x", "y"],
    "one_of": ["p", "q"],
    "kind": "call",
}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def _code_and_params(key: str) -> tuple[str, dict[str, Any]]:
    """The code a catalogue key says, with sample params that select that very key."""
    code, _, variant = key.removeprefix("error.").partition(".")
    params = {name: SAMPLE.get(name, f"<{name}>") for name in _placeholders(MESSAGES[key][0])}
    if key.endswith("_one"):
        code, variant = code.removesuffix("_one"), variant.removesuffix("_one")
        params["count"] = 1
    if variant:  # `error.<code>.<value of what or by>`
        return code, next(
            ({**params, name: variant} for name in VARIANT_PARAMS if error_key(code, {**params, name: variant}) == key), params
        )
    return code, params


@pytest.mark.parametrize("key", ERROR_KEYS)
def test_every_error_code_renders_in_english_and_spanish(key: str) -> None:
    english, spanish = MESSAGES[key]
    assert _placeholders(spanish) == _placeholders(english), "both languages take the same params"
    code, params = _code_and_params(key)
    assert error_key(code, params) == key
    en, es = code_text(code, params, "en"), code_text(code, params, "es")
    assert en and es and en != es
    for text in (en, es, code_text(code, params, "en", plain=True)):
        assert "{" not in text and not text.startswith(code + " (")  # filled in, not the fallback


def test_variants_by_what_and_by_and_one() -> None:
    assert code_text("not_found", {"what": "invoice", "key": 3}, "es") == "la factura 3 no existe (puede que se haya borrado)"
    assert code_text("not_found", {"what": "widget", "key": 3}, "en") == "widget 3 does not exist (it may have been deleted)"
    assert code_text("client_exists", {"id": 7, "by": "email", "value": "a@b.es"}, "es") == (
        "el cliente 7 con email a@b.es ya existe"
    )
    one = {"columns": ["x"], "count": 1, "file_kind": "clients", "fields": ["company_name", "email"]}
    assert code_text("unknown_columns", one, "en", plain=True).startswith("unknown column 'x' (a clients file")
    assert code_text("unknown_columns", {**one, "columns": ["x", "y"], "count": 2}, "en", plain=True).startswith(
        "unknown columns 'x', 'y' (a clients file"
    )


def test_a_page_formats_params_in_its_language_and_the_message_keeps_them_plain() -> None:
    params = {"amount": Decimal("1234.50"), "number": "F-1", "remaining": Decimal("40.00")}
    assert code_text("overpay", params, "en", plain=True) == "1234.50 would overpay invoice F-1: only 40.00 is still owed"
    assert code_text("overpay", params, "es") == (
        "1.234,50 € supera lo pendiente de la factura F-1: solo quedan 40,00 € por cobrar"
    )
    same = {"first": "a", "second": "b", "field": "email"}
    assert code_text("same_field", same, "es") == "las columnas 'a' y 'b' contienen ambas Email"
    assert code_text("unknown_value", {"value": "x", "one_of": ["a", "b", "c"]}, "es") == (
        "valor desconocido 'x'; se esperaba 'a', 'b' o 'c'"
    )
    assert code_text("activity_recorded", {"kind": "call", "title": "Kick-off", "when": "2026-01-02 10:00"}, "es") == (
        "llamada 'Kick-off' del 2026-01-02 10:00 ya está registrada en este cliente"
    )


def test_an_unknown_code_or_missing_param_shows_the_code_never_a_crash() -> None:
    assert code_text("brand_new", {"n": 1}, "es") == "brand_new (n=1)"
    assert code_text("min", {}, "es") == "min"  # {limit} missing


def test_error_lines_name_each_field_by_its_label() -> None:
    with pytest.raises(ValidationError) as err:
        parse(ClientCreate, {"company_name": "", "email": "a@b.es", "payment_terms_days": 400})
    assert error_lines(err.value, "es") == ["Empresa: es obligatorio", "Plazo de pago (días): debe ser 365 o menos"]
    assert error_lines(err.value, "en") == ["Company: is required", "Payment terms (days): must be 365 or less"]
    assert error_text(FieldError("title", "required"), "es") == "Título: es obligatorio"
    assert error_text(FieldError("whatever", "required"), "es") == "whatever: es obligatorio"  # no label: its name
    assert error_text(DuplicateClientError("email", "a@b.es"), "es") == "Email: otro cliente ya tiene 'a@b.es'"


def test_errors_naming_no_field_say_their_sentence() -> None:
    assert error_text(NotFoundError("client", 42), "es") == "el cliente 42 no existe (puede que se haya borrado)"
    assert error_text(NotFoundError("client", 42), "en") == "client 42 does not exist (it may have been deleted)"
    assert error_text(StaleEditError("client", 1, 2, 3), "es").startswith("otra persona ha modificado el cliente 1")
    assert code_text(
        "unknown_columns", {"columns": ["x"], "count": 1, "file_kind": "invoices", "fields": ["number"]}, "es"
    ).startswith("columna desconocida 'x' (un fichero de facturas puede tener: number;")
    header = ImportFileError(
        [
            Problem("missing_column", {"any_of": ["number"]}),
            Problem("same_field", {"first": "a", "second": "b", "field": "email"}),
        ]
    )
    assert header.message == "a required column is missing: number; columns 'a' and 'b' both hold email"
    assert error_lines(header, "es") == ["falta una columna obligatoria: number", "las columnas 'a' y 'b' contienen ambas Email"]
    assert error_text(header, "es") == "falta una columna obligatoria: number; las columnas 'a' y 'b' contienen ambas Email"
