"""A cheap fingerprint of every table, read in one query, to notice writes made by another process.

Per table: the row count and the highest id (any insert or delete), plus the sum of `version` and the
latest `updated_at` where the table has them (any edit of a client or an opportunity). An in-place
edit of a table without either column (an activity marked done, a contact edited) does not show.
The clients' fingerprint also covers the users table (count, highest id, active ones), which has no
frame: a user added or disabled elsewhere (the CLI) renews the owner pickers' cached names.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.sql.selectable import ScalarSelect

from crm_core.db.models import User
from crm_core.store.frames import COLUMNS, MODELS, TABLES

Fingerprints = dict[str, tuple[Any, ...]]


def _marks(name: str) -> list[ScalarSelect[Any]]:
    """The scalar subqueries that make up one table's fingerprint."""
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


def table_fingerprints(engine: Engine) -> Fingerprints:
    """Each table's fingerprint (a tuple compared for equality only), all read in one read-only query."""
    owners = [(name, mark) for name in TABLES for mark in _marks(name)]
    query = select(*(mark.label(f"mark_{i}") for i, (_, mark) in enumerate(owners)))
    with engine.connect() as conn:
        row = conn.execution_options(crm_readonly=True).execute(query).one()
    prints: Fingerprints = {name: () for name in TABLES}
    for (name, _), value in zip(owners, row, strict=True):
        prints[name] += (value,)
    return prints
