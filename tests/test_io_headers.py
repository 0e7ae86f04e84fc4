"""Header matching: Spanish/English synonyms, accents and case, explicit mapping, clear errors."""

from __future__ import annotations

import pytest

from crm_core.io.headers import (
    KINDS,
    LEFT_OUT,
    header_key,
    is_left_out,
    match_header,
    suggest_mapping,
)
from crm_core.io.reading import ImportFileError


def test_header_key_folds_case_accents_and_marks() -> None:
    assert header_key("Fecha Emisión") == "fecha_emision"
    assert header_key(" CIF/NIF ") == "cif_nif"
    assert header_key("Nº factura") == "no_factura"


def test_spanish_and_english_synonyms() -> None:
    clients = suggest_mapping("clients", ["Nombre empresa", "CIF/NIF", "Correo electrónico", "Company_Name", "TAX_ID"])
    assert clients == {
        "Nombre empresa": "company_name",
        "CIF/NIF": "tax_id",
        "Correo electrónico": "email",
        "Company_Name": "company_name",
        "TAX_ID": "tax_id",
    }
    invoices = suggest_mapping("invoices", ["Nº factura", "NIF", "Fecha", "fecha_emision", "Issue Date", "Importe", "TOTAL"])
    assert invoices == {
        "Nº factura": "number",
        "NIF": "client_tax_id",  # in an invoice file the tax id is the client's
        "Fecha": "issue_date",
        "fecha_emision": "issue_date",
        "Issue Date": "issue_date",
        "Importe": "total",
        "TOTAL": "total",
    }
    assert suggest_mapping("payments", ["factura", "fecha pago", "importe"]) == {
        "factura": "invoice_number",
        "fecha pago": "paid_on",
        "importe": "amount",
    }


def test_unknown_column_is_named_with_the_known_ones() -> None:
    with pytest.raises(ImportFileError) as err:
        match_header("clients", ["empresa", "email", "color favorito"])
    assert "unknown column 'color favorito'" in str(err.value)
    assert "company_name" in str(err.value)


def test_missing_required_and_duplicate_columns() -> None:
    with pytest.raises(ImportFileError, match="a required column is missing: email"):
        match_header("clients", ["empresa", "cif"])
    with pytest.raises(ImportFileError, match="client_tax_id or client_email or client_id"):
        match_header("invoices", ["numero", "fecha", "importe"])
    with pytest.raises(ImportFileError, match="columns 'empresa' and 'company' both hold company_name"):
        match_header("clients", ["empresa", "company", "email"])


def test_explicit_mapping_overrides_and_leaves_columns_out() -> None:
    match = match_header(
        "clients",
        ["Razón", "mail", "color favorito", "nombre"],
        {"razón": "company_name", "color favorito": None, "NOMBRE": "-"},
    )
    assert match.fields == ["company_name", "email", None, None]
    with pytest.raises(ImportFileError, match="not a clients field"):
        match_header("clients", ["a", "email"], {"a": "colour"})


def test_unnamed_blank_columns_are_dropped_but_unnamed_data_is_not() -> None:
    assert match_header("clients", ["empresa", "email", ""], blank_columns={2}).fields == ["company_name", "email", None]
    with pytest.raises(ImportFileError, match=r"column 3 \(no name\)"):
        match_header("clients", ["empresa", "email", ""], blank_columns=set())


def test_the_reason_column_of_a_rejected_rows_file_is_left_out() -> None:
    match = match_header("invoices", ["numero", "cif", "fecha", "importe", "reason"])
    assert match.fields == ["number", "client_tax_id", "issue_date", "total", None]


def test_common_extra_columns_are_left_out_without_an_error() -> None:
    header = ["Nº factura", "CIF", "Cliente", "Fecha", "Base imponible", "IVA", "Total", "Estado"]
    match = match_header("invoices", header)
    # Estado is read now (issue 16, defect 3): Cobrada records the payment
    assert match.fields == ["number", "client_tax_id", None, "issue_date", None, None, "total", "paid_status"]
    assert is_left_out("invoices", "Base imponible") and not is_left_out("clients", "Base imponible")


@pytest.mark.parametrize("kind", KINDS)
def test_left_out_names_never_shadow_a_field(kind: str) -> None:
    fields = suggest_mapping(kind, list(LEFT_OUT[kind]))
    assert {name: field for name, field in fields.items() if field} == {}
