"""Builders for the CSV files the import tests write to disk."""

from __future__ import annotations

from pathlib import Path


def cif(number: int) -> str:
    """A valid CIF (company type B) for a number below 10,000,000."""
    digits = f"{number:07d}"
    odd = sum(sum(divmod(int(d) * 2, 10)) for d in digits[0::2])
    even = sum(int(d) for d in digits[1::2])
    return f"B{digits}{(10 - (odd + even) % 10) % 10}"


def write_csv(path: Path, rows: list[list[str]], *, sep: str = ",", encoding: str = "utf-8", bom: bool = False) -> Path:
    """Write rows as people's spreadsheets do: CRLF lines, quotes only where needed."""

    def cell(value: str) -> str:
        if sep in value or '"' in value or "\n" in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    text = "\r\n".join(sep.join(cell(v) for v in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    if bom:
        data = "\ufeff".encode(encoding) + data
    path.write_bytes(data)
    return path
