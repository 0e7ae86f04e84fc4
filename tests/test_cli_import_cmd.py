"""`python -m crm_core import`: the report, exit codes 0 / 1 / 2, --valid-only, --update, --map."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_core.cli import main
from crm_core.io.reading import read_csv
from tests.conftest import row_counts
from tests.io_files import cif, write_csv


@pytest.fixture
def url(sqlite_engine) -> str:
    return sqlite_engine.url.render_as_string(hide_password=False)


def _clients(tmp_path: Path, count: int, bad_line: int | None = None) -> Path:
    rows = [["empresa", "cif", "email"]]
    rows += [[f"E{i} S.L.", cif(5000 + i), f"e{i}@x.es"] for i in range(count)]
    if bad_line is not None:
        rows[bad_line - 1][1] = "B00000001"  # wrong check digit
    return write_csv(tmp_path / "clientes.csv", rows, sep=";", encoding="cp1252")


def test_everything_imported_exits_0(tmp_path, url, sqlite_engine, capsys) -> None:
    assert main(["import", "clients", str(_clients(tmp_path, 3)), "--url", url]) == 0
    out = capsys.readouterr().out
    assert "clients: 3 rows read (utf-8, separator ';'" in out
    assert "written: 3 created, 0 updated" in out
    assert row_counts(sqlite_engine)["clients"] == 3


def test_rejected_rows_exit_1_and_write_nothing_unless_valid_only(tmp_path, url, sqlite_engine, capsys) -> None:
    path = _clients(tmp_path, 1000, bad_line=700)
    rejected = tmp_path / "rechazadas.csv"
    assert main(["import", "clients", str(path), "--url", url, "--rejected", str(rejected)]) == 1
    out = capsys.readouterr().out
    assert "line 700, column 'cif': 'B00000001' is not a valid Spanish tax id: its check digit is wrong" in out
    assert "nothing was written" in out
    assert row_counts(sqlite_engine)["clients"] == 0
    table = read_csv(rejected)
    assert table.header[-1] == "reason" and [cells[1] for _, cells in table.rows] == ["B00000001"]

    assert main(["import", "clients", str(path), "--url", url, "--valid-only"]) == 1
    assert "written: 999 created" in capsys.readouterr().out
    assert row_counts(sqlite_engine)["clients"] == 999


def test_existing_rows_are_skipped_then_updated(tmp_path, url, sqlite_engine, capsys) -> None:
    path = _clients(tmp_path, 2)
    assert main(["import", "clients", str(path), "--url", url]) == 0
    changed = write_csv(tmp_path / "c2.csv", [["empresa", "cif", "email"], ["Nuevo S.L.", cif(5000), "e0@x.es"]])
    assert main(["import", "clients", str(changed), "--url", url]) == 0
    assert "to skip:   1" in capsys.readouterr().out
    assert main(["import", "clients", str(changed), "--url", url, "--update"]) == 0
    assert "written: 0 created, 1 updated" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02\x03binary\xff\xfe\x00" * 20, "binary data"),
        (b"colour;flavour\nred;mint\n", "unknown columns 'colour', 'flavour'"),
        (b"empresa;cif\nA;B12345674\n", "a required column is missing: email"),
    ],
)
def test_unreadable_file_or_bad_columns_exit_2(tmp_path, url, sqlite_engine, capsys, content, reason) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert main(["import", "clients", str(path), "--url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ") and reason in err
    assert row_counts(sqlite_engine)["clients"] == 0


def test_missing_file_exits_2(tmp_path, url, capsys) -> None:
    assert main(["import", "invoices", str(tmp_path / "nope.csv"), "--url", url]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_map_and_separator_options(tmp_path, url, sqlite_engine, capsys) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("Razón|correo|color\nA S.L.|a@x.es|rojo\n".encode())
    args = ["import", "clients", str(path), "--url", url, "--sep", "|", "--map", "Razón=company_name"]
    assert main(args) == 2
    assert "unknown column 'color'" in capsys.readouterr().err
    assert main([*args, "--map", "color=-", "--dry-run"]) == 0
    assert "nothing was written" in capsys.readouterr().out
    assert row_counts(sqlite_engine)["clients"] == 0
    assert main([*args, "--map", "color=-"]) == 0
    assert row_counts(sqlite_engine)["clients"] == 1
