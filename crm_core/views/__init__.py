"""Read models for every face (pages, CLI, API): pure functions over frames and health, no Streamlit."""
