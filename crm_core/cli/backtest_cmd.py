"""`backtest --as-of DATE [--times N [--every DAYS]] [--url URL | --cdnow [PATH]]`: score the expected
revenue against history, at one date or at N dates DAYS apart ending at DATE: the recurring forecast per
client, then (database only) each part of the Overview's expected revenue, pipeline included."""

from __future__ import annotations

import argparse
from datetime import date

from crm_core.errors import CRMError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _horizons(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of days: {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("horizons must be whole days >= 1")
    return values


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {value}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `backtest` sub-command (forecast accuracy at a past date)."""
    parser = subparsers.add_parser(
        "backtest",
        help="forecast as of a past date and compare with what was invoiced next",
    )
    parser.add_argument("--as-of", type=_date, required=True, help="forecast date (YYYY-MM-DD)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--url", help="database URL (default: DATABASE_URL or data/crm.sqlite3)")
    source.add_argument(
        "--cdnow",
        nargs="?",
        const="",
        metavar="PATH",
        help="use the public CDNOW purchases instead of a database (default: docs/data copy)",
    )
    parser.add_argument("--horizons", type=_horizons, default=(30, 90), help="days, comma-separated (default 30,90)")
    parser.add_argument(
        "--times",
        type=_positive,
        default=1,
        help="forecast at this many dates, ending at --as-of, and print one line per date and horizon",
    )
    parser.add_argument("--every", type=_positive, default=30, metavar="DAYS", help="days between those dates (default 30)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Forecast as of --as-of, compare with what was invoiced next and print the table; exit code 0."""
    from crm_core.analytics.backtest import (
        backtest_dates,
        format_backtest,
        format_rolling,
        rolling_backtest,
        run_backtest,
    )
    from crm_core.analytics.pipeline_backtest import format_parts, score_parts

    if args.cdnow is not None:
        from crm_core.io.cdnow import load_cdnow

        frames = load_cdnow(args.cdnow or None)
        source = "CDNOW"
    else:
        from crm_core.db import get_engine
        from crm_core.store.frames import load_frames

        frames = load_frames(get_engine(args.url))
        source = "database"
    if args.times > 1:
        dates = backtest_dates(args.as_of, args.every, args.times)
        table = rolling_backtest(frames, dates, args.horizons)
        print(
            format_rolling(
                table,
                f"Recurring forecast backtest ({source}) at {args.times} dates, every {args.every} days, ending {args.as_of}",
            )
        )
    else:
        if not (frames.invoices["issue_date"] <= str(args.as_of)).any():
            raise CRMError("no_invoice_before", {"as_of": args.as_of})
        dates = [args.as_of]
        table = run_backtest(frames, args.as_of, args.horizons)
        print(format_backtest(table, f"Recurring forecast backtest ({source}) as of {args.as_of}"))
    if not frames.opportunities.empty:
        scores = score_parts(frames, dates, args.horizons)
        print()
        print(
            format_parts(
                scores, f"Expected revenue by part, portfolio totals ({source}), {len(dates)} date(s) ending {args.as_of}"
            )
        )
    return 0
