"""`claims --as-of DATE [--client ID] --out FILE`: Ley 3/2004 late-payment claims as CSV, or one client's claim letter as PDF."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from crm_core.analytics.late_rates import load_late_rates
from crm_core.analytics.receivables import missing_half_years
from crm_core.cli.export_at_risk_cmd import _date
from crm_core.config import business_timezone
from crm_core.db import get_engine
from crm_core.errors import NotFoundError
from crm_core.i18n import LANGS, default_lang
from crm_core.io.at_risk import SEPARATORS
from crm_core.io.letters import claim_letter_pdf, recipient_of, sender_from_env
from crm_core.io.receivables import claims_csv, provisional_note
from crm_core.store.frames import load_frames
from crm_core.views.receivables import claim_total, portfolio_claims


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `claims` sub-command."""
    parser = subparsers.add_parser(
        "claims",
        help="late-payment claims (Ley 3/2004) as CSV, or a client's claim letter as PDF",
        description="Statutory interest (ECB rate + 8 points per half-year, due date capped at 60 days from issue) "
        "and 40 EUR per invoice, for every invoice paid late or still overdue as of --as-of. "
        "FILE ending in .pdf writes the claim letter of --client; any other name writes CSV (UTF-8 with BOM).",
    )
    parser.add_argument("--as-of", type=_date, metavar="DATE", help="claims as of this date (default: today)")
    parser.add_argument("--client", type=int, metavar="ID", help="only this client (required for a PDF letter)")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    parser.add_argument("--sep", choices=SEPARATORS, default=",", help="CSV column separator (';' gives a decimal comma)")
    parser.add_argument("--lang", choices=LANGS, default=None, help="headers and texts (default: CRM_LANG, else en)")
    parser.add_argument("--rates", metavar="FILE", help="extra half-year rates, as CRM_LATE_RATES (default: that variable)")
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or data/crm.sqlite3)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the claims; exit 0, 1 on a bad rates file or an unknown client, 2 when FILE cannot be written."""
    as_of = args.as_of or datetime.now(business_timezone()).date()
    lang = args.lang or default_lang()
    pdf = args.out.suffix.lower() == ".pdf"
    if pdf and args.client is None:
        print("error: --client ID is required for a PDF claim letter", file=sys.stderr)
        return 2
    rates = load_late_rates(args.rates)
    frames = load_frames(get_engine(args.url))
    if args.client is not None and not (frames.clients["client_id"] == args.client).any():
        raise NotFoundError("client", args.client)
    claims = portfolio_claims(frames, as_of, rates, args.client)
    if pdf:
        client = frames.clients.loc[frames.clients["client_id"] == args.client].iloc[0]
        payload = claim_letter_pdf(claims, sender_from_env(), recipient_of(client), as_of, lang, rates)
    else:
        payload = claims_csv(claims, frames.clients, lang, rates.where_to_add, args.sep)
    try:
        args.out.write_bytes(payload)
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    total = claim_total(claims)
    print(
        f"{len(claims)} invoices with a late-payment claim as of {as_of.isoformat()} "
        f"(EUR {total:,.2f} claimable) written to {args.out}"
    )
    for half_years in missing_half_years(claims):
        print("warning: " + provisional_note(half_years, rates.where_to_add, "en"), file=sys.stderr)
    return 0
