"""Keep every run going through the router (app.py), even when Streamlit starts a page directly.

With a `pages/` folder beside the entry script, Streamlit decides per process (a class flag set
when the first session starts, and reset by AppTest before every run) to run in its old
"pages folder" mode until `st.navigation` is first called. In that mode a URL naming a page (a
deep link opened as the first request after a server start, or any rerun under AppTest) executes
the page file alone: no router, no sidebar, and the automatic file-name menu. A page that finds
itself in that mode switches it off and reruns, so the router draws the app as usual.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_router() -> None:
    """Rerun through the router if this run started a page file directly (see module doc)."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
