"""The result of checking or importing a file: counts, each bad row's problems, rejected rows as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from typing import Any

from crm_core.errors import english
from crm_core.i18n.error_text import code_text
from crm_core.io.csv_safety import neutralise_cell
from crm_core.io.headers import REASON_COLUMN

MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell: its line in the file (header = line 1), the file's column name,
    the field it holds, and the error's code and params."""

    line: int
    column: str
    field: str
    code: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English sentence (`must be 0 or more`)."""
        return english(self.code, self.params)

    def text(self, lang: str) -> str:
        """The sentence in `lang`."""
        return code_text(self.code, self.params, lang)

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column!r}: {self.message}"


@dataclass(frozen=True)
class SkippedRow:
    """A valid row that is not written, and why (it already exists, or is already up to date), by code."""

    line: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The English sentence (`invoice F-1 already exists`)."""
        return english(self.code, self.params)

    def text(self, lang: str) -> str:
        """The reason in `lang`."""
        return code_text(self.code, self.params, lang)

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    """Rows read, to create, to update, to skip and rejected; `committed` once they are written."""

    kind: str
    header: list[str]
    mapping: dict[str, str | None]
    encoding: str
    separator: str
    decimal_mark: str
    rows_read: int = 0
    to_create: int = 0
    to_update: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rejected_rows: list[tuple[int, list[str]]] = field(default_factory=list)
    committed: bool = False

    @property
    def to_skip(self) -> int:
        return len(self.skipped)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return not self.rejected_rows

    def writable(self, valid_only: bool) -> bool:
        """Whether committing would write anything (with rejected rows, only when `valid_only`)."""
        return (self.to_create + self.to_update) > 0 and (self.ok or valid_only)

    def reasons_by_line(self, lang: str | None = None) -> dict[int, str]:
        """Each rejected line's problems as `column: sentence` (in `lang` as a page says it, else the
        English message), joined with `; `."""
        reasons: dict[int, list[str]] = {}
        for problem in self.problems:
            text = problem.message if lang is None else problem.text(lang)
            reasons.setdefault(problem.line, []).append(f"{problem.column}: {text}")
        return {line: "; ".join(texts) for line, texts in reasons.items()}

    def rejected_csv(self, lang: str | None = None) -> bytes:
        """The rejected rows in the file's own columns plus `reason` (in `lang`), ready to fix and import again.

        UTF-8 with BOM in the file's separator; formula-like cells are neutralised (the importer
        reads them back as they were).
        """
        reasons = self.reasons_by_line(lang)
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.separator, lineterminator="\r\n")
        writer.writerow([*self.header, REASON_COLUMN])
        width = len(self.header)
        for line, cells in self.rejected_rows:
            padded = (list(cells) + [""] * width)[: max(width, len(cells))]
            writer.writerow([neutralise_cell(cell) for cell in padded] + [neutralise_cell(reasons.get(line, ""))])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def format_report(report: ImportReport, *, max_problems: int = MAX_PROBLEMS_SHOWN) -> str:
    """The report as plain text for the command line."""
    lines = [
        f"{report.kind}: {report.rows_read} rows read ({report.encoding}, separator "
        f"{'TAB' if report.separator == chr(9) else repr(report.separator)}, decimal mark {report.decimal_mark!r})",
        f"  to create: {report.to_create}",
        f"  to update: {report.to_update}",
        f"  to skip:   {report.to_skip}",
        f"  rejected:  {report.rejected}",
    ]
    mapped = [f"{name} -> {field}" for name, field in report.mapping.items() if field and name != field]
    if mapped:
        lines.append("columns matched: " + ", ".join(mapped))
    left_out = [name for name, field in report.mapping.items() if field is None and name]
    if left_out:
        lines.append("columns left out: " + ", ".join(left_out))
    if report.problems:
        lines.append("rejected rows:")
        lines.extend(f"  {problem}" for problem in report.problems[:max_problems])
        if len(report.problems) > max_problems:
            lines.append(f"  ... and {len(report.problems) - max_problems} more problems")
    if report.skipped:
        lines.append("skipped rows:")
        lines.extend(f"  {row}" for row in report.skipped[:max_problems])
        if len(report.skipped) > max_problems:
            lines.append(f"  ... and {len(report.skipped) - max_problems} more skipped rows")
    if report.committed:
        lines.append(f"written: {report.to_create} created, {report.to_update} updated")
    elif report.rejected:
        lines.append("nothing was written: fix the rejected rows and import again, or import the valid rows only")
    else:
        lines.append("nothing was written")
    return "\n".join(lines)
