"""PDF statement and claim letter: they open, hold both tax ids, the legal basis, page numbers, in either language."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pypdf
import pytest

from crm_core.analytics.late_rates import load_late_rates
from crm_core.analytics.receivables import client_statement, late_payment_claims
from crm_core.io import letters
from crm_core.io.letters import (
    Party,
    claim_letter_pdf,
    recipient_of,
    sender_from_env,
    statement_pdf,
)
from tests.frames_builder import d, table

SENDER = Party("Mi Empresa S.L.", "B12345678", "Calle Mayor 1, Madrid")
CLIENT = Party("Ñandú Distribución S.A.", "A87654321", "Av. Diagonal 2, Barcelona")


@pytest.fixture(autouse=True)
def shipped_rates_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_LATE_RATES", raising=False)
    monkeypatch.delenv("CRM_PDF_FONT", raising=False)


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())  # justified lines come out with doubled spaces


def frames(rows: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    invoices = table(
        "invoices",
        [
            {
                "invoice_id": i,
                "client_id": 1,
                "number": f"F-{i}",
                "issue_date": d("2025-05-10"),
                "due_date": d("2025-06-09"),
                "total": 1000.00,
            }
            for i in range(1, rows + 1)
        ],
    )
    return invoices, table("payments", [])


def test_claim_letter_in_spanish_holds_tax_ids_figures_and_legal_basis() -> None:
    invoices, payments = frames()
    rates = load_late_rates()
    claims = late_payment_claims(invoices, payments, d("2025-08-31"), rates)
    pages, text = text_of(claim_letter_pdf(claims, SENDER, CLIENT, d("2025-08-31"), "es", rates))
    assert pages == 1
    assert "A87654321" in text and "B12345678" in text
    assert "Ñandú Distribución S.A." in text
    assert "Ley 3/2004" in text
    for article in ("Artículo 5", "Artículo 7", "Artículo 8"):
        assert article in text
    assert "23,66 €" in text and "63,66 €" in text
    assert "Página 1 de 1" in text
    assert "31/08/2025" in text
    assert "2025-H1 11,15 %; 2025-H2 10,15 %" in text


def test_claim_letter_in_english_over_several_pages_numbers_them() -> None:
    invoices, payments = frames(rows=60)
    rates = load_late_rates()
    claims = late_payment_claims(invoices, payments, d("2025-08-31"), rates)
    pages, text = text_of(claim_letter_pdf(claims, SENDER, CLIENT, d("2025-08-31"), "en", rates))
    assert pages >= 2
    assert f"Page {pages} of {pages}" in text and f"Page 1 of {pages}" in text
    assert "Article 8 of Ley 3/2004" in text
    assert "€1,419.60" in text  # 60 x 23.66 interest
    assert "A87654321" in text


def test_provisional_claim_letter_names_the_missing_half_year_and_the_file() -> None:
    invoices, payments = frames()
    rates = load_late_rates()
    claims = late_payment_claims(invoices, payments, d("2026-07-10"), rates)
    _, text = text_of(claim_letter_pdf(claims, SENDER, CLIENT, d("2026-07-10"), "en", rates))
    assert "no rate for 2026-H2" in text
    assert "late_payment_rates.csv" in text


def test_statement_pdf_holds_the_lines_and_closing_balance() -> None:
    invoices, _ = frames()
    payments = table("payments", [{"payment_id": 1, "invoice_id": 1, "paid_on": d("2025-07-01"), "amount": 250.00}])
    statement = client_statement(invoices, payments, 1, d("2025-01-01"), d("2025-12-31"))
    pages, text = text_of(statement_pdf(statement, SENDER, CLIENT, "es", d("2025-12-31")))
    assert pages == 1
    assert "A87654321" in text
    assert "Extracto de cuenta" in text
    assert "Saldo final (pendiente de cobro): 750,00 €" in text
    assert "Página 1 de 1" in text


def test_without_a_unicode_font_core_helvetica_writes_eur(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(letters, "unicode_font", lambda: None)
    invoices, payments = frames()
    rates = load_late_rates()
    claims = late_payment_claims(invoices, payments, d("2025-08-31"), rates)
    _, text = text_of(claim_letter_pdf(claims, SENDER, CLIENT, d("2025-08-31"), "es", rates))
    assert "23,66 EUR" in text
    assert "Ñandú" in text and "Artículo 7" in text  # accents are Latin-1


def test_sender_from_env_and_recipient_of_a_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_COMPANY_NAME", "Acme S.L.")
    monkeypatch.setenv("CRM_COMPANY_TAX_ID", "B11111111")
    assert sender_from_env() == Party("Acme S.L.", "B11111111", "")
    client = pd.Series({"company_name": "Beta", "tax_id": None, "address": "Calle 1", "city": "Vigo"})
    assert recipient_of(client) == Party("Beta", "", "Calle 1, Vigo")


def test_issue_date_defaults_to_as_of() -> None:
    invoices, payments = frames()
    rates = load_late_rates()
    claims = late_payment_claims(invoices, payments, date(2025, 8, 31), rates)
    _, text = text_of(claim_letter_pdf(claims, SENDER, CLIENT, date(2025, 8, 31), "en", rates))
    assert "Date: 31 Aug 2025" in text
