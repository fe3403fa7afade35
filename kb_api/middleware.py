"""ASGI middleware at the edge: a bound on request bodies, and security headers on every response.

Both wrap the whole application (outside FastAPI's own error handling, see ``main.KnowledgeBaseApp``), so
the 413 they send and the 500 page of an unexpected error carry the headers too.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_api.handlers import error_body, request_language
from kb_core.errors import RequestTooLargeError, render

# The web pages load their script, style sheet and icon from /static and nothing else: no inline script or
# style, nothing from another site, no framing.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": PAGE_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Search queries stand in page addresses (?q=...): they are never sent on to another site.
    "referrer-policy": "no-referrer",
}


class SecurityHeadersMiddleware:
    """Adds ``SECURITY_HEADERS`` to every HTTP response that does not set them itself (/docs sets its own
    Content-Security-Policy for Swagger UI's start-up script) and drops any ``server`` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if "server" in headers:
                    del headers["server"]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413 and the usual error body.

    A declared Content-Length over the limit is refused before anything is read; otherwise the body is
    read as it streams in (chunked bodies have no length) and refused as soon as it passes the limit, so
    the application never sees more than ``max_bytes``. The body read is then handed to the application.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # POST paths that take files: their own (larger) bound, streamed through instead of held in memory.
        self.uploads = uploads or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.uploads.get(scope["path"]) if scope.get("method") == "POST" else None
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > (limit or self.max_bytes):
            await self._refuse(scope, receive, send, limit or self.max_bytes)
            return
        if limit is not None:
            await self.app(scope, self._counted(receive, limit), send)
            return
        chunks: list[bytes] = []
        size = 0
        pending: Message | None = None  # a disconnect that came instead of (more) body
        while True:
            message = await receive()
            if message["type"] != "http.request":
                pending = message
                break
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, self.max_bytes)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                if pending is not None and not chunks:
                    return pending
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            if pending is not None:
                return pending
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _counted(receive: Receive, limit: int) -> Receive:
        """``receive`` that raises RequestTooLargeError (a 413 from the error handlers) past ``limit``."""
        size = 0

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > limit:
                raise RequestTooLargeError("body_too_large", limit=limit)
            return message

        return counted

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        language = request_language(Request(scope, receive))
        body: dict[str, Any] = error_body(
            "body_too_large",
            render("body_too_large", {"limit": limit}, language),
            [{"code": "body_too_large", "limit": limit}],
        )
        payload = json.dumps(body, ensure_ascii=False).encode()
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
