"""Client and deal pickers that stay light at any portfolio size: a plain select box for a few
options, search-first beyond that.

With up to ALL_OPTIONS_CAP options the select box lists them all (the browser filters as one
types). Beyond that, sending every option costs seconds per run at 100,000 clients (each option
formatted, serialised and sent on every rerun), so the picker shows a search box and offers only
the first PICKER_LIMIT the typed text names, plus the one already picked. Clients are found by
crm_core.views.search (company names, then contact names, phones and invoice numbers); open deals
by their client's and their own name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crm_core.i18n import format_number
from crm_core.ui import choices, views
from crm_core.ui.context import PageContext
from crm_core.views.search import PICKER_LIMIT, picker_matches

ALL_OPTIONS_CAP = 1000  # options listed in full; more switch a picker to search-first
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


def deal_picker(ctx: PageContext, label: str, deals: pd.DataFrame, stage_name: Callable[[str], str], *, key: str) -> int | None:
    """The picked open deal's id among `deals` (opportunity_id, company_name, name, stage): the first
    one to start with while they are few; beyond ALL_OPTIONS_CAP, none until a search finds some."""
    picked = st.session_state.get(key)
    if len(deals) <= ALL_OPTIONS_CAP:
        shown = deals
        index: int | None = 0
    else:
        text = st.text_input(label, key=key + SEARCH_SUFFIX, placeholder=ctx.t("picker.deal_search_placeholder"))
        needle = text.strip().casefold()
        found = np.zeros(len(deals), dtype=bool)
        if needle:
            for column in ("company_name", "name"):
                found |= deals[column].fillna("").astype("object").str.casefold().str.contains(needle, regex=False).to_numpy()
            found[np.flatnonzero(found)[PICKER_LIMIT:]] = False
        if picked is not None:
            found |= (deals["opportunity_id"] == picked).to_numpy()
        shown = deals.loc[found]
        index = None
        if needle:
            st.caption(ctx.t("picker.deal_matches", count=format_number(len(shown), ctx.lang), limit=PICKER_LIMIT))
        label = ctx.t("picker.pick_from_matches")
    labels = dict(
        zip(
            shown["opportunity_id"].astype(int),
            shown["company_name"].astype("object")
            + " · "
            + shown["name"].astype("object")
            + " ("
            + shown["stage"].map(stage_name)
            + ")",
            strict=True,
        )
    )
    value = choices.selectbox(
        label,
        list(labels),
        format_func=lambda oid: labels.get(oid, str(oid)),
        index=index,
        placeholder=ctx.t("picker.pick_from_matches"),
        key=key,
    )
    return None if value is None else int(value)
