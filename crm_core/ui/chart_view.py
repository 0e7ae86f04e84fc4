"""Draw a Plotly figure with its title as page text: Plotly never wraps a title, so a long one is
cut on a narrow screen, while Streamlit text wraps."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from crm_core.analytics.memo import FrameMemo

# Room above the plot once the title has moved out (Plotly's toolbar sits there on hover).
TOP_MARGIN_PX = 30
# Figures built by `show_built_chart`, kept per (builder, data, arguments): a rerun with unchanged
# data draws the figure built before (building one with Plotly's validation takes tens of ms).
_FIGURES = FrameMemo(max_entries=32)


def show_chart(fig: go.Figure, key: str) -> None:
    """Draw `fig` full width under its title (the figure's own title is removed: `fig` is changed)."""
    title = _take_title(fig)
    if title:
        st.markdown(f"**{title}**")
    st.plotly_chart(fig, key=key, width="stretch")


def show_built_chart(
    build: Callable[..., go.Figure], frames: tuple[pd.DataFrame, ...], args: tuple[Hashable, ...], key: str
) -> None:
    """Draw `build(*frames, *args)` as `show_chart` does, built once per frames' data and `args`
    (`analytics.memo`: the cached views hand out the same buffers on every rerun). The kept figure
    is never changed after it is built, so every session may draw it."""
    title, fig = _FIGURES.get(frames, (build, args), lambda: _untitled(build(*frames, *args)))
    if title:
        st.markdown(f"**{title}**")
    st.plotly_chart(fig, key=key, width="stretch")


def _untitled(fig: go.Figure) -> tuple[str | None, go.Figure]:
    """(`fig`'s title, `fig` without it), as `show_chart` draws them."""
    return _take_title(fig), fig


def _take_title(fig: go.Figure) -> str | None:
    """Remove `fig`'s title (making room for the toolbar) and return it; None when it has none."""
    title: str | None = fig.layout.title.text
    if title:
        fig.update_layout(title_text=None, margin_t=TOP_MARGIN_PX)
    return title
