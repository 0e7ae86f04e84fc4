"""invoice numbers unique without case: a unique index on lower(number)

`F-1` and `f-1` are one invoice, as people read numbers; the services and the importer already
compare numbers this way before writing, and this index makes the database refuse the second
one even when two writers race. A database that already holds numbers differing only in case is
not changed: the upgrade stops naming them (renaming a fiscal invoice number is a decision for a
person, not for a migration), and runs once they are renamed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_core.errors import SchemaUpgradeError

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# How many clashing groups the refusal lists.
SHOWN = 10


def _case_clashes(bind: sa.Connection) -> list[str]:
    """Each group of invoice numbers equal without case, as `F-1 (invoice 3) / f-1 (invoice 7)`."""
    rows = bind.execute(
        sa.text(
            "SELECT lower(number) AS folded, number, invoice_id FROM invoices WHERE lower(number) IN "
            "(SELECT lower(number) FROM invoices GROUP BY lower(number) HAVING COUNT(*) > 1) "
            "ORDER BY lower(number), invoice_id"
        )
    ).all()
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(row.folded, []).append(f"{row.number} (invoice {row.invoice_id})")
    return [" / ".join(members) for members in groups.values()]


def upgrade() -> None:
    clashes = _case_clashes(op.get_bind())
    if clashes:
        raise SchemaUpgradeError(
            "invoice_numbers_differ_in_case",
            {"count": len(clashes), "groups": "; ".join(clashes[:SHOWN]), "revision": revision},
        )
    op.create_index("uq_invoices_number_lower", "invoices", [sa.text("lower(number)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_invoices_number_lower", table_name="invoices")
