"""The pickers of crm_core.ui.pickers: every client (deal) while few, search-first beyond the cap."""

from __future__ import annotations

from datetime import date

import pytest

from crm_core.db import get_engine
from crm_core.store.frames import load_frames, load_table
from crm_core.ui import pickers
from crm_core.views.pipeline import open_deals
from crm_core.views.search import PICKER_LIMIT
from tests.apptest_helpers import open_page

AS_OF = date(2026, 11, 25)
SEARCH_KEY = "act_client" + pickers.SEARCH_SUFFIX


def test_a_small_portfolio_lists_every_client_without_a_search_box(demo_db: str) -> None:
    clients = load_table(get_engine(demo_db), "clients")
    at = open_page("pages/activities.py", AS_OF)
    assert len(at.selectbox(key="act_client").options) == len(clients) == 120
    assert SEARCH_KEY not in [box.key for box in at.text_input]


def test_beyond_the_cap_the_picker_lists_only_what_the_typed_text_finds(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pickers, "ALL_OPTIONS_CAP", 50)  # the demo's 120 clients count as many
    clients = load_table(get_engine(demo_db), "clients").set_index("client_id")["company_name"]
    client_id, name = int(clients.index[7]), str(clients.iloc[7])
    at = open_page("pages/activities.py", AS_OF)
    assert at.selectbox(key="act_client").options == []  # nothing typed, nothing sent

    at.text_input(key=SEARCH_KEY).input(name.upper()).run()  # any case
    options = at.selectbox(key="act_client").options
    assert name in options and len(options) <= PICKER_LIMIT
    assert all(name.casefold() in option.casefold() for option in options)  # names only: no index hit on a name

    at.selectbox(key="act_client").select(client_id).run()
    assert at.selectbox(key=f"act_contact_{client_id}") is not None  # the form opened for the client

    at.text_input(key=SEARCH_KEY).input("no client is called this").run()
    assert at.selectbox(key="act_client").value == client_id  # the picked client stays offered and picked
    assert at.selectbox(key="act_client").options == [name]


def test_beyond_the_cap_the_deal_picker_lists_only_the_deals_a_search_finds(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pickers, "ALL_OPTIONS_CAP", 5)
    at = open_page("pages/pipeline.py", AS_OF)
    picker = at.selectbox(key="deal_pick")
    assert picker.options == [] and picker.value is None  # nothing typed: no deal sent, none picked
    deal = open_deals(load_frames(get_engine(demo_db)), AS_OF).iloc[3]
    at.text_input(key="deal_pick" + pickers.SEARCH_SUFFIX).input(str(deal["name"]).upper()).run()
    options = at.selectbox(key="deal_pick").options
    assert 0 < len(options) <= PICKER_LIMIT
    assert any(str(deal["name"]) in option for option in options)
    assert all(str(deal["name"]).casefold() in option.casefold() for option in options)
