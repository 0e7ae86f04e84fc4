"""Streamlit glue: cached engine and frames, the sidebar, shared widgets (the only streamlit importer)."""
