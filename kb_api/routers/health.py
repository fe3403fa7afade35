"""Service health."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kb_api.deps import CatalogueDep, SettingsDep
from kb_api.schemas import HealthResponse
from kb_core.errors import StoreUnavailableError

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
def health(service: CatalogueDep, settings: SettingsDep) -> HealthResponse | JSONResponse:
    """Store reachability with document and passage counts; 503 when the store is unavailable."""
    try:
        return HealthResponse(status="ok", **service.health())
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
