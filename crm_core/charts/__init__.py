"""Plotly figures drawn from view frames, one module per page family (no Streamlit, no database)."""
