"""Issue 14, item 2: `import invoices --update` goes through the payment rules of the services.

A paid invoice cannot be updated to a total below what is paid, voided, turned into a credit
note, or issued after its first payment; each refused row names the rule, and the database is
byte-for-byte unchanged.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from crm_core import services
from crm_core.db import read_session
from crm_core.db.models import Invoice
from crm_core.io.importing import import_invoices
from tests.conftest import database_hash
from tests.factories import make_client, make_invoice
from tests.io_files import write_csv

HEADER = ["numero", "cif", "fecha", "total", "anulada", "abono"]


@pytest.fixture
def paid_invoice(engine: Engine) -> Engine:
    client = make_client(engine, tax_id="B12345674")
    invoice = make_invoice(engine, client.client_id, number="F-1", issue_date="2024-01-01", total="100")
    make_invoice(engine, client.client_id, number="F-2", issue_date="2024-01-01", total="100")
    services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": date(2024, 1, 20), "amount": "100"})
    return engine


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["F-1", "B12345674", "01/01/2024", "10", "no", "no"], "total", "10.00 is below the 100.00 already paid of invoice F-1"),
        (["F-1", "B12345674", "01/01/2024", "100", "sí", "no"], "anulada", "invoice F-1 has 100.00 paid and cannot be voided"),
        (
            ["F-1", "B12345674", "01/01/2024", "-100", "no", "sí"],
            "abono",
            "invoice F-1 has 100.00 paid and cannot become a credit note",
        ),
        (
            ["F-1", "B12345674", "25/01/2024", "100", "no", "no"],
            "fecha",
            "must not be after the first payment of invoice F-1 (2024-01-20)",
        ),
    ],
)
def test_update_of_a_paid_invoice_keeps_the_payment_rules(
    paid_invoice: Engine, tmp_path: Path, row: list[str], column: str, message: str
) -> None:
    engine = paid_invoice
    before = database_hash(engine)
    report = import_invoices(engine, write_csv(tmp_path / "f.csv", [HEADER, row]), update=True)
    assert [(p.line, p.column, p.message) for p in report.problems] == [(2, column, message)]
    assert not report.committed
    assert database_hash(engine) == before


def test_unpaid_invoice_and_allowed_changes_still_update(paid_invoice: Engine, tmp_path: Path) -> None:
    engine = paid_invoice
    path = write_csv(
        tmp_path / "f.csv",
        [
            HEADER,
            ["F-1", "B12345674", "01/01/2024", "150", "no", "no"],  # a higher total is fine
            ["F-2", "B12345674", "01/01/2024", "100", "sí", "no"],  # nothing paid: may be voided
        ],
    )
    report = import_invoices(engine, path, update=True)
    assert report.problems == [] and report.to_update == 2
    with read_session(engine) as session:
        rows = {i.number: i for i in session.scalars(select(Invoice))}
    assert rows["F-1"].total == Decimal("150.00") and rows["F-2"].void is True
