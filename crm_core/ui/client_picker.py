"""A client picker that stays light at any portfolio size: a plain select box for a few clients,
search-first beyond that.

With up to ALL_OPTIONS_CAP clients the select box lists them all (the browser filters as one
types). Beyond that, sending every client as an option costs seconds per run at 100,000 clients
(each option formatted, serialised and sent on every rerun), so the picker shows a search box and
offers only the first PICKER_LIMIT clients the typed text names (crm_core.views.search:
company names, then contact names, phones and invoice numbers), plus the client already picked.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd
import streamlit as st

from crm_core.i18n import format_number
from crm_core.ui import choices, views
from crm_core.ui.context import PageContext
from crm_core.views.search import PICKER_LIMIT, picker_matches

ALL_OPTIONS_CAP = 1000  # clients listed in full; more switch the picker to search-first
SEARCH_SUFFIX = "_search"  # the search box's key is the picker's key plus this


def client_picker(
    ctx: PageContext,
    label: str,
    names: pd.Series,
    *,
    key: str,
    placeholder: str,
    container: Any = st,
    exclude: Collection[int] = (),
    **kwargs: Any,
) -> int | None:
    """The picked client id (None until one is picked) among `names` (company name by client id).

    `exclude` leaves clients out (the client a duplicate is merged into); `kwargs` go to the select box.
    """
    picked = st.session_state.get(key)
    if len(names) <= ALL_OPTIONS_CAP:
        ids = [int(i) for i in names.index if i not in exclude]
    else:
        text = container.text_input(
            label,
            key=key + SEARCH_SUFFIX,
            placeholder=ctx.t("picker.search_placeholder"),
            help=ctx.t("picker.search_help", limit=PICKER_LIMIT),
        )
        index = views.search_index(ctx.db_url) if _worth_index(text) else None
        ids = [i for i in picker_matches(views.picker_names(ctx.db_url), text, index) if i not in exclude]
        if picked is not None and picked not in ids:
            ids.insert(0, int(picked))
        if text.strip():
            container.caption(ctx.t("picker.matches", count=format_number(len(ids), ctx.lang), limit=PICKER_LIMIT))
        label = ctx.t("picker.pick_from_matches")
    shown = names.loc[names.index.intersection(ids)].to_dict() if len(ids) < len(names) else names.to_dict()
    value = choices.selectbox(
        label,
        ids,
        container=container,
        format_func=lambda cid: shown.get(cid, str(cid)),
        index=None,
        placeholder=placeholder,
        key=key,
        **kwargs,
    )
    return None if value is None else int(value)


def _worth_index(text: str) -> bool:
    """Whether to also search contacts, phones and invoice numbers (building that index once costs
    seconds at 100,000 clients): from three typed characters on."""
    return len(text.strip()) >= 3
