"""CSV export: the importer's format, neutralised cells, and export -> import round trips."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from crm_core import services
from crm_core.db import get_engine
from crm_core.io.exporting import EXPORT_COLUMNS, export_frame, export_table, to_csv_bytes
from crm_core.io.headers import KINDS
from crm_core.io.importing import import_file
from crm_core.io.reading import read_csv
from tests.conftest import TABLES_IN_DELETE_ORDER, database_hash, row_counts
from tests.factories import make_client, make_invoice, make_opportunity

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


# ---------------------------------------------------------------- every row the forms allow comes back (issue 14, item 3)


def _fill_twins(engine: Engine) -> None:
    """Rows the forms allow that no content rule tells apart, ids with gaps, and edited versions."""
    gone = make_client(engine, tax_id=None)
    acme = make_client(engine, tax_id="B12345674")
    services.delete_client(engine, gone.client_id)  # ids start at 2: a gap an empty database would close
    services.update_client(engine, acme.client_id, {"phone": "+34 600 111 222"}, expected_version=1)  # version 2
    for _ in range(2):  # two contacts with the same name and no email
        services.add_contact(engine, {"client_id": acme.client_id, "full_name": "Ana Pérez"})
    call = {"client_id": acme.client_id, "kind": "call", "title": "Llamada", "occurred_at": "2026-03-02T10:00:00+01:00"}
    services.log_activity(engine, call)
    services.log_activity(engine, call)  # two identical activities
    first = make_opportunity(engine, acme.client_id, name="Renovación")
    make_opportunity(engine, acme.client_id, name="Renovación")  # two deals of one client with one name
    services.update_opportunity(engine, first.opportunity_id, {"amount": "50000"}, expected_version=1)  # version 2
    invoice = make_invoice(engine, acme.client_id, number="F-7", issue_date="2026-02-01", total="300.00")
    for _ in range(2):  # two equal payments on one day
        services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": "2026-02-10", "amount": "100.00"})


def _empty(engine: Engine) -> None:
    """Every row deleted, ids restarted: an empty database of the same kind."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(TABLES_IN_DELETE_ORDER)} RESTART IDENTITY CASCADE"))
        else:
            for name in TABLES_IN_DELETE_ORDER:
                conn.execute(text(f"DELETE FROM {name}"))


def _round_trip(engine: Engine) -> None:
    """Export every kind, import the files into the emptied database, export again: the same bytes."""
    exports = {kind: export_table(engine, kind) for kind in ORDER}
    _empty(engine)
    for kind in ORDER:
        report = import_file(engine, kind, exports[kind])
        assert report.ok and report.to_skip == 0, (kind, report.problems[:3], report.skipped[:3])
        assert report.to_create == report.rows_read, kind
    for kind in ORDER:
        assert export_table(engine, kind) == exports[kind], kind


def test_rows_the_forms_allow_import_back_unchanged(engine) -> None:
    _fill_twins(engine)
    _round_trip(engine)
    # The ids of the file were kept, and the database numbers new rows after them (PostgreSQL's sequences moved on).
    client = make_client(engine)
    assert client.client_id == 3
    contact = services.add_contact(engine, {"client_id": client.client_id, "full_name": "Luis"})
    assert contact.contact_id == 3
    payment = services.record_payment(engine, {"invoice_id": 1, "paid_on": "2026-02-11", "amount": "100.00"})
    assert payment.payment_id == 3
    assert make_opportunity(engine, client.client_id).opportunity_id == 3


def test_the_demo_imports_back_unchanged(engine) -> None:
    from crm_core.demo import generate_demo

    generate_demo(engine, clients=120, seed=7, as_of=date(2026, 11, 25))  # holds deals of one client with one name
    _round_trip(engine)


def test_an_id_held_by_another_record_is_refused_and_nothing_written(engine) -> None:
    """A file from another database whose ids name other records here: refused naming the row and the id."""
    _fill_twins(engine)
    contacts = export_table(engine, "contacts").decode("utf-8-sig")
    stranger = contacts.replace("Ana Pérez", "Eva Gil", 1)  # contact 1 here is Ana, the file says Eva
    before = database_hash(engine)
    report = import_file(engine, "contacts", stranger.encode())
    assert [(p.line, p.field, p.code, p.params) for p in report.problems] == [
        (2, "contact_id", "id_other_record", {"what": "contact", "id": 1})
    ]
    assert database_hash(engine) == before
    assert "leave the id column out" in report.problems[0].message


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("contacts", "repeated_contact"),
        ("activities", "repeated_activity"),
        ("opportunities", "repeated_opportunity"),
        ("payments", "repeated_payment"),
    ],
)
def test_without_the_id_column_the_duplicate_rules_hold_as_before(engine, kind: str, code: str) -> None:
    """A hand-made file has no id: twins in it are refused as before, and a bare `id` column is another tool's, left out."""
    _fill_twins(engine)
    exports = {name: export_table(engine, name) for name in ORDER}
    hand_made = export_frame(engine, kind).rename(columns={EXPORT_COLUMNS[kind][0]: "id"})
    _empty(engine)
    for earlier in ORDER[: ORDER.index(kind)]:
        assert import_file(engine, earlier, exports[earlier]).ok
    before = database_hash(engine)
    report = import_file(engine, kind, to_csv_bytes(hand_made))
    assert report.mapping["id"] is None
    assert [p.code for p in report.problems] == [code]
    assert database_hash(engine) == before
