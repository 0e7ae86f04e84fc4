"""Error sentences from the catalogue by code: `error.<code>` with its params, in English or Spanish.

Every domain error (crm_core.errors) carries a `code` and `params`; its English `message` and the
text a page shows are both rendered here, so the two languages come from one catalogue entry.
This module imports nothing from crm_core outside i18n, so crm_core.errors can use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from crm_core.i18n import LANGS, MESSAGES, format_money, format_number, label

# A code whose sentence depends on one of these params may have an entry per value
# (`error.not_found.invoice`, `error.client_exists.email`); otherwise `error.<code>` is used.
VARIANT_PARAMS: tuple[str, ...] = ("what", "by")
# How a param is shown, by its name (any other param is shown as it is).
FIELD_PARAMS = frozenset({"field"})
MONEY_PARAMS = frozenset({"amount", "remaining"})
NUMBER_PARAMS = frozenset({"max_length", "limit", "first", "last", "cells", "width"})
LABELLED_PARAMS = frozenset({"kind", "stage"})
QUOTED_LIST_PARAMS = frozenset({"columns"})
OR_LIST_PARAMS = frozenset({"any_of"})
ONE_OF_PARAMS = frozenset({"one_of"})  # quoted and joined: 'a', 'b' or 'c'


class CodedProblem(Protocol):
    """What every error value has: a code, its params and the English message."""

    code: str
    params: Mapping[str, Any]


def error_key(code: str, params: Mapping[str, Any]) -> str | None:
    """The catalogue key that says `code` with these params, or None when the catalogue lacks it."""
    base = f"error.{code}"
    keys = [f"{base}.{params[name]}" for name in VARIANT_PARAMS if name in params] + [base]
    if params.get("count") == 1:
        keys = [f"{key}_one" for key in keys] + keys
    return next((key for key in keys if key in MESSAGES), None)


def _one_of(items: Iterable[Any], last: str) -> str:
    quoted = [repr(str(item)) for item in items]
    return f"{', '.join(quoted[:-1])} {last} {quoted[-1]}" if len(quoted) > 1 else "".join(quoted)


def _plain(name: str, value: Any) -> Any:
    """A param as the English `message` shows it: lists joined, values as they are."""
    if name in ONE_OF_PARAMS and isinstance(value, list | tuple):
        return _one_of(value, "or")
    if isinstance(value, list | tuple):
        if name in QUOTED_LIST_PARAMS:
            return ", ".join(repr(item) for item in value)
        if name in OR_LIST_PARAMS:
            return " or ".join(str(item) for item in value)
        return ", ".join(str(item) for item in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _shown(name: str, value: Any, lang: str) -> Any:
    """A param as a page shows it in `lang`: field labels, money and numbers formatted, enum values translated."""
    if name in FIELD_PARAMS and isinstance(value, str):
        return field_label(value, lang)
    if name in MONEY_PARAMS and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_money(value, lang)
    if name in NUMBER_PARAMS and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_number(value, lang, 0 if float(value).is_integer() else 2)
    if name == "file_kind" and f"import.kind_{value}" in MESSAGES:  # what an import file holds
        return label("import", f"kind_{value}", lang).lower()
    if name in LABELLED_PARAMS and f"{name}.{value}" in MESSAGES:
        return label(name, value, lang).lower()
    if name in ONE_OF_PARAMS and isinstance(value, list | tuple):
        return _one_of(value, "o" if lang == "es" else "or")
    if name in OR_LIST_PARAMS and isinstance(value, list | tuple):
        return (" o " if lang == "es" else " or ").join(str(item) for item in value)
    return _plain(name, value)


def field_label(field: str, lang: str) -> str:
    """A field's label in `lang` (`payment_terms_days` -> `Plazo de pago (días)`), else its name."""
    key = f"field.{field}"
    return MESSAGES[key][LANGS.index(lang) if lang in LANGS else 0] if key in MESSAGES else field


def code_text(code: str, params: Mapping[str, Any], lang: str, *, plain: bool = False) -> str:
    """The sentence for `code` in `lang` with `params` filled in.

    `plain` gives the English `message` of an error (field names and values as they are); otherwise
    fields are named by their label and money and numbers are formatted for `lang`. A code the
    catalogue lacks (or params its sentence cannot take) is shown as the code and its params,
    never as a crash.
    """
    key = error_key(code, params)
    if key is None:
        return _fallback(code, params)
    template = MESSAGES[key][0 if plain or lang not in LANGS else LANGS.index(lang)]
    values = {name: (_plain(name, value) if plain else _shown(name, value, lang)) for name, value in params.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return _fallback(code, params)


def _fallback(code: str, params: Mapping[str, Any]) -> str:
    details = ", ".join(f"{name}={value!r}" for name, value in params.items())
    return f"{code} ({details})" if details else code


def problem_text(problem: CodedProblem, lang: str) -> str:
    """The sentence of one error value (a FieldError, a Problem or an error) in `lang`, without its field."""
    return code_text(problem.code, problem.params, lang)


def error_lines(error: Any, lang: str) -> list[str]:
    """What to tell a user about an error value in `lang`, one line per problem.

    A field's problem is `Label: sentence`; an error naming several problems (a whole-file import
    error) gives one line for each; any other error its own sentence.
    """
    field = getattr(error, "field", None)
    if isinstance(field, str) and hasattr(error, "code") and not hasattr(error, "field_errors"):
        return [f"{field_label(field, lang)}: {problem_text(error, lang)}"]
    field_errors: Iterable[Any] = getattr(error, "field_errors", ())
    lines = [f"{field_label(e.field, lang)}: {problem_text(e, lang)}" for e in field_errors]
    if lines:
        return lines
    problems: Iterable[Any] = getattr(error, "problems", ())
    lines = [problem_text(p, lang) for p in problems]
    return lines or [problem_text(error, lang)]


def error_text(error: Any, lang: str) -> str:
    """`error_lines` as one text: `Label: sentence` for a field's problem, problems joined with `; `."""
    return "; ".join(error_lines(error, lang))
