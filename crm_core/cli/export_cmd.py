"""`export KIND --out FILE`: write one table as CSV in the format `import` reads back."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from crm_core.auth.scope import acting_as
from crm_core.auth.users import viewer_by_email
from crm_core.db import get_engine
from crm_core.i18n import LANGS, default_lang
from crm_core.io.exporting import export_frame, export_headers, to_csv_bytes
from crm_core.io.headers import KINDS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export` sub-command (one table as CSV)."""
    parser = subparsers.add_parser(
        "export",
        help="export a table as CSV (UTF-8 with BOM)",
        description="Write one table as CSV; `import` reads the file back unchanged.",
    )
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or data/crm.sqlite3)")
    parser.add_argument("--sep", default=",", help="column separator (default ','; ';' also gives a decimal comma)")
    parser.add_argument(
        "--lang",
        choices=LANGS,
        help="headers as the field labels in this language (default: CRM_LANG; else Spanish with --sep ';', field names otherwise)",
    )
    parser.add_argument(
        "--as", dest="as_user", metavar="EMAIL", help="export only what this user sees (a rep: their own clients' rows)"
    )
    parser.set_defaults(func=run)


def header_lang(chosen: str | None, separator: str) -> str | None:
    """The language of the headers: --lang, else CRM_LANG, else Spanish for a ';' file (Spanish Excel), else none (field names)."""
    if chosen:
        return chosen
    if os.environ.get("CRM_LANG"):
        return default_lang()
    return "es" if separator == ";" else None


def run(args: argparse.Namespace) -> int:
    """Write one table as CSV that `import` reads back; exit code 0, 2 on a bad separator or an unwritable file."""
    separator = "\t" if args.sep.lower() in ("tab", "\\t") else args.sep
    if len(separator) != 1:
        print(f"error: the separator must be one character, got {args.sep!r}", file=sys.stderr)
        return 2
    engine = get_engine(args.url)
    viewer = None if args.as_user is None else viewer_by_email(engine, args.as_user)
    with acting_as(viewer):
        frame = export_frame(engine, args.kind)
    frame = frame.rename(columns=export_headers(args.kind, header_lang(args.lang, separator)))
    data = to_csv_bytes(frame, separator=separator, decimal="," if separator == ";" else ".")
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{args.kind}: {len(frame)} rows written to {args.out}")
    return 0
