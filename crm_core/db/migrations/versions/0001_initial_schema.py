"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 06:36:50.367497
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("tax_id", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("segment", sa.String(length=60), nullable=True),
        sa.Column("industry", sa.String(length=80), nullable=True),
        sa.Column("company_size", sa.String(length=20), nullable=True),
        sa.Column("region", sa.String(length=60), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("linkedin", sa.String(length=300), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("created_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name=op.f("ck_clients_employees_nonneg")),
        sa.CheckConstraint("payment_terms_days >= 0", name=op.f("ck_clients_payment_terms_nonneg")),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_clients")),
        sa.UniqueConstraint("email", name=op.f("uq_clients_email")),
        sa.UniqueConstraint("tax_id", name=op.f("uq_clients_tax_id")),
    )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clients_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_clients_industry"), ["industry"], unique=False)
        batch_op.create_index(batch_op.f("ix_clients_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_clients_region"), ["region"], unique=False)
        batch_op.create_index(batch_op.f("ix_clients_segment"), ["segment"], unique=False)
        batch_op.create_index(batch_op.f("ix_clients_status"), ["status"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("whatsapp", sa.String(length=40), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("is_billing", sa.Boolean(), nullable=False),
        sa.Column("last_interaction_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.client_id"], name=op.f("fk_contacts_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_client_id"), ["client_id"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit_note", sa.Boolean(), nullable=False),
        sa.Column("void", sa.Boolean(), nullable=False),
        sa.CheckConstraint("(credit_note AND total < 0) OR (NOT credit_note AND total > 0)", name=op.f("ck_invoices_total_sign")),
        sa.CheckConstraint("due_date >= issue_date", name=op.f("ck_invoices_due_after_issue")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.client_id"], name=op.f("fk_invoices_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_client_id"), ["client_id"], unique=False)
        batch_op.create_index("ix_invoices_client_issue", ["client_id", "issue_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_issue_date"), ["issue_date"], unique=False)

    op.create_table(
        "activities",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("occurred_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=300), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.CheckConstraint("duration_min IS NULL OR duration_min >= 0", name=op.f("ck_activities_duration_nonneg")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.client_id"], name=op.f("fk_activities_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.contact_id"], name=op.f("fk_activities_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_client_id"), ["client_id"], unique=False)
        batch_op.create_index("ix_activities_client_occurred", ["client_id", "occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_follow_up_on"), ["follow_up_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_owner"), ["owner"], unique=False)

    op.create_table(
        "opportunities",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.Date(), nullable=True),
        sa.Column("won_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("lost_reason", sa.String(length=300), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_opportunities_amount_nonneg")),
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name=op.f("ck_opportunities_probability_range")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.client_id"], name=op.f("fk_opportunities_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.contact_id"], name=op.f("fk_opportunities_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("opportunity_id", name=op.f("pk_opportunities")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunities_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_expected_close"), ["expected_close"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_stage"), ["stage"], unique=False)

    op.create_table(
        "payments",
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.invoice_id"], name=op.f("fk_payments_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_paid_on"), ["paid_on"], unique=False)

    op.create_table(
        "opportunity_stage_history",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("changed_at", crm_core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.opportunity_id"],
            name=op.f("fk_opportunity_stage_history_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_opportunity_stage_history")),
    )
    with op.batch_alter_table("opportunity_stage_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunity_stage_history_changed_at"), ["changed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunity_stage_history_opportunity_id"), ["opportunity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opportunity_stage_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_stage_history_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_stage_history_changed_at"))

    op.drop_table("opportunity_stage_history")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_paid_on"))
        batch_op.drop_index(batch_op.f("ix_payments_invoice_id"))

    op.drop_table("payments")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunities_stage"))
        batch_op.drop_index(batch_op.f("ix_opportunities_owner"))
        batch_op.drop_index(batch_op.f("ix_opportunities_expected_close"))
        batch_op.drop_index(batch_op.f("ix_opportunities_created_at"))
        batch_op.drop_index(batch_op.f("ix_opportunities_contact_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_closed_at"))
        batch_op.drop_index(batch_op.f("ix_opportunities_client_id"))

    op.drop_table("opportunities")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_owner"))
        batch_op.drop_index(batch_op.f("ix_activities_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_activities_follow_up_on"))
        batch_op.drop_index(batch_op.f("ix_activities_contact_id"))
        batch_op.drop_index("ix_activities_client_occurred")
        batch_op.drop_index(batch_op.f("ix_activities_client_id"))

    op.drop_table("activities")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_issue_date"))
        batch_op.drop_index(batch_op.f("ix_invoices_due_date"))
        batch_op.drop_index("ix_invoices_client_issue")
        batch_op.drop_index(batch_op.f("ix_invoices_client_id"))

    op.drop_table("invoices")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_client_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_status"))
        batch_op.drop_index(batch_op.f("ix_clients_segment"))
        batch_op.drop_index(batch_op.f("ix_clients_region"))
        batch_op.drop_index(batch_op.f("ix_clients_owner"))
        batch_op.drop_index(batch_op.f("ix_clients_industry"))
        batch_op.drop_index(batch_op.f("ix_clients_created_at"))

    op.drop_table("clients")
