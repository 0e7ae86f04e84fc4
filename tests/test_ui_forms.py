"""Form helpers: a service call's domain error shown in the UI language, nothing invalidated."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _app() -> None:
    import streamlit as st

    from crm_core.errors import FieldError, ValidationError
    from crm_core.ui import forms

    def refuse() -> None:
        raise ValidationError([FieldError("title", "required")])

    st.session_state["lang"] = st.session_state.get("lang_under_test", "en")
    result = forms.write(refuse)
    st.write(f"result {result}")


def test_write_shows_a_domain_error_translated_and_returns_none() -> None:
    at = AppTest.from_function(_app)
    at.session_state["lang_under_test"] = "es"
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Título: es obligatorio"]
    assert at.markdown[0].value == "result None"
    english = AppTest.from_function(_app).run()
    assert [e.value for e in english.error] == ["Title: is required"]
