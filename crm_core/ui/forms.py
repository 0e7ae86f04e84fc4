"""Form helpers: run a service call from a form's callback, show each bad field next to the form, invalidate caches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import ParamSpec, TypeVar

import streamlit as st

from crm_core.auth.scope import acting_as
from crm_core.config import business_now, business_timezone
from crm_core.errors import CRMError, FieldError, ValidationError
from crm_core.i18n.error_text import error_lines as error_text_lines
from crm_core.i18n.numbers import AmountError, amount_example, amount_params, parse_amount
from crm_core.store.writes import tables_appended, tables_written
from crm_core.ui import cache
from crm_core.ui.context import PageContext, current
from crm_core.ui.markdown import literal

P = ParamSpec("P")
R = TypeVar("R")


def error_lines(ctx: PageContext, exc: CRMError) -> list[str]:
    """What to tell the user about a domain error, from its code in the UI language: one line per bad
    field (`Label: sentence`), else "Could not save: sentence"."""
    if exc.field_errors:
        return error_text_lines(exc, ctx.lang)
    return [ctx.t("common.error", message=line) for line in error_text_lines(exc, ctx.lang)]


def show_error(ctx: PageContext, exc: CRMError) -> None:
    """One st.error per bad field, naming the field in the UI language."""
    for line in error_lines(ctx, exc):
        st.error(literal(line), icon=":material/error:")


def perform(
    ctx: PageContext,
    outcome_key: str,
    action: Callable[P, R],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R | None:
    """Run a service call from a widget callback and remember its outcome for `show_outcome`.

    Callbacks run before the script, so the write is done once even if the run is restarted,
    and on success the tables it writes (crm_core.store.writes) are invalidated: the page drawn
    next shows what was written, and reloads only those tables.
    Returns the result, or None after a domain error (which is kept to be shown by the form).
    """
    try:
        with acting_as(ctx.viewer):
            result = action(*args, **kwargs)
    except CRMError as exc:
        st.session_state[outcome_key] = ("error", error_lines(ctx, exc))
        return None
    cache.invalidate(ctx.db_url, tables_written(action), tables_appended(action))
    st.session_state.pop(outcome_key, None)
    return result


def succeed(outcome_key: str, *messages: str) -> None:
    """Remember the confirmation(s) to show next to the form after a successful write."""
    st.session_state[outcome_key] = ("success", list(messages))


def show_outcome(outcome_key: str) -> None:
    """Show (once) the confirmation or the field errors left by `perform` / `succeed`."""
    kind, lines = st.session_state.pop(outcome_key, (None, []))
    for line in lines:
        if kind == "success":
            st.success(literal(line), icon=":material/check_circle:")
        elif kind == "warning":
            st.warning(literal(line), icon=":material/content_copy:")
        else:
            st.error(literal(line), icon=":material/error:")


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
    now = business_now()
    if now.date() == ctx.as_of:
        return now.time().replace(second=0, microsecond=0)
    return time(12, 0)


def write(action: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
    """Run a service call; on a domain error show it as the forms do (in the UI language) and return None.

    On success the tables the call writes (crm_core.store.writes) are invalidated, so what was written shows at once.
    """
    ctx = current()
    try:
        with acting_as(ctx.viewer):
            result = action(*args, **kwargs)
    except CRMError as exc:
        show_error(ctx, exc)
        return None
    cache.invalidate(ctx.db_url, tables_written(action), tables_appended(action))
    return result


def money_input(ctx: PageContext, label: str, key: str, container: object = st, **kwargs: object) -> str:
    """A text field for an amount in the UI language's layout (`12.500,50` in Spanish); read it with `read_amount`."""
    return container.text_input(  # type: ignore[attr-defined]
        label, key=key, placeholder=ctx.t("amount.placeholder", example=amount_example(ctx.lang)), **kwargs
    )


def read_amount(ctx: PageContext, key: str, field: str) -> Decimal | None:
    """The amount typed in widget `key` (None when blank); a ValidationError naming `field` when unreadable.

    Raised as a domain error so `perform` and `write` show it next to the form like any other bad field.
    """
    value = st.session_state.get(key)
    if value is None or isinstance(value, int | float | Decimal):
        return None if value is None else Decimal(str(value))
    try:
        return parse_amount(str(value), ctx.lang)
    except AmountError as exc:
        raise ValidationError(FieldError(field, f"amount_{exc.code}", amount_params(exc, ctx.lang))) from None
