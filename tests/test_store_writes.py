"""tables_written: every write names every table it changes (frames compared before and after each write)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine

from crm_core import services
from crm_core.config import business_timezone
from crm_core.io.planners import PLANNERS
from crm_core.store.frames import TABLES, Frames, load_frames
from crm_core.store.writes import (
    EVERY_TABLE,
    IMPORT_TABLES_WRITTEN,
    TABLES_WRITTEN,
    tables_appended,
    tables_written,
    writes,
)
from tests.factories import client_payload


def _changed(before: Frames, after: Frames) -> set[str]:
    return {name for name in TABLES if not getattr(before, name).equals(getattr(after, name))}


def _write(engine: Engine, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a write and check the tables it changed are among those it declares (and that it changed one)."""
    before = load_frames(engine)
    result = action(engine, *args, **kwargs)
    after = load_frames(engine)
    changed = _changed(before, after)
    assert changed, f"{action.__name__} changed nothing"
    assert changed <= tables_written(action), f"{action.__name__} changed {sorted(changed - tables_written(action))}"
    for name in tables_appended(action):  # only new rows, after every old row left as it was
        old, new = getattr(before, name), getattr(after, name)
        assert len(new) > len(old), f"{action.__name__} appended nothing to {name}"
        pd.testing.assert_frame_equal(new.iloc[: len(old)], old, check_exact=True, obj=name)
    return result


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=business_timezone())


def test_every_write_service_declares_what_it_changes(engine: Engine) -> None:
    client = _write(engine, services.create_client, client_payload())
    cid = client.client_id
    first = _write(engine, services.add_contact, {"client_id": cid, "full_name": "Ana Ruiz", "is_primary": True})
    second = _write(engine, services.add_contact, {"client_id": cid, "full_name": "Luis Gil", "is_primary": True})
    _write(engine, services.update_contact, first.contact_id, {"role": "CFO"})
    logged = _write(
        engine,
        services.log_activity,
        {
            "client_id": cid,
            "contact_id": second.contact_id,
            "kind": "call",
            "title": "Intro call",
            "occurred_at": _at(20),
            "done": True,
            "follow_up_on": date(2026, 11, 27),
        },
    )
    _write(engine, services.complete_activity, logged[1].activity_id)
    _write(engine, services.update_client, cid, {"city": "Zaragoza"}, client.version)
    invoice = _write(
        engine,
        services.record_invoice,
        {
            "client_id": cid,
            "number": "F2026-000777",
            "issue_date": "2026-10-01",
            "total": "1210.00",
        },
    )
    _write(engine, services.record_payment, {"invoice_id": invoice.invoice_id, "paid_on": "2026-10-15", "amount": "605.00"})
    deal = _write(engine, services.create_opportunity, {"client_id": cid, "name": "ERP", "amount": "45000", "stage": "proposal"})
    deal = _write(engine, services.update_opportunity, deal.opportunity_id, {"name": "ERP rollout"}, deal.version)
    deal = _write(engine, services.move_opportunity, deal.opportunity_id, "negotiation", deal.version)
    _write(engine, services.mark_won, deal.opportunity_id, "40000", None, deal.version)
    other = _write(engine, services.create_opportunity, {"client_id": cid, "name": "CRM", "amount": "9000", "stage": "contacted"})
    _write(engine, services.mark_lost, other.opportunity_id, "Price", None, other.version)

    before = load_frames(engine)
    services.delete_client(engine, cid)
    assert _changed(before, load_frames(engine)) == EVERY_TABLE == tables_written(services.delete_client)


def test_every_public_write_service_is_listed() -> None:
    readers = {"Recorded", "get_client", "list_activities", "list_contacts", "list_opportunities"}
    writers = {getattr(services, name) for name in services.__all__ if name not in readers}
    assert writers == set(TABLES_WRITTEN)
    assert all(tables <= EVERY_TABLE for tables in TABLES_WRITTEN.values())


def test_every_import_kind_is_listed_and_an_unknown_write_counts_as_every_table() -> None:
    assert set(IMPORT_TABLES_WRITTEN) == set(PLANNERS)
    assert tables_written(print) == EVERY_TABLE


def test_appended_tables_are_declared_among_the_written_ones() -> None:
    assert tables_appended(services.log_activity) == {"activities"}  # the contact's last interaction is an update
    assert tables_appended(services.complete_activity) == frozenset()
    assert tables_appended(print) == frozenset()  # a write that declared nothing appends nothing
    with pytest.raises(ValueError, match="appended tables not written"):
        writes("contacts", appends=("activities",))
