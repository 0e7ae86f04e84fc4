"""SmartBilling CRM: the Streamlit entry point and router."""

from __future__ import annotations

from functools import partial

import streamlit as st

from crm_core.config import default_url
from crm_core.memory import prepare_process_memory
from crm_core.ui.context import current_lang
from crm_core.ui.document import fit_document
from crm_core.ui.navigation import build_pages
from crm_core.ui.sidebar import render_sidebar
from crm_core.ui.signin import gate, sign_in_page

prepare_process_memory()  # before the first large array and the loader threads: crm_core.memory says why
st.set_page_config(page_title="SmartBilling CRM", page_icon=":material/insights:", layout="wide")

allowed, viewer = gate(default_url())
if not allowed:  # users exist and nobody is signed in: the sign-in screen is the only page
    st.navigation([st.Page(partial(sign_in_page, default_url()), title="Sign in", url_path="signin")], position="hidden").run()
    st.stop()

# The navigation first: its titles follow the language already chosen in this run's state.
navigation = st.navigation(build_pages(current_lang(), viewer))
render_sidebar()
fit_document(current_lang(), navigation.url_path)
navigation.run()
