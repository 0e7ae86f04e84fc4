"""Opening one page of the app under streamlit's AppTest, shared by the tests/test_page_*.py modules."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def router_pages_manager() -> type:
    """AppTest's PagesManager, keeping Streamlit out of its old `pages/` folder mode.

    AppTest resets the per-process "uses a pages folder" flag before every run, and our `pages/`
    folder sets it again, so from the second run on Streamlit executes the page file alone: no
    router, no sidebar (the real server clears the flag for good at the first st.navigation call).
    This subclass leaves the flag cleared, as it is in the running app after its first run. Used
    by the app tests' fixtures and by the page benchmarks.
    """
    from streamlit.runtime.pages_manager import PagesManager

    class RouterPagesManager(PagesManager):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    return RouterPagesManager


def open_page(page: str, as_of: date, lang: str = "en") -> AppTest:
    """The app run once, then switched to `page` (e.g. "pages/clients.py") as of `as_of` in `lang`, without errors."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["as_of"] = as_of
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_text(element: Any) -> pd.DataFrame:
    """The cell texts a dataframe element shows where a Styler wrote them (its display values)."""
    from streamlit import dataframe_util

    return dataframe_util.convert_arrow_bytes_to_pandas_df(element.proto.arrow_data.styler.display_values)


def column_format(element: Any, column: str) -> str | None:
    """The number format a dataframe element's column_config gives `column` (None when unset)."""
    import json

    return json.loads(element.proto.columns).get(column, {}).get("type_config", {}).get("format")
