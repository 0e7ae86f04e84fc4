"""The uploaded CSV file, read once per content: reruns of the Import page reuse the parsed rows."""

from __future__ import annotations

import hashlib

import streamlit as st

from crm_core.io import reading
from crm_core.io.reading import CsvTable


@st.cache_resource(show_spinner=False, max_entries=2, ttl=3600)
def _parsed(digest: str, separator: str | None, _data: bytes) -> CsvTable:
    """The file whose SHA-256 is `digest`, read with `separator` (guessed when None); shared, never modified."""
    return reading.read_csv(_data, separator=separator)


def parsed_csv(data: bytes, separator: str | None) -> CsvTable:
    """`data` read as CSV (ImportFileError when it cannot be), parsed once per content and separator.

    Kept with st.cache_resource rather than st.cache_data: a cache_data hit unpickles a copy, and for
    100,000 rows that takes longer than reading the file again (benchmarks/bench_import.py).
    """
    return _parsed(hashlib.sha256(data).hexdigest(), separator, data)
