"""team use: users, API tokens, sign-in failures, audit log; owner columns reference users

Every free-text owner of a client, activity or deal becomes an inactive user without a password
(crm_core.db.owners.link_owners), and the rows point at it through `owner_id`.

Revision ID: 0003
Revises: 0002_idempotency_keys
Create Date: 2026-12-06 04:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.db.types
from crm_core.db.owners import OWNED_TABLES, link_owners

revision: str = "0003"
down_revision: str | None = "0002_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('manager', 'rep')", name=op.f("ck_users_role_known")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "sign_in_failures",
        sa.Column("failure_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("failed_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("failure_id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(op.f("ix_sign_in_failures_email"), "sign_in_failures", ["email"], unique=False)
    op.create_index(op.f("ix_sign_in_failures_failed_at"), "sign_in_failures", ["failed_at"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("at", crm_core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_audit_log_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_client_id"), "audit_log", ["client_id"], unique=False)
    op.create_index(op.f("ix_audit_log_user_id"), "audit_log", ["user_id"], unique=False)

    # On SQLite a batch copies each table (env.py switches foreign keys off meanwhile).
    for table in OWNED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_owner_id_users"), "users", ["owner_id"], ["user_id"], ondelete="SET NULL"
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_owner_id"), ["owner_id"], unique=False)
    link_owners(op.get_bind())


def downgrade() -> None:
    for table in OWNED_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_owner_id"))
            batch_op.drop_column("owner_id")
    op.drop_table("audit_log")
    op.drop_table("sign_in_failures")
    op.drop_table("api_tokens")
    op.drop_table("users")
