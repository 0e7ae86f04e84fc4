"""Command-line entry point; each sub-command lives in its own module with `register()`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from crm_core.errors import CRMError
from crm_core.memory import prepare_process_memory

# Each module defines register(subparsers) and sets `func` on its parser(s).
COMMAND_MODULES: tuple[str, ...] = (
    "crm_core.cli.db_cmd",
    "crm_core.cli.demo_cmd",
    "crm_core.cli.import_cmd",
    "crm_core.cli.export_cmd",
    "crm_core.cli.backtest_cmd",
    "crm_core.cli.export_at_risk_cmd",
    "crm_core.cli.user_cmd",
    "crm_core.cli.api_cmd",
    "crm_core.cli.claims_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crm_core", description="SmartBilling CRM tools")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    prepare_process_memory()
    try:
        return int(args.func(args) or 0)
    except CRMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ArgumentError as exc:
        print(f"error: not a valid database URL ({exc})", file=sys.stderr)
        return 2
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(f"error: cannot open the database: {reason}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"error: the database refused the operation: {exc}", file=sys.stderr)
        return 1
