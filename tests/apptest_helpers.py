"""Opening one page of the app under streamlit's AppTest, shared by the tests/test_page_*.py modules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def open_page(page: str, as_of: date, lang: str = "en") -> AppTest:
    """The app run once, then switched to `page` (e.g. "pages/clients.py") as of `as_of` in `lang`, without errors."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["as_of"] = as_of
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
