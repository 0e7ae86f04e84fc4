"""Draw a frame as a formatted table: translated headers and enum values, € amounts, score bars.

A page names each column it shows and its kind; the frame keeps its field names (so tests read
the figures as computed), only the cells of enum columns are replaced by their translated label.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from crm_core.i18n import MESSAGES, label
from crm_core.i18n.formatting import date_format_pattern
from crm_core.ui.context import PageContext

# kind -> how a column is drawn. "enum:<kind>" translates values with i18n.label(<kind>, value).
KINDS = ("text", "money", "number", "days", "score", "share", "date", "datetime", "bool", "probability")


def header(ctx: PageContext, column: str) -> str:
    """The UI label of a column: field.<name>, else figure.<name>, else the name itself."""
    for prefix in ("field", "figure", "column"):
        key = f"{prefix}.{column}"
        if key in MESSAGES:
            return ctx.t(key)
    return column


def column_config(ctx: PageContext, column: str, kind: str) -> Any:
    """The st.column_config entry drawing one column of the given kind."""
    title = header(ctx, column)
    pattern = date_format_pattern(ctx.lang)
    if kind == "money":
        return st.column_config.NumberColumn(title, format="euro")
    if kind == "number":
        return st.column_config.NumberColumn(title, format="localized")
    if kind == "days":
        return st.column_config.NumberColumn(title, format="%.0f")
    if kind == "score":
        return st.column_config.ProgressColumn(title, min_value=0, max_value=100, format="%.0f")
    if kind == "probability":
        return st.column_config.ProgressColumn(title, min_value=0, max_value=100, format="%.0f%%")
    if kind == "share":
        return st.column_config.NumberColumn(title, format="percent")
    if kind == "date":
        return st.column_config.DateColumn(title, format=pattern)
    if kind == "datetime":
        return st.column_config.DatetimeColumn(title, format=f"{pattern} HH:mm")
    if kind == "bool":
        return st.column_config.CheckboxColumn(title)
    return st.column_config.TextColumn(title)


def display_frame(ctx: PageContext, frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """`frame` reduced to `columns`, with enum values translated and missing texts as empty."""
    shown = frame.reindex(columns=list(columns)).copy()
    for column, kind in columns.items():
        if kind == "text":  # an empty text cell reads better blank than as "None"
            shown[column] = shown[column].astype("object").where(shown[column].notna(), "")
        elif kind.startswith("enum:"):
            enum_kind = kind.removeprefix("enum:")
            shown[column] = shown[column].map(lambda v, k=enum_kind: label(k, v, ctx.lang)).astype("object")
    return shown


def show_table(
    ctx: PageContext,
    frame: pd.DataFrame,
    columns: dict[str, str],
    *,
    key: str | None = None,
    on_select: Callable[[], None] | None = None,
    height: int | None = None,
) -> None:
    """Draw `frame` as a dataframe with the given columns; with `on_select`, single rows are selectable."""
    config = {
        column: column_config(ctx, column, "text" if kind.startswith("enum:") else kind)
        for column, kind in columns.items()
    }
    options: dict[str, Any] = {}
    if on_select is not None:
        options = {"on_select": on_select, "selection_mode": "single-row"}
    st.dataframe(
        display_frame(ctx, frame, columns),
        column_config=config,
        column_order=list(columns),
        hide_index=True,
        width="stretch",
        height=height if height is not None else "auto",
        key=key,
        **options,
    )
