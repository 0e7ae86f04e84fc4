"""Issue 14, item 1: one 1900-2199 rule for every date of every kind, and frames that survive a far date.

A far date from a CSV cell (also in the columns no form schema sees: clients' updated_at,
contacts' last_interaction_at) is refused naming the row, leaving the database byte-for-byte
unchanged; a far date written into the database by hand is shown as missing and reported once.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from crm_core import services
from crm_core.errors import ValidationError
from crm_core.io.importing import import_clients, import_contacts
from crm_core.store import frames as frames_module
from crm_core.store.frames import load_frames
from crm_core.views.clients import client_table
from crm_core.views.health import health_table
from crm_core.views.overview import overview
from tests.conftest import database_hash
from tests.factories import make_client
from tests.io_files import cif, write_csv

AS_OF = date(2026, 11, 25)


@pytest.mark.parametrize("cell", ["31/12/9999", "01/01/1500", "01/01/0001", "31/12/2200", "1899-12-31"])
def test_contact_last_interaction_out_of_range_is_refused(engine: Engine, tmp_path: Path, cell: str) -> None:
    client = make_client(engine, tax_id=cif(11))
    before = database_hash(engine)
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["client_tax_id", "full_name", "last_interaction_at"],
            [client.tax_id or "", "Ana Pérez", cell],
        ],
    )
    report = import_contacts(engine, path)
    assert report.rejected == 1 and not report.committed
    problem = report.problems[0]
    assert (problem.line, problem.column) == (2, "last_interaction_at")
    assert "between 1900 and 2199" in problem.message and cell in problem.message
    assert database_hash(engine) == before


@pytest.mark.parametrize("cell", ["01/01/0001", "31/12/9999 23:59"])
def test_client_updated_at_out_of_range_is_refused(engine: Engine, tmp_path: Path, cell: str) -> None:
    before = database_hash(engine)
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["company_name", "email", "updated_at"],
            ["Acme", "a@acme.es", cell],
        ],
    )
    report = import_clients(engine, path)
    assert report.rejected == 1 and report.problems[0].column == "updated_at"
    assert "between 1900 and 2199" in report.problems[0].message
    assert database_hash(engine) == before


def test_edges_of_the_rule_are_accepted(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["company_name", "email", "updated_at", "created_at"],
            ["Acme", "a@acme.es", "31/12/2199", "01/01/1900 12:00"],
        ],
    )
    assert import_clients(engine, path).committed


def test_services_use_the_same_rule(engine: Engine) -> None:
    client = make_client(engine)
    before = database_hash(engine)
    with pytest.raises(ValidationError) as exc:
        services.log_activity(
            engine, {"client_id": client.client_id, "kind": "call", "title": "x", "occurred_at": datetime(1500, 1, 1, tzinfo=UTC)}
        )
    assert exc.value.fields == ["occurred_at"]
    assert database_hash(engine) == before


def _plant_far_dates(engine: Engine) -> int:
    """A client, a contact and an invoice whose stored dates a hand edit pushed out of range."""
    client = make_client(engine)
    services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana"})
    services.record_invoice(
        engine, {"client_id": client.client_id, "number": "F-1", "issue_date": date(2026, 1, 10), "total": "100.00"}
    )
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE contacts SET last_interaction_at = :at"),
            {
                "at": datetime(9999, 12, 31, 12, tzinfo=UTC).replace(tzinfo=None)
                if engine.dialect.name == "sqlite"
                else datetime(9999, 12, 31, 12, tzinfo=UTC)
            },
        )
        conn.execute(
            text("UPDATE clients SET updated_at = :at"),
            {"at": datetime(1, 1, 1, 12) if engine.dialect.name == "sqlite" else datetime(1, 1, 2, 12, tzinfo=UTC)},
        )
        conn.execute(text("UPDATE invoices SET due_date = :d"), {"d": date(9999, 1, 1)})
    return client.client_id


@pytest.mark.parametrize("reader", ["arrow", "sqlalchemy"])
def test_frames_show_far_stored_dates_as_missing_and_report_once(
    engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    client_id = _plant_far_dates(engine)
    monkeypatch.setattr(frames_module, "_reported", set())
    with caplog.at_level(logging.WARNING, logger="crm_core.store.frames"):
        frames = load_frames(engine, reader=reader)
        load_frames(engine, reader=reader)
    assert pd.isna(frames.contacts["last_interaction_at"].iloc[0])
    assert pd.isna(frames.clients["updated_at"].iloc[0])
    assert pd.isna(frames.invoices["due_date"].iloc[0])
    assert frames.invoices["issue_date"].iloc[0] == pd.Timestamp("2026-01-10")
    warned = [r.getMessage() for r in caplog.records if "shown as missing" in r.getMessage()]
    assert len(warned) == 3  # one per column, although the frames were loaded twice
    assert any(m.startswith("contacts.last_interaction_at: 1 ") for m in warned)
    # The pages' read models still build.
    health = health_table(frames, AS_OF)
    table = client_table(frames, health)
    assert client_id in set(table["client_id"])
    overview(frames, AS_OF, health, health, health)
