"""Domain errors and request errors mapped to HTTP responses, in this one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb_api.errors import DocumentNotFoundError, InvalidQueryError, StoreUnavailableError

logger = logging.getLogger(__name__)


def error_body(kind: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON body of every error."""
    return {"error": kind, "message": message, "details": details or []}


def _clean_validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    cleaned = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        cleaned.append({"field": loc, "message": str(err.get("msg", "")).removeprefix("Value error, ")})
    return cleaned


def register_error_handlers(app: FastAPI) -> None:
    """Install the handlers: 422 for bad input, 404 for unknown documents, 503 when the store is down."""

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _clean_validation_errors(exc)
        summary = "; ".join(f"{d['field'] or 'body'}: {d['message']}" for d in details) or "invalid request"
        return JSONResponse(
            status_code=422,
            content=error_body("invalid_request", f"Ongeldig verzoek / invalid request — {summary}", details),
        )

    @app.exception_handler(InvalidQueryError)
    async def _invalid_query(request: Request, exc: InvalidQueryError) -> JSONResponse:
        return JSONResponse(status_code=422, content=error_body("invalid_request", str(exc)))

    @app.exception_handler(DocumentNotFoundError)
    async def _not_found(request: Request, exc: DocumentNotFoundError) -> JSONResponse:
        return JSONResponse(status_code=404, content=error_body("not_found", str(exc)))

    @app.exception_handler(StoreUnavailableError)
    async def _store_down(request: Request, exc: StoreUnavailableError) -> JSONResponse:
        logger.error("Store unavailable: %s", exc)
        return JSONResponse(
            status_code=503,
            content=error_body(
                "store_unavailable",
                f"De zoekindex is niet bereikbaar / the search store is unavailable: {exc}",
            ),
            headers={"Retry-After": "30"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = "not_found" if exc.status_code == 404 else "http_error"
        return JSONResponse(status_code=exc.status_code, content=error_body(kind, str(exc.detail)))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("Unexpected error on %s", request.url.path)
        return JSONResponse(
            status_code=500,
            content=error_body(
                "internal_error", "Er ging iets mis / something went wrong; the error was logged."
            ),
        )
