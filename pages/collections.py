"""Collections: overdue clients by what is at stake (outstanding + Ley 3/2004 claim), and a one-click collection call."""

from __future__ import annotations

import streamlit as st

from crm_core.i18n import format_date, format_money, format_number
from crm_core.io.receivables import file_name
from crm_core.ui import receivables
from crm_core.ui.context import current
from crm_core.ui.forms import show_outcome
from crm_core.ui.owners import owner_filter
from crm_core.ui.pickers import ALL_OPTIONS_CAP
from crm_core.ui.tables import show_table
from crm_core.ui.welcome import require_data
from crm_core.views.paging import page_count, page_of, page_rows
from crm_core.views.receivables import worklist_labels, worklist_owners, worklist_totals

PAGE_SIZE = 100
OUTCOME = "collections_outcome"
COLUMNS = {
    "company_name": "text",
    "at_stake": "money",
    "outstanding": "money",
    "claim_total": "money",
    "days_since_oldest_unpaid": "days",
    "last_contact": "date",
    "next_activity_on": "date",
    "next_activity_title": "text",
    "owner": "text",
    "overdue": "money",
    "max_days_overdue": "days",
    "claimed_invoices": "number",
    "provisional": "bool",
}

ctx = current()
require_data(ctx)
st.title(ctx.t("collections.title"))
st.caption(ctx.t("collections.subtitle", as_of=format_date(ctx.as_of, ctx.lang)))
rates = receivables.rates(ctx)
if rates is None:
    st.stop()

everyone = receivables.worklist(ctx.db_url, ctx.as_of, rates, None)
owner = owner_filter(ctx, ctx.t("collections.owner"), "collections_owner", worklist_owners(everyone))
work = everyone if owner is None else receivables.worklist(ctx.db_url, ctx.as_of, rates, owner)

totals = worklist_totals(work)
metrics = st.columns(3)
metrics[0].metric(ctx.t("collections.clients"), format_number(totals["clients"], ctx.lang), border=True)
metrics[1].metric(ctx.t("collections.outstanding"), format_money(totals["outstanding"], ctx.lang, 0), border=True)
metrics[2].metric(ctx.t("collections.claimable"), format_money(totals["claim_total"], ctx.lang, 0), border=True)
show_outcome(OUTCOME)
if work.empty:
    st.info(ctx.t("collections.none"))
    st.stop()
receivables.show_provisional(ctx, receivables.portfolio_claims(ctx.db_url, ctx.as_of, rates), rates)

pages = page_count(len(work), PAGE_SIZE)
page_no = st.number_input(ctx.t("common.page"), min_value=1, max_value=pages, value=1, key="collections_page") if pages > 1 else 1
first, last = page_rows(len(work), int(page_no), PAGE_SIZE)
st.caption(
    ctx.t(
        "collections.showing",
        first=format_number(first, ctx.lang),
        last=format_number(last, ctx.lang),
        total=format_number(len(work), ctx.lang),
    )
)
show_table(
    ctx, page_of(work, int(page_no), PAGE_SIZE), COLUMNS, key="collections_table", height=420, compact=True, pinned="company_name"
)

ids = None if owner is None else tuple(int(c) for c in work["client_id"])
st.download_button(
    ctx.t("collections.download"),
    data=receivables.claims_download_later(ctx.db_url, ctx.as_of, rates, ctx.lang, ids),  # built on click
    file_name=file_name("claims.file_stem", None, ctx.as_of, ctx.lang, "csv"),
    mime="text/csv",
    icon=":material/download:",
    key="collections_download",
)

st.subheader(ctx.t("collections.log_heading"))
# Beyond ALL_OPTIONS_CAP clients, the picker offers the page shown (every one would be sent on each run).
labels = worklist_labels(work if len(work) <= ALL_OPTIONS_CAP else page_of(work, int(page_no), PAGE_SIZE))
with st.form("collections_call", clear_on_submit=True):
    picked = st.selectbox(ctx.t("collections.pick"), list(labels), format_func=lambda cid: labels[cid], key="collections_pick")
    outcome = st.text_input(ctx.t("collections.outcome"), key="collections_call_outcome", max_chars=300)
    if st.form_submit_button(ctx.t("collections.log_call"), icon=":material/call:"):
        row = work.loc[work["client_id"] == picked].iloc[0]
        receivables.log_collection_call(ctx, OUTCOME, row, outcome)
        st.rerun()
