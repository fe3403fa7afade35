"""Domain errors and request errors mapped to HTTP responses, in this one place.

Every error body is ``{"error": <code>, "message": <text>, "details": [...]}``; the message is rendered from
the one message table (``kb_core.errors.MESSAGES``) in Dutch, or in English when the request prefers it
(``Accept-Language: en``).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb_core.errors import (
    MESSAGES,
    AuthenticationError,
    DocumentNotFoundError,
    InvalidMetadataError,
    InvalidQueryError,
    JobNotFoundError,
    KnowledgeBaseError,
    Language,
    OriginalFileNotFoundError,
    RequestTooLargeError,
    StoreUnavailableError,
    UploadRejectedError,
    WritesDisabledError,
    render,
)

logger = logging.getLogger(__name__)

STATUS: dict[type[KnowledgeBaseError], int] = {
    InvalidQueryError: 422,
    DocumentNotFoundError: 404,
    OriginalFileNotFoundError: 404,
    JobNotFoundError: 404,
    InvalidMetadataError: 422,
    UploadRejectedError: 422,
    AuthenticationError: 401,
    WritesDisabledError: 403,
    RequestTooLargeError: 413,
    StoreUnavailableError: 503,
}
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
# What FastAPI's body parsing raises for a body it cannot decode as JSON other than a syntax error:
# bytes that are not UTF-8 (UnicodeDecodeError), nesting deeper than Python's recursion limit.
_UNDECODABLE_BODY = (UnicodeDecodeError, RecursionError, ValueError)


def request_language(request: Request) -> Language:
    """'en' when the request prefers English (Accept-Language), else 'nl'."""
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "nl"


def error_body(kind: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON body of every error."""
    return {"error": kind, "message": message, "details": details or []}


def _validation_details(exc: RequestValidationError, language: Language) -> list[dict[str, Any]]:
    """Per failing field its name and a message in the request's language: a validator's own message code,
    else the one for pydantic's error type (``validation_<type>``), else pydantic's English text."""
    cleaned = []
    for err in exc.errors():
        kind = str(err.get("type", ""))
        if kind == "json_invalid":
            # The position in the body pydantic gives is no field name.
            message = render("body_not_json", language=language)
            cleaned.append({"field": "body", "message": message, "type": kind})
            continue
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        message = str(err.get("msg", "")).removeprefix("Value error, ")
        if message in MESSAGES:  # a validator that raised a message code
            message = render(message, language=language)
        elif f"validation_{kind}" in MESSAGES:
            # A bound the template names that pydantic did not give keeps pydantic's text.
            with suppress(KeyError, IndexError):
                message = render(f"validation_{kind}", _context(err, language), language)
        cleaned.append({"field": loc, "message": message, "type": kind})
    return cleaned


def _context(err: Any, language: Language) -> dict[str, Any]:
    """The bounds and choices of a pydantic error, as its message template names them ("'a' or 'b'" in
    pydantic's English becomes "a of b" in Dutch)."""
    ctx = dict(err.get("ctx") or {})
    if "expected" in ctx:
        expected = str(ctx["expected"]).replace("'", "")
        ctx["expected"] = expected.replace(" or ", " of ") if language == "nl" else expected
    return ctx


def register_error_handlers(app: FastAPI) -> None:
    """Install the handlers: 422 for bad input, 404 for unknown documents, 503 when the store is down."""

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        language = request_language(request)
        details = _validation_details(exc, language)
        summary = "; ".join(f"{d['field'] or 'body'}: {d['message']}" for d in details) or "-"
        return JSONResponse(
            status_code=422,
            content=error_body(
                "invalid_request", render("invalid_request", {"summary": summary}, language), details
            ),
        )

    @app.exception_handler(KnowledgeBaseError)
    async def _domain_error(request: Request, exc: KnowledgeBaseError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)
        headers = {}
        if isinstance(exc, StoreUnavailableError):
            logger.error("Store unavailable: %s", exc.reason)
            headers["Retry-After"] = "30"
        if isinstance(exc, AuthenticationError):
            headers["WWW-Authenticate"] = "Bearer"
        kind = "not_found" if status == 404 else ("invalid_request" if status == 422 else exc.code)
        body = error_body(kind, exc.render(request_language(request)), [{"code": exc.code, **exc.params}])
        return JSONResponse(status_code=status, content=body, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, _UNDECODABLE_BODY):
            # A body that is no readable JSON is a bad body like any other: 422, as for malformed JSON.
            language = request_language(request)
            message = render("body_not_json", language=language)
            return JSONResponse(
                status_code=422,
                content=error_body(
                    "invalid_request",
                    render("invalid_request", {"summary": message}, language),
                    [{"field": "body", "message": message}],
                ),
            )
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = render(code, {"status": exc.status_code}, request_language(request))
        return JSONResponse(
            status_code=exc.status_code,
            content=error_body(code, message),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("Unexpected error on %s", request.url.path)
        return JSONResponse(
            status_code=500,
            content=error_body(
                "internal_error", render("internal_error", language=request_language(request))
            ),
        )
