"""Request dependencies: the settings and the services built once by the lifespan."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from kb_api.services import AskService, CatalogueService, SearchService, Services
from kb_api.services.jobs import JobService
from kb_core.errors import AuthenticationError, WritesDisabledError
from kb_core.settings import Settings

# The dependencies are coroutines: each is an attribute lookup, which FastAPI then runs on the event loop.
# A plain ``def`` dependency is sent to the thread pool, one hop per dependency per request, and under load
# every hop waits for the GIL behind the searches: /health took four such hops (bench/README.md, "Load").


def _services(request: Request) -> Services:
    return request.app.state.services


async def get_services(request: Request) -> Services:
    """The app's services (created and warmed in the lifespan)."""
    return _services(request)


async def get_catalogue(request: Request) -> CatalogueService:
    """The catalogue service: documents, health, vocabulary."""
    return _services(request).catalogue


async def get_search(request: Request) -> SearchService:
    """The search service."""
    return _services(request).search


async def get_ask(request: Request) -> AskService:
    """The ask service."""
    return _services(request).ask


async def get_app_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


async def get_jobs(request: Request) -> JobService:
    """The write jobs (queue and worker, started in the lifespan)."""
    return request.app.state.jobs


async def require_api_key(request: Request) -> None:
    """Writes need ``Authorization: Bearer <api.api_key>``: 403 when no key is configured (writes are off),
    401 without the header or with another key (compared in constant time)."""
    configured = request.app.state.settings.api.api_key
    key = configured.get_secret_value() if configured is not None else ""
    if not key:
        raise WritesDisabledError()
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise AuthenticationError("api_key_missing")
    if not hmac.compare_digest(given.strip().encode(), key.encode()):
        raise AuthenticationError("api_key_wrong")


ServicesDep = Annotated[Services, Depends(get_services)]
CatalogueDep = Annotated[CatalogueService, Depends(get_catalogue)]
SearchDep = Annotated[SearchService, Depends(get_search)]
AskDep = Annotated[AskService, Depends(get_ask)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
JobsDep = Annotated[JobService, Depends(get_jobs)]
WriterDep = Depends(require_api_key)
