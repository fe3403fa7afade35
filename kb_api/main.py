"""The FastAPI application: ``create_app()`` with a lifespan that opens the store and warms the model once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ingest.store import opened_store
from kb_api.handlers import register_error_handlers
from kb_api.routers import documents, health, search
from kb_api.services import Services
from kb_core.errors import StoreUnavailableError
from kb_core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

DESCRIPTION = (
    "ViA Kennisbank: zoeken in gemeentelijk beleid over Veiligheid in Afhankelijkheidsrelaties "
    "(Noordoost-Brabant, Arnhem-Achterhoek), met citaten: document, pagina, letterlijke tekst."
)


def auto_ingest_if_empty(settings: Settings, services: Services) -> None:
    """On first start with an empty store, ingest the corpus so the service works out of the box."""
    from ingest.service import ingest_corpus_if_empty

    if ingest_corpus_if_empty(settings, services.store) is not None:
        services.refresh()


def create_app(settings: Settings | None = None, *, auto_ingest: bool = True) -> FastAPI:
    """Build the app. Nothing is loaded until the lifespan starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with opened_store(settings) as store:
            services = Services.build(settings, store)
            app.state.settings = settings
            app.state.services = services
            try:
                if auto_ingest:
                    auto_ingest_if_empty(settings, services)
                services.warm_up()
            except StoreUnavailableError as exc:
                # Start anyway: /health and every search answer 503 with the reason until the store is back.
                logger.error("Store unavailable at start-up: %s", exc)
            yield

    app = FastAPI(title="ViA Kennisbank", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    register_error_handlers(app)
    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    try:
        from kb_api.routers import web
    except ImportError:  # the web interface is optional for API-only deployments
        pass
    else:
        web.mount(app)
    return app
