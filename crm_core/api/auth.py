"""API sign-in: `Authorization: Bearer <token>` on every route, and `POST /api/auth/token` (OAuth2
password form) to get a token. The rules themselves are crm_core.auth's; this module only speaks HTTP.

While the database has no active user the API runs open, like the pages. Otherwise a request
without a token, or with an unknown or revoked one, is answered 401 (with `WWW-Authenticate:
Bearer`); the request then runs as the token's user (`acting_as`), so a rep's reads and writes
are scoped like on the pages (another rep's client: 404). The token endpoint keeps the lock-out
rule: a wrong password is 401, a locked email 429 with `Retry-After`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import Engine

from crm_core.auth.errors import InvalidTokenError, LockedOutError, NotAllowedError, SignInError
from crm_core.auth.scope import Viewer, set_actor
from crm_core.auth.tokens import create_token, viewer_for_token
from crm_core.auth.users import authenticate, has_active_users
from crm_core.i18n.error_text import error_text

TOKEN_URL = "/api/auth/token"
bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
router = APIRouter(prefix="/api/auth", tags=["auth"])


class TokenOut(BaseModel):
    """A new API token (shown this once; stored only as its hash)."""

    access_token: str
    token_type: str = "bearer"


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.crm.engine
    return engine


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def _language(request: Request) -> str:
    return "es" if request.headers.get("accept-language", "").lower().startswith("es") else "en"


async def require_viewer(request: Request, token: Annotated[str | None, Depends(bearer)]) -> AsyncIterator[Viewer | None]:
    """The signed-in user of this request (None while the database has no user), acting for the route."""
    engine = _engine(request)
    viewer: Viewer | None = None
    if await run_in_threadpool(has_active_users, engine):
        if not token:
            raise _unauthorized(error_text(InvalidTokenError(), _language(request)))
        try:
            viewer = await run_in_threadpool(viewer_for_token, engine, token)
        except InvalidTokenError as exc:
            raise _unauthorized(error_text(exc, _language(request))) from None
    # Set in the request's task: a sync route runs in a thread with a copy of this context.
    reset = set_actor(viewer)
    try:
        yield viewer
    finally:
        reset()


CurrentViewer = Annotated[Viewer | None, Depends(require_viewer)]


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Get an API token (OAuth2 password form)",
    responses={401: {"description": "Wrong email or password"}, 429: {"description": "Email locked for a while"}},
)
def issue_token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> Any:
    """Sign in with `username` (the email) and `password`; five wrong passwords in 15 minutes lock the email."""
    engine = _engine(request)
    try:
        viewer = authenticate(engine, form.username, form.password)
    except LockedOutError as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=error_text(exc, _language(request)),
            headers={"Retry-After": str(exc.minutes * 60)},
        ) from None
    except SignInError as exc:
        raise _unauthorized(error_text(exc, _language(request))) from None
    _, token = create_token(engine, viewer.email, "POST /api/auth/token")
    return TokenOut(access_token=token)


def install(app: FastAPI) -> None:
    """Answer a write the caller's role does not allow (a rep handing a client over) with 403."""

    @app.exception_handler(NotAllowedError)
    async def _not_allowed(request: Request, exc: NotAllowedError) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": error_text(exc, _language(request)), "code": exc.code})
