"""Reading real files: encodings, separators, empty and binary files, line numbers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crm_core.io.reading import ImportFileError, read_csv
from tests.io_files import write_csv

ROWS = [["empresa", "ciudad", "importe"], ["Peña Ñandú S.L.", "A Coruña", "1.234,56"], ["Café Müller", "Cádiz", "7,5"]]


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", False, "utf-8"),
        ("utf-8", True, "utf-8-sig"),
        ("cp1252", False, "windows-1252"),
        ("latin-1", False, "windows-1252"),  # the same bytes for these letters
        ("utf-16", False, "utf-16"),  # Python writes the BOM itself
    ],
)
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_encodings_and_separators(tmp_path: Path, encoding: str, bom: bool, expected: str, sep: str) -> None:
    path = write_csv(tmp_path / "f.csv", ROWS, sep=sep, encoding=encoding, bom=bom)
    table = read_csv(path)
    assert table.encoding == expected
    assert table.separator == sep
    assert table.header == ["empresa", "ciudad", "importe"]
    assert [cells for _, cells in table.rows] == ROWS[1:]


def test_latin1_bytes_undefined_in_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("nombre;nota\nX;a\x81b\n".encode("latin-1"))
    table = read_csv(path)
    assert table.encoding == "latin-1"
    assert table.rows[0][1] == ["X", "a\x81b"]


def test_explicit_separator_wins(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [["a", "b", "c"], ["1;2", "3", "4"]], sep=",")
    assert read_csv(path).header == ["a", "b", "c"]
    assert read_csv(path, separator=";").header == ["a,b,c"]


def test_line_numbers_as_the_user_sees_them(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b'name;notes\n\nA;one\nB;"two\nlines"\n;\nC;three\n')
    table = read_csv(path)
    assert [(line, cells[0]) for line, cells in table.rows] == [(3, "A"), (4, "B"), (7, "C")]


def test_empty_files(tmp_path: Path) -> None:
    for content in (b"", b"\r\n\r\n  \n", b"\xef\xbb\xbf"):
        path = tmp_path / "empty.csv"
        path.write_bytes(content)
        with pytest.raises(ImportFileError, match="the file is empty"):
            read_csv(path)


def test_header_only_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\r\n")
    table = read_csv(path)
    assert table.header == ["a", "b"] and table.rows == []


def test_binary_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(256)) * 4 + os.urandom(512))
    with pytest.raises(ImportFileError, match="binary"):
        read_csv(path)
    path.write_bytes(b"PK\x03\x04" + b"\x14\x00\x06\x00" * 50)
    with pytest.raises(ImportFileError, match=r"\.xlsx"):
        read_csv(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot read"):
        read_csv(tmp_path / "nope.csv")
