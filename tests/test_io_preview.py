"""The preview of an uploaded file: how it was read, its first rows and the suggested mapping."""

from __future__ import annotations

import pytest

from crm_core.io.preview import column_titles, preview_file
from crm_core.io.reading import ImportFileError


def test_preview_shows_the_first_rows_and_the_mapping_found() -> None:
    lines = ["Nº factura;CIF;Fecha;Importe;Notas"] + [f"F-{i};B12345674;01/02/2024;{i},50;x" for i in range(25)]
    preview = preview_file(("\r\n".join(lines) + "\r\n").encode("cp1252"), "invoices")
    assert (preview.rows, preview.encoding, preview.separator) == (25, "windows-1252", ";")
    assert len(preview.first_rows) == 10
    assert preview.first_rows.iloc[3].tolist() == ["F-3", "B12345674", "01/02/2024", "3,50", "x"]
    assert preview.suggested == {
        "Nº factura": "number", "CIF": "client_tax_id", "Fecha": "issue_date", "Importe": "total", "Notas": None,
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
