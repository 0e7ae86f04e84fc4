"""Errors as the API answers them: FastAPI's shape, each problem with its `code`, messages in the caller's language.

422: `{"detail": [{"loc", "msg", "type", "code"}]}` (FastAPI's validation shape, `type` = `code`);
404 / 409 / 412 / 413: `{"detail": message, "code": code}`, a 409 on a field also with `loc`.
Field names in `loc` are the API's Spanish ones. Codes and Spanish sentences come from the errors'
codes and the i18n catalogue (crm_core.i18n), the same the pages show.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

from crm_core.api.deps import preferred_language
from crm_core.api.spanish import spanish_field
from crm_core.errors import (
    CRMError,
    DuplicateError,
    FieldError,
    NotFoundError,
    StaleEditError,
    ValidationError,
)
from crm_core.i18n import t
from crm_core.i18n.domain_text import _ERROR_PATTERNS, message_text
from crm_core.schemas import _field_of, _message_of

log = logging.getLogger("crm_core.api")

TOO_LARGE = "crm.body_too_large"  # set in the ASGI scope by the body limit


class Problem(BaseModel):
    """An error that is about the request as a whole (404, 409, 412, 413)."""

    detail: str
    code: str
    loc: list[str | int] | None = None


class InvalidItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str
    code: str


class Invalid(BaseModel):
    """422: each field (or query parameter, or header) that is wrong, with its error code."""

    detail: list[InvalidItem]


RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such client, opportunity or route"},
    409: {"model": Problem, "description": "Duplicate tax id, email, invoice number or key; or a stale version"},
    412: {"model": Problem, "description": "If-Match names a version that is no longer current"},
    413: {"model": Problem, "description": "Body over 1 MB"},
    422: {"model": Invalid, "description": "Invalid input, each field named with its error code"},
}

# Pydantic error types -> the error codes of the catalogue (crm_core.i18n), the ones the pages use.
_PYDANTIC_CODES = {
    "missing": "required", "extra_forbidden": "unknown_field", "enum": "unknown_value", "literal_error": "unknown_value",
    "string_too_long": "too_long", "too_long": "too_long", "string_too_short": "required",
    "greater_than": "min", "greater_than_equal": "min", "less_than": "max", "less_than_equal": "max",
    "int_parsing": "whole_number", "int_from_float": "whole_number", "int_type": "whole_number",
    "decimal_parsing": "number", "decimal_type": "number", "float_parsing": "number", "float_type": "number",
    "bool_parsing": "boolean", "bool_type": "boolean", "json_invalid": "json_invalid", "model_type": "object",
    "list_type": "list", "dict_type": "object", "model_attributes_type": "object",
}


def code_of_message(message: str) -> str:
    """The error code of a service / schema message (the catalogue key it is said with), else `invalid`."""
    if message == "is required":
        return "required"
    for pattern, key in _ERROR_PATTERNS:
        if pattern.search(message):
            return key.removeprefix("error.")
    return "invalid"


def _code_of_pydantic(err: Mapping[str, Any]) -> str:
    kind = str(err.get("type", ""))
    if kind == "string_type" and err.get("input") is None:
        return "required"
    if kind.startswith(("date", "datetime", "time")):
        return "date"
    if kind in _PYDANTIC_CODES:
        return _PYDANTIC_CODES[kind]
    return code_of_message(_message_of(dict(err)))


def _text(message: str, lang: str) -> str:
    return message_text(message, lang)


def _item(loc: list[str | int], message: str, code: str, lang: str) -> dict[str, Any]:
    return {"loc": loc, "msg": _text(message, lang), "type": code, "code": code}


def _json(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(status_code=status, content=body)


ONE_OR_MANY_TAGS = ("one", "many")  # the tags of a body that is one item or a list (crm_core.api.billing)


def _request_item(err: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """One pydantic error of FastAPI's request validation: its location kept, its message and code ours."""
    loc = [part for part in err.get("loc", ()) if not (isinstance(part, str) and (
        part.startswith(("function-", "constrained-")) or part in ONE_OR_MANY_TAGS))]
    whole_model = loc and loc[0] == "body" and (len(loc) == 1 or (len(loc) == 2 and isinstance(loc[1], int)))
    if whole_model and err.get("type") not in ("missing", "json_invalid", "model_attributes_type", "model_type",
                                               "list_type", "union_tag_invalid", "dict_type"):
        field = _field_of({**err, "loc": ()})  # a whole-model check: name the field it is about
        if field != "input":
            loc = [*loc, spanish_field(field)]
    return _item(list(loc), _message_of(dict(err)), _code_of_pydantic(err), lang)


