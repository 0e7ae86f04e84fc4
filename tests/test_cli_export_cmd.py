"""`python -m crm_core export`: writes the table in the import format; the file imports back."""

from __future__ import annotations

from crm_core.cli import main
from crm_core.db import get_engine
from tests.conftest import row_counts
from tests.factories import make_client, make_invoice


def test_export_then_import_round_trip(tmp_path, sqlite_engine, capsys) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    client = make_client(sqlite_engine, tax_id="B12345674", company_name='=HYPERLINK("http://x")')
    make_invoice(sqlite_engine, client.client_id, number="F-1", total="-5", credit_note=True)
    copy_url = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    for kind in ("clients", "invoices"):
        out = tmp_path / f"{kind}.csv"
        assert main(["export", kind, "--out", str(out), "--url", url, "--sep", ";"]) == 0
        assert f"{kind}: 1 rows written to {out}" in capsys.readouterr().out
        assert main(["import", kind, str(out), "--url", copy_url]) == 0
        again = tmp_path / f"{kind}-again.csv"
        assert main(["export", kind, "--out", str(again), "--url", copy_url, "--sep", ";"]) == 0
        assert again.read_bytes() == out.read_bytes()
    text = (tmp_path / "clients.csv").read_bytes().decode("utf-8-sig")
    assert ';"\'=HYPERLINK(""http://x"")";' in text  # neutralised, then quoted as CSV
    copy = get_engine(copy_url)
    assert row_counts(copy)["invoices"] == 1
    copy.dispose()


def test_export_to_an_unwritable_place_exits_2(tmp_path, sqlite_engine, capsys) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert main(["export", "clients", "--out", str(tmp_path / "no" / "dir" / "x.csv"), "--url", url]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_semicolon_export_has_spanish_headers_and_a_decimal_comma(tmp_path, sqlite_engine, capsys, monkeypatch) -> None:
    """Issue 16, defect 8: `export invoices --sep ';'` wrote decimal points and English headers."""
    monkeypatch.delenv("CRM_LANG", raising=False)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    client = make_client(sqlite_engine, tax_id="B12345674")
    make_invoice(sqlite_engine, client.client_id, number="F-1", total="1210.5")
    out = tmp_path / "facturas.csv"
    assert main(["export", "invoices", "--out", str(out), "--url", url, "--sep", ";"]) == 0
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    assert {"Número", "Fecha de emisión", "Vencimiento", "Total", "Rectificativa", "Anulada"} <= set(header)
    assert lines[1].split(";")[header.index("Total")] == "1210,50"
    english = tmp_path / "invoices.csv"
    assert main(["export", "invoices", "--out", str(english), "--url", url, "--lang", "en"]) == 0
    header = english.read_bytes().decode("utf-8-sig").splitlines()[0].split(",")
    assert {"Number", "Issue date", "Due date", "Total"} <= set(header)
    capsys.readouterr()
    copy_url = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    assert main(["import", "clients", str(_clients(tmp_path, url)), "--url", copy_url]) == 0
    assert main(["import", "invoices", str(out), "--url", copy_url]) == 0  # the Spanish file reads back
    from decimal import Decimal

    from sqlalchemy import select

    from crm_core.db.models import Invoice

    with get_engine(copy_url).connect() as conn:
        assert conn.execute(select(Invoice.number, Invoice.total)).all() == [("F-1", Decimal("1210.50"))]


def _clients(tmp_path, url):
    path = tmp_path / "clientes.csv"
    assert main(["export", "clients", "--out", str(path), "--url", url, "--sep", ";"]) == 0
    return path
