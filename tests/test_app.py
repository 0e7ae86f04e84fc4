"""The app as a whole (AppTest): navigation, the sidebar on every run, the empty-database welcome, language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from crm_core.db import get_engine
from crm_core.ui.navigation import PAGES, page_entries
from tests.conftest import row_counts

ROOT = Path(__file__).resolve().parents[1]
APP = "../app.py"
AS_OF = date(2026, 11, 25)
PAGE_FILES = [path for path, _, _ in PAGES]
# Pages that need data stop at the welcome on an empty database; the import page is how data arrives.
NEEDS_DATA = [path for path in PAGE_FILES if path != "pages/import.py"]


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["as_of"] = AS_OF
    return at


def _sidebar_types(at: AppTest) -> list[str]:
    return [element.type for element in at.sidebar]


def test_every_page_file_exists_and_is_in_the_navigation():
    assert [p for p in PAGE_FILES if not (ROOT / p).is_file()] == []
    pages = page_entries("en")
    assert [p.title for p in pages] == ["Overview", "Clients", "Activities", "Pipeline", "Health", "Collections", "Import"]
    assert pages[0].default and not any(p.default for p in pages[1:])
    assert [p.title for p in page_entries("es")] == [
        "Resumen",
        "Clientes",
        "Actividades",
        "Oportunidades",
        "Salud",
        "Cobros",
        "Importar",
    ]


def test_overview_is_the_default_page(demo_db):
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "Overview"


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_runs_on_demo_data_with_the_sidebar(demo_db, page):
    at = _app().run()
    at.switch_page(page).run()
    assert not at.exception, page
    assert at.title, page
    # The sidebar survives a second run of the same page (see crm_core/ui/routing.py).
    at.run()
    assert not at.exception
    assert _sidebar_types(at)[:3] == ["sidebar", "selectbox", "date_input"]


@pytest.mark.parametrize("page", NEEDS_DATA)
def test_empty_database_shows_the_welcome_on_every_page(app_db, page):
    at = _app().run()
    at.switch_page(page).run()
    assert not at.exception, page
    assert [t.value for t in at.title] == ["Welcome to SmartBilling CRM"]
    assert at.button[0].label == "Load demo data"


def test_import_page_runs_on_an_empty_database(app_db):
    at = _app().run()
    at.switch_page("pages/import.py").run()
    assert not at.exception
    assert at.title[0].value == "Import"


def test_welcome_loads_demo_data_with_its_team_then_asks_to_sign_in(app_db):
    at = _app().run()
    at.number_input(key="demo_clients").set_value(10)
    at.button[0].click().run()
    assert not at.exception
    assert row_counts(get_engine(app_db))["clients"] == 10
    # The demo comes with a manager and two reps, so the next run is the sign-in screen, which
    # shows the demo accounts (this is the demo database).
    at.run()
    assert at.title[0].value == "Sign in to SmartBilling CRM"
    assert "manager@demo.example" in at.markdown[-1].value and "demo-manager" in at.markdown[-1].value
    at.text_input(key="signin_email").input("manager@demo.example")
    at.text_input(key="signin_password").input("demo-manager")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert {m.label for m in at.metric} >= {"Active", "Clients at risk"}


def test_language_switch_changes_labels_and_keeps_the_sidebar(demo_db):
    at = _app().run()
    assert at.selectbox(key="lang").label == "Language"
    at.selectbox(key="lang").select("es").run()
    assert not at.exception
    assert _sidebar_types(at)[:3] == ["sidebar", "selectbox", "date_input"]
    assert at.selectbox(key="lang").label == "Idioma"
    assert at.title[0].value == "Resumen"
    assert at.sidebar.caption[0].value.startswith("Base de datos: SQLite")
    at.switch_page("pages/health.py").run()
    assert at.title[0].value == "Salud de la cartera"
    at.selectbox(key="lang").select("en").run()
    assert at.title[0].value == "Client health"


def test_crm_lang_sets_the_default_language(demo_db, monkeypatch):
    monkeypatch.setenv("CRM_LANG", "es")
    at = _app().run()
    assert at.selectbox(key="lang").value == "es"
    assert at.title[0].value == "Resumen"


def test_a_run_that_starts_at_a_page_file_goes_through_the_router(demo_db, monkeypatch):
    """Without the fixture's PagesManager, every AppTest rerun starts the page file directly (as the
    real server does for a deep link opened first after a start): the page reruns through the router."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test

    monkeypatch.setattr(app_test, "PagesManager", PagesManager)
    at = _app().run()
    at.switch_page("pages/health.py").run()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Client health"
    assert _sidebar_types(at)[:3] == ["sidebar", "selectbox", "date_input"]


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_runs_with_one_prospect_and_empty_tables(app_db, page):
    """One client, no invoices, payments, activities or opportunities: nothing may raise."""
    from crm_core.services import create_client

    create_client(get_engine(app_db), {"company_name": "Solo Prospecto SL", "email": "hola@solo.es"})
    at = _app().run()
    at.switch_page(page).run()
    assert not at.exception, page
    assert at.title[0].value != "Welcome to SmartBilling CRM"
