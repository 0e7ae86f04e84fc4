"""`demo --clients N --seed S [--url URL] [--as-of DATE]`: load the demo portfolio."""

from __future__ import annotations

import argparse
from datetime import date

from crm_core.db import default_url, get_engine
from crm_core.demo import generate_demo
from crm_core.errors import ValidationError


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `demo` sub-command (a deterministic demo portfolio)."""
    parser = subparsers.add_parser("demo", help="fill an empty database with a deterministic demo portfolio")
    parser.add_argument("--clients", type=int, default=1000, help="number of clients (default 1000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed: same seed, same data (default 42)")
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or data/crm.sqlite3)")
    parser.add_argument("--as-of", type=_as_of, dest="as_of", help="last day of the history (default: today)")
    parser.add_argument(
        "--no-users",
        dest="users",
        action="store_false",
        help="leave out the demo team (a manager and two reps): the app then runs open, without sign-in",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Fill the database with demo data and print what was written; exit code 0."""
    url = args.url or default_url()
    try:
        engine = get_engine(url)
    except Exception as exc:  # a bad URL or an unreachable server is a user error here
        raise ValidationError.on("url", "cannot_open_database", detail=str(exc)) from None
    stats = generate_demo(engine, args.clients, args.seed, args.as_of, users=args.users)
    print(f"demo portfolio: {stats.clients} clients, seed {stats.seed}, history up to {stats.as_of.isoformat()}")
    width = max(len(name) for name in stats.rows)
    for name, count in stats.rows.items():
        print(f"  {name:<{width}}  {count:>10,}")
    print(f"done in {stats.total_seconds:.1f} s (generate {stats.seconds['generate']:.1f} s)")
    if args.users:
        from crm_core.demo.users import demo_accounts

        print("demo sign-in (shown on the sign-in screen while these passwords last):")
        for account in demo_accounts(engine):
            print(f"  {account.role:<8} {account.email:<36} password {account.password}")
    return 0
