"""The document script (crm_core.ui.document): `<html lang>` in the UI language, and the narrow screen's
sidebar closed after a change of page only (issue 16, defects 6 and 9; the browser effect is checked in
tests/test_browser_everyday.py)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from crm_core.ui.document import document_script

    st.session_state["scripts"] = [
        *st.session_state.get("scripts", []),
        document_script(st.session_state["lang"], st.session_state["page"]),
    ]


def _script(at: AppTest, lang: str, page: str) -> str:
    at.session_state["lang"] = lang
    at.session_state["page"] = page
    at.run()
    return at.session_state["scripts"][-1]


def test_the_document_language_follows_the_ui_and_the_sidebar_closes_only_after_a_page_change() -> None:
    at = AppTest.from_function(_page)
    first = _script(at, "es", "overview")
    assert 'document.documentElement.lang = "es";' in first
    assert "const moved = false;" in first  # the first page shown: nothing to close
    moved = _script(at, "es", "clients")
    assert "const moved = true;" in moved and "// run clients" in moved
    assert "window.innerWidth > 768" in moved  # only a narrow screen, where the sidebar overlays the page
    same = _script(at, "en", "clients")  # a rerun on the same page (here: the language switched)
    assert "const moved = false;" in same and 'document.documentElement.lang = "en";' in same
    back = _script(at, "en", "overview")
    assert "const moved = true;" in back and back != moved
    assert 'lang = "en"' in _script(at, "xx", "overview")  # only a known language code reaches the page
