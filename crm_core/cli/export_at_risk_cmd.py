"""`export-at-risk --out FILE`: the Health page's at-risk CSV, from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from crm_core.analytics.settings import DEFAULT_SETTINGS
from crm_core.auth.scope import EVERYTHING, scope_rows, visible_client_ids
from crm_core.auth.users import viewer_by_email
from crm_core.config import business_today
from crm_core.db import get_engine
from crm_core.i18n import LANGS, default_lang
from crm_core.io.at_risk import SEPARATORS, to_csv_bytes
from crm_core.store.frames import load_frames
from crm_core.views.at_risk import at_risk_export
from crm_core.views.health import health_table


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export-at-risk` sub-command (the Health page's CSV from the command line)."""
    parser = subparsers.add_parser(
        "export-at-risk",
        help="export the clients at risk as CSV (UTF-8 with BOM)",
        description=f"Write the at-risk clients (churn score >= {DEFAULT_SETTINGS.at_risk_churn_min:g} or default risk "
        f"{'/'.join(DEFAULT_SETTINGS.at_risk_levels)}, "
        "most severe first) as CSV, with the reason and the suggested action for each.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    parser.add_argument("--as-of", type=_date, metavar="DATE", help="figures as of this date (default: today)")
    parser.add_argument("--sep", choices=SEPARATORS, default=",", help="column separator (';' also gives a decimal comma)")
    parser.add_argument("--lang", choices=LANGS, default=None, help="headers and texts (default: CRM_LANG, else en)")
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or data/crm.sqlite3)")
    parser.add_argument("--as", dest="as_user", metavar="EMAIL", help="only the clients this user sees (a rep: their own)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the at-risk CSV for --as-of in --lang with --sep; exit code 0, 2 when the file cannot be written."""
    as_of = args.as_of or business_today()
    lang = args.lang or default_lang()
    engine = get_engine(args.url)
    scope = EVERYTHING if args.as_user is None else viewer_by_email(engine, args.as_user).scope
    # Figures for the whole portfolio, then cut to the user's clients (crm_core.auth.scope).
    health = scope_rows(health_table(load_frames(engine), as_of), visible_client_ids(engine, scope))
    frame = at_risk_export(health, lang)
    try:
        args.out.write_bytes(to_csv_bytes(frame, args.sep, lang))
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{len(frame)} clients at risk as of {as_of.isoformat()} written to {args.out}")
    return 0
