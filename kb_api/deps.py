"""Request dependencies: the settings and the one SearchService built by the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kb_api.config import Settings
from kb_api.search_service import SearchService


def get_service(request: Request) -> SearchService:
    """The app's SearchService (created and warmed in the lifespan)."""
    return request.app.state.service


def get_app_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


ServiceDep = Annotated[SearchService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
