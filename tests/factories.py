"""Small payload builders for service tests (valid by default, override what a test needs)."""

from __future__ import annotations

from itertools import count
from typing import Any

from sqlalchemy import Engine

from crm_core import services

_seq = count(1)

# Valid CIFs (checked with python-stdnum) to hand out to test clients.
VALID_CIFS = ["B12345674", "A58818501", "B60000007", "B87654323", "Q2826000H", "B65410011"]


def client_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    data: dict[str, Any] = {
        "company_name": f"Empresa {n} S.L.",
        "email": f"info{n}@empresa{n}.es",
        "phone": "+34 91 123 45 67",
        "region": "Comunidad de Madrid",
        "city": "Madrid",
        "owner": "Lucía Gómez",
    }
    data.update(overrides)
    return data


def make_client(engine: Engine, **overrides: Any):
    return services.create_client(engine, client_payload(**overrides))


def make_invoice(engine: Engine, client_id: int, **overrides: Any):
    n = next(_seq)
    data: dict[str, Any] = {
        "client_id": client_id,
        "number": f"F2026-{n:06d}",
        "issue_date": "2026-10-01",
        "total": "1210.00",
    }
    data.update(overrides)
    return services.record_invoice(engine, data)


def make_opportunity(engine: Engine, client_id: int, **overrides: Any):
    data: dict[str, Any] = {"client_id": client_id, "name": "ERP rollout", "amount": "45000", "stage": "proposal"}
    data.update(overrides)
    return services.create_opportunity(engine, data)


def client_list_table(engine: Engine, as_of: Any = None):
    """The Clients page's health-joined table of the database (what views.clients.list_clients pages through)."""
    from crm_core.config import business_today
    from crm_core.store.frames import load_frames
    from crm_core.views.clients import client_table
    from crm_core.views.health import health_table

    frames = load_frames(engine)
    return client_table(frames, health_table(frames, as_of or business_today()))
