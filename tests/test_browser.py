"""Real-browser smoke test: `streamlit run app.py` on a demo database, driven by headless Chromium.

The demo comes with its team, so the browser first meets the sign-in screen (with the demo
accounts) and signs in as the demo manager. Visits every page of the navigation (a screenshot of
each goes to test-artifacts/), then logs an activity through the form and checks it is listed at
once, written in the manager's name. Needs Debian's `chromium` on PATH and
Playwright for Python; without them the test skips, unless CRM_REQUIRE_BROWSER=1 (CI), then it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crm_core.config import business_timezone
from crm_core.db import dispose_engines, get_engine
from crm_core.db.models import Activity, AuditEntry, User
from crm_core.i18n import MESSAGES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXPECTED_PAGES = ("Overview", "Clients", "Activities", "Pipeline", "Health", "Collections", "Import")
DEMO_CLIENTS = 80
MANAGER = ("manager@demo.example", "demo-manager")  # crm_core.demo.users


def _unavailable(reason: str) -> None:
    if os.environ.get("CRM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CRM_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        _unavailable("chromium is not on PATH (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    return str(path)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small demo portfolio as of today (the app's default as-of date)."""
    from crm_core.demo import generate_demo

    path = tmp_path_factory.mktemp("browser") / "crm.sqlite3"
    url = f"sqlite:///{path}"
    generate_demo(get_engine(url), clients=DEMO_CLIENTS, seed=11, as_of=datetime.now(business_timezone()).date(), users=True)
    dispose_engines()
    yield url
    dispose_engines()


@contextmanager
def streamlit_server(database_url: str, log_dir: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port against `database_url`, in English; yields its base URL."""
    port = _free_port()
    log_path = log_dir / "streamlit.log"
    env = {**os.environ, "DATABASE_URL": database_url, "CRM_LANG": "en"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                        if response.read() == b"ok":
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start:\n{log_path.read_text()}")
                time.sleep(0.5)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def server(chromium: str, demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app against the demo database; yields its base URL."""
    with streamlit_server(demo_url, tmp_path_factory.mktemp("server")) as base:
        yield base


@pytest.fixture(scope="module")
def page(server: str, chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 2200}, accept_downloads=True)
        # Without the File System Access API the dataframe's "Download as CSV" is a plain download.
        context.add_init_script("window.showSaveFilePicker = undefined;")
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        tab.goto(server)
        _settle(tab)
        _sign_in(tab)
        yield tab
        context.close()
        browser.close()


def _settle(tab: Any) -> None:
    """Wait until the script run triggered by the last action has finished."""
    tab.wait_for_timeout(400)
    tab.wait_for_selector(IDLE)
    tab.wait_for_timeout(300)


def _sign_in(tab: Any) -> None:
    """The first screen is the sign-in, showing the demo accounts: sign in as the demo manager."""
    assert tab.locator("h1").first.inner_text() == "Sign in to SmartBilling CRM"
    assert tab.locator("[data-testid='stSidebarNav']").count() == 0  # no page before signing in
    accounts = tab.locator("[data-testid='stMarkdownContainer']").all_inner_texts()
    assert any(MANAGER[0] in text and MANAGER[1] in text for text in accounts), accounts
    tab.screenshot(path=str(ARTIFACTS / "browser-sign-in.png"), full_page=True)
    tab.locator(".st-key-signin_email input").fill(MANAGER[0])
    tab.locator(".st-key-signin_password input").fill(MANAGER[1])
    tab.get_by_role("button", name="Sign in").click()
    _settle(tab)
    _no_error_shown(tab)
    assert tab.locator("[data-testid='stSidebarNav']").count() == 1
    assert "Demo Manager" in tab.locator("[data-testid='stSidebar']").inner_text()


