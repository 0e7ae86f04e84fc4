"""Build small `Frames` by hand for analytics tests, typed exactly like `crm_core.store.frames`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from crm_core.store.frames import COLUMNS, Frames

_TEMPLATE = Frames.empty()

_DEFAULTS: dict[str, dict[str, Any]] = {
    "clients": {
        "status": "active",
        "segment": "smb",
        "industry": "retail",
        "company_size": "small",
        "region": "Cataluña",
        "owner": "ana",
        "payment_terms_days": 30,
        "created_at": datetime(2020, 1, 1),
        "updated_at": datetime(2020, 1, 1),
        "version": 1,
    },
    "invoices": {"void": False, "credit_note": False},
    "activities": {"kind": "call", "title": "call", "owner": "ana", "done": True},
    "opportunities": {"stage": "proposal", "probability": 40, "owner": "ana", "version": 1, "created_at": datetime(2020, 1, 1)},
    "payments": {"method": "transfer"},
}


def table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame of table `name` from row dicts (missing fields: defaults or empty), typed as in frames."""
    template = getattr(_TEMPLATE, name)
    defaults = _DEFAULTS.get(name, {})
    records = [{col: row.get(col, defaults.get(col)) for col in COLUMNS[name]} for row in rows]
    unknown = {key for row in rows for key in row} - set(COLUMNS[name])
    if unknown:
        raise KeyError(f"{name} has no columns {sorted(unknown)}")
    df = pd.DataFrame.from_records(records, columns=COLUMNS[name])
    for col, dtype in template.dtypes.items():
        if str(dtype).startswith("datetime64"):
            df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
        elif str(dtype) == "object":
            df[col] = df[col].astype("object")
        else:
            df[col] = df[col].astype(dtype)
    return df


def frames(**tables: list[dict[str, Any]]) -> Frames:
    """Frames with the given tables filled (as row dicts) and every other table empty."""
    unknown = set(tables) - set(COLUMNS)
    if unknown:
        raise KeyError(f"no tables {sorted(unknown)}")
    return Frames(**{name: table(name, tables.get(name, [])) for name in COLUMNS})


def d(text: str) -> date:
    """An ISO date, short to write in tables of test rows."""
    return date.fromisoformat(text)
