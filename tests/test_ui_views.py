"""ui.views: the client search index is rebuilt per part, only the parts whose searched columns a write changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import pytest

from crm_core import services
from crm_core.config import business_timezone
from crm_core.db import get_engine
from crm_core.store.frames import load_frames
from crm_core.store.writes import tables_appended, tables_written
from crm_core.ui import cache, views
from crm_core.views import search as search_views


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each part of the search index was built by the UI cache (spies on the builders)."""
    seen: Counter[str] = Counter()

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any) -> Any:
            seen[name] += 1
            return real(*args)

        return counted

    for name in ("client_search_part", "contact_search_part", "invoice_search_part", "combined_index"):
        monkeypatch.setattr(search_views, name, spy(name, getattr(search_views, name)))
    return seen


def _write(db_url: str, service: Callable[..., Any], *args: Any) -> None:
    """A write through the services, then the UI cache told which tables it touched (as forms.perform does)."""
    service(get_engine(db_url), *args)
    cache.invalidate(db_url, tables_written(service), tables_appended(service))


def test_logging_an_activity_rebuilds_no_part_of_the_search_index(demo_db: str, builds: Counter[str]) -> None:
    contact = load_frames(get_engine(demo_db)).contacts.iloc[0]
    views.search_index(demo_db)
    assert builds == Counter(client_search_part=1, contact_search_part=1, invoice_search_part=1, combined_index=1)
    builds.clear()
    views.search_index(demo_db)
    assert builds == Counter()  # no write: every part from the cache

    activity = {
        "client_id": int(contact["client_id"]),
        "contact_id": int(contact["contact_id"]),
        "kind": "call",
        "title": "Renewal call",
        "occurred_at": datetime(2026, 11, 25, 9, 0, tzinfo=business_timezone()),
        "done": True,
    }
    generation = cache.generation(demo_db, "contacts")
    _write(demo_db, services.log_activity, activity)  # writes activities and contacts (last_interaction_at)
    assert cache.generation(demo_db, "contacts") != generation  # the contacts frame is reloaded...
    index = views.search_index(demo_db)
    assert builds == Counter()  # ...but its searched columns are as they were: nothing rebuilt
    pd.testing.assert_frame_equal(index, search_views.search_index(load_frames(get_engine(demo_db))), check_exact=True)


def test_a_contact_phone_edited_in_place_rebuilds_the_contact_part(demo_db: str, builds: Counter[str]) -> None:
    contact = load_frames(get_engine(demo_db)).contacts.iloc[0]
    assert list(search_views.clients_matching(views.search_index(demo_db), "699 55 44 33")) == []
    builds.clear()
    _write(demo_db, services.update_contact, int(contact["contact_id"]), {"phone": "+34 699 55 44 33"})
    index = views.search_index(demo_db)
    assert builds == Counter(contact_search_part=1, combined_index=1)
    assert list(search_views.clients_matching(index, "699554433")) == [int(contact["client_id"])]
    pd.testing.assert_frame_equal(index, search_views.search_index(load_frames(get_engine(demo_db))), check_exact=True)


def test_a_new_contact_is_found_by_name_with_the_cached_invoice_part(demo_db: str, builds: Counter[str]) -> None:
    client_id = int(load_frames(get_engine(demo_db)).clients["client_id"].iloc[3])
    assert list(search_views.clients_matching(views.search_index(demo_db), "Zenobia Quintanilla")) == []
    builds.clear()
    _write(
        demo_db, services.add_contact, {"client_id": client_id, "full_name": "Zenobia Quintanilla", "phone": "+34 677 12 34 99"}
    )
    index = views.search_index(demo_db)
    assert builds == Counter(contact_search_part=1, combined_index=1)
    assert list(search_views.clients_matching(index, "zenobia")) == [client_id]
    assert list(search_views.clients_matching(index, "677 123 499")) == [client_id]
    pd.testing.assert_frame_equal(index, search_views.search_index(load_frames(get_engine(demo_db))), check_exact=True)
