"""CSV import: every row checked with the form schemas, each problem reported, all or nothing written.

Everything an import writes is written in ONE database transaction, so it either fully happens or
leaves the database as it was, even if the process is killed half-way. A file with rejected rows
writes nothing unless `valid_only` is set.

On SQLite, which lets one writer in at a time, the rows are checked (and staged in TEMP tables)
in a read transaction while other writes go on; the write transaction repeats only the reads the
checks depended on and, when they give the same answers, just moves the staged rows into the
tables (issue 14, item 5: a form write meanwhile waits seconds, not the whole import). On
PostgreSQL the checks and the write share one transaction, which blocks no other writer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from crm_core.db.engine import busy_as_domain_error
from crm_core.db.owners import link_owners
from crm_core.errors import CRMError, FieldError
from crm_core.io.cells import (
    DecimalMark,
    enum_value,
    number_text,
    parse_bool,
    parse_when,
    restore_cell,
    sniff_decimal_mark,
)
from crm_core.io.headers import (
    Column,
    HeaderMatch,
    check_kind,
    column_of,
    header_key,
    match_header,
)
from crm_core.io.planners import PLANNERS, Planner
from crm_core.io.reading import CsvTable, read_csv
from crm_core.io.report import ImportReport, RowProblem, SkippedRow
from crm_core.schemas import FIRST_DAY, LAST_DAY, date_in_range

# The file's bytes or path, or the file already read (crm_core.ui.uploads keeps it parsed between reruns)
Source = bytes | str | Path | CsvTable
# (fraction done 0..1, what is happening) — for a progress bar
Progress = Callable[[float, str], None]

PROGRESS_EVERY = 2_000
# SQLite page cache of an import's connection while it writes (KiB): a default cache (2 MiB) spills
# the indexes of a large insert to disk, which made 500,000 invoices take 2-3 times as long.
IMPORT_CACHE_KIB = 256 * 1024
_log = logging.getLogger(__name__)
# The kinds whose existing rows an import may update (`update=True`); the others only create or skip.
UPDATABLE: tuple[str, ...] = tuple(kind for kind, planner in PLANNERS.items() if planner.can_update)


class ImportConflictError(CRMError):
    """The database refused the rows (changed meanwhile); the transaction was rolled back."""


def _no_progress(fraction: float, message: str) -> None:
    return None


def _cell_value(column: Column, text: str, mark: DecimalMark) -> tuple[Any, FieldError | None]:
    """(value for the schema, None) or (None, the cell's error) for one non-blank cell."""
    kind = column.kind
    if kind == "text":
        return text, None
    if kind == "money":
        number = number_text(text, mark)
        if number is None:
            return None, FieldError(column.name, "number", {"value": text})
        return number, None
    if kind == "int":
        number = number_text(text.removesuffix("%").rstrip(), mark)
        if number is not None and "." not in number:
            return int(number), None
        return text, None  # the schema says why it is not a whole number
    if kind in ("date", "datetime"):
        when = parse_when(text)
        if when is None:
            return None, FieldError(column.name, "date", {"value": text})
        if not date_in_range(when):  # every date column, also those no schema sees (updated_at, last_interaction_at)
            return None, FieldError(
                column.name, "date_out_of_range", {"first": FIRST_DAY.year, "last": LAST_DAY.year, "value": text}
            )
        return (when if kind == "datetime" else when.date()), None
    if kind == "bool":
        flag = parse_bool(text)
        if flag is None:
            return None, FieldError(column.name, "yes_no", {"value": text})
        return flag, None
    if kind == "enum" and column.enum is not None:
        return enum_value(column.enum, text), None
    return text, None


def _payload(cells: list[str], columns: list[Column | None], mark: DecimalMark) -> tuple[dict[str, Any], list[FieldError]]:
    payload: dict[str, Any] = {}
    errors: list[FieldError] = []
    for index, column in enumerate(columns):
        if column is None or column.kind == "ignored" or index >= len(cells):
            continue
        text = cells[index].strip()
        if not text:
            continue
        value, problem = _cell_value(column, restore_cell(text), mark)
        if problem is not None:
            errors.append(problem)
        else:
            payload[column.name] = value
    return payload, errors


def _cache_sizes(conn: Connection, sizes: Mapping[str, int] | None = None) -> dict[str, int]:
    """The SQLite page cache sizes (main and temp) of `conn`, set to `sizes` (else to IMPORT_CACHE_KIB) after reading them."""
    before = {schema: int(conn.exec_driver_sql(f"PRAGMA {schema}.cache_size").scalar() or 0) for schema in ("main", "temp")}
    for schema in before:
        conn.exec_driver_sql(f"PRAGMA {schema}.cache_size={sizes[schema] if sizes else -IMPORT_CACHE_KIB}")
    return before


def _typed_values(table: CsvTable, columns: list[Column | None], types: tuple[str, ...]) -> list[str]:
    indexes = [i for i, column in enumerate(columns) if column is not None and column.kind in types]
    return [cells[i] for _, cells in table.rows for i in indexes if i < len(cells) and cells[i].strip()]


def _check_rows(
    conn: Connection,
    kind: str,
    table: CsvTable,
    match: HeaderMatch,
    columns: list[Column | None],
    report: ImportReport,
    *,
    update: bool,
    progress: Progress,
) -> tuple[Planner, list[dict[str, Any]], list[dict[str, Any]]]:
    present = {field for field in match.fields if field is not None}
    planner = PLANNERS[kind](conn, update=update, present=present)
    labels = {field: name for name, field in zip(table.header, match.fields, strict=True) if field}
    width = len(table.header)
    order = {name: index for index, name in enumerate(table.header)}
    mark: DecimalMark = report.decimal_mark  # type: ignore[assignment]
    creates: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    total = len(table.rows)
    # Every row's values first: the planner may need all of them before checking one (PaymentPlanner locks).
    read: list[tuple[dict[str, Any], list[FieldError]] | None] = []
    for done, (_line, cells) in enumerate(table.rows, start=1):
        if done % PROGRESS_EVERY == 0:
            progress(0.25 * done / total, f"reading row {done:,} of {total:,}")
        too_wide = len(cells) > width and any(cell.strip() for cell in cells[width:])
        read.append(None if too_wide else _payload(cells, columns, mark))
    planner.prepare([values[0] for values in read if values is not None])
    for done, ((line, cells), values) in enumerate(zip(table.rows, read, strict=True), start=1):
        if done % PROGRESS_EVERY == 0:
            progress(0.25 + 0.25 * done / total, f"checking row {done:,} of {total:,}")
        if values is None:
            report.problems.append(
                RowProblem(line, f"column {width + 1}", "", "too_many_cells", {"cells": len(cells), "width": width})
            )
            report.rejected_rows.append((line, cells))
            continue
        payload, errors = values
        outcome = planner.check(line, payload, errors)
        if outcome.errors:
            problems = [RowProblem(line, labels.get(e.field, e.field), e.field, e.code, e.params) for e in outcome.errors]
            problems.sort(key=lambda p: order.get(p.column, width))
            report.problems.extend(problems)
            report.rejected_rows.append((line, cells))
        elif outcome.skip is not None:
            report.skipped.append(SkippedRow(line, outcome.skip.code, outcome.skip.params))
        elif outcome.update is not None:
            updates.append(outcome.update)
        elif outcome.create is not None:
            creates.append(outcome.create)
    report.to_create = len(creates)
    report.to_update = len(updates)
    return planner, creates, updates


def import_file(
    engine: Engine,
    kind: str,
    source: Source,
    *,
    separator: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    decimal_mark: DecimalMark | None = None,
    update: bool = False,
    valid_only: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check a CSV file of `kind` and, unless `dry_run`, write it in one transaction.

    `source` is the file's bytes or path, or the file as `read_csv` read it (then `separator` is
    not used). `mapping` overrides the header synonyms (file header ->
    field, or None to leave a column out). `update` updates existing clients / invoices instead of
    skipping them. With rejected rows nothing is written unless `valid_only`.
    Raises ImportFileError when the file as a whole cannot be imported.
    """
    check_kind(kind)
    progress = progress or _no_progress
    table = source if isinstance(source, CsvTable) else read_csv(source, separator=separator)
    unnamed = [i for i, name in enumerate(table.header) if not header_key(name)]
    blank = {i for i in unnamed if not any(i < len(cells) and cells[i].strip() for _, cells in table.rows)}
    match = match_header(kind, table.header, mapping, blank)
    columns = [column_of(kind, field) if field else None for field in match.fields]
    mark = decimal_mark or sniff_decimal_mark(_typed_values(table, columns, ("money",)), table.separator)

    def new_report() -> ImportReport:
        return ImportReport(
            kind=kind,
            header=list(table.header),
            mapping=dict(match.mapping),
            encoding=table.encoding,
            separator=table.separator,
            decimal_mark=mark,
            rows_read=len(table.rows),
        )

    report = new_report()
    if dry_run:
        with engine.connect() as raw:
            conn = raw.execution_options(crm_readonly=True)
            with conn.begin():
                _check_rows(conn, kind, table, match, columns, report, update=update, progress=progress)
        progress(1.0, "checked")
        return report

    def check(conn: Connection) -> tuple[ImportReport, Planner, list[dict[str, Any]], list[dict[str, Any]]]:
        checked = new_report()
        planner, creates, updates = _check_rows(conn, kind, table, match, columns, checked, update=update, progress=progress)
        return checked, planner, creates, updates

    def write(conn: Connection, planner: Planner, creates: list[dict[str, Any]], updates: list[dict[str, Any]]) -> int:
        total = len(creates) + len(updates)
        if total:
            planner.write(
                creates,
                updates,
                lambda done, of: progress(0.5 + 0.5 * done / max(of, 1), f"writing row {done:,} of {of:,}"),
            )
            link_owners(conn, relink=bool(updates))  # owner names to user references, same transaction
        return total

    total = 0
    try:
        with busy_as_domain_error(), engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                report, total = _check_then_write_sqlite(conn, kind, check, write, valid_only=valid_only, progress=progress)
                if report.rejected and not valid_only:
                    return report
            else:  # PostgreSQL: other writers are not blocked, so check and write in one transaction
                with conn.begin():
                    started = time.perf_counter()
                    report, planner, creates, updates = check(conn)
                    if report.rejected and not valid_only:
                        return report
                    total = write(conn, planner, creates, updates)
                _log.info("import of %s: %d rows written in a %.2f s transaction", kind, total, time.perf_counter() - started)
    except IntegrityError as exc:
        detail = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise ImportConflictError("import_conflict", {"detail": detail}) from None
    except SQLAlchemyError as exc:
        raise ImportConflictError("import_failed", {"detail": f"{exc.__class__.__name__}: {exc}"}) from None
    report.committed = total > 0
    progress(1.0, "done")
    return report


Checked = tuple[ImportReport, Planner, list[dict[str, Any]], list[dict[str, Any]]]


def _check_then_write_sqlite(
    conn: Connection,
    kind: str,
    check: Callable[[Connection], Checked],
    write: Callable[[Connection, Planner, list[dict[str, Any]], list[dict[str, Any]]], int],
    *,
    valid_only: bool,
    progress: Progress,
) -> tuple[ImportReport, int]:
    """(report, rows written) of an import on SQLite, holding the one write lock as briefly as it can.

    1. In a read transaction (other writers go on): check every row, then stage the rows to insert
       in TEMP tables of this connection (no lock on the database).
    2. In the write transaction: when someone committed meanwhile (PRAGMA data_version moved), repeat
       the reads the checks depended on; only if one answers differently are the rows checked again,
       under the lock. Then insert the staged rows with one INSERT ... SELECT per table.
    """
    planner: Planner | None = None
    cache: dict[str, int] | None = None
    try:
        conn.execution_options(crm_readonly=True)
        with conn.begin():
            seen = conn.exec_driver_sql("PRAGMA data_version").scalar()
            report, planner, creates, updates = check(conn)
            if report.rejected and not valid_only:
                return report, 0
            progress(0.5, f"preparing {len(creates):,} rows to write")
            cache = _cache_sizes(conn)
            planner.stage(creates)
        conn.execution_options(crm_readonly=False)
        asked = time.perf_counter()
        with conn.begin():  # BEGIN IMMEDIATE: waits for the write lock
            locked = time.perf_counter()
            rechecked = False
            if conn.exec_driver_sql("PRAGMA data_version").scalar() != seen and not planner.reads.unchanged(conn):
                planner.unstage()
                report, planner, creates, updates = check(conn)
                rechecked = True
                if report.rejected and not valid_only:
                    return report, 0
            total = write(conn, planner, creates, updates)
        _log.info(
            "import of %s: %d rows written; waited %.2f s for the write lock, held it %.2f s%s",
            kind,
            total,
            locked - asked,
            time.perf_counter() - locked,
            " (rows checked again: what they were checked against had changed)" if rechecked else "",
        )
        return report, total
    finally:
        if cache is not None:  # the pooled connection gets its own cache sizes back, and no TEMP table
            conn.execution_options(crm_readonly=True)
            try:
                with conn.begin():
                    _cache_sizes(conn, cache)
                    if planner is not None:
                        planner.unstage()
            except SQLAlchemyError:
                conn.invalidate()


def check_file(engine: Engine, kind: str, source: Source, **options: Any) -> ImportReport:
    """What importing would do, without writing anything."""
    return import_file(engine, kind, source, dry_run=True, **options)


def import_clients(engine: Engine, source: Source, **options: Any) -> ImportReport:
    """Import clients; the normalised tax id (then the email) says whether a client exists."""
    return import_file(engine, "clients", source, **options)


def import_contacts(engine: Engine, source: Source, **options: Any) -> ImportReport:
    """Import contacts of existing clients (found by tax id, email or id)."""
    return import_file(engine, "contacts", source, **options)


def import_invoices(engine: Engine, source: Source, **options: Any) -> ImportReport:
    """Import invoices of existing clients (found by tax id, email or id); the number is the identity."""
    return import_file(engine, "invoices", source, **options)


def import_payments(engine: Engine, source: Source, **options: Any) -> ImportReport:
    """Import payments of existing invoices (found by number or id)."""
    return import_file(engine, "payments", source, **options)


def import_activities(engine: Engine, source: Source, **options: Any) -> ImportReport:
    """Import activities of existing clients (and optionally their contacts)."""
    return import_file(engine, "activities", source, **options)


def import_opportunities(engine: Engine, source: Source, **options: Any) -> ImportReport:
    """Import opportunities of existing clients; each gets its first stage in the history."""
    return import_file(engine, "opportunities", source, **options)


IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    "clients": import_clients,
    "contacts": import_contacts,
    "invoices": import_invoices,
    "payments": import_payments,
    "activities": import_activities,
    "opportunities": import_opportunities,
}

__all__ = [
    "IMPORTERS",
    "ImportConflictError",
    "ImportReport",
    "check_file",
    "import_activities",
    "import_clients",
    "import_contacts",
    "import_file",
    "import_invoices",
    "import_opportunities",
    "import_payments",
]
