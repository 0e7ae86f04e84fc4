"""Claims and statement CSV: headers in the language, numbers as numbers, BOM, formulas neutralised, provisional note."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from crm_core.analytics.late_rates import load_late_rates
from crm_core.analytics.receivables import client_statement, late_payment_claims
from crm_core.io.receivables import claims_csv, claims_export, file_name, statement_csv
from tests.frames_builder import d, table


@pytest.fixture(autouse=True)
def shipped_rates_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_LATE_RATES", raising=False)


def data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    clients = table(
        "clients",
        [
            {"client_id": 1, "company_name": '=HYPERLINK("x")', "tax_id": "B12345678"},
            {"client_id": 2, "company_name": "Ñandú S.L.", "tax_id": "A87654321"},
        ],
    )
    invoices = table(
        "invoices",
        [
            {
                "invoice_id": 1,
                "client_id": 1,
                "number": "F-1",
                "issue_date": d("2025-05-10"),
                "due_date": d("2025-06-09"),
                "total": 1000.00,
            },
            {
                "invoice_id": 2,
                "client_id": 2,
                "number": "F-2",
                "issue_date": d("2026-05-21"),
                "due_date": d("2026-06-20"),
                "total": 1000.00,
            },
        ],
    )
    payments = table("payments", [{"payment_id": 1, "invoice_id": 1, "paid_on": d("2025-08-31"), "amount": 1000.00}])
    return clients, invoices, payments


def test_claims_csv_in_spanish_with_decimal_comma_and_provisional_note() -> None:
    clients, invoices, payments = data()
    rates = load_late_rates()
    claims = late_payment_claims(invoices, payments, d("2026-07-10"), rates)
    raw = claims_csv(claims, clients, "es", rates.where_to_add, sep=";")
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig", dtype={"NIF": str})
    assert list(frame.columns[:4]) == ["Id cliente", "Empresa", "CIF/NIF", "Número"]
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["Empresa"] == '\'=HYPERLINK("x")'  # neutralised
    assert first["Intereses"] == 23.66  # the worked example, paid in full on 2025-08-31
    assert first["Indemnización (40 €)"] == 40.0
    assert first["Reclamable"] == 63.66
    assert first["Vencimiento"] == "09/06/2025"
    assert first["Provisional"] == "no"
    assert second["Provisional"] == "sí"
    assert "2026-H2" in second["Semestre sin tipo"] and rates.where_to_add in second["Semestre sin tipo"]
    # 20 days at 10.15 % on 1,000 (10 of them provisional) = 5.5616 -> 5.56
    assert second["Intereses"] == 5.56


def test_claims_export_in_english_keeps_numbers() -> None:
    clients, invoices, payments = data()
    rates = load_late_rates()
    frame = claims_export(late_payment_claims(invoices, payments, d("2025-08-31"), rates), clients, "en", rates.where_to_add)
    assert list(frame["Claimable"]) == [63.66]
    assert list(frame["Tax id (CIF/NIF)"]) == ["B12345678"]


def test_statement_csv_has_opening_lines_and_closing() -> None:
    _, invoices, payments = data()
    statement = client_statement(invoices, payments, 1, d("2025-01-01"), d("2025-12-31"))
    raw = statement_csv(statement, "en")
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert list(frame["Type"]) == ["Opening balance", "Invoice", "Payment", "Closing balance (outstanding)"]
    assert list(frame["Balance"]) == [0.0, 1000.0, 0.0, 0.0]
    assert frame["Debit"].iloc[-1] == 1000.0 and frame["Credit"].iloc[-1] == 1000.0
    assert list(frame["Date"]) == ["2025-01-01", "2025-05-10", "2025-08-31", "2025-12-31"]


def test_file_names_by_language() -> None:
    assert file_name("claims.file_stem", 12, date(2026, 11, 25), "es", "csv") == "reclamacion-morosidad-12-2026-11-25.csv"
    assert file_name("claims.file_stem", None, date(2026, 11, 25), "en", "csv") == "late-payment-claims-2026-11-25.csv"
