"""The empty-database welcome, offering to load demo data."""

from __future__ import annotations

import streamlit as st

from crm_core.ui import cache, forms
from crm_core.ui.context import PageContext


def require_data(ctx: PageContext) -> None:
    """Stop the page with a welcome (and a demo-data button) when there are no clients yet; else load
    every table the page is about to read, at once (`cache.prefetch`)."""
    if cache.client_count(ctx.db_url) > 0:
        cache.prefetch(ctx.db_url)
        return
    st.title(ctx.t("welcome.title"))
    st.info(ctx.t("welcome.body"))
    with st.form("welcome_demo"):
        clients = st.number_input(ctx.t("welcome.clients"), min_value=10, max_value=5000, value=300, step=50, key="demo_clients")
        submitted = st.form_submit_button(ctx.t("welcome.load"))
    if submitted:
        from crm_core.demo import generate_demo

        with st.spinner(ctx.t("welcome.loading")):
            stats = forms.write(generate_demo, cache.engine(ctx.db_url), clients=int(clients), seed=42, users=True)
        if stats is not None:
            st.success(ctx.t("welcome.loaded", clients=stats.clients, invoices=stats.rows.get("invoices", 0)))
            st.rerun()
    st.stop()
