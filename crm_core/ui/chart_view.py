"""Draw a Plotly figure with its title as page text: Plotly never wraps a title, so a long one is
cut on a narrow screen, while Streamlit text wraps."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

# Room above the plot once the title has moved out (Plotly's toolbar sits there on hover).
TOP_MARGIN_PX = 30


def show_chart(fig: go.Figure, key: str) -> None:
    """Draw `fig` full width under its title (the figure's own title is removed: `fig` is changed)."""
    title = fig.layout.title.text
    if title:
        fig.update_layout(title_text=None, margin_t=TOP_MARGIN_PX)
        st.markdown(f"**{title}**")
    st.plotly_chart(fig, key=key, width="stretch")
