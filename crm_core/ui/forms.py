"""Form helpers: run a service call from a form, show each bad field next to the form, clear caches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import ParamSpec, TypeVar

import streamlit as st

from crm_core.errors import CRMError, DuplicateError, FieldError, ValidationError
from crm_core.i18n.domain_text import error_text
from crm_core.settings import business_timezone
from crm_core.ui import cache
from crm_core.ui.context import PageContext

P = ParamSpec("P")
R = TypeVar("R")


def field_errors(exc: CRMError) -> list[FieldError]:
    """The field-level problems of a domain error (one generic entry when it names no field)."""
    if isinstance(exc, ValidationError):
        return exc.errors
    if isinstance(exc, DuplicateError):
        return [FieldError(exc.field, exc.message.removeprefix(f"{exc.field}: "))]
    return [FieldError("input", exc.message)]


def show_error(ctx: PageContext, exc: CRMError) -> None:
    """One st.error per bad field, naming the field in the UI language."""
    if isinstance(exc, ValidationError | DuplicateError):
        for problem in field_errors(exc):
            st.error(error_text(problem, ctx.lang), icon=":material/error:")
    else:
        st.error(ctx.t("common.error", message=exc.message), icon=":material/error:")


def submit(ctx: PageContext, action: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
    """Run a service call; on a domain error show it field by field and return None.

    On success every cache is cleared, so what was written shows at once on this very run.
    """
    try:
        result = action(*args, **kwargs)
    except CRMError as exc:
        show_error(ctx, exc)
        return None
    cache.clear()
    return result


def blank_to_none(value: str | None) -> str | None:
    """Text inputs give "" for an empty field; the schemas expect None (or the text)."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def combine_local(day: date, at: time) -> datetime:
    """A date and a time picked in the UI, as an aware datetime in the business timezone."""
    return datetime.combine(day, at, tzinfo=business_timezone())


def default_time(ctx: PageContext) -> time:
    """Now (to the minute) when looking at today, else midday: the default time of a new activity."""
    now = datetime.now(business_timezone())
    if now.date() == ctx.as_of:
        return now.time().replace(second=0, microsecond=0)
    return time(12, 0)


def flash_and_rerun(page: str, message: str) -> None:
    """After a successful write: keep the confirmation for the next run and rerun, so every figure is fresh."""
    st.session_state[f"_flash_{page}"] = message
    st.rerun()


def show_flash(page: str) -> None:
    """Show (once) the confirmation left by `flash_and_rerun` on this page."""
    message = st.session_state.pop(f"_flash_{page}", None)
    if message:
        st.success(message, icon=":material/check_circle:")
