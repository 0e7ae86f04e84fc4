"""ui.cache: write shows a domain error as the forms do; a write reloads only the tables it touched."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

import pandas as pd
import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from crm_core import services
from crm_core.config import business_timezone
from crm_core.db import get_engine
from crm_core.i18n import label
from crm_core.store import versions as table_versions
from crm_core.store.frames import TABLES, load_frames, load_table
from crm_core.store.writes import tables_appended, tables_written
from crm_core.ui import cache as cache_module
from tests.apptest_helpers import open_page

# ---------------------------------------------------------------- per-table invalidation

AS_OF = date(2026, 11, 25)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each table was loaded from the database by the UI cache (a spy on its per-table loader)."""
    seen: Counter[str] = Counter()
    real = cache_module.load_table

    def spy(engine: Engine, name: str) -> pd.DataFrame:
        seen[name] += 1
        return real(engine, name)

    monkeypatch.setattr(cache_module, "load_table", spy)
    return seen


def _client_with_a_contact(url: str) -> tuple[int, int]:
    contacts = load_frames(get_engine(url)).contacts
    first = contacts.iloc[0]
    return int(first["client_id"]), int(first["contact_id"])


def _log_call(at: AppTest, client_id: int, contact_id: int, title: str) -> None:
    """Log a done call through the activities page's form, as of AS_OF."""
    at.selectbox(key="act_client").select(client_id).run()
    at.selectbox(key=f"act_contact_{client_id}").select(contact_id)
    at.text_input(key="act_title").input(title)
    at.date_input(key="act_date").set_value(AS_OF)
    at.time_input(key="act_time").set_value(time(10, 30))
    at.button(key="act_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]


def _recent_titles(at: AppTest) -> list[str]:
    return next(df.value for df in at.dataframe if "occurred_at" in df.value.columns)["title"].tolist()


@pytest.fixture
def appends(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each (table, appended) the UI cache's append_rows gave: False where it refused (a spy)."""
    seen: list[tuple[str, bool]] = []
    real = cache_module.append_rows

    def spy(engine: Engine, name: str, loaded: pd.DataFrame) -> pd.DataFrame | None:
        result = real(engine, name, loaded)
        seen.append((name, result is not None))
        return result

    monkeypatch.setattr(cache_module, "append_rows", spy)
    return seen


def test_logging_an_activity_appends_its_rows_and_reloads_the_contacts_only(
    demo_db: str, loads: Counter[str], appends: list[tuple[str, bool]]
) -> None:
    client_id, contact_id = _client_with_a_contact(demo_db)
    at = open_page("pages/activities.py", AS_OF)
    assert loads == Counter(dict.fromkeys(TABLES, 1))  # the first render loads every table once
    loads.clear()
    at.selectbox(key="act_client").select(client_id).run()
    assert loads == Counter()  # a rerun without a write reloads nothing

    _log_call(at, client_id, contact_id, "Renewal call with the CFO")
    # Activities: only the new row read and appended (issue 18); invoices, payments... come from the cache.
    assert loads == Counter({"contacts": 1}) and appends == [("activities", True)]
    assert "Renewal call with the CFO" in _recent_titles(at)
    frames = cache_module.frames(demo_db)
    assert "Renewal call with the CFO" in frames.activities["title"].tolist()
    pd.testing.assert_frame_equal(frames.activities, load_table(get_engine(demo_db), "activities"), check_exact=True)
    assert frames.contacts.set_index("contact_id").loc[contact_id, "last_interaction_at"] == pd.Timestamp("2026-11-25 10:30")
    assert loads == Counter({"contacts": 1})


def test_completing_an_activity_reloads_the_activities_whole(
    demo_db: str, loads: Counter[str], appends: list[tuple[str, bool]]
) -> None:
    client_id, contact_id = _client_with_a_contact(demo_db)
    at = open_page("pages/activities.py", AS_OF)
    _log_call(at, client_id, contact_id, "Appended first")
    loads.clear()
    appends.clear()
    open_task = load_table(get_engine(demo_db), "activities").query("~done").iloc[0]
    services.complete_activity(get_engine(demo_db), int(open_task["activity_id"]), "Closed")
    done = services.complete_activity
    cache_module.invalidate(demo_db, tables_written(done), tables_appended(done))  # as forms.perform tells it
    frames = cache_module.frames(demo_db)
    assert loads == Counter({"activities": 1}) and appends == []  # an update: the full reload path
    pd.testing.assert_frame_equal(frames.activities, load_table(get_engine(demo_db), "activities"), check_exact=True)


def test_deleting_a_client_reloads_every_table(demo_db: str, loads: Counter[str]) -> None:
    frames = load_frames(get_engine(demo_db))
    client_id = int(frames.clients["client_id"].iloc[10])
    at = open_page("pages/clients.py", AS_OF)
    at.selectbox(key="client_pick").select(client_id).run()
    loads.clear()
    at.checkbox(key=f"delete_confirm_{client_id}").check().run()
    at.button(key=f"delete_{client_id}").click().run()
    assert not at.exception
    assert loads == Counter(dict.fromkeys(TABLES, 1))
    after = cache_module.frames(demo_db)
    for name in TABLES:
        frame = getattr(after, name)
        if "client_id" in frame.columns:
            assert client_id not in frame["client_id"].tolist(), name
    gone = set(frames.invoices.loc[frames.invoices["client_id"] == client_id, "invoice_id"])
    assert gone and not gone & set(after.payments["invoice_id"])  # its payments went with its invoices


def test_health_reflects_an_edit_rebuilt_from_the_cached_frames(demo_db: str, loads: Counter[str]) -> None:
    clients = load_frames(get_engine(demo_db)).clients
    row = clients[clients["status"] != "lost"].iloc[0]
    client_id, name = int(row["client_id"]), str(row["company_name"])
    at = open_page("pages/clients.py", AS_OF)
    at.text_input(key="clients_search").input(name).run()
    at.selectbox(key="client_pick").select(client_id).run()
    loads.clear()
    at.selectbox(key=f"edit_{client_id}_status").select("lost")
    at.button(key=f"edit_{client_id}_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert loads == Counter({"clients": 1})
    listed = next(df.value for df in at.dataframe if "churn_score" in df.value.columns).set_index("company_name")
    assert listed.loc[name, "lifecycle"] == label("lifecycle", "lost", "en")
    assert cache_module.health(demo_db, AS_OF).loc[client_id, "lifecycle"] == "lost"


def test_a_write_in_another_session_shows_on_this_sessions_next_run(
    demo_db: str, loads: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_versions, "RECHECK_SECONDS", 3600.0)  # no fingerprint read: the shared generations tell
    client_id, contact_id = _client_with_a_contact(demo_db)
    mine = open_page("pages/activities.py", AS_OF)
    theirs = open_page("pages/activities.py", AS_OF)
    _log_call(theirs, client_id, contact_id, "Call logged by a colleague")
    loads.clear()
    mine.run()
    assert "Call logged by a colleague" in _recent_titles(mine)
    assert loads == Counter()  # the colleague's run already reloaded the activities for both sessions


def test_a_write_by_another_process_shows_after_the_fingerprint_check(
    demo_db: str, loads: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_versions, "RECHECK_SECONDS", 0.0)
    client_id, contact_id = _client_with_a_contact(demo_db)
    at = open_page("pages/activities.py", AS_OF)
    services.log_activity(
        get_engine(demo_db),
        {
            "client_id": client_id,
            "kind": "call",
            "title": "Logged from the command line",
            "occurred_at": datetime(2026, 11, 25, 9, 0, tzinfo=business_timezone()),
            "done": True,
        },
    )
    loads.clear()
    at.run()
    assert "Logged from the command line" in _recent_titles(at)
    # Not written here: every table is reloaded, once, and all at the page's start (cache.prefetch).
    assert loads == Counter(dict.fromkeys(TABLES, 1))
    cache_module.frames(demo_db)
    assert loads == Counter(dict.fromkeys(TABLES, 1))


def test_frames_of_some_tables_load_only_those_and_leave_the_others_empty(demo_db: str, loads: Counter[str]) -> None:
    full = load_frames(get_engine(demo_db))
    part = cache_module.frames(demo_db, only=("clients", "contacts"))
    assert loads == Counter({"clients": 1, "contacts": 1})
    assert part.clients.equals(full.clients) and part.contacts.equals(full.contacts)
    assert part.invoices.empty
    assert part.invoices.dtypes.to_dict() == full.invoices.dtypes.to_dict()  # typed like a loaded one
    with pytest.raises(ValueError, match="unknown tables"):
        cache_module.frames_with(demo_db, {"invoice": 0})


def test_an_invoice_import_reloads_the_invoices_and_payments_only(demo_db: str, loads: Counter[str]) -> None:
    clients = load_frames(get_engine(demo_db)).clients
    tax_id = str(clients["tax_id"].dropna().iloc[0])
    cache_module.frames(demo_db)
    loads.clear()
    at = open_page("pages/import.py", AS_OF)
    at.selectbox(key="import_kind").select("invoices").run()
    csv = f"numero,cif,fecha,total\nF-IMPORTED-1,{tax_id},01/11/2026,100\n".encode()
    at.file_uploader(key="import_file").set_value(("facturas.csv", csv, "text/csv")).run()
    at.button(key="import_check").click().run()
    at.button(key="import_commit").click().run()
    assert not at.exception
    assert "Imported: 1 created, 0 updated, 0 skipped." in [s.value for s in at.success]
    frames = cache_module.frames(demo_db)
    assert loads == Counter({"invoices": 1, "payments": 1})  # a paid status records payments (issue 16)
    assert "F-IMPORTED-1" in frames.invoices["number"].tolist()


# ---------------------------------------------------------------- shared (not unpickled) cache entries


def test_shared_cache_builds_once_and_a_caller_cannot_change_the_cached_frame() -> None:
    built: list[int] = []

    @cache_module.shared(max_entries=2)
    def build(n: int) -> pd.DataFrame:
        built.append(n)
        return pd.DataFrame({"x": [1, 2, 3]})

    try:
        mine = build(1)
        mine.loc[0, "x"] = 9  # a caller writing into its copy
        mine["y"] = 0  # and adding a column
        again = build(1)
        assert built == [1]
        assert again["x"].tolist() == [1, 2, 3] and list(again.columns) == ["x"]
    finally:
        build.clear()  # type: ignore[attr-defined]


def test_handout_copies_every_frame_of_frames_and_dataclasses() -> None:
    from crm_core.store.frames import Frames

    cached = Frames.empty()
    handed = cache_module.handout(cached)
    handed.clients["segment"] = "x"  # on an empty frame: adds nothing, but the column set is the copy's
    handed.invoices["extra"] = 1
    assert "extra" not in cached.invoices.columns and handed.invoices is not cached.invoices
    assert cache_module.handout({"a": [cached.clients]})["a"][0] is not cached.clients


@pytest.mark.parametrize("page", ["pages/activities.py", "pages/pipeline.py", "pages/collections.py"])
def test_a_cold_page_asks_for_every_table_at_once(
    demo_db: str, loads: Counter[str], monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    """A page's first run loads all seven tables in one gather (two at a time), not in the small batches
    its views ask for one after the other; later asks find them cached."""
    batches: list[set[str]] = []
    real = cache_module.gather_tables

    def spy(tasks):  # noqa: ANN001, ANN202 - the spied function's own signature
        batches.append(set(tasks))
        return real(tasks)

    monkeypatch.setattr(cache_module, "gather_tables", spy)
    at = open_page(page, AS_OF)
    assert not at.exception
    assert batches[0] == set(TABLES)
    assert loads == Counter(dict.fromkeys(TABLES, 1))
