"""`db upgrade` / `db current`: schema migrations."""

from __future__ import annotations

import argparse

from crm_core.db import create_raw_engine, default_url
from crm_core.db.migrate import current_revision, upgrade


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `db` sub-command (schema revision, upgrade)."""
    parser = subparsers.add_parser("db", help="database schema migrations")
    parser.add_argument("action", choices=["upgrade", "current"])
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or data/crm.sqlite3)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Show or upgrade the database schema; exit code 0."""
    engine = create_raw_engine(args.url or default_url())
    if args.action == "upgrade":
        upgrade(engine)
    print(f"schema revision: {current_revision(engine)}")
    return 0
