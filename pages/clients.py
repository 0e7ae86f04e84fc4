"""Clients: searchable, filterable, sortable list."""

from __future__ import annotations

import streamlit as st

from crm_core import services
from crm_core.enums import ClientStatus
from crm_core.i18n import format_date, label
from crm_core.ui import cache
from crm_core.ui.context import current
from crm_core.ui.welcome import require_data

ctx = current()
require_data(ctx)
st.title(ctx.t("clients.title"))

cols = st.columns([3, 2, 1])
search = cols[0].text_input(ctx.t("common.search"), key="clients_search", help=ctx.t("clients.search_help"))
status = cols[1].selectbox(
    ctx.t("field.status"),
    options=[None, *[s.value for s in ClientStatus]],
    format_func=lambda v: ctx.t("common.all") if v is None else label("status", v, ctx.lang),
    key="clients_status",
)
page_no = cols[2].number_input(ctx.t("common.page"), min_value=1, value=1, key="clients_page")

result = services.list_clients(
    cache.engine(ctx.db_url), search=search or None, status=status, page=int(page_no), page_size=50
)
if result.total == 0:
    st.info(ctx.t("clients.none"))
else:
    st.caption(ctx.t("common.of_total", shown=len(result.items), total=result.total))
    st.dataframe(
        [
            {
                ctx.t("field.company_name"): c.company_name,
                ctx.t("field.tax_id"): c.tax_id,
                ctx.t("field.email"): c.email,
                ctx.t("field.status"): label("status", c.status, ctx.lang),
                ctx.t("field.region"): c.region,
                ctx.t("field.owner"): c.owner,
                ctx.t("field.created_at"): format_date(c.created_at, ctx.lang),
            }
            for c in result.items
        ],
        hide_index=True,
        width="stretch",
    )
