"""Fuzz the CSV importer (issue 14, "Also"): any bytes, any cells, every kind.

For every generated file the importer either reports (rows rejected, skipped or written) or
refuses the whole file with an ImportFileError; it never raises anything else. When it writes
nothing the database is byte-for-byte unchanged, and whatever it stores loads back into frames.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from crm_core import services
from crm_core.errors import CRMError
from crm_core.io.importing import import_file
from crm_core.io.reading import ImportFileError
from crm_core.store.frames import load_frames
from tests.conftest import database_hash
from tests.io_files import cif

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HEADERS = {
    "clients": ["company_name", "email", "tax_id", "employees", "updated_at", "status"],
    "contacts": ["client_tax_id", "full_name", "email", "last_interaction_at", "is_primary"],
    "invoices": ["number", "client_tax_id", "issue_date", "due_date", "total", "void"],
    "payments": ["invoice_number", "paid_on", "amount", "method"],
    "activities": ["client_tax_id", "kind", "title", "occurred_at", "duration_min", "follow_up_on"],
    "opportunities": ["client_tax_id", "name", "amount", "stage", "closed_at", "won_amount", "created_at"],
}
# Cells near the edges: far dates, odd numbers, invisible and direction characters, formulas, markup.
NASTY_CELLS = st.sampled_from(
    [
        "",
        " ",
        "31/12/9999",
        "01/01/0001",
        "01/01/1500",
        "2024-02-30",
        "29/02/2024",
        "1_000",
        "١٠٠",
        "１００",
        "1.234,56",
        "-0,00",
        "1e400",
        "NaN",
        "sí",
        "x",
        "\u202egnp.exe",
        "\u200e\u200f",
        "\u3164",
        "＝1+1",
        "=1+1",
        "'=1+1",
        "![p](http://h/p.png)",
        "F-1",
        "f-1",
        cif(1),
        "a@x.es",
        "A@X.ES",
        "won",
        "perdida",
        "llamada",
        "\x00",
        "\ud800",
        "10/13/2024",
        "2024-01-01 25:00",
        "99999999999999",
        "-5",
        "transferencia",
    ]
)
CELLS = st.one_of(NASTY_CELLS, st.text(max_size=12))


def _csv_bytes(header: list[str], rows: list[list[str]], sep: str, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding, errors="surrogatepass" if encoding.startswith("utf-16") else "replace")


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """One client (tax id cif(1)), one invoice F-1 of 100 with a payment of 60."""
    client = services.create_client(engine, {"company_name": "Acme", "email": "a@x.es", "tax_id": cif(1)})
    invoice = services.record_invoice(
        engine, {"client_id": client.client_id, "number": "F-1", "issue_date": date(2024, 1, 1), "total": "100"}
    )
    services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": date(2024, 1, 10), "amount": "60"})
    return engine


@FUZZ
@given(
    kind=st.sampled_from(sorted(HEADERS)),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=8), min_size=0, max_size=6),
    sep=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]),
    update=st.booleans(),
    valid_only=st.booleans(),
)
def test_the_importer_reports_or_refuses_and_never_half_writes(
    seeded: Engine, kind: str, rows: list[list[str]], sep: str, encoding: str, update: bool, valid_only: bool
) -> None:
    engine = seeded
    header = HEADERS[kind]
    data = _csv_bytes(header, [(r + [""] * len(header))[: len(header)] for r in rows], sep, encoding)
    before = database_hash(engine)
    try:
        report = import_file(engine, kind, data, update=update, valid_only=valid_only)
    except ImportFileError:
        assert database_hash(engine) == before
        return
    except CRMError as exc:  # a conflict or busy database: nothing written, a message
        assert exc.message
        assert database_hash(engine) == before
        return
    if not report.committed:
        assert database_hash(engine) == before
    for problem in report.problems:
        assert problem.message and "Traceback" not in problem.message
    load_frames(engine)  # whatever was stored loads back (no far date, no unreadable value)


@FUZZ
@given(data=st.binary(max_size=300), kind=st.sampled_from(sorted(HEADERS)))
def test_any_bytes_are_read_or_refused_as_a_file(seeded: Engine, data: bytes, kind: str) -> None:
    before = database_hash(seeded)
    try:
        report = import_file(seeded, kind, data, dry_run=True)
    except ImportFileError as exc:
        assert exc.message
    else:
        assert not report.committed
    assert database_hash(seeded) == before
