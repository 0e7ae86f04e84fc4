"""The API's dependencies: the language of messages from Accept-Language."""

from __future__ import annotations

import pytest

from crm_core.api.deps import preferred_language


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "en"),
        ("", "en"),
        ("es", "es"),
        ("es-ES,es;q=0.9,en;q=0.8", "es"),
        ("en-GB,es;q=0.5", "en"),
        ("fr-FR,es;q=0.4", "es"),
        ("en;q=0.2,es;q=0.9", "es"),
        ("de", "en"),
        ("es;q=abc", "es"),
        ("*", "en"),
    ],
)
def test_preferred_language(header: str | None, lang: str) -> None:
    assert preferred_language(header) == lang
