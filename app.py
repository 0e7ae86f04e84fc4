"""SmartBilling CRM: the Streamlit entry point and router."""

from __future__ import annotations

import streamlit as st

from crm_core.ui.context import current_lang
from crm_core.ui.navigation import build_pages
from crm_core.ui.sidebar import render_sidebar

st.set_page_config(page_title="SmartBilling CRM", page_icon=":material/insights:", layout="wide")

# The navigation first: its titles follow the language already chosen in this run's state.
navigation = st.navigation(build_pages(current_lang()))
render_sidebar()
navigation.run()
