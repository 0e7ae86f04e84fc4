"""SmartBilling CRM: the Streamlit entry point and router."""

from __future__ import annotations

import streamlit as st

from crm_core.i18n import t
from crm_core.ui.sidebar import render_sidebar

st.set_page_config(page_title="SmartBilling CRM", page_icon=":material/insights:", layout="wide")

ctx = render_sidebar()

navigation = st.navigation(
    [
        st.Page("pages/clients.py", title=t("nav.clients", ctx.lang), icon=":material/groups:", default=True),
    ]
)
navigation.run()
