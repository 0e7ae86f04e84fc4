"""table change counters (PostgreSQL): the database counts the committed writes of each frame table

`table_changes` holds one counter per table, moved by the database itself: a statement-level trigger
on each frame table (and `users`, which the clients' fingerprint covers) notes the table in the
writing transaction, and a deferred trigger adds one to each noted table's counter when that
transaction commits. `store.fingerprints` reads the counters (one small query) instead of counting
millions of rows, and they show every write, an in-place edit of any table included.

- In the writer's transaction: a rolled-back write (or savepoint) counts nothing, a committed one shows
  together with its rows.
- At commit, not at the write: the counter rows are locked only while the transaction commits, in
  table-name order, so a long import does not hold up the app's writes to the same table for its whole
  length, and two transactions writing the same tables in different orders cannot deadlock on them.
- Per statement, not per row: COPY and a multi-row INSERT cost one trigger call; an `executemany` one
  call per statement (a function call and a look at a transaction-local setting).
- TRUNCATE counts too. A statement that touched no row still counts (a needless reload, never a missed one).

SQLite is left as it is: it has only row-level triggers (a cost on every imported row) and its COUNTs
over the frame tables are cheap. The upgrade creates two small tables, two functions and the triggers;
no table is rewritten or scanned. The downgrade drops them all.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables counted (as of this revision: a later table gets its trigger in its own revision).
COUNTED = (
    "clients",
    "contacts",
    "activities",
    "opportunities",
    "opportunity_stage_history",
    "invoices",
    "payments",
    "users",
)

# Where a counter starts: the microseconds since 1970 when it is created, so counters created again (a
# downgrade and upgrade) never repeat values a running server saw before.
_START = "floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"

# The setting naming the tables the current transaction wrote, as ",clients,invoices," (transaction-local).
_NOTED = "crm.changed_tables"

_CREATE = [
    "CREATE TABLE table_changes (table_name text PRIMARY KEY, changes bigint NOT NULL)",
    # One row per writing transaction, from its first write to its commit: its insert queues the
    # deferred trigger that counts the transaction's writes.
    "CREATE TABLE table_changes_due (txid bigint NOT NULL DEFAULT txid_current())",
    f"""CREATE FUNCTION crm_note_table_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    noted text := coalesce(current_setting('{_NOTED}', true), '');
BEGIN
    IF noted = '' THEN
        INSERT INTO table_changes_due DEFAULT VALUES;
        noted := ',';
    END IF;
    IF position(',' || TG_TABLE_NAME || ',' IN noted) = 0 THEN
        PERFORM set_config('{_NOTED}', noted || TG_TABLE_NAME || ',', true);
    END IF;
    RETURN NULL;
END
$$""",
    f"""CREATE FUNCTION crm_count_table_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT t FROM unnest(string_to_array(coalesce(current_setting('{_NOTED}', true), ''), ',')) AS t
        WHERE t <> '' ORDER BY t
    LOOP
        INSERT INTO table_changes (table_name, changes) VALUES (name, {_START})
        ON CONFLICT (table_name) DO UPDATE SET changes = table_changes.changes + 1;
    END LOOP;
    PERFORM set_config('{_NOTED}', '', true);
    DELETE FROM table_changes_due WHERE txid = NEW.txid;
    RETURN NULL;
END
$$""",
    "CREATE CONSTRAINT TRIGGER count_table_changes AFTER INSERT ON table_changes_due "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION crm_count_table_changes()",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _CREATE:
        op.execute(statement)
    values = ", ".join(f"('{table}', {_START})" for table in COUNTED)
    op.execute(f"INSERT INTO table_changes (table_name, changes) VALUES {values}")
    for table in COUNTED:
        op.execute(
            f"CREATE TRIGGER note_changes AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION crm_note_table_change()"
        )
        op.execute(
            f"CREATE TRIGGER note_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION crm_note_table_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in COUNTED:
        op.execute(f"DROP TRIGGER note_truncate ON {table}")
        op.execute(f"DROP TRIGGER note_changes ON {table}")
    op.execute("DROP TABLE table_changes_due")  # its trigger with it
    op.execute("DROP FUNCTION crm_count_table_changes()")
    op.execute("DROP FUNCTION crm_note_table_change()")
    op.execute("DROP TABLE table_changes")
