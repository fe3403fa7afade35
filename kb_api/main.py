"""The FastAPI application: ``create_app()`` with a lifespan that opens the store and warms the model once."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from ingest.store import UnavailableStore, open_passage_store
from kb_api.handlers import register_error_handlers
from kb_api.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from kb_api.routers import documents, health, search, writes
from kb_api.services import Services
from kb_api.services.jobs import JobService
from kb_core.errors import StoreUnavailableError
from kb_core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

DESCRIPTION = (
    "ViA Kennisbank: zoeken in gemeentelijk beleid over Veiligheid in Afhankelijkheidsrelaties "
    "(Noordoost-Brabant, Arnhem-Achterhoek), met citaten: document, pagina, letterlijke tekst."
)


def apply_torch_threads(settings: Settings) -> None:
    """Limit torch to ``settings.model.torch_threads`` CPU threads (the API serves requests side by side)."""
    import torch

    torch.set_num_threads(settings.model.torch_threads)


def auto_ingest_if_empty(settings: Settings, services: Services) -> None:
    """On first start with an empty store, ingest the corpus so the service works out of the box; a document
    an interrupted ingestion left half-written is written again."""
    from ingest.service import ingest_corpus_if_empty

    if ingest_corpus_if_empty(settings, services.store) is not None:
        services.refresh()


class KnowledgeBaseApp(FastAPI):
    """FastAPI with the edge middleware outside everything else, so that every response, also a 413 of
    the body limit and a 500, carries the security headers."""

    max_body_bytes: int = 1024 * 1024
    upload_limits: dict[str, int] = {}  # noqa: RUF012 - set once in create_app

    def build_middleware_stack(self) -> ASGIApp:
        """The usual stack, wrapped in the body limit and the security headers."""
        app = super().build_middleware_stack()
        return SecurityHeadersMiddleware(BodyLimitMiddleware(app, self.max_body_bytes, self.upload_limits))


DOCS_ASSETS = "/docs/assets"


def _inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions ('sha256-...') for the inline scripts of a page."""
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts]


def mount_docs(app: FastAPI) -> None:
    """/docs from Swagger UI's own files (the swagger-ui-bundle-v2 package), never from a CDN."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # pragma: no cover - a declared dependency; without it there is no /docs
        logger.warning("swagger_ui_bundle is not installed: /docs is not served (/openapi.json is)")
        return
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} – API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # no badge from the online validator
        )
        html = bytes(page.body).decode()
        # Swagger UI starts from one inline script (allowed by its hash) and styles its elements inline.
        policy = (
            f"default-src 'self'; script-src 'self' {' '.join(_inline_script_hashes(html))}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
        return HTMLResponse(html, headers={"content-security-policy": policy})


def create_app(settings: Settings | None = None, *, auto_ingest: bool = True) -> FastAPI:
    """Build the app. Nothing is loaded until the lifespan starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        apply_torch_threads(settings)
        try:
            store = open_passage_store(settings)
        except StoreUnavailableError as exc:
            # Start anyway: /health and every search answer 503 with the reason.
            logger.error("Store unavailable at start-up: %s", exc)
            store = UnavailableStore(exc.reason)  # type: ignore[assignment]
        jobs: JobService | None = None
        try:
            services = Services.build(settings, store)
            app.state.settings = settings
            app.state.services = services
            try:
                if auto_ingest:
                    auto_ingest_if_empty(settings, services)
                services.warm_up()
            except StoreUnavailableError as exc:
                logger.error("Store unavailable at start-up: %s", exc)
            # The one writer of the store: uploads and removals run here, one at a time.
            jobs = app.state.jobs = JobService(services, keep=settings.api.max_jobs_kept)
            jobs.start()
            yield
        finally:
            if jobs is not None:
                jobs.stop()
            store.close()

    app = KnowledgeBaseApp(
        title="ViA Kennisbank",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from local files below
        redoc_url=None,  # ReDoc would load its script from a CDN
    )
    app.max_body_bytes = settings.api.max_body_bytes
    app.upload_limits = {"/documents": settings.api.max_upload_bytes}
    app.state.settings = settings
    register_error_handlers(app)
    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(writes.router)
    app.include_router(health.router)
    mount_docs(app)
    try:
        from kb_api.routers import web
    except ImportError:  # the web interface is optional for API-only deployments
        pass
    else:
        web.mount(app)
    return app
