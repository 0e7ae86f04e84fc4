"""Select boxes whose options are stored values shown through a label that may change (language, names).

Streamlit sends a select box's choice back as the *label* the browser showed and maps it to an
option with the labels of the current run. When the labels change between two runs (the language
was switched, a deal moved stage, a client was renamed) the old label matches nothing and the
widget returns the label text itself ("Active" instead of "active"), which a form then saves.
These wrappers remember the label each value was shown with and, when it changes, set the value
again before the widget is drawn, so the widget always holds the value, whatever the labels.
Without a placeholder of its own, a box says "Choose an option" (or, with no option, what
Streamlit would say in English) in the UI language; a box offering None (shown by Streamlit as
nothing picked, with the placeholder) shows None's own label ("—", "All") instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

from crm_core.i18n import t
from crm_core.ui.context import current_lang

T = TypeVar("T")
_SHOWN = "_choice_shown_"  # session key prefix: the label(s) a widget's value was last shown with


def _labels(values: Any, format_func: Callable[[Any], str]) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, list | tuple):
        return tuple(format_func(v) for v in values)
    return (format_func(values),)


def _pin(key: str, options: Sequence[Any], format_func: Callable[[Any], str], many: bool) -> None:
    """Set the widget's value again when the label it was shown with is not the label it has now.

    Read before the widget is drawn, the value is still decoded with the labels of the run that
    showed it, so it is the stored value; assigning it makes this run send it with the new label.
    """
    state = st.session_state
    if key not in state:
        return
    value = state[key]
    shown = state.get(_SHOWN + key)
    if many:
        kept = [v for v in (value or []) if v in options]
        if shown is not None and (_labels(kept, format_func) != shown or len(kept) != len(value or [])):
            state[key] = kept
    elif value is not None and shown is not None and value in options and _labels(value, format_func) != shown:
        state[key] = value


def _remember(key: str, value: Any, format_func: Callable[[Any], str]) -> None:
    st.session_state[_SHOWN + key] = _labels(value, format_func)


def selectbox(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    format_func: Callable[[Any], str] = str,
    container: Any = st,
    **kwargs: Any,
) -> T | None:
    """`st.selectbox` (drawn in `container`) that keeps its stored value when its labels change."""
    _pin(key, options, format_func, many=False)
    if "placeholder" not in kwargs:  # Streamlit shows a None value as "nothing picked": its placeholder
        kwargs["placeholder"] = format_func(None) if None in options else t("common.choose", current_lang())
    value = container.selectbox(label, options, format_func=format_func, key=key, **kwargs)
    _remember(key, value, format_func)
    return value


def multiselect(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    format_func: Callable[[Any], str] = str,
    container: Any = st,
    **kwargs: Any,
) -> list[T]:
    """`st.multiselect` (drawn in `container`) that keeps its stored values when their labels change."""
    _pin(key, options, format_func, many=True)
    kwargs.setdefault("placeholder", t("common.choose_many", current_lang()))
    values = container.multiselect(label, options, format_func=format_func, key=key, **kwargs)
    _remember(key, values, format_func)
    return values