@contextmanager
def located(entity: str = "client", names: Mapping[str, list[str | int]] | None = None,
            where: str = "body") -> Iterator[None]:
    """Name the fields of a domain error raised in the block as the API does: `names` maps an English
    field to its location (`["query", "valor_final"]`), others are `[where, <Spanish name of entity's field>]`."""
    try:
        yield
    except CRMError as exc:
        exc.api_where = (entity, dict(names or {}), where)  # type: ignore[attr-defined]
        raise


def _location(exc: CRMError, field: str) -> list[str | int]:
    entity, names, where = getattr(exc, "api_where", ("client", {}, "body"))
    if field in names:
        return list(names[field])
    if field == "Idempotency-Key":
        return ["header", "Idempotency-Key"]
    if field == "input":
        return [where]
    head, _, rest = field.partition(".")
    if rest and head.isdigit():  # an item of a list body
        return [where, int(head), spanish_field(rest, entity)]
    return [where, spanish_field(field, entity)]


def _field_error_item(exc: CRMError, error: FieldError, lang: str) -> dict[str, Any]:
    return _item(_location(exc, error.field), error.message, code_of_message(error.message), lang)


def _sentence(exc: CRMError, lang: str) -> str:
    if lang != "es":
        return exc.message
    if isinstance(exc, NotFoundError):
        return t("api.not_found", lang, what=t(f"api.what.{exc.what}", lang), id=exc.key)
    if isinstance(exc, StaleEditError):
        return t("api.stale", lang, what=t(f"api.what.{exc.what}", lang), id=exc.key,
                 seen=exc.seen_version, current=exc.current_version)
    if isinstance(exc, DuplicateError):
        return t("api.duplicate", lang, value=exc.value)
    return _text(exc.message, lang)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "\x00"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Answer every error in FastAPI's shape with codes; nothing leaves as a 500 with a traceback."""

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(422, {"detail": [_request_item(err, lang) for err in exc.errors()]})

    @app.exception_handler(ValidationError)
    async def _invalid(request: Request, exc: ValidationError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(422, {"detail": [_field_error_item(exc, e, lang) for e in exc.errors]})

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(404, {"detail": _sentence(exc, lang), "code": "not_found"})

    @app.exception_handler(DuplicateError)
    async def _duplicate(request: Request, exc: DuplicateError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(409, {"detail": _sentence(exc, lang), "code": "duplicate", "loc": _location(exc, exc.field)})

    @app.exception_handler(StaleEditError)
    async def _stale(request: Request, exc: StaleEditError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        status = 412 if request.headers.get("if-match") else 409
        return _json(status, {"detail": _sentence(exc, lang), "code": "stale_edit"})

    @app.exception_handler(CRMError)
    async def _domain(request: Request, exc: CRMError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(422, {"detail": [_item(["body"], exc.message, code_of_message(exc.message), lang)]})

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        if request.scope.get(TOO_LARGE):
            return _json(413, {"detail": t("api.too_large", lang), "code": "body_too_large"})
        if exc.status_code == 400:  # FastAPI's "error parsing the body": a 422 like any bad body
            return _json(422, {"detail": [_item(["body"], t("api.bad_json", "en"), "json_invalid", "en")
                                          | {"msg": t("api.bad_json", lang)}]})
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        detail = t("api.no_route", lang) if exc.status_code == 404 else str(exc.detail)
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return JSONResponse(status_code=exc.status_code, content={"detail": detail, "code": code}, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(500, {"detail": t("api.internal", lang), "code": "internal_error"})
