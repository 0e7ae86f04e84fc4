"""A first look at an uploaded file: how it was read, its first rows and the mapping the synonyms found."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crm_core.i18n import t
from crm_core.io.headers import check_kind, field_names, is_left_out, suggest_mapping
from crm_core.io.reading import CsvTable, read_csv
from crm_core.io.report import ImportReport

PREVIEW_ROWS = 10


@dataclass(frozen=True)
class FilePreview:
    """The file's header, its first rows as text, and the field each column seems to hold."""

    header: list[str]
    first_rows: pd.DataFrame
    rows: int
    encoding: str
    separator: str
    suggested: dict[str, str | None]
    fields: list[str]
    unrecognised: list[str]  # named columns that match no field and are not known to be left out


def preview_file(source: bytes | CsvTable, kind: str, *, separator: str | None = None, rows: int = PREVIEW_ROWS) -> FilePreview:
    """Read the file (ImportFileError if it cannot be), or take it as read, and suggest a field for each column."""
    check_kind(kind)
    table = source if isinstance(source, CsvTable) else read_csv(source, separator=separator)
    width = len(table.header)
    sample = [(cells + [""] * width)[:width] for _, cells in table.rows[:rows]]
    suggested = suggest_mapping(kind, table.header)
    return FilePreview(
        header=list(table.header),
        first_rows=pd.DataFrame(sample, columns=pd.Index(column_titles(table.header), dtype=object), dtype=object),
        rows=len(table.rows),
        encoding=table.encoding,
        separator=table.separator,
        suggested=suggested,
        fields=field_names(kind),
        unrecognised=[name for name in table.header if name and suggested[name] is None and not is_left_out(kind, name)],
    )


def column_titles(header: list[str]) -> list[str]:
    """Unique, non-empty titles for the file's columns (unnamed ones get their position)."""
    titles: list[str] = []
    for index, name in enumerate(header):
        title = name or f"({index + 1})"
        if title in titles:
            title = f"{title} ({index + 1})"
        titles.append(title)
    return titles


def problems_frame(report: ImportReport, lang: str = "en") -> pd.DataFrame:
    """One row per problem: line, column, message in `lang` from its code (in file order)."""
    return pd.DataFrame([(p.line, p.column, p.text(lang)) for p in report.problems], columns=["line", "column", "message"])


def skipped_frame(report: ImportReport, lang: str = "en") -> pd.DataFrame:
    """One row per skipped row: line and reason in `lang` from its code."""
    return pd.DataFrame([(s.line, s.text(lang)) for s in report.skipped], columns=["line", "reason"])


def separator_text(separator: str, lang: str, *, quoted: bool = False) -> str:
    """How a separator is shown: the tab by name (catalogue `import.sep_tab`), another as itself (or in quotes)."""
    if separator == "\t":
        return t("import.sep_tab", lang)
    return f"'{separator}'" if quoted else separator


def rejected_file_name(kind: str, lang: str) -> str:
    """The download name of the rejected rows (`clients-rejected.csv`, Spanish `clients-rechazadas.csv`)."""
    return t("import.rejected_file", lang, kind=kind)
