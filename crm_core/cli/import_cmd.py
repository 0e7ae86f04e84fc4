"""`import KIND FILE`: check a CSV file and import it in one transaction, printing the report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crm_core.db import get_engine
from crm_core.io.headers import KINDS
from crm_core.io.importing import import_file
from crm_core.io.reading import ImportFileError
from crm_core.io.report import format_report

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_BAD_FILE = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `import` sub-command (a CSV file, all or nothing)."""
    parser = subparsers.add_parser(
        "import",
        help="import a CSV file (all or nothing)",
        description=(
            "Check every row and import the file in one transaction. Exit 0 when every row was "
            "imported, 1 when rows were rejected (nothing is written unless --valid-only), "
            "2 when the file cannot be read or its columns are unknown or missing."
        ),
    )
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("file", type=Path)
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or data/crm.sqlite3)")
    parser.add_argument("--sep", help="column separator (default: guessed from the header line)")
    parser.add_argument("--decimal", choices=[",", "."], metavar="MARK", help="decimal mark, ',' or '.' (default: guessed)")
    parser.add_argument("--update", action="store_true", help="update existing clients / invoices instead of skipping them")
    parser.add_argument("--valid-only", action="store_true", help="import the valid rows even if others are rejected")
    parser.add_argument("--dry-run", action="store_true", help="check and report only; write nothing")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HEADER=FIELD",
        help="read file column HEADER as FIELD (FIELD '-' leaves the column out); repeatable",
    )
    parser.add_argument("--rejected", type=Path, metavar="FILE", help="write the rejected rows (plus a reason column) to FILE")
    parser.set_defaults(func=run)


def _mapping(pairs: list[str]) -> dict[str, str | None]:
    mapping: dict[str, str | None] = {}
    for pair in pairs:
        header, sep, field = pair.partition("=")
        if not sep or not header.strip():
            raise ImportFileError("map_pair", {"value": pair})
        mapping[header.strip()] = field.strip() or None
    return mapping


def check_writable(path: Path) -> None:
    """Raise ImportFileError unless `path` can be written, before anything is imported (a refused
    --rejected file must not fail after the commit and lose the rejected rows)."""
    if path.is_dir():
        raise ImportFileError("rejected_not_writable", {"path": str(path), "reason": "it is a folder"})
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
    except OSError as exc:
        raise ImportFileError("rejected_not_writable", {"path": str(path), "reason": str(exc.strerror or exc)}) from None
    if not existed:
        path.unlink()


def run(args: argparse.Namespace) -> int:
    """Check and import one CSV file and print the report; the exit code tells written, rejected or unreadable."""
    if args.rejected is not None:
        try:
            check_writable(args.rejected)
        except ImportFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_FILE
    try:
        report = import_file(
            get_engine(args.url),
            args.kind,
            args.file,
            separator=args.sep,
            mapping=_mapping(args.map),
            decimal_mark=args.decimal,
            update=args.update,
            valid_only=args.valid_only,
            dry_run=args.dry_run,
        )
    except ImportFileError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return EXIT_BAD_FILE
    print(format_report(report))
    if report.rejected and args.rejected is not None:
        args.rejected.write_bytes(report.rejected_csv())
        print(f"rejected rows written to {args.rejected}")
    return EXIT_REJECTED if report.rejected else EXIT_OK
