"""Draw a frame as a formatted table: translated headers and enum values, € amounts, score bars.

A page names each column it shows and its kind; the frame keeps its field names (so tests read
the figures as computed), only the cells of enum columns are replaced by their translated label.
Amounts, counts and shares are written in the UI language by a Styler (the grid's own number
formats follow the browser's locale, not the language chosen in the sidebar); the cells stay
numbers, so sorting by a column header still sorts by value.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from crm_core.analytics.memo import FrameMemo
from crm_core.i18n import MESSAGES, format_money, format_number, format_percent, label
from crm_core.i18n.formatting import date_format_pattern, date_strftime_pattern
from crm_core.ui.context import PageContext

# kind -> how a column is drawn. "enum:<kind>" translates values with i18n.label(<kind>, value).
KINDS = ("text", "money", "number", "days", "score", "share", "date", "datetime", "moment", "bool", "probability")
# Kinds whose cells the Styler writes in the UI language ("moment": a datetime column mixing timed
# events with dated ones, whose midnight is not a time of day and is left out).
LANGUAGE_FORMATTED = ("money", "number", "share", "moment")
# What an empty cell shows (the grid's default is the word "None").
EMPTY_CELL = "—"
# Pixels per character of an enum label and the cell's padding, to size enum columns to their longest label.
CHAR_PX = 7.5
CELL_PADDING_PX = 28
# Compact widths (pixels) of figure columns in a wide table, so its key columns fit on a laptop
# screen; the header is cut to the width and shown whole in the column's tooltip.
COMPACT_PX = {"money": 118, "number": 90, "days": 90, "score": 110, "probability": 110}
PINNED_PX = 210  # the pinned name column of a compact table (a longer name is cut; the row opens it whole)
# The grid's row height (the header row too) and its borders, in pixels (Streamlit's dataframe).
ROW_PX = 35
BORDER_PX = 3
# Display frames and renderings of the tables drawn with `keep` (a cached view's frames), per (data,
# columns, language): a rerun with unchanged data redraws them without formatting every cell again.
# Each entry pins its frame's buffers (analytics.memo), hence few entries and only cached frames.
_SHOWN = FrameMemo(max_entries=16)


def fitted_height(rows: int, cap: int | None) -> int | Literal["auto"]:
    """A grid's height: all its rows (and header) when they fit under `cap`, else `cap` (it scrolls),
    so a short table is never padded with empty rows; "auto" (Streamlit's own fit) without a cap."""
    if cap is None:
        return "auto"
    return min(cap, (max(rows, 1) + 1) * ROW_PX + BORDER_PX)


def header(ctx: PageContext, column: str) -> str:
    """The UI label of a column: field.<name>, else figure.<name>, else the name itself."""
    for prefix in ("field", "figure", "column"):
        key = f"{prefix}.{column}"
        if key in MESSAGES:
            return ctx.t(key)
    return column


def column_config(ctx: PageContext, column: str, kind: str, *, compact: bool = False, pinned: bool = False) -> Any:
    """The st.column_config entry drawing one column of the given kind (`compact`: a figure column
    takes a fixed narrow width, its whole header in the tooltip; `pinned`: it stays visible on the
    left when the table scrolls sideways)."""
    entry = _column_config(ctx, column, kind)
    if compact and (kind in COMPACT_PX or kind.startswith("enum:")):
        # an enum column fits its labels only, not its (longer) header
        entry["width"] = COMPACT_PX.get(kind) or enum_width(ctx, kind.removeprefix("enum:"), "")
        entry["help"] = entry.get("help") or entry.get("label")
    if pinned:
        entry["pinned"] = True
        if compact:
            entry["width"] = PINNED_PX
    return entry


def _column_config(ctx: PageContext, column: str, kind: str) -> Any:
    title = header(ctx, column)
    pattern = date_format_pattern(ctx.lang)
    if kind == "moment":  # no format: the Styler's text is shown (see cell_formatter)
        return st.column_config.DatetimeColumn(title)
    if kind in LANGUAGE_FORMATTED:
        return st.column_config.NumberColumn(title)
    if kind == "days":
        return st.column_config.NumberColumn(title, format="%.0f")
    if kind == "score":
        return st.column_config.ProgressColumn(title, min_value=0, max_value=100, format="%.0f")
    if kind == "probability":
        return st.column_config.ProgressColumn(title, min_value=0, max_value=100, format=percent_printf(ctx.lang))
    if kind == "date":
        return st.column_config.DateColumn(title, format=pattern)
    if kind == "datetime":
        return st.column_config.DatetimeColumn(title, format=f"{pattern} HH:mm")
    if kind == "bool":
        return st.column_config.CheckboxColumn(title)
    if kind.startswith("enum:"):
        return st.column_config.TextColumn(title, width=enum_width(ctx, kind.removeprefix("enum:"), title))
    return st.column_config.TextColumn(title)


def percent_printf(lang: str) -> str:
    """The printf format of a 0-100 figure as a percentage: `85 %` in Spanish, `85%` in English."""
    return "%.0f %%" if lang == "es" else "%.0f%%"


def enum_width(ctx: PageContext, enum_kind: str, title: str) -> int:
    """Pixels that fit the longest translated label of an enum (the grid sizes a column by its
    first rows only, so a longer label further down would be cut), or the header if longer."""
    labels = [ctx.t(key) for key in MESSAGES if key.startswith(f"{enum_kind}.")]
    longest = max([len(title), *(len(text) for text in labels)])
    return int(longest * CHAR_PX + CELL_PADDING_PX)


def cell_formatter(kind: str, lang: str) -> Callable[[Any], str]:
    """How the Styler writes a cell of a money, number or share column in `lang`."""
    if kind == "money":
        return lambda value: format_money(value, lang)
    if kind == "share":
        return lambda value: format_percent(value, lang, 1)
    if kind == "moment":
        return lambda value: _moment_text(value, lang)
    return lambda value: format_number(value, lang, 0 if _whole(value) else 2)


def _moment_text(value: Any, lang: str) -> str:
    """A timestamp as the datetime columns write it, without the time when it is exactly midnight
    (an invoice or payment has a date, not a time)."""
    if value is None or pd.isna(value):
        return EMPTY_CELL
    stamp = pd.Timestamp(value)
    pattern = date_strftime_pattern(lang)
    return stamp.strftime(pattern if stamp == stamp.normalize() else f"{pattern} %H:%M")


def _whole(value: Any) -> bool:
    """Whether a count cell holds a whole number (then written without decimals)."""
    try:
        return float(value).is_integer()
    except (TypeError, ValueError):
        return True


def styled(frame: pd.DataFrame, kinds: dict[str, str], lang: str) -> pd.DataFrame | Styler:
    """`frame` with the columns of `kinds` that are money, number or share written in `lang`."""
    formatters = {
        column: cell_formatter(kind, lang)
        for column, kind in kinds.items()
        if kind in LANGUAGE_FORMATTED and column in frame.columns
    }
    if not formatters or frame.empty:
        return frame
    if not frame.index.is_unique:
        frame = frame.reset_index(drop=True)
    return frame.style.format(formatters)


@dataclass(frozen=True)
class KeptRendering:
    """A formatted Styler (never drawn itself) and its renderings for st.dataframe, each made once and kept."""

    template: Styler
    renderings: dict[Hashable, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """The template's `_translate(*args, **kwargs)` (every cell's display text) as st.dataframe reads
        it (`_without_plain_cells`), made once and kept."""
        key = (args, tuple(sorted(kwargs.items())))
        with self.lock:
            rendered = self.renderings.get(key)
            if rendered is None:
                self.template._compute()
                rendered = self.renderings[key] = _without_plain_cells(
                    self.template._translate(*args, **kwargs), self.template.data
                )
        return rendered

    def styler(self) -> Styler:
        """A Styler drawing the template's data with the kept rendering (what Streamlit's st.dataframe
        reads), so the cells are not formatted again on every rerun.

        Each rerun draws its own Styler (Streamlit sets state on it while drawing), so sessions drawing
        the same table at once never share one, only the rendering. A plain Styler with `_translate`
        replaced (Streamlit takes a Styler by its exact type), with the template's uuid and formats
        (so a copy of it, as `to_string` makes, formats its cells as the template does).
        """
        styler = Styler(self.template.data, uuid=self.template.uuid)
        styler._display_funcs = self.template._display_funcs.copy()  # its formats, without formatting again
        styler._translate = self.render
        return styler


CELL_ID = re.compile(r"row(\d+)_col(\d+)")  # a body cell's id in a Styler's rendering


def _without_plain_cells(rendered: dict[str, Any], data: pd.DataFrame) -> dict[str, Any]:
    """`rendered` without the body cells whose display text is the cell's own `str` (a name, a label).

    Streamlit's st.dataframe writes its display values over `data.astype(str)`, one body cell at a
    time (streamlit.elements.lib.pandas_styler_utils._use_display_values, which reads display texts
    as `str`, an Enum's as `str(.value)`): a cell that would write the text already there changes
    nothing, and leaving it out spares that per-cell work on every rerun. Only formatted cells stay.
    """
    plain = data.astype(str)
    body = []
    for row in rendered.get("body", []):
        kept = []
        for cell in row:
            match = CELL_ID.match(cell.get("id") or "")
            value = cell.get("display_value")
            text = str(value.value) if isinstance(value, Enum) else str(value)
            if match is None or text != plain.iat[int(match[1]), int(match[2])]:
                kept.append(cell)
        body.append(kept)
    return {**rendered, "body": body}


def shown_frame(ctx: PageContext, frame: pd.DataFrame, columns: dict[str, str], keep: bool = False) -> pd.DataFrame | Styler:
    """What st.dataframe draws for `frame`: `styled(display_frame(...))`. With `keep`, the display frame
    and its rendering are kept per data (`analytics.memo`: a cached view hands out the same buffers on
    every rerun), so an unchanged table is not translated and formatted cell by cell again."""
    if not keep:
        return styled(display_frame(ctx, frame, columns), columns, ctx.lang)
    shown: pd.DataFrame | KeptRendering = _SHOWN.get(
        (frame,), (tuple(columns.items()), ctx.lang), lambda: _kept(ctx, frame, columns)
    )
    if isinstance(shown, KeptRendering):
        return shown.styler()
    return shown.copy(deep=False)


def _kept(ctx: PageContext, frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame | KeptRendering:
    result = styled(display_frame(ctx, frame, columns), columns, ctx.lang)
    return KeptRendering(result) if isinstance(result, Styler) else result


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
    compact: bool = False,
    pinned: str | None = None,
    keep: bool = False,
) -> None:
    """Draw `frame` as a dataframe with the given columns; with `on_select`, single rows are selectable.
    `height` is the most the grid takes (it scrolls beyond); a shorter table takes only its rows.
    A wide table is `compact` (narrow figure columns) with its `pinned` column (the name) kept in
    view when it scrolls sideways to the rest. `keep`: `frame` is (a row slice of) a cached view's
    frame, whose drawing is kept for the next reruns (`shown_frame`)."""
    config = {
        column: column_config(ctx, column, kind, compact=compact, pinned=column == pinned) for column, kind in columns.items()
    }
    options: dict[str, Any] = {}
    if on_select is not None:
        options = {"on_select": on_select, "selection_mode": "single-row"}
    st.dataframe(
        shown_frame(ctx, frame, columns, keep),
        column_config=config,
        column_order=list(columns),
        hide_index=True,
        placeholder=EMPTY_CELL,
        width="stretch",
        height=fitted_height(len(frame), height),
        key=key,
        **options,
    )


def capped_table(
    ctx: PageContext,
    frame: pd.DataFrame,
    columns: dict[str, str],
    *,
    key: str,
    empty_message: str,
    cap: int = 200,
    height: int = 300,
    keep: bool = False,
) -> None:
    """`frame` drawn as at most its first `cap` rows (callers sort the most urgent first), saying so
    when it holds more, or `empty_message` when it holds none (`keep`: as in `show_table`)."""
    if frame.empty:
        st.info(empty_message)
        return
    # iloc shares the rows' buffers (head copies them), so the drawn table is kept as one (`shown_frame`)
    show_table(ctx, frame.iloc[:cap], columns, key=key, height=height, keep=keep)
    if len(frame) > cap:
        st.caption(ctx.t("common.first_of", shown=format_number(cap, ctx.lang), total=format_number(len(frame), ctx.lang)))
