"""The browser document around the app, where Streamlit has no option: `<html lang>` and the phone sidebar.

- Streamlit serves `<html lang="en">` whatever the UI language; a screen reader or the browser's
  translate offer then reads Spanish as English. The chosen language is set on the document.
- On a narrow screen the sidebar lies over the content. Streamlit closes it after a page link is
  clicked only when the browser says it is a phone (user agent), not in a narrow window or on a
  tablet; so after the page changed, a narrow screen's open sidebar is closed with its own button.

One small script, drawn (without space) at the end of the sidebar on every run; it holds only fixed
text and values from fixed sets (the language code, whether the page changed), never user input.
"""

from __future__ import annotations

import streamlit as st

from crm_core.i18n import LANGS

NARROW_PX = 768  # Streamlit's "md" breakpoint: below it the sidebar overlays the page
_LAST_PAGE = "_document_last_page"

SCRIPT = """<script>
(() => {{
  document.documentElement.lang = "{lang}";
  const moved = {moved};  // run {run}
  if (!moved || window.innerWidth > {narrow}) return;
  const close = () => {{
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (button) button.click();
  }};
  setTimeout(close, 0);
}})();
</script>"""


def document_script(lang: str, page: str) -> str:
    """The script for this run: set the document's language; after a change of `page`, close an open
    sidebar on a narrow screen. `run` makes each navigation's script new, so the browser runs it."""
    state = st.session_state
    moved = state.get(_LAST_PAGE) not in (None, page)
    state[_LAST_PAGE] = page
    code = lang if lang in LANGS else "en"
    return SCRIPT.format(lang=code, moved="true" if moved else "false", run=page if moved else "", narrow=NARROW_PX)


def fit_document(lang: str, page: str) -> None:
    """Draw the document script at the end of the sidebar (`page`: the page shown on this run)."""
    with st.sidebar:
        st.html(document_script(lang, page), unsafe_allow_javascript=True, width="content")
