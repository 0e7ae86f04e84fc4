"""Issue 14, item 9: strict types at the service boundary and in CSV cells.

`True` is not invoice 1, `"1"` is not version 1 or client 1, `12.0` is not 12 employees, and
`1_000` or Arabic-Indic digits in a CSV cell are not numbers. Each refusal names the field, and
the database is byte-for-byte unchanged.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from crm_core import services
from crm_core.errors import ValidationError
from crm_core.io.importing import import_clients, import_invoices, import_payments
from tests.conftest import database_hash
from tests.factories import make_client, make_invoice, make_opportunity
from tests.io_files import cif, write_csv


def _refused(engine: Engine, call: Any, field: str) -> ValidationError:
    before = database_hash(engine)
    with pytest.raises(ValidationError) as exc:
        call()
    assert exc.value.fields == [field], exc.value.message
    assert database_hash(engine) == before
    return exc.value


def test_a_bool_is_not_an_invoice_id(engine: Engine) -> None:
    client = make_client(engine)
    make_invoice(engine, client.client_id, number="F-1", issue_date="2024-01-01", total="100")
    _refused(
        engine,
        lambda: services.record_payment(engine, {"invoice_id": True, "paid_on": date(2024, 2, 1), "amount": "10"}),
        "invoice_id",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("employees", True),
        ("employees", 12.0),
        ("employees", "12"),
        ("payment_terms_days", False),
    ],
)
def test_client_numbers_are_whole_numbers_not_bools_or_text(engine: Engine, field: str, value: Any) -> None:
    _refused(engine, lambda: services.create_client(engine, {"company_name": "Acme", "email": "a@acme.es", field: value}), field)


@pytest.mark.parametrize(("field", "value"), [("void", 1), ("void", "yes"), ("total", True), ("issue_date", 0)])
def test_invoice_flags_amounts_and_dates_are_strict(engine: Engine, field: str, value: Any) -> None:
    client = make_client(engine)
    payload = {"client_id": client.client_id, "number": "F-9", "issue_date": date(2024, 1, 1), "total": "100"}
    _refused(engine, lambda: services.record_invoice(engine, payload | {field: value}), field)


def test_a_text_version_is_not_reported_as_a_stale_edit(engine: Engine) -> None:
    client = make_client(engine)
    error = _refused(
        engine,
        lambda: services.update_client(engine, client.client_id, {"city": "Soria"}, expected_version="1"),
        "expected_version",
    )
    assert "must be a whole number, got '1'" in error.message
    opp = make_opportunity(engine, client.client_id)
    _refused(
        engine,
        lambda: services.move_opportunity(engine, opp.opportunity_id, "contacted", expected_version=True),
        "expected_version",
    )


def test_a_text_client_id_is_not_reported_as_missing(engine: Engine) -> None:
    make_client(engine)
    error = _refused(engine, lambda: services.delete_client(engine, "1"), "client_id")
    assert "does not exist" not in error.message
    _refused(engine, lambda: services.get_client(engine, True), "client_id")


@pytest.mark.parametrize("cell", ["1_000", "١٠٠", "１００"])
def test_csv_numbers_are_ascii_digits(engine: Engine, tmp_path: Path, cell: str) -> None:
    before = database_hash(engine)
    clients = write_csv(
        tmp_path / "c.csv",
        [
            ["company_name", "email", "employees"],
            ["Acme", "a@acme.es", cell],
        ],
    )
    report = import_clients(engine, clients)
    assert [(p.column, p.message) for p in report.problems] == [("employees", f"must be a whole number, got {cell!r}")]
    make_client(engine, tax_id=cif(5))
    before = database_hash(engine)
    invoices = write_csv(
        tmp_path / "f.csv",
        [
            ["number", "client_tax_id", "issue_date", "total"],
            ["F-1", cif(5), "01/01/2024", cell],
        ],
    )
    report = import_invoices(engine, invoices)
    assert [(p.column, p.message) for p in report.problems] == [("total", f"must be a number, got {cell!r}")]
    payments = write_csv(
        tmp_path / "p.csv",
        [
            ["invoice_id", "paid_on", "amount"],
            [cell, "01/02/2024", "10"],
        ],
    )
    report = import_payments(engine, payments)
    assert [(p.column, p.message) for p in report.problems] == [("invoice_id", f"must be a whole number, got {cell!r}")]
    assert database_hash(engine) == before


def test_csv_dates_are_ascii_digits(engine: Engine, tmp_path: Path) -> None:
    make_client(engine, tax_id=cif(5))
    before = database_hash(engine)
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["number", "client_tax_id", "issue_date", "total"],
            ["F-1", cif(5), "٠١/٠١/٢٠٢٤", "10"],
        ],
    )
    report = import_invoices(engine, path)
    assert report.problems[0].column == "issue_date" and "is not a valid date" in report.problems[0].message
    assert database_hash(engine) == before
