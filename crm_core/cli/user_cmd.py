"""`user add|list|disable|set-password` and `token create|revoke|list`: the team's accounts.

A password is read from a prompt that does not echo it (twice, to catch a typo), or from the first
line of standard input with `--password-stdin`; it is never an argument (shell history, `ps`).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from crm_core.auth.scope import ROLES
from crm_core.auth.tokens import create_token, list_tokens, revoke_token
from crm_core.auth.users import add_user, disable_user, list_users, set_password
from crm_core.db import get_engine
from crm_core.errors import ValidationError

URL_HELP = "database URL (default: DATABASE_URL or data/crm.sqlite3)"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `user` and `token` sub-commands."""
    user = subparsers.add_parser("user", help="add, list, disable users; set a password")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user (the password is asked for)")
    add.add_argument("email")
    add.add_argument("--name", required=True, help="display name (the owner name shown on clients)")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--url", help=URL_HELP)
    add.set_defaults(func=run_add)
    listing = actions.add_parser("list", help="list users")
    listing.add_argument("--url", help=URL_HELP)
    listing.set_defaults(func=run_list)
    disable = actions.add_parser("disable", help="stop a user signing in (and revoke their API tokens)")
    disable.add_argument("email")
    disable.add_argument("--url", help=URL_HELP)
    disable.set_defaults(func=run_disable)
    setpw = actions.add_parser("set-password", help="set a user's password (and enable the user)")
    setpw.add_argument("email")
    setpw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    setpw.add_argument("--url", help=URL_HELP)
    setpw.set_defaults(func=run_set_password)

    token = subparsers.add_parser("token", help="create, list, revoke API tokens")
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create an API token for a user (printed once)")
    create.add_argument("email")
    create.add_argument("--name", help="a label to recognise the token by")
    create.add_argument("--url", help=URL_HELP)
    create.set_defaults(func=run_token_create)
    revoke = actions.add_parser("revoke", help="revoke a token (its id from `token list`, or the token)")
    revoke.add_argument("token")
    revoke.add_argument("--url", help=URL_HELP)
    revoke.set_defaults(func=run_token_revoke)
    tokens = actions.add_parser("list", help="list tokens (never their values)")
    tokens.add_argument("--url", help=URL_HELP)
    tokens.set_defaults(func=run_token_list)


def read_password(from_stdin: bool) -> str:
    """The new password: the first line of standard input, or typed twice at a prompt without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ValidationError.on("password", "passwords_differ")
    return first


def run_add(args: argparse.Namespace) -> int:
    viewer = add_user(get_engine(args.url), args.email, args.name, args.role, read_password(args.password_stdin))
    print(f"user {viewer.email} added ({viewer.role}, {viewer.name})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    users = list_users(get_engine(args.url))
    if not users:
        print("no users: the app runs open (add one with `user add EMAIL --name NAME --role manager`)")
    for u in users:
        state = "active" if u.active else ("disabled" if u.has_password else "no password yet")
        print(f"{u.user_id:>4}  {u.email:<40}  {u.role:<8}  {state:<16}  {u.name}")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    disable_user(get_engine(args.url), args.email)
    print(f"user {args.email.strip().lower()} disabled")
    return 0


def run_set_password(args: argparse.Namespace) -> int:
    set_password(get_engine(args.url), args.email, read_password(args.password_stdin))
    print(f"password of {args.email.strip().lower()} set")
    return 0


def run_token_create(args: argparse.Namespace) -> int:
    token_id, token = create_token(get_engine(args.url), args.email, args.name)
    print(token)
    print(f"token {token_id} for {args.email.strip().lower()}: copy it now, it is not shown again", file=sys.stderr)
    return 0


def run_token_revoke(args: argparse.Namespace) -> int:
    revoke_token(get_engine(args.url), args.token)
    print("token revoked")
    return 0


def run_token_list(args: argparse.Namespace) -> int:
    for t in list_tokens(get_engine(args.url)):
        state = "revoked" if t.revoked else "active"
        print(f"{t.token_id:>4}  {t.email:<40}  {state:<8}  {t.created_at:%Y-%m-%d %H:%M}  {t.name or ''}")
    return 0
