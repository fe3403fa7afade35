"""Service health."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from kb_api.deps import CatalogueDep, SettingsDep
from kb_api.schemas import HealthResponse
from kb_core.errors import StoreUnavailableError

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
async def health(service: CatalogueDep, settings: SettingsDep) -> HealthResponse | JSONResponse:
    """Store reachability with document and passage counts; 503 when the store is unavailable."""
    # The embedded store counts from its bookkeeping in well under a millisecond: read on the event loop,
    # /health needs no thread of the pool and does not queue behind the searches for the GIL there
    # (bench/README.md, "Load"). A Qdrant server is a network call, which must not block the loop.
    try:
        if service.store.kind == "qdrant-server":
            counts = await run_in_threadpool(service.health)
        else:
            counts = service.health()
        return HealthResponse(status="ok", **counts)
    except StoreUnavailableError as exc:
        body = HealthResponse(
            status="unavailable",
            store="qdrant-server" if settings.store.qdrant_url else "qdrant-embedded",
            collection=settings.store.collection,
            documents=0,
            passages=0,
            detail=exc.render("en"),
        )
        return JSONResponse(status_code=503, content=body.model_dump())
