"""A cheap fingerprint of every table, read in one query, to notice writes made by another process.

On PostgreSQL the database counts its own writes: schema revision 0005 adds a `table_changes` counter
per table, moved by triggers in each writing transaction at its commit (see that revision's docstring),
so a fingerprint is that counter (the clients' one with the users' counter beside it). It shows every
committed write, in-place edits of any table included, and reading it costs one small query instead of
counting millions of rows (about 1 s at 100,000 clients: docs/design.md §3.5).

Elsewhere (SQLite, or a PostgreSQL database without the counters), per table: the row count and the
highest id (any insert or delete), plus the sum of `version` and the latest `updated_at` where the
table has them (any edit of a client or an opportunity). An in-place edit of a table without either
column (an activity marked done, a contact edited) does not show. The clients' fingerprint also covers
the users table (count, highest id, active ones), which has no frame: a user added or disabled
elsewhere (the CLI) renews the owner pickers' cached names.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.sql.selectable import ScalarSelect

from crm_core.db.models import User
from crm_core.store.frames import COLUMNS, MODELS, TABLES

Fingerprints = dict[str, tuple[Any, ...]]

# The first element of a fingerprint read from the change counters (see `exact`).
CHANGES = "changes"

# The counters' table (schema revision 0005, PostgreSQL only), and the tables whose counter joins each frame's.
CHANGES_TABLE = "table_changes"
_COUNTED: dict[str, tuple[str, ...]] = {
    name: (str(MODELS[name].__tablename__),) + (("users",) if name == "clients" else ()) for name in TABLES
}
# Engines whose database was found to hold the counters (asked once per engine; forgotten if they vanish).
_counted_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _marks(name: str) -> list[ScalarSelect[Any]]:
    """The scalar subqueries that make up one table's fingerprint (databases without counters)."""
    model = MODELS[name]
    key = getattr(model, COLUMNS[name][0])
    marks = [select(func.count()).select_from(model).scalar_subquery(), select(func.max(key)).scalar_subquery()]
    if hasattr(model, "version"):
        marks.append(select(func.sum(model.version)).scalar_subquery())
    if hasattr(model, "updated_at"):
        marks.append(select(func.max(model.updated_at)).scalar_subquery())
    if name == "clients":  # the owners: see the module docstring
        marks += [
            select(func.count()).select_from(User).scalar_subquery(),
            select(func.max(User.user_id)).scalar_subquery(),
            select(func.count()).select_from(User).where(User.active.is_(True)).scalar_subquery(),
        ]
    return marks


def counts_changes(engine: Engine) -> bool:
    """Whether the database keeps the change counters (PostgreSQL at schema revision 0005 or later)."""
    if engine.dialect.name != "postgresql":
        return False
    if engine in _counted_engines:
        return True
    with engine.connect() as conn:
        found = conn.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": CHANGES_TABLE}).scalar_one()
    if found:
        _counted_engines.add(engine)
    return bool(found)


def changes_fingerprints(conn: Connection) -> Fingerprints:
    """Each table's fingerprint from the change counters (a table without a counter row reads 0)."""
    changes = {row[0]: row[1] for row in conn.execute(text(f"SELECT table_name, changes FROM {CHANGES_TABLE}"))}
    return {name: (CHANGES, *(changes.get(table, 0) for table in tables)) for name, tables in _COUNTED.items()}


def row_fingerprints(conn: Connection) -> Fingerprints:
    """Each table's fingerprint from its rows: counts, highest ids, version sums (see the module docstring)."""
    owners = [(name, mark) for name in TABLES for mark in _marks(name)]
    query = select(*(mark.label(f"mark_{i}") for i, (_, mark) in enumerate(owners)))
    row = conn.execute(query).one()
    prints: Fingerprints = {name: () for name in TABLES}
    for (name, _), value in zip(owners, row, strict=True):
        prints[name] += (value,)
    return prints


def exact(prints: Fingerprints) -> bool:
    """Whether `prints` came from the change counters: a table whose fingerprint stayed the same was not written."""
    return bool(prints) and all(mark[:1] == (CHANGES,) for mark in prints.values())


def table_fingerprints(engine: Engine) -> Fingerprints:
    """Each table's fingerprint (a tuple compared for equality only), all read in one read-only query."""
    if counts_changes(engine):
        try:
            with engine.connect() as conn:
                return changes_fingerprints(conn.execution_options(crm_readonly=True))
        except ProgrammingError:  # the counters went away (a downgrade under a running server)
            _counted_engines.discard(engine)
    with engine.connect() as conn:
        return row_fingerprints(conn.execution_options(crm_readonly=True))