def _no_error_shown(tab: Any) -> None:
    exceptions = tab.locator("[data-testid='stException']")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def test_every_page_renders(page: Any) -> None:
    links = page.locator("[data-testid='stSidebarNav'] a")
    titles = [links.nth(i).inner_text() for i in range(links.count())]
    for expected in EXPECTED_PAGES:  # the link text also holds the icon's name: match by containment
        assert any(expected in title for title in titles), titles
    for expected in EXPECTED_PAGES:
        page.locator("[data-testid='stSidebarNav'] a", has_text=expected).click()
        _settle(page)
        _no_error_shown(page)
        heading = page.locator("h1").first.inner_text()
        assert heading, f"{expected}: no page title"
        page.screenshot(path=str(ARTIFACTS / f"browser-{expected.lower()}.png"), full_page=True)


def test_log_an_activity_and_see_it_listed(page: Any, demo_url: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text="Activities").click()
    _settle(page)
    company = _first_company(demo_url)
    page.locator(".st-key-act_client input").click()
    page.keyboard.type(company[:12])
    page.get_by_role("option", name=company, exact=True).click()
    _settle(page)
    title = f"Browser check-in {int(time.time())}"
    page.locator(".st-key-act_title input").fill(title)
    page.locator(".st-key-act_outcome input").fill("Logged from Chromium")
    page.locator(".st-key-act_save button").click()
    _settle(page)
    _no_error_shown(page)
    confirmation = page.locator("[data-testid='stAlertContentSuccess']").first.inner_text()
    assert title in confirmation and company in confirmation

    with get_engine(demo_url).connect() as conn:
        outcome, owner = conn.execute(select(Activity.outcome, Activity.owner).where(Activity.title == title)).one()
        author = (
            conn.execute(
                select(User.display_name)
                .join(AuditEntry, AuditEntry.user_id == User.user_id)
                .where(AuditEntry.entity == "activity")
                .order_by(AuditEntry.entry_id.desc())
            )
            .scalars()
            .first()
        )
    assert (outcome, owner, author) == ("Logged from Chromium", "Demo Manager", "Demo Manager")

    # the recent-activities grid (drawn on a canvas) lists it at once: read it through its CSV download
    grid = page.locator("[data-testid='stDataFrame']").last
    grid.scroll_into_view_if_needed()
    grid.hover()
    with page.expect_download() as download:
        page.locator("[data-testid='stElementToolbar'] button[aria-label='Download as CSV']").last.click()
    listed = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert title in listed
    page.screenshot(path=str(ARTIFACTS / "browser-activity-logged.png"), full_page=True)


def test_selecting_a_row_opens_the_client_page(page: Any, demo_url: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text="Clients").click()
    _settle(page)
    first = sorted(_companies(demo_url), key=str.casefold)[0]  # the list is sorted by company
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    # the grid is a canvas: click the selection box of the first data row (header and rows are 35 px)
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    _settle(page)
    _no_error_shown(page)
    assert page.locator("h2").first.inner_text() == first
    assert page.get_by_role("tab", name="Invoices").count() == 1
    page.screenshot(path=str(ARTIFACTS / "browser-client-page.png"), full_page=True)


def test_client_statement_and_claim_letter_download_as_pdf(page: Any, demo_url: str) -> None:
    import io

    import pypdf

    from crm_core.db.models import Client

    page.locator("[data-testid='stSidebarNav'] a", has_text="Clients").click()
    _settle(page)
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first client, as in the test above
    _settle(page)
    name = page.locator("h2").first.inner_text()
    with get_engine(demo_url).connect() as conn:
        tax_id = conn.execute(select(Client.tax_id).where(Client.company_name == name)).scalar_one()
    page.get_by_role("tab", name="Statement & claims").click()
    _settle(page)
    _no_error_shown(page)
    with page.expect_download() as download:
        page.locator(".st-key-statement_pdf button").click()
    reader = pypdf.PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Statement of account" in text and name in text
    if tax_id:
        assert tax_id in text
    page.screenshot(path=str(ARTIFACTS / "browser-client-statement.png"), full_page=True)


