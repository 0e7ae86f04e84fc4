"""SQLAlchemy 2 ORM tables. The schema itself is built by the Alembic migrations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from crm_core.db.types import Money, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A person who signs in: a manager sees every client, a rep only the clients they own.

    `owner` columns keep the display name for reading; `owner_id` is the reference. A user made from
    a free-text owner (migration 0002, an import) has no password and is inactive until given one.
    """

    __tablename__ = "users"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), default="rep")
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("role IN ('manager', 'rep')", name="role_known"),)


class ApiToken(Base):
    """An API token: only its SHA-256 is stored; the token itself is shown once, when created."""

    __tablename__ = "api_tokens"

    token_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInFailure(Base):
    """One wrong password (or unknown email) for an email, kept for the lock-out rule."""

    __tablename__ = "sign_in_failures"

    failure_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # as typed, lower-case
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditEntry(Base):
    """One change by one user: a row created or deleted, or one field's old and new value."""

    __tablename__ = "audit_log"

    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id", ondelete="SET NULL"), index=True)
    client_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the history outlives a delete
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class Client(Base):
    __tablename__ = "clients"

    client_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    tax_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="prospect", index=True)
    segment: Mapped[str | None] = mapped_column(String(60), index=True)
    industry: Mapped[str | None] = mapped_column(String(80), index=True)
    company_size: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(60), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(300))
    linkedin: Mapped[str | None] = mapped_column(String(300))
    employees: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id", ondelete="SET NULL"), index=True)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    contacts: Mapped[list[Contact]] = relationship(back_populates="client", cascade="all, delete-orphan", passive_deletes=True)
    activities: Mapped[list[Activity]] = relationship(back_populates="client", cascade="all, delete-orphan", passive_deletes=True)
    opportunities: Mapped[list[Opportunity]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )
    invoices: Mapped[list[Invoice]] = relationship(back_populates="client", cascade="all, delete-orphan", passive_deletes=True)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("payment_terms_days >= 0", name="payment_terms_nonneg"),
        CheckConstraint("employees IS NULL OR employees >= 0", name="employees_nonneg"),
    )


class Contact(Base):
    __tablename__ = "contacts"

    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    whatsapp: Mapped[str | None] = mapped_column(String(40))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    is_billing: Mapped[bool] = mapped_column(Boolean, default=False)
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)

    client: Mapped[Client] = relationship(back_populates="contacts")


class Activity(Base):
    __tablename__ = "activities"

    activity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.contact_id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_min: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id", ondelete="SET NULL"), index=True)
    done: Mapped[bool] = mapped_column(Boolean, default=True)
    outcome: Mapped[str | None] = mapped_column(String(300))
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)

    client: Mapped[Client] = relationship(back_populates="activities")

    __table_args__ = (CheckConstraint("duration_min IS NULL OR duration_min >= 0", name="duration_nonneg"),)


class Opportunity(Base):
    __tablename__ = "opportunities"

    opportunity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.contact_id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Money)
    stage: Mapped[str] = mapped_column(String(20), index=True)
    probability: Mapped[int] = mapped_column(Integer)
    expected_close: Mapped[date | None] = mapped_column(Date, index=True)
    closed_at: Mapped[date | None] = mapped_column(Date, index=True)
    won_amount: Mapped[Decimal | None] = mapped_column(Money)
    lost_reason: Mapped[str | None] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id", ondelete="SET NULL"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    client: Mapped[Client] = relationship(back_populates="opportunities")
    history: Mapped[list[StageChange]] = relationship(
        back_populates="opportunity",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="StageChange.changed_at",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability_range"),
    )


class StageChange(Base):
    """One move of an opportunity between stages (from_stage is NULL at creation)."""

    __tablename__ = "opportunity_stage_history"

    change_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.opportunity_id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    opportunity: Mapped[Opportunity] = relationship(back_populates="history")


class Invoice(Base):
    __tablename__ = "invoices"

    invoice_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    issue_date: Mapped[date] = mapped_column(Date, index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    total: Mapped[Decimal] = mapped_column(Money)
    credit_note: Mapped[bool] = mapped_column(Boolean, default=False)
    void: Mapped[bool] = mapped_column(Boolean, default=False)

    client: Mapped[Client] = relationship(back_populates="invoices")
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        CheckConstraint(
            "(credit_note AND total < 0) OR (NOT credit_note AND total > 0)",
            name="total_sign",
        ),
    )


class Payment(Base):
    __tablename__ = "payments"

    payment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.invoice_id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str | None] = mapped_column(String(20))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


Index("ix_invoices_client_issue", Invoice.client_id, Invoice.issue_date)
# Numbers are unique without case (F-1 and f-1 are one invoice); the name starts with uq_invoices_number,
# so services._common.integrity_to_domain reports a clash as the duplicate-number error (migration 0004).
Index("uq_invoices_number_lower", func.lower(Invoice.number), unique=True)
Index("ix_activities_client_occurred", Activity.client_id, Activity.occurred_at)


def table_of(model: type[Base]) -> Table:
    """The Core table of an ORM model, typed as a Table (`__table__` is typed as any FromClause)."""
    return Base.metadata.tables[model.__tablename__]


class IdempotencyKey(Base):
    """A billing-feed request already done under an `Idempotency-Key`: a retry gets the same rows back.

    `request_hash` tells a retry (same body) from a reuse of the key for another body; `result` is
    the JSON list of (row id, created) the request produced.
    """

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
