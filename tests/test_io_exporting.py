"""CSV export: the importer's format, neutralised cells, and export -> import round trips."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crm_core import services
from crm_core.db import get_engine
from crm_core.io.exporting import EXPORT_COLUMNS, export_frame, export_table
from crm_core.io.headers import KINDS
from crm_core.io.importing import import_file
from crm_core.io.reading import read_csv
from tests.conftest import row_counts
from tests.factories import make_client, make_invoice

FORMULA = "=cmd|' /C calc'!A0"
# Import order: what a row refers to comes first.
ORDER = ("clients", "contacts", "invoices", "payments", "activities", "opportunities")


def _fill(engine: Engine) -> None:
    """A little of everything, with the awkward values: formulas, accents, a credit note, NULLs."""
    acme = make_client(
        engine,
        tax_id="B12345674",
        company_name=FORMULA,
        phone="+34 600 000 000",
        address="C/ Mayor 1; 2º izq.",
        employees=12,
        status="active",
    )
    beta = make_client(engine, tax_id=None, company_name="Peña Ñandú, S.L.", phone=None, region=None)
    ana = services.add_contact(
        engine,
        {
            "client_id": acme.client_id,
            "full_name": "Ana Pérez",
            "email": "ana@acme.es",
            "is_primary": True,
            "notes": "línea 1\nlínea 2",
        },
    )
    services.add_contact(engine, {"client_id": beta.client_id, "full_name": "-Luis", "role": "@CFO"})
    invoice = make_invoice(engine, acme.client_id, number="F-1", issue_date="2026-01-31", total="1234.50")
    make_invoice(engine, acme.client_id, number="R-1", issue_date="2026-02-01", total="-100.00", credit_note=True)
    make_invoice(engine, beta.client_id, number="F-2", issue_date="2026-02-01", total="99.99", void=True)
    services.record_payment(
        engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-02-10", "amount": "1000.00", "method": "transfer"}
    )
    services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-02-20", "amount": "234.50"})
    services.log_activity(
        engine,
        {
            "client_id": acme.client_id,
            "contact_id": ana.contact_id,
            "kind": "call",
            "title": "Kick-off",
            "occurred_at": "2026-03-29T02:30:00+01:00",
            "duration_min": 30,
            "follow_up_on": "2026-04-02",
        },
    )
    services.log_activity(
        engine,
        {
            "client_id": beta.client_id,
            "kind": "note",
            "title": "+ idea",
            "occurred_at": "2026-10-25T02:30:00+01:00",
            "done": False,
        },
    )
    services.create_opportunity(
        engine,
        {
            "client_id": acme.client_id,
            "contact_id": ana.contact_id,
            "name": "ERP",
            "amount": "45000",
            "stage": "won",
            "won_amount": "44000.5",
            "closed_at": "2026-03-01",
        },
    )
    services.create_opportunity(
        engine,
        {"client_id": beta.client_id, "name": "Web", "amount": "0", "stage": "negotiation", "expected_close": "2026-12-01"},
    )


def test_export_format_and_neutralised_cells(engine) -> None:
    _fill(engine)
    data = export_table(engine, "clients")
    assert data.startswith(b"\xef\xbb\xbf")
    table = read_csv(data)
    assert table.header == EXPORT_COLUMNS["clients"]
    acme = dict(zip(table.header, table.rows[0][1], strict=True))
    assert acme["company_name"] == "'" + FORMULA
    assert acme["phone"] == "+34 600 000 000"  # a phone number is no formula (issue 16)
    assert (acme["tax_id"], acme["employees"], acme["payment_terms_days"]) == ("B12345674", "12", "30")
    invoices = read_csv(export_table(engine, "invoices"))
    credit = dict(zip(invoices.header, invoices.rows[1][1], strict=True))
    assert (credit["number"], credit["total"], credit["credit_note"]) == ("R-1", "-100.00", "true")
    activities = export_frame(engine, "activities")
    # stored in UTC, written in business time with its offset (no DST ambiguity on the way back)
    assert activities.loc[0, "occurred_at"] == "2026-03-29 03:30:00+02:00"
    notes = read_csv(export_table(engine, "activities", separator=";"))
    assert notes.separator == ";"
    assert [cells[EXPORT_COLUMNS["activities"].index("title")] for _, cells in notes.rows] == [
        "Kick-off",
        "Follow-up: Kick-off",
        "'+ idea",
    ]


def test_round_trip_into_an_empty_database(engine, tmp_path: Path) -> None:
    _fill(engine)
    target = get_engine(f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    for kind in ORDER:
        exported = export_table(engine, kind)
        report = import_file(target, kind, exported)
        assert report.ok and report.to_skip == 0, (kind, report.problems, report.skipped)
        assert export_table(target, kind) == exported, kind
    # The audit log is this database's history of writes, not data an export carries: left out.
    before, after = row_counts(engine), row_counts(target)
    before.pop("audit_log"), after.pop("audit_log")
    assert after == before  # stage history too: one row per imported opportunity, as created
    target.dispose()


@pytest.mark.parametrize("separator", [",", ";"])
def test_reimporting_an_export_changes_nothing(engine, separator: str) -> None:
    _fill(engine)
    before = row_counts(engine)
    exports = {kind: export_table(engine, kind, separator=separator) for kind in KINDS}
    for kind in ORDER:
        report = import_file(engine, kind, exports[kind], update=True)
        assert report.ok, (kind, report.problems)
        assert (report.to_create, report.to_update, report.committed) == (0, 0, False), kind
        assert report.to_skip == report.rows_read
    assert row_counts(engine) == before
    assert {kind: export_table(engine, kind, separator=separator) for kind in KINDS} == exports


def test_money_stays_exact(engine) -> None:
    client = make_client(engine)
    make_invoice(engine, client.client_id, number="F-9", total="0.10")
    frame = export_frame(engine, "invoices")
    assert frame.loc[0, "total"] == Decimal("0.10")
    assert b",0.10," in export_table(engine, "invoices")