def _companies(url: str) -> list[str]:
    from crm_core.db.models import Client

    with get_engine(url).connect() as conn:
        return [str(name) for name in conn.execute(select(Client.company_name)).scalars()]


def _first_company(url: str) -> str:
    from crm_core.db.models import Client

    with get_engine(url).connect() as conn:
        return str(conn.execute(select(Client.company_name).order_by(Client.client_id)).scalars().first())


def _language(tab: Any, name: str) -> None:
    tab.locator(".st-key-lang").click()
    tab.get_by_role("option", name=name, exact=True).click()
    _settle(tab)


def test_after_switching_to_spanish_a_form_saves_the_value_not_the_label(page: Any, demo_url: str) -> None:
    """Issue 16, defect 1: a select box keeps the stored value ('active'), not the English label 'Active'."""
    from crm_core.db.models import Client

    page.locator("[data-testid='stSidebarNav'] a", has_text="Clients").click()
    _settle(page)
    _language(page, "Español")
    try:
        page.get_by_text("Nuevo cliente").first.click()
        _settle(page)
        name = f"Talleres Idioma {int(time.time())} S.L."
        page.locator(".st-key-new_company_name input").fill(name)
        page.locator(".st-key-new_email input").fill("idioma@talleres.es")
        page.locator(".st-key-new_save button").click()
        _settle(page)
        _no_error_shown(page)
        errors = page.locator("[data-testid='stAlertContentError']")
        assert errors.count() == 0, errors.all_inner_texts()
        with get_engine(demo_url).connect() as conn:
            status = conn.execute(select(Client.status).where(Client.company_name == name)).scalar_one()
        assert status == "active"
    finally:
        _language(page, "English")


@pytest.fixture(params=["en", "es"])
def lang(request: pytest.FixtureRequest, page: Any) -> Iterator[str]:
    """The UI language of a test: Spanish is chosen in the sidebar for the test, then English again."""
    if request.param == "es":
        _language(page, "Español")
    try:
        yield request.param
    finally:
        if request.param == "es":
            _language(page, "English")


def _label(key: str, lang: str) -> str:
    """A catalogue text in the test's language."""
    return MESSAGES[key][0 if lang == "en" else 1]


def test_record_a_part_payment_on_a_clients_invoice(page: Any, demo_url: str, lang: str) -> None:
    """Issue 16, item 10: on a client's Invoices tab, a part-payment through the form is recorded (the
    amount typed as the language writes it: 50.25 in English, 50,25 in Spanish)."""
    from decimal import Decimal

    from crm_core.analytics.payments import invoice_status
    from crm_core.db.models import Payment
    from crm_core.i18n.formatting import format_money
    from crm_core.store.frames import load_frames

    frames = load_frames(get_engine(demo_url))
    today = datetime.now(business_timezone()).date()
    status = invoice_status(frames.invoices, frames.payments, today)
    owing = status.loc[(status["outstanding"] > 100) & (status["paid_amount"] == 0)].iloc[0]
    client_id, invoice_id = int(owing["client_id"]), int(owing["invoice_id"])
    company = str(frames.clients.set_index("client_id").loc[client_id, "company_name"])
    page.locator("[data-testid='stSidebarNav'] a", has_text=_label("nav.clients", lang)).click()
    _settle(page)
    page.locator(".st-key-client_pick input").click()
    page.keyboard.type(company[:14])
    page.get_by_role("option", name=company, exact=True).click()
    _settle(page)
    page.get_by_role("tab", name=_label("client.tab_invoices", lang)).click()
    prefix = f"pay_{client_id}"
    page.locator(f".st-key-{prefix}_invoice input").click()
    page.get_by_role("option", name=str(owing["number"]), exact=False).first.click()
    page.locator(f".st-key-{prefix}_amount input").fill("50.25" if lang == "en" else "50,25")
    page.locator(f".st-key-{prefix}_save button").click()
    _settle(page)
    _no_error_shown(page)
    success = " ".join(page.locator("[data-testid='stAlertContentSuccess']").all_inner_texts())
    assert _label("billing.payment_recorded", lang).split("{amount}")[0] + format_money(Decimal("50.25"), lang) in success
    with get_engine(demo_url).connect() as conn:
        amounts = conn.execute(select(Payment.amount).where(Payment.invoice_id == invoice_id)).scalars().all()
    assert [float(a) for a in amounts] == [50.25]
    page.screenshot(path=str(ARTIFACTS / f"browser-payment-recorded-{lang}.png"), full_page=True)


