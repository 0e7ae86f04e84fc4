"""Errors as the API answers them: FastAPI's shape, each problem with its `code`, messages in the caller's language.

422: `{"detail": [{"loc", "msg", "type", "code"}]}` (FastAPI's validation shape, `type` = `code`);
404 / 409 / 412 / 413 / 503: `{"detail": message, "code": code}`, a 409 on a field also with `loc`.
Field names in `loc` are the API's Spanish ones. Codes, params and sentences (English, or Spanish with
`Accept-Language: es`) are the errors' own (crm_core.errors) said by the one catalogue
(crm_core.i18n.error_text), the same the pages show.
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
from crm_core.api.spanish import spanish_field, spanish_values
from crm_core.errors import (
    BusyError,
    CRMError,
    DuplicateError,
    FieldError,
    NotFoundError,
    StaleEditError,
    ValidationError,
    json_value,
)
from crm_core.i18n import t
from crm_core.i18n.error_text import code_text
from crm_core.schemas import field_error

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
    params: dict[str, Any] = {}


class Invalid(BaseModel):
    """422: each field (or query parameter, or header) that is wrong, with its error code."""

    detail: list[InvalidItem]


RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such client, opportunity or route"},
    409: {"model": Problem, "description": "Duplicate tax id, email, invoice number or key; or a stale version"},
    412: {"model": Problem, "description": "If-Match names a version that is no longer current"},
    413: {"model": Problem, "description": "Body over 1 MB"},
    422: {"model": Invalid, "description": "Invalid input, each field named with its error code"},
    503: {"model": Problem, "description": "The database is busy with another write (SQLite): nothing was saved, retry"},
}
# Seconds a client is told to wait (Retry-After) when another write holds the database (BusyError).
BUSY_RETRY_AFTER_S = 2

# An enum field's Spanish values, for the `one_of` of an unknown value (by the API's field name).
_VOCABULARIES = {"tamaño_empresa": "company_size", "tamano_empresa": "company_size", "tipo": "kind", "metodo": "method"}


def _text(problem: Any, lang: str) -> str:
    return code_text(problem.code, problem.params, lang)


def _item(loc: list[str | int], problem: Any, lang: str, path: str = "") -> dict[str, Any]:
    """One 422 item: where, the sentence in `lang`, the code (also as FastAPI's `type`) and its params."""
    params = dict(problem.params)
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    vocabulary = _VOCABULARIES.get(field) or (
        ("stage" if "oportunidades" in path else "status") if field in ("estado", "ciclo_vida") else None
    )
    if problem.code == "unknown_value" and vocabulary is not None:
        params["one_of"] = spanish_values(vocabulary)
    coded = FieldError(field or "input", problem.code, params)
    return {
        "loc": loc,
        "msg": _text(coded, lang),
        "type": problem.code,
        "code": problem.code,
        "params": {name: json_value(value) for name, value in params.items()},
    }


def _json(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(status_code=status, content=body)


ONE_OR_MANY_TAGS = ("one", "many")  # the tags of a body that is one item or a list (crm_core.api.billing)


def _request_item(err: Mapping[str, Any], lang: str, path: str) -> dict[str, Any]:
    """One pydantic error of FastAPI's request validation: its location kept, its code and sentence the catalogue's."""
    loc = [
        part
        for part in err.get("loc", ())
        if not (isinstance(part, str) and (part.startswith(("function-", "constrained-")) or part in ONE_OR_MANY_TAGS))
    ]
    problem = field_error({**err, "loc": loc[1:]})  # the code and params, as a form's error
    if err.get("type") == "json_invalid":
        problem = FieldError("input", "json_invalid")
    whole_model = loc and loc[0] == "body" and (len(loc) == 1 or (len(loc) == 2 and isinstance(loc[1], int)))
    if whole_model and problem.field != "input":  # a whole-model check names the field it is about
        loc = [*loc, spanish_field(problem.field)]
    return _item(list(loc), problem, lang, path)


@contextmanager
def located(entity: str = "client", names: Mapping[str, list[str | int]] | None = None, where: str = "body") -> Iterator[None]:
    """Name the fields of a domain error raised in the block as the API does: `names` maps an English
    field to its location (`["query", "valor_final"]`), others are `[where, <Spanish name of entity's field>]`."""
    try:
        yield
    except CRMError as exc:
        exc.api_where = (entity, dict(names or {}), where)  # type: ignore[attr-defined]
        raise


def _location(exc: CRMError, field: str) -> list[str | int]:
    located: tuple[str, dict[str, Any], str] = getattr(exc, "api_where", ("client", {}, "body"))
    entity, names, where = located
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


def _field_error_item(exc: CRMError, error: FieldError, path: str, lang: str) -> dict[str, Any]:
    return _item(_location(exc, error.field), error, lang, path)


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
        return _json(422, {"detail": [_request_item(err, lang, request.url.path) for err in exc.errors()]})

    @app.exception_handler(ValidationError)
    async def _invalid(request: Request, exc: ValidationError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(422, {"detail": [_field_error_item(exc, e, request.url.path, lang) for e in exc.errors]})

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(404, {"detail": _text(exc, lang), "code": exc.code})

    @app.exception_handler(DuplicateError)
    async def _duplicate(request: Request, exc: DuplicateError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(409, {"detail": _text(exc, lang), "code": exc.code, "loc": _location(exc, exc.field)})

    @app.exception_handler(StaleEditError)
    async def _stale(request: Request, exc: StaleEditError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        status = 412 if request.headers.get("if-match") else 409
        return _json(status, {"detail": _text(exc, lang), "code": exc.code})

    @app.exception_handler(BusyError)
    async def _busy(request: Request, exc: BusyError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return JSONResponse(
            status_code=503,
            content={"detail": _text(exc, lang), "code": exc.code},
            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )

    @app.exception_handler(CRMError)
    async def _domain(request: Request, exc: CRMError) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        return _json(422, {"detail": [_item(["body"], exc, lang, request.url.path)]})

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        lang = preferred_language(request.headers.get("accept-language"))
        if request.scope.get(TOO_LARGE):
            return _json(413, {"detail": t("api.too_large", lang), "code": "body_too_large"})
        if exc.status_code == 400:  # FastAPI's "error parsing the body": a 422 like any bad body
            return _json(422, {"detail": [_item(["body"], FieldError("input", "json_invalid"), lang)]})
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
