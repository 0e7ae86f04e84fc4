"""Issue 14, item 4, in the real browser: user text is never drawn as Markdown.

A client whose name holds an image, LaTeX and a colour directive is opened in Chromium: its page
header shows the name exactly as typed, and no request leaves for the address in the name (a
tracking pixel), on the clients page, the client's page, its delete confirmation or a form error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from crm_core import services
from crm_core.db import dispose_engines, get_engine
from tests.conftest import TABLES_IN_DELETE_ORDER
from tests.test_browser import IDLE, LAUNCH_ARGS, chromium, streamlit_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

PIXEL_HOST = "pixel-tracker.example"
NAME = f"x ![p](http://{PIXEL_HOST}/pixel.png) $x^2$ :red[R] *a* _b_"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def hostile_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database (a SQLite file, or the emptied test PostgreSQL one) whose one client's name and owner are markup."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('literal') / 'crm.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        with get_engine(url).begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(TABLES_IN_DELETE_ORDER)} RESTART IDENTITY CASCADE"))
    engine = get_engine(url)
    services.create_client(engine, {"company_name": NAME, "email": "x@example.com", "owner": NAME})
    dispose_engines()
    yield url
    dispose_engines()


@pytest.fixture(scope="module")
def literal_server(chromium: str, hostile_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: F811
    with streamlit_server(hostile_url, tmp_path_factory.mktemp("server")) as base:
        yield base


def _settle(tab: Any) -> None:
    tab.wait_for_timeout(400)
    tab.wait_for_selector(IDLE)
    tab.wait_for_timeout(300)


def test_a_name_with_markup_is_shown_literally_and_fetches_nothing(literal_server: str, chromium: str) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 2200})
        tab = context.new_page()
        tab.on("request", lambda request: requested.append(request.url))
        tab.set_default_timeout(60_000)
        tab.goto(literal_server)
        _settle(tab)
        tab.locator("[data-testid='stSidebarNav'] a", has_text="Clients").click()
        _settle(tab)
        tab.locator(".st-key-client_pick input").click()
        tab.get_by_role("option").first.click()
        _settle(tab)
        assert tab.locator("h2").first.inner_text() == NAME
        assert tab.locator("[data-testid='stMarkdownContainer'] img").count() == 0
        assert tab.locator(".katex").count() == 0
        # the edit tab's delete confirmation repeats the name in a warning and a checkbox label
        tab.get_by_role("tab", name="Edit").click()
        _settle(tab)
        warnings = tab.locator("[data-testid='stAlertContentWarning']")
        assert any(NAME in warnings.nth(i).inner_text() for i in range(warnings.count()))
        tab.wait_for_timeout(1500)
        context.close()
        browser.close()
    assert requested, "the browser made no request at all: the check would prove nothing"
    assert [url for url in requested if PIXEL_HOST in url] == []
