"""Issue 14, items 6 and 12: files mixing encodings, UTF-32 files, fullwidth formulas, long searches,
invoice numbers that differ only in case. Each refusal names the line or field; nothing is written.
"""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crm_core import services
from crm_core.errors import DuplicateInvoiceError, ValidationError
from crm_core.io.csv_safety import neutralise_cell
from crm_core.io.exporting import export_table
from crm_core.io.importing import import_clients, import_invoices
from crm_core.io.reading import ImportFileError, read_csv
from crm_core.views.clients import ClientFilters, list_clients
from tests.conftest import database_hash
from tests.factories import client_list_table, make_client, make_invoice
from tests.io_files import cif, write_csv


def test_a_file_mixing_utf8_and_windows_1252_is_refused_naming_the_line(engine: Engine, tmp_path: Path) -> None:
    data = "company_name;email\r\nAñil;a@x.es\r\n".encode() + "Peña;p@x.es\r\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    before = database_hash(engine)
    with pytest.raises(ImportFileError) as exc:
        import_clients(engine, path)
    assert "mixes encodings" in str(exc.value) and "line 3" in str(exc.value)
    assert database_hash(engine) == before


def test_a_whole_windows_1252_file_is_still_read(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes("company_name;email\r\nPeña;p@x.es\r\n".encode("cp1252"))
    report = import_clients(engine, path)
    assert report.committed and report.encoding == "windows-1252"


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be"])
def test_a_utf32_file_is_read_with_its_column_names(encoding: str) -> None:
    bom = codecs.BOM_UTF32_LE if encoding.endswith("le") else codecs.BOM_UTF32_BE
    table = read_csv(bom + "company_name;email\r\nAñil;a@x.es\r\n".encode(encoding))
    assert table.header == ["company_name", "email"] and table.rows[0][1] == ["Añil", "a@x.es"]


@pytest.mark.parametrize("cell", ["＝1+1", "＋1", "－1", "＠SUM(A1)", "=1+1"])
def test_fullwidth_formula_cells_are_neutralised(cell: str) -> None:
    assert neutralise_cell(cell) == "'" + cell


def test_a_very_long_search_is_a_field_error(engine: Engine) -> None:
    make_client(engine)
    table = client_list_table(engine)
    with pytest.raises(ValidationError) as exc:
        list_clients(table, ClientFilters(search="a%_" * 20_000))
    assert exc.value.fields == ["search"] and "at most 200 characters" in exc.value.message
    assert list_clients(table, ClientFilters(search="x" * 200)).total == 0


def test_invoice_numbers_differing_only_in_case_are_one_invoice(engine: Engine, tmp_path: Path) -> None:
    client = make_client(engine, tax_id=cif(8))
    make_invoice(engine, client.client_id, number="F-1", issue_date="2024-01-01", total="100")
    before = database_hash(engine)
    with pytest.raises(DuplicateInvoiceError):
        services.record_invoice(
            engine, {"client_id": client.client_id, "number": "f-1", "issue_date": date(2024, 1, 2), "total": "5"}
        )
    report = import_invoices(
        engine,
        write_csv(
            tmp_path / "f.csv",
            [
                ["number", "client_tax_id", "issue_date", "total"],
                ["f-1", cif(8), "01/01/2024", "100"],
                ["G-7", cif(8), "01/01/2024", "100"],
                ["g-7", cif(8), "01/01/2024", "100"],
            ],
        ),
    )
    assert [str(s) for s in report.skipped] == ["line 2: invoice f-1 already exists"]
    assert [(p.line, p.column) for p in report.problems] == [(4, "number")]
    assert database_hash(engine) == before


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be"])
def test_a_utf32_file_with_an_unknown_column_is_refused_naming_it_legibly(engine: Engine, tmp_path: Path, encoding: str) -> None:
    bom = codecs.BOM_UTF32_LE if encoding.endswith("le") else codecs.BOM_UTF32_BE
    path = tmp_path / "c.csv"
    path.write_bytes(bom + "company_name;email;Añil\r\nAcme;a@x.es;x\r\n".encode(encoding))
    before = database_hash(engine)
    with pytest.raises(ImportFileError) as refused:
        import_clients(engine, path)
    assert refused.value.code == "unknown_columns" and refused.value.message.startswith("unknown column 'Añil'")
    assert database_hash(engine) == before


def test_fullwidth_formula_text_is_neutralised_in_the_real_export(engine: Engine) -> None:
    for i, name in enumerate(["＝1+1", "＋SUM(A1)", "＠cmd", "Plain ＝ name"]):
        services.create_client(engine, {"company_name": name, "email": f"f{i}@x.es"})
    exported = export_table(engine, "clients").decode("utf-8-sig").splitlines()
    names = [line.split(",")[1] for line in exported[1:]]
    assert names == ["'＝1+1", "'＋SUM(A1)", "'＠cmd", "Plain ＝ name"]
