"""Clients: the health-joined list (search, filters, sorting, pages), a client's page, the client forms."""

from __future__ import annotations

import streamlit as st

from crm_core.i18n import format_number, label
from crm_core.ui import cache, choices, client_detail, views
from crm_core.ui.client_forms import CLIENTS_OUTCOME, NEW_OUTCOME, create_form, reassign_control
from crm_core.ui.context import current
from crm_core.ui.forms import show_outcome
from crm_core.ui.tables import header, show_table
from crm_core.ui.welcome import require_data
from crm_core.views.clients import (
    FILTER_FIELDS,
    LIFECYCLE_OPTIONS,
    RISK_OPTIONS,
    SORT_COLUMNS,
    ClientFilters,
    picker_ids,
)
from crm_core.views.paging import page_count, page_rows
from crm_core.views.search import clients_matching

PAGE_SIZE = 100
PICK_CAP = 1000  # the client picker lists every match up to this many, else the page shown
# The key columns first (they fit a 1440 px screen beside the sidebar, the name pinned on the left);
# the rest are a sideways scroll away, or picked in the grid's "Show/hide columns" menu.
TABLE_COLUMNS = {
    "company_name": "text",
    "lifecycle": "enum:lifecycle",
    "default_risk": "enum:risk",
    "churn_score": "score",
    "outstanding": "money",
    "overdue": "money",
    "owner": "text",
    "revenue_12m": "money",
    "ltv": "money",
    "predicted_value_12m": "money",
    "expected_revenue_90d": "money",
    "days_since_last_activity": "days",
    "segment": "text",
    "industry": "text",
    "region": "text",
    "tax_id": "text",
    "email": "text",
}

ctx = current()
require_data(ctx)
engine = cache.engine(ctx.db_url)
st.title(ctx.t("clients.title"))
show_outcome(CLIENTS_OUTCOME)

with st.expander(ctx.t("clients.new"), icon=":material/person_add:", expanded=NEW_OUTCOME in st.session_state):
    create_form(ctx, engine, cache.frames_with(ctx.db_url, {"clients": cache.generation(ctx.db_url, "clients")}).clients)

# ---------------------------------------------------------------- filters
options = views.filter_options(ctx.db_url)
row = st.columns([3, 2, 2, 2])
search = row[0].text_input(ctx.t("common.search"), key="clients_search", placeholder=ctx.t("clients.search_help"))
lifecycle = choices.multiselect(
    ctx.t("figure.lifecycle"),
    LIFECYCLE_OPTIONS,
    container=row[1],
    format_func=lambda v: label("lifecycle", v, ctx.lang),
    key="clients_lifecycle",
    placeholder=ctx.t("clients.any"),
)
risk = choices.multiselect(
    ctx.t("figure.default_risk"),
    RISK_OPTIONS,
    container=row[2],
    format_func=lambda v: label("risk", v, ctx.lang),
    key="clients_risk",
    placeholder=ctx.t("clients.any"),
)
min_churn = row[3].slider(ctx.t("clients.min_churn"), 0, 100, 0, step=5, key="clients_min_churn")
with st.expander(ctx.t("clients.more_filters")):
    row = st.columns(4)
    chosen = {
        name: row[i].multiselect(ctx.t(f"field.{name}"), options[name], key=f"clients_{name}", placeholder=ctx.t("clients.any"))
        for i, name in enumerate(FILTER_FIELDS)
    }
filters = ClientFilters.from_inputs(search, lifecycle, risk, min_churn, chosen)
row = st.columns([2, 1, 1, 2], vertical_alignment="bottom")
sort_by = choices.selectbox(
    ctx.t("clients.sort"), SORT_COLUMNS, format_func=lambda c: header(ctx, c), key="clients_sort", container=row[0]
)
descending = row[1].toggle(ctx.t("clients.descending"), key="clients_desc")

# ---------------------------------------------------------------- the list
# Positions of the matches in order; only the visible page's rows are taken, formatted and sent.
listing = views.client_list(ctx.db_url, ctx.as_of)
found_elsewhere = clients_matching(views.search_index(ctx.db_url), search) if search.strip() else ()
matches = listing.query(filters, sort_by, descending, found_elsewhere)
pages = page_count(len(matches), PAGE_SIZE)
page_no = row[2].number_input(ctx.t("common.page"), min_value=1, max_value=pages, value=1, key="clients_page")
first, last = page_rows(len(matches), int(page_no), PAGE_SIZE)
shown = listing.table.iloc[matches[max(first - 1, 0) : last]]
match_ids = listing.table["client_id"].to_numpy()[matches] if len(matches) <= PICK_CAP else []
row[3].caption(
    ctx.t(
        "clients.count",
        shown=format_number(len(shown), ctx.lang),
        total=format_number(len(matches), ctx.lang),
        all=format_number(len(listing.table), ctx.lang),
        page=format_number(page_no, ctx.lang),
        pages=format_number(pages, ctx.lang),
    )
)
page_ids = shown["client_id"].tolist()
if not len(matches):
    st.info(ctx.t("clients.none"))
else:

    def _open_selected() -> None:
        rows = st.session_state["clients_table"].selection.rows
        if rows:
            st.session_state["client_pick"] = page_ids[rows[0]]

    show_table(
        ctx, shown, TABLE_COLUMNS, key="clients_table", on_select=_open_selected, height=420, compact=True, pinned="company_name"
    )
    st.caption(ctx.t("clients.select_hint"))

if len(matches) and ctx.is_manager:
    # kept open after a reassign, whose outcome it shows (its title, the count, may have changed)
    with st.expander(
        ctx.tn("clients.reassign_title", len(matches)),
        icon=":material/swap_horiz:",
        expanded="reassign_outcome" in st.session_state,
    ):
        reassign_control(ctx, engine, listing.table["client_id"].to_numpy()[matches].tolist())

# ---------------------------------------------------------------- one client
pick_ids = picker_ids(
    match_ids if len(matches) <= PICK_CAP else page_ids, page_ids, st.session_state.get("client_pick"), PICK_CAP
)
names = views.client_names(ctx.db_url).reindex(pick_ids).to_dict()  # the offered ones only, not all 100,000
client_id = choices.selectbox(
    ctx.t("clients.open"),
    pick_ids,
    format_func=lambda cid: names.get(cid, str(cid)),
    index=None,
    placeholder=ctx.t("clients.open_placeholder"),
    key="client_pick",
    help=ctx.t("clients.open_help", cap=PICK_CAP),
)
if client_id is not None:
    st.divider()
    client_detail.render(ctx, engine, cache.frames(ctx.db_url), cache.health(ctx.db_url, ctx.as_of), int(client_id))
