"""Domain errors carry a code, params and the field they name; pydantic's errors become those codes."""

from __future__ import annotations

import ast
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crm_core.errors import (
    CodedValueError,
    CRMError,
    DuplicateClientError,
    DuplicateInvoiceError,
    FieldError,
    NotFoundError,
    Problem,
    StaleEditError,
    ValidationError,
)
from crm_core.i18n import MESSAGES
from crm_core.schemas import (
    ActivityCreate,
    ClientCreate,
    ClientUpdate,
    InvoiceCreate,
    OpportunityCreate,
    PaymentCreate,
    StageMove,
    parse,
)
from crm_core.tax_ids import normalise_tax_id

ROOT = Path(__file__).resolve().parent.parent
CLIENT = {"company_name": "Talleres Norte", "email": "info@talleres.es"}


def _errors(model: type, payload: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    with pytest.raises(ValidationError) as err:
        parse(model, payload)
    return [(e.field, e.code, e.params) for e in err.value.errors]


@pytest.mark.parametrize(
    ("model", "payload", "expected"),
    [
        (ClientCreate, {"email": "a@b.es"}, ("company_name", "required", {})),
        (ClientCreate, {**CLIENT, "company_name": "   "}, ("company_name", "required", {})),
        (ClientCreate, {**CLIENT, "company_name": "x" * 201}, ("company_name", "too_long", {"max_length": 200})),
        (ClientCreate, {**CLIENT, "employees": -1}, ("employees", "min", {"limit": 0})),
        (ClientCreate, {**CLIENT, "payment_terms_days": 400}, ("payment_terms_days", "max", {"limit": 365})),
        (ClientCreate, {**CLIENT, "employees": "many"}, ("employees", "whole_number", {"value": "many"})),
        (ClientCreate, {**CLIENT, "colour": "red"}, ("colour", "unknown_field", {})),
        (
            ClientCreate,
            {**CLIENT, "status": "zombie"},
            ("status", "unknown_value", {"value": "zombie", "one_of": ["prospect", "active", "dormant", "lost", "vip"]}),
        ),
        (ClientCreate, {**CLIENT, "tax_id": "B12345675"}, ("tax_id", "tax_id_check_digit", {"value": "B12345675"})),
        (ClientCreate, {**CLIENT, "tax_id": "B123"}, ("tax_id", "tax_id_length", {"value": "B123"})),
        (ClientCreate, {**CLIENT, "phone": "call me"}, ("phone", "phone", {})),
        (ClientCreate, {**CLIENT, "website": "not a site"}, ("website", "url", {})),
        (ClientCreate, {**CLIENT, "company_name": "Acme\x00"}, ("company_name", "nul", {})),
        (ClientUpdate, {"email": None}, ("email", "cannot_empty", {})),
        (
            InvoiceCreate,
            {"client_id": 1, "number": "F-1", "issue_date": "2024-01-10", "total": "abc"},
            ("total", "number", {"value": "abc"}),
        ),
        (
            InvoiceCreate,
            {"client_id": 1, "number": "F-1", "issue_date": "10/01/2024", "total": "5"},
            ("issue_date", "date", {"value": "10/01/2024"}),
        ),
        (
            InvoiceCreate,
            {"client_id": 1, "number": "F-1", "issue_date": "1500-01-10", "total": "5"},
            ("issue_date", "year_range", {"first": 1900, "last": 2199}),
        ),
        (InvoiceCreate, {"client_id": 1, "number": "F-1", "issue_date": "2024-01-10", "total": "5.001"}, ("total", "cents", {})),
        (
            InvoiceCreate,
            {"client_id": 1, "number": "F-1", "issue_date": "2024-01-10", "total": "-5"},
            ("total", "negative_total", {}),
        ),
        (
            InvoiceCreate,
            {"client_id": 1, "number": "F-1", "issue_date": "2024-01-10", "due_date": "2024-01-01", "total": "5"},
            ("due_date", "due_before_issue", {}),
        ),
        (PaymentCreate, {"invoice_id": 1, "paid_on": "2024-01-10", "amount": "0"}, ("amount", "greater_than", {"limit": 0})),
        (
            OpportunityCreate,
            {"client_id": 1, "name": "Deal", "amount": "10", "stage": "won", "closed_at": "2024-01-01"},
            ("won_amount", "required_for_stage", {"stage": "won"}),
        ),
        (
            OpportunityCreate,
            {"client_id": 1, "name": "Deal", "amount": "10", "lost_reason": "Price"},
            ("lost_reason", "only_when_closed", {}),
        ),
        (StageMove, {"stage": "won"}, ("stage", "use_close", {})),
        (
            ActivityCreate,
            {"client_id": 1, "kind": "call", "title": "Call", "occurred_at": "2024-03-05T10:00", "follow_up_on": "2024-03-01"},
            ("follow_up_on", "follow_up_before", {}),
        ),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_a_pydantic_error_becomes_a_code_on_its_field(
    model: type, payload: dict[str, Any], expected: tuple[str, str, dict[str, Any]]
) -> None:
    assert _errors(model, payload) == [expected]


def test_the_english_message_is_the_catalogue_sentence() -> None:
    with pytest.raises(ValidationError) as err:
        parse(ClientCreate, {**CLIENT, "employees": -1, "payment_terms_days": 400})
    assert [e.message for e in err.value.errors] == ["must be 0 or more", "must be 365 or less"]
    assert str(err.value) == "employees: must be 0 or more; payment_terms_days: must be 365 or less"
    assert err.value.fields == ["employees", "payment_terms_days"]
    assert err.value.to_dict() == {
        "code": "invalid_input",
        "params": {"count": 2},
        "message": str(err.value),
        "errors": [
            {"field": "employees", "code": "min", "params": {"limit": 0}, "message": "must be 0 or more"},
            {"field": "payment_terms_days", "code": "max", "params": {"limit": 365}, "message": "must be 365 or less"},
        ],
    }


def test_a_mapping_is_required() -> None:
    with pytest.raises(ValidationError) as err:
        parse(ClientCreate, ["not", "a", "dict"])  # type: ignore[arg-type]
    assert err.value.errors == [FieldError("input", "mapping", {"type": "list"})]
    assert err.value.errors[0].message == "expected a mapping of fields, got list"


def test_a_tax_id_error_is_a_value_error_with_a_code() -> None:
    with pytest.raises(ValueError, match="check digit") as err:
        normalise_tax_id("B12345675")
    assert isinstance(err.value, CodedValueError)
    assert (err.value.code, err.value.params) == ("tax_id_check_digit", {"value": "B12345675"})


def test_each_error_class_has_its_code_params_and_message() -> None:
    missing = NotFoundError("client", 42)
    assert (missing.code, missing.params) == ("not_found", {"what": "client", "key": 42})
    assert missing.message == "client 42 does not exist (it may have been deleted)"
    stale = StaleEditError("opportunity", 7, 2, 3)
    assert (stale.code, stale.params) == ("stale_edit", {"what": "opportunity", "key": 7, "seen": 2, "current": 3})
    assert "changed by someone else" in stale.message and "version 2" in stale.message
    taken = DuplicateClientError("email", "a@b.es")
    assert (taken.code, taken.field, taken.params) == (
        "duplicate",
        "email",
        {"what": "client", "field": "email", "value": "a@b.es"},
    )
    assert taken.message == "email: another client already has 'a@b.es'"
    assert taken.field_errors == [FieldError("email", "duplicate", taken.params)]
    number = DuplicateInvoiceError("F-1")
    assert number.message == "number: another invoice already has 'F-1'"
    plain = CRMError("no_invoice_before", {"as_of": date(2024, 1, 31)})
    assert plain.message == "no invoice on or before 2024-01-31: nothing to forecast from"
    assert plain.to_dict() == {"code": "no_invoice_before", "params": {"as_of": "2024-01-31"}, "message": plain.message}
    assert plain.field_errors == []


def test_params_are_json_ready_in_to_dict() -> None:
    error = FieldError("amount", "overpay", {"amount": Decimal("40.01"), "number": "F-1", "remaining": Decimal("40.00")})
    assert error.to_dict() == {
        "field": "amount",
        "code": "overpay",
        "params": {"amount": "40.01", "number": "F-1", "remaining": "40.00"},
        "message": "40.01 would overpay invoice F-1: only 40.00 is still owed",
    }
    assert Problem("empty_file").to_dict() == {"code": "empty_file", "params": {}, "message": "the file is empty"}
    with pytest.raises(ValidationError) as err:
        parse(OpportunityCreate, {"client_id": 1, "name": "Deal", "amount": "-1", "expected_close": "1800-01-01"})
    assert json.loads(json.dumps(err.value.to_dict()))["errors"] == [
        {"field": "amount", "code": "min", "params": {"limit": 0}, "message": "must be 0 or more"},
        {
            "field": "expected_close",
            "code": "year_range",
            "params": {"first": 1900, "last": 2199},
            "message": "must be between 1900 and 2199",
        },
    ]


# Constructors that take a code, and the position of the code among their arguments.
_CODE_ARGUMENT = {
    "FieldError": 1,
    "on": 1,
    "CodedValueError": 0,
    "Problem": 0,
    "CRMError": 0,
    "ImportFileError": 0,
    "ImportConflictError": 0,
    "RowProblem": 3,
    "SkippedRow": 1,
}


def _codes_in_source() -> set[str]:
    """Every literal code the package passes to an error constructor (read from its source)."""
    codes: set[str] = set()
    for path in [*(ROOT / "crm_core").rglob("*.py"), *(ROOT / "pages").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "__init__" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
                name = "CRMError"  # super().__init__("not_found", ...)
            index = _CODE_ARGUMENT.get(name)
            if index is not None and len(node.args) > index:
                argument = node.args[index]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    codes.add(argument.value)
    return codes


def test_every_code_raised_has_a_catalogue_sentence() -> None:
    codes = _codes_in_source()
    assert {
        "required",
        "not_found",
        "stale_edit",
        "duplicate",
        "overpay",
        "empty_file",
        "client_exists",
        "tax_id_check_digit",
        "invalid_input",
        "too_many_cells",
    } <= codes
    keys = {key.removeprefix("error.") for key in MESSAGES if key.startswith("error.")}
    roots = {key.split(".")[0].removesuffix("_one") for key in keys}
    assert sorted(codes - roots) == []
    # pydantic's own error types are said with catalogue codes too
    from crm_core.schemas import _PYDANTIC_CODES

    assert sorted(set(_PYDANTIC_CODES.values()) - roots) == []
