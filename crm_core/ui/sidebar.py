"""The sidebar shown on every page: as-of date, language, database in use."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import make_url

from crm_core.i18n import LANG_NAMES, LANGS, default_lang, t
from crm_core.i18n.formatting import date_format_pattern
from crm_core.ui.context import PageContext, current, today
from crm_core.ui.markdown import literal
from crm_core.ui.signin import sign_out


def _db_label(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite · {parsed.database}"
    return f"PostgreSQL · {parsed.host}/{parsed.database}"


def render_sidebar() -> PageContext:
    """Draw the shared sidebar controls and return the resulting page context."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = default_lang()
    if "as_of" not in st.session_state:
        st.session_state["as_of"] = today()
    lang = st.session_state["lang"]
    with st.sidebar:
        st.selectbox(
            t("sidebar.language", lang),
            options=list(LANGS),
            format_func=lambda code: LANG_NAMES[code],
            key="lang",
        )
        lang = st.session_state["lang"]
        st.date_input(
            t("sidebar.as_of", lang),
            key="as_of",
            help=t("sidebar.as_of_help", lang),
            format=date_format_pattern(lang),
        )
        ctx = current()
        if ctx.is_manager:  # where the data lives is for managers (and open mode) only
            st.caption(f"{t('sidebar.database', lang)}: {literal(_db_label(ctx.db_url))}")
        if ctx.viewer is None:
            st.markdown(f":orange-background[:material/lock_open: {t('signin.open_mode', lang)}]")
        else:
            role = t(f"role.{ctx.viewer.role}", lang)
            st.markdown(t("signin.signed_in_as", lang, name=literal(ctx.viewer.name), role=role))
            st.button(t("signin.sign_out", lang), key="sign_out", on_click=sign_out, icon=":material/logout:")
    return ctx
