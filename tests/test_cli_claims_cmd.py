"""`python -m crm_core claims`: the claims CSV, a client's PDF letter, provisional warnings and clear errors."""

from __future__ import annotations

import io

import pandas as pd
import pypdf
import pytest

from crm_core import services
from crm_core.cli import main
from tests.factories import make_client, make_invoice


@pytest.fixture(autouse=True)
def shipped_rates_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_LATE_RATES", raising=False)


@pytest.fixture
def ledger(sqlite_engine):
    client = make_client(sqlite_engine, tax_id="B12345674", company_name="Ñandú S.L.")
    other = make_client(sqlite_engine, tax_id="A58818501", company_name="Otra S.A.", email="otra@example.com")
    late = make_invoice(
        sqlite_engine, client.client_id, number="F-1", issue_date="2025-05-10", due_date="2025-06-09", total="1000.00"
    )
    make_invoice(sqlite_engine, other.client_id, number="F-2", issue_date="2025-08-01", due_date="2025-08-21", total="500.00")
    services.record_payment(
        sqlite_engine, {"invoice_id": late.invoice_id, "paid_on": "2025-09-30", "amount": "1000.00", "method": "transfer"}
    )
    return sqlite_engine.url.render_as_string(hide_password=False), client.client_id, other.client_id


def test_claims_csv_for_every_client(tmp_path, ledger, capsys) -> None:
    url, client_id, other_id = ledger
    out = tmp_path / "claims.csv"
    assert main(["claims", "--as-of", "2025-08-31", "--out", str(out), "--url", url]) == 0
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert list(frame["Client id"]) == [client_id, other_id]
    assert list(frame["Interest"]) == [23.66, 1.39]  # 500 * 0.1015 * 10 / 365 = 1.3904
    assert list(frame["Claimable"]) == [63.66, 41.39]
    assert "2 invoices with a late-payment claim as of 2025-08-31 (EUR 105.05 claimable)" in capsys.readouterr().out


def test_claims_pdf_letter_for_one_client_with_provisional_warning(tmp_path, ledger, capsys) -> None:
    url, _, other_id = ledger
    out = tmp_path / "carta.pdf"
    assert (
        main(["claims", "--as-of", "2026-07-10", "--client", str(other_id), "--out", str(out), "--url", url, "--lang", "es"]) == 0
    )
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages).split())
    assert "A58818501" in text and "Otra S.A." in text and "F-2" in text and "F-1" not in text
    err = capsys.readouterr().err
    assert "warning: Provisional: the rates table has no rate for 2026-H2" in err
    assert "late_payment_rates.csv" in err


def test_pdf_needs_a_client_and_an_unknown_client_is_named(tmp_path, ledger, capsys) -> None:
    url, _, _ = ledger
    assert main(["claims", "--as-of", "2025-08-31", "--out", str(tmp_path / "x.pdf"), "--url", url]) == 2
    assert "--client ID is required" in capsys.readouterr().err
    assert main(["claims", "--client", "999", "--out", str(tmp_path / "x.csv"), "--url", url]) == 1
    assert "client 999 does not exist" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_bad_rates_file_is_an_error_naming_the_line(tmp_path, ledger, capsys) -> None:
    url, _, _ = ledger
    rates = tmp_path / "rates.csv"
    rates.write_text("half_year_start,rate_percent\n2026-07-01,diez\n", encoding="utf-8")
    out = tmp_path / "claims.csv"
    assert main(["claims", "--out", str(out), "--url", url, "--rates", str(rates)]) == 1
    assert f"late-payment rates file {rates}, line 2: rate_percent 'diez' is not a number" in capsys.readouterr().err
    assert not out.exists()
