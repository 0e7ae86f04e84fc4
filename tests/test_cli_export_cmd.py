"""`python -m crm_core export`: writes the table in the import format; the file imports back."""

from __future__ import annotations

from crm_core.cli import main
from crm_core.db import get_engine
from tests.conftest import row_counts
from tests.factories import make_client, make_invoice


def test_export_then_import_round_trip(tmp_path, sqlite_engine, capsys) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    client = make_client(sqlite_engine, tax_id="B12345674", company_name="=HYPERLINK(\"http://x\")")
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
