"""The demo's team: a manager and two reps (the two owners with most clients), with known passwords.

Added after the portfolio is written, so the generated rows and their random streams are untouched;
every other owner of the portfolio becomes an inactive user without a password. The sign-in screen
shows these accounts while they keep their demo passwords (`user set-password` ends that).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from crm_core.auth.users import add_user
from crm_core.db.models import Client, User
from crm_core.db.owners import PLACEHOLDER_DOMAIN, link_owners, placeholder_email

DEMO_DOMAIN = "demo.example"
MANAGER_NAME = "Demo Manager"
PASSWORDS: dict[str, str] = {"manager": "demo-manager", "rep": "demo-rep"}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    password: str


def add_demo_users(engine: Engine) -> list[DemoAccount]:
    """Link the portfolio's owners to users, then add the demo manager and make the two busiest
    owners reps who can sign in. Returns the three accounts."""
    with engine.begin() as conn:
        link_owners(conn)
        busiest = (
            conn.execute(
                select(Client.owner)
                .where(Client.owner.is_not(None))
                .group_by(Client.owner)
                .order_by(func.count().desc(), Client.owner)
                .limit(2)
            )
            .scalars()
            .all()
        )
    accounts = [DemoAccount(f"manager@{DEMO_DOMAIN}", MANAGER_NAME, "manager", PASSWORDS["manager"])]
    for name in (str(n) for n in busiest):
        email = placeholder_email(name, set()).replace(PLACEHOLDER_DOMAIN, DEMO_DOMAIN)
        accounts.append(DemoAccount(email, name, "rep", PASSWORDS["rep"]))
    for account in accounts:
        add_user(engine, account.email, account.name, account.role, account.password, demo=True)
    return accounts


def demo_accounts(engine: Engine) -> list[DemoAccount]:
    """The demo accounts that can still sign in with their demo password (none on a real database)."""
    with engine.connect() as conn:
        rows = (
            conn.execution_options(crm_readonly=True)
            .execute(
                select(User.email, User.display_name, User.role)
                .where(User.demo.is_(True), User.active.is_(True))
                .order_by(User.role, User.display_name)
            )
            .all()
        )
    return [DemoAccount(email, name, role, PASSWORDS[role]) for email, name, role in rows]
