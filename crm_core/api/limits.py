"""A cap on request bodies: over MAX_BODY_BYTES is answered 413 before the app reads it all."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_core.api.deps import preferred_language
from crm_core.api.problems import TOO_LARGE
from crm_core.i18n import t

MAX_BODY_BYTES = 1_000_000  # 1 MB


class BodyLimit:
    """ASGI middleware: a declared Content-Length over the cap is refused at once; a body that grows past
    it while read (chunked) stops there and the app's body error becomes the 413 (crm_core.api.problems)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    scope[TOO_LARGE] = True
                    raise OverflowError("request body over the limit")
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
        lang = preferred_language(headers.get(b"accept-language", b"").decode("latin-1"))
        body: dict[str, Any] = {"detail": t("api.too_large", lang), "code": "body_too_large"}
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
