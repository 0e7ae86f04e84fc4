"""The preview of an uploaded file: how it was read, its first rows and the suggested mapping."""

from __future__ import annotations

import pytest

from crm_core.io.preview import (
    column_titles,
    preview_file,
    problems_frame,
    rejected_file_name,
    separator_text,
    skipped_frame,
)
from crm_core.io.reading import ImportFileError
from crm_core.io.report import ImportReport, RowProblem, SkippedRow


def test_preview_shows_the_first_rows_and_the_mapping_found() -> None:
    lines = ["Nº factura;CIF;Fecha;Importe;Notas"] + [f"F-{i};B12345674;01/02/2024;{i},50;x" for i in range(25)]
    preview = preview_file(("\r\n".join(lines) + "\r\n").encode("cp1252"), "invoices")
    assert (preview.rows, preview.encoding, preview.separator) == (25, "windows-1252", ";")
    assert len(preview.first_rows) == 10
    assert preview.first_rows.iloc[3].tolist() == ["F-3", "B12345674", "01/02/2024", "3,50", "x"]
    assert preview.suggested == {
        "Nº factura": "number",
        "CIF": "client_tax_id",
        "Fecha": "issue_date",
        "Importe": "total",
        "Notas": None,
    }
    assert preview.unrecognised == ["Notas"]
    assert preview_file(b"numero;cif;fecha;total;IVA\nF-1;B12345674;01/02/2024;1\n", "invoices").unrecognised == []
    assert preview.fields[:4] == ["invoice_id", "client_tax_id", "client_email", "client_id"]


def test_short_rows_are_padded_and_titles_made_unique() -> None:
    preview = preview_file(b"a,,a\n1\n", "clients")
    assert list(preview.first_rows.columns) == ["a", "(2)", "a (3)"]
    assert preview.first_rows.iloc[0].tolist() == ["1", "", ""]
    assert column_titles(["x", "x", ""]) == ["x", "x (2)", "(3)"]


def test_unreadable_file_raises_the_reason() -> None:
    with pytest.raises(ImportFileError, match="empty"):
        preview_file(b"", "clients")


def _report() -> ImportReport:
    report = ImportReport(
        kind="clients", header=["empresa", "cif"], mapping={}, encoding="utf-8", separator=";", decimal_mark=","
    )
    report.problems = [
        RowProblem(2, "cif", "tax_id", "repeated_in_file", {"field": "tax_id", "value": "B12345674", "line": 1}),
        RowProblem(3, "empresa", "company_name", "required"),
        RowProblem(4, "x", "x", "something_new", {"n": 1}),
    ]
    report.skipped = [SkippedRow(5, "client_exists", {"id": 7, "by": "tax_id", "value": "B12345674"})]
    return report


def test_problems_and_skipped_rows_in_the_ui_language() -> None:
    assert problems_frame(_report(), "es")["message"].tolist() == [
        "CIF/NIF B12345674 ya está en la línea 1 de este fichero",
        "es obligatorio",
        "something_new (n=1)",
    ]
    # the page names a field by its label; the report's English message keeps the field's name
    assert problems_frame(_report())["message"].tolist() == [
        "Tax id (CIF/NIF) B12345674 is already on line 1 of this file",
        "is required",
        "something_new (n=1)",
    ]
    assert _report().problems[0].message == "tax_id B12345674 is already on line 1 of this file"
    assert skipped_frame(_report(), "es").values.tolist() == [[5, "el cliente 7 con CIF/NIF B12345674 ya existe"]]
    assert skipped_frame(_report(), "en")["reason"].tolist() == ["client 7 with tax id B12345674 already exists"]


def test_separator_and_rejected_file_name_from_the_catalogue() -> None:
    assert separator_text("\t", "es") == "Tabulador"
    assert separator_text("\t", "en") == "TAB"
    assert separator_text(";", "es", quoted=True) == "';'"
    assert rejected_file_name("clients", "en") == "clients-rejected.csv"
    assert rejected_file_name("clients", "es") == "clients-rechazadas.csv"