def test_move_a_card_on_the_pipeline_board(page: Any, demo_url: str, lang: str) -> None:
    """Issue 16, item 11: the board's arrow moves a deal one stage through services.move_opportunity."""
    from crm_core.db.models import Opportunity
    from crm_core.store.frames import load_frames
    from crm_core.views.board import board_columns
    from crm_core.views.pipeline import open_deals, stale_deals

    frames = load_frames(get_engine(demo_url))
    today = datetime.now(business_timezone()).date()
    columns = board_columns(open_deals(frames, today), stale_deals(frames, today))
    card = next(column.cards.iloc[0] for column in columns if column.stage == "contacted" and len(column.cards))
    deal_id = int(card["opportunity_id"])
    page.locator("[data-testid='stSidebarNav'] a", has_text=_label("nav.pipeline", lang)).click()
    _settle(page)
    page.locator(f".st-key-card_{deal_id}").scroll_into_view_if_needed()
    page.locator(f".st-key-board_next_{deal_id} button").first.click()
    _settle(page)
    _no_error_shown(page)
    with get_engine(demo_url).connect() as conn:
        stage = conn.execute(select(Opportunity.stage).where(Opportunity.opportunity_id == deal_id)).scalar_one()
    assert stage == "proposal"
    page.screenshot(path=str(ARTIFACTS / f"browser-board-moved-{lang}.png"), full_page=True)


def test_collections_and_health_files_are_built_on_click(page: Any, demo_url: str) -> None:
    """Issue 18: the two portfolio-wide CSVs are built when their button is clicked (a callable handed to
    st.download_button), not on every run; the file still arrives, named and filled as before."""
    from crm_core.analytics.health import client_health
    from crm_core.analytics.late_rates import load_late_rates
    from crm_core.io.at_risk import export_file_name, to_csv_bytes
    from crm_core.io.receivables import claims_csv, file_name
    from crm_core.store.frames import load_frames
    from crm_core.views.at_risk import at_risk_export
    from crm_core.views.receivables import portfolio_claims

    today = datetime.now(business_timezone()).date()
    rates = load_late_rates()
    expected = {}
    for heading, key in (("Collections", "collections_download"), ("Health", "health_download")):
        page.locator("[data-testid='stSidebarNav'] a", has_text=heading).click()
        _settle(page)
        _no_error_shown(page)
        with page.expect_download() as download:
            page.locator(f".st-key-{key} button").first.click()  # the help tooltip is a button too
        frames = load_frames(get_engine(demo_url))  # as the page saw them (earlier tests wrote to the database)
        if key == "collections_download":
            expected[key] = (
                file_name("claims.file_stem", None, today, "en", "csv"),
                claims_csv(portfolio_claims(frames, today, rates), frames.clients, "en", rates.where_to_add, ","),
            )
        else:
            expected[key] = (
                export_file_name(today, "en"),
                to_csv_bytes(at_risk_export(client_health(frames, today), "en"), ",", "en"),
            )
        name, data = expected[key]
        assert download.value.suggested_filename == name
        got = Path(download.value.path()).read_bytes()
        assert got == data, (key, len(got), len(data))
        assert got.startswith("\ufeff".encode()) and got.count(b"\r\n") > 1
        _no_error_shown(page)
