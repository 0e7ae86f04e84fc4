"""uploads.parsed_csv: an uploaded file is parsed once per content and separator, an unreadable one never kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st

from crm_core.io import reading
from crm_core.io.reading import ImportFileError
from crm_core.ui.uploads import parsed_csv

FILE = b"empresa;email\r\nA S.L.;a@x.es\r\n"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every file decoded (the first step of each CSV read), with the parsed-file cache emptied."""
    seen: list[bytes] = []
    real_decode = reading.decode

    def counted(data: bytes) -> tuple[str, str]:
        seen.append(data)
        return real_decode(data)

    monkeypatch.setattr(reading, "decode", counted)
    st.cache_resource.clear()
    yield seen
    st.cache_resource.clear()


def test_the_same_content_is_parsed_once_per_separator(reads) -> None:
    first = parsed_csv(FILE, None)
    assert parsed_csv(bytes(bytearray(FILE)), None) is first  # another upload with the same bytes
    assert (first.header, first.separator, len(reads)) == (["empresa", "email"], ";", 1)
    assert parsed_csv(FILE, ",").header == ["empresa;email"]
    assert len(reads) == 2


def test_an_unreadable_file_is_not_kept(reads) -> None:
    for _ in range(2):
        with pytest.raises(ImportFileError, match="the file is empty"):
            parsed_csv(b"\r\n", None)
    assert len(reads) == 2
