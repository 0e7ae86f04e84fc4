"""Read a CSV file as people really export it: guess its encoding and separator, keep line numbers."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_core.errors import CRMError, Problem

SEPARATORS = (";", ",", "\t", "|")
_SNIFF_BYTES = 64 * 1024


class ImportFileError(CRMError):
    """The file as a whole cannot be imported (unreadable, empty, wrong columns): nothing was read.

    `ImportFileError("empty_file")`, or with several `problems` (each column problem of a header).
    """

    def __init__(self, code: str | list[Problem], params: Mapping[str, Any] | None = None) -> None:
        self.problems: list[Problem] = [Problem(code, dict(params or {}))] if isinstance(code, str) else list(code)
        super().__init__(self.problems[0].code, self.problems[0].params)

    def _message(self) -> str:
        return "; ".join(problem.message for problem in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"problems": [problem.to_dict() for problem in self.problems]}


@dataclass(frozen=True)
class CsvTable:
    """The cells of a CSV file as text; each row keeps the line it starts on (the header is line 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str
    separator: str


def _looks_binary(data: bytes) -> bool:
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    return controls > max(4, len(head) // 100)


def _refuse_mixed_encodings(data: bytes) -> None:
    """Refuse a file with UTF-8 lines and lines in another encoding, naming the first line that is not UTF-8.

    Read as Windows-1252, its UTF-8 lines would be stored garbled ('Añil' as 'AÃ±il').
    """
    first_bad: int | None = None
    utf8_text = False
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            first_bad = first_bad or number
            continue
        utf8_text = utf8_text or any(byte >= 0x80 for byte in line)
    if first_bad is not None and utf8_text:
        raise ImportFileError("mixed_encodings", {"line": first_bad})


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with (UTF-8, UTF-16, Windows-1252, Latin-1)."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError("empty_file")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00 starts both
        try:
            return data.decode("utf-32"), "utf-32"
        except UnicodeDecodeError:
            raise ImportFileError("bad_utf32") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError("bad_utf16") from None
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError("workbook")
    if _looks_binary(data):
        raise ImportFileError("binary")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ImportFileError("bad_utf8", {"byte": exc.start}) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(data)
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_separator(text: str) -> str:
    """The separator that splits the header line into the most columns (`;` wins a tie)."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    best, best_count = ",", 1
    for sep in SEPARATORS:
        count = len(next(csv.reader([first_line], delimiter=sep), []))
        if count > best_count:
            best, best_count = sep, count
    return best


def read_csv(source: bytes | str | Path, *, separator: str | None = None) -> CsvTable:
    """Parse the file's rows (possibly none below the header); blank lines are skipped.

    `source` is the file's bytes or its path. Raises ImportFileError when it cannot be read.
    """
    if isinstance(source, (str, Path)):
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ImportFileError("cannot_read", {"path": str(source), "reason": str(exc.strerror or exc)}) from None
    else:
        data = bytes(source)
    text, encoding = decode(data)
    if separator is not None and len(separator) != 1:
        if separator.lower() in ("tab", "\\t"):
            separator = "\t"
        else:
            raise ImportFileError("separator_length", {"value": separator})
    sep = separator or sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lstrip("\ufeff").strip() for cell in cells]
                continue
            rows.append((start, cells))
    except csv.Error as exc:
        raise ImportFileError("bad_line", {"line": reader.line_num + 1, "detail": str(exc)}) from None
    if header is None:
        raise ImportFileError("empty_file")
    return CsvTable(header=header, rows=rows, encoding=encoding, separator=sep)
