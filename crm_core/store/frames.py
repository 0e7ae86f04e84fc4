"""Load every table into pandas frames, one query per table, for the analytics."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd
from sqlalchemy import Engine, Float, String, cast, func, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from crm_core.config import business_timezone
from crm_core.db.models import (
    Activity,
    Base,
    Client,
    Contact,
    Invoice,
    Opportunity,
    Payment,
    StageChange,
)

CLIENT_COLUMNS = [
    "client_id", "company_name", "email", "phone", "address", "tax_id", "status", "segment",
    "industry", "company_size", "region", "city", "website", "linkedin", "employees", "owner",
    "payment_terms_days", "created_at", "updated_at", "version",
]
CONTACT_COLUMNS = [
    "contact_id", "client_id", "full_name", "role", "email", "phone", "whatsapp", "is_primary",
    "is_billing", "last_interaction_at", "notes",
]
ACTIVITY_COLUMNS = [
    "activity_id", "client_id", "contact_id", "kind", "title", "description", "occurred_at",
    "duration_min", "owner", "done", "outcome", "follow_up_on",
]
OPPORTUNITY_COLUMNS = [
    "opportunity_id", "client_id", "contact_id", "name", "description", "amount", "stage",
    "probability", "expected_close", "closed_at", "won_amount", "lost_reason", "owner", "notes",
    "created_at", "version",
]
INVOICE_COLUMNS = ["invoice_id", "client_id", "number", "issue_date", "due_date", "total", "void", "credit_note"]
PAYMENT_COLUMNS = ["payment_id", "invoice_id", "paid_on", "amount", "method"]
STAGE_HISTORY_COLUMNS = ["change_id", "opportunity_id", "from_stage", "to_stage", "changed_at"]

_MONEY = {"total", "amount", "won_amount"}
_DATES = {"issue_date", "due_date", "paid_on", "expected_close", "closed_at", "follow_up_on"}
_TIMESTAMPS = {"created_at", "updated_at", "occurred_at", "last_interaction_at", "changed_at"}
_BOOLS = {"void", "credit_note", "done", "is_primary", "is_billing"}
_INTS = {"client_id", "activity_id", "opportunity_id", "invoice_id", "payment_id", "change_id",
         "payment_terms_days", "version", "probability"}
_NULLABLE_INTS = {"contact_id", "employees", "duration_min"}


@dataclass(frozen=True)
class Frames:
    """One frame per table; dates are naive pandas datetimes in the business timezone."""

    clients: pd.DataFrame
    contacts: pd.DataFrame
    activities: pd.DataFrame
    opportunities: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    stage_history: pd.DataFrame

    @classmethod
    def empty(cls) -> Frames:
        """Frames with no rows but every column and dtype, so analytics run on an empty database unchanged."""
        return cls(**{f.name: _typed(pd.DataFrame(columns=COLUMNS[f.name])) for f in fields(cls)})


COLUMNS: dict[str, list[str]] = {
    "clients": CLIENT_COLUMNS,
    "contacts": CONTACT_COLUMNS,
    "activities": ACTIVITY_COLUMNS,
    "opportunities": OPPORTUNITY_COLUMNS,
    "invoices": INVOICE_COLUMNS,
    "payments": PAYMENT_COLUMNS,
    "stage_history": STAGE_HISTORY_COLUMNS,
}
TABLES: tuple[str, ...] = tuple(COLUMNS)  # the frame names, in load order
MODELS: dict[str, type[Base]] = {
    "clients": Client,
    "contacts": Contact,
    "activities": Activity,
    "opportunities": Opportunity,
    "invoices": Invoice,
    "payments": Payment,
    "stage_history": StageChange,
}


def _raw(column: ColumnElement, name: str) -> ColumnElement:
    """Skip per-row type processing: money as float, dates as driver values, parsed later in bulk."""
    if name in _MONEY:
        return cast(column, Float).label(name)
    if name in _DATES or name in _TIMESTAMPS:
        return type_coerce(column, String).label(name)
    return column.label(name)


def _to_local_naive(series: pd.Series) -> pd.Series:
    if series.empty:
        return pd.Series(pd.to_datetime(series), dtype="datetime64[ns]", index=series.index)
    parsed = pd.to_datetime(series, utc=True, format="mixed")
    return parsed.dt.tz_convert(business_timezone()).dt.tz_localize(None).astype("datetime64[ns]")


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for name in df.columns:
        if name in _MONEY:
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")
        elif name in _DATES:
            df[name] = pd.to_datetime(df[name].astype("object"), format="mixed").astype("datetime64[ns]")
        elif name in _TIMESTAMPS:
            df[name] = _to_local_naive(df[name])
        elif name in _BOOLS:
            df[name] = df[name].astype("bool")
        elif name in _INTS:
            df[name] = df[name].astype("int64")
        elif name in _NULLABLE_INTS:
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("Int64")
        else:
            df[name] = df[name].astype("object")
    return df


def load_table(engine: Engine, name: str) -> pd.DataFrame:
    """One table (a name of TABLES) as a typed frame, with one query; load_frames and the UI cache both use it."""
    model = MODELS[name]
    cols = [_raw(getattr(model, col), col) for col in COLUMNS[name]]
    pk = getattr(model, COLUMNS[name][0])
    with engine.connect() as conn:
        conn = conn.execution_options(crm_readonly=True)
        rows = conn.execute(select(*cols).order_by(pk)).all()
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes, ~10x slower on large tables.
    df = pd.DataFrame.from_records([tuple(row) for row in rows], columns=COLUMNS[name])
    return _typed(df)


def row_count(engine: Engine, name: str) -> int:
    """How many rows one table (a name of TABLES) holds, with one COUNT query."""
    with engine.connect() as conn:
        conn = conn.execution_options(crm_readonly=True)
        return int(conn.execute(select(func.count()).select_from(MODELS[name])).scalar_one())


def load_frames(url_or_engine: str | Engine) -> Frames:
    """Every table of the database (an URL or an engine) as frames, one query per table, never one per client."""
    from crm_core.db.engine import get_engine

    engine = get_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    return Frames(**{name: load_table(engine, name) for name in TABLES})
