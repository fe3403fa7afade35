"""Request dependencies: the settings and the services built once by the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kb_api.services import AskService, CatalogueService, SearchService, Services
from kb_core.settings import Settings


def get_services(request: Request) -> Services:
    """The app's services (created and warmed in the lifespan)."""
    return request.app.state.services


def get_catalogue(request: Request) -> CatalogueService:
    """The catalogue service: documents, health, vocabulary."""
    return get_services(request).catalogue


def get_search(request: Request) -> SearchService:
    """The search service."""
    return get_services(request).search


def get_ask(request: Request) -> AskService:
    """The ask service."""
    return get_services(request).ask


def get_app_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


ServicesDep = Annotated[Services, Depends(get_services)]
CatalogueDep = Annotated[CatalogueService, Depends(get_catalogue)]
SearchDep = Annotated[SearchService, Depends(get_search)]
AskDep = Annotated[AskService, Depends(get_ask)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
