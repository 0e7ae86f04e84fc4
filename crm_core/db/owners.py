"""Free-text owners to user references: every owner name gets a user (made inactive, without a
password, when none has that name) and every `owner_id` is filled from its `owner` text.

Set-based SQL on a connection, so the migration, the demo loader and bulk imports share it.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crm_core.db.types import UTCDateTime, utcnow

OWNED_TABLES: tuple[str, ...] = ("clients", "activities", "opportunities")
PLACEHOLDER_DOMAIN = "owners.invalid"  # RFC 2606: never a real mailbox; the user gets a real one later

_users = sa.table(
    "users",
    sa.column("user_id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("display_name", sa.String),
    sa.column("role", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("password_hash", sa.String),
    sa.column("demo", sa.Boolean),
    sa.column("created_at", UTCDateTime()),
)


def placeholder_email(name: str, taken: set[str]) -> str:
    """`ana.lopez@owners.invalid` for "Ana López" (with -2, -3... when taken); `taken` is updated."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    local = re.sub(r"[^a-z0-9]+", ".", ascii_name).strip(".")[:50] or "owner"
    email, n = f"{local}@{PLACEHOLDER_DOMAIN}", 1
    while email in taken:
        n += 1
        email = f"{local}-{n}@{PLACEHOLDER_DOMAIN}"
    taken.add(email)
    return email


def link_owners(conn: Connection, *, relink: bool = False) -> int:
    """Make a user for each owner name no user has (case and outer spaces ignored), then fill every
    NULL `owner_id` whose `owner` names a user. With `relink` (after a bulk update of `owner`
    texts), a row whose `owner` no longer reads as its user's name is linked anew. Returns how many
    users were made."""
    if relink:
        for table in OWNED_TABLES:
            conn.execute(
                sa.text(
                    f"UPDATE {table} SET owner_id = NULL WHERE owner_id IS NOT NULL AND "  # noqa: S608 (fixed names)
                    f"(owner IS NULL OR owner <> (SELECT u.display_name FROM users u WHERE u.user_id = {table}.owner_id))"
                )
            )
    names: dict[str, str] = {}
    spellings: dict[str, set[str]] = {}
    for table in OWNED_TABLES:
        rows = conn.execute(
            sa.text(
                f"SELECT DISTINCT owner FROM {table} WHERE owner IS NOT NULL AND owner_id IS NULL"  # noqa: S608 (fixed names)
            )
        )
        spellings[table] = {str(owner) for (owner,) in rows}
        # The tidiest spelling names the user: no outer spaces, not all lower-case.
        for owner in sorted(spellings[table], key=lambda o: (o != o.strip(), o.strip().islower(), o)):
            clean = owner.strip()
            if clean:
                names.setdefault(clean.lower(), clean)
    known = {str(n).strip().lower() for (n,) in conn.execute(sa.select(_users.c.display_name))}
    taken = {str(e) for (e,) in conn.execute(sa.select(_users.c.email))}
    new = [
        {
            "email": placeholder_email(name, taken),
            "display_name": name[:100],
            "role": "rep",
            "active": False,
            "password_hash": None,
            "demo": False,
            "created_at": utcnow(),
        }
        for key, name in sorted(names.items())
        if key not in known
    ]
    if new:
        conn.execute(sa.insert(_users), new)
    # Matched in Python: SQLite's lower() leaves non-ASCII letters (Á, Ñ) as they are.
    ids: dict[str, int] = {}
    for user_id, name in conn.execute(sa.select(_users.c.user_id, _users.c.display_name).order_by(_users.c.user_id)):
        ids.setdefault(str(name).strip().lower(), int(user_id))
    for table in OWNED_TABLES:
        for owner in sorted(spellings[table]):
            user_id = ids.get(owner.strip().lower())
            if user_id is not None:
                conn.execute(
                    sa.text(f"UPDATE {table} SET owner_id = :uid WHERE owner = :owner AND owner_id IS NULL"),  # noqa: S608
                    {"uid": user_id, "owner": owner},
                )
    return len(new)
