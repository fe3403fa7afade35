"""docker-compose.yml (no Docker engine here: the file is read as YAML) and the settings it relies on."""

from __future__ import annotations

import re

import pytest
import yaml
from helpers import REPO_ROOT

from kb_core.settings import Settings

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
KEY_REFERENCE = re.compile(r"^\$\{QDRANT_API_KEY:\?[^}]+\}$")  # required: compose stops without it


def test_qdrant_is_not_published_on_the_host() -> None:
    qdrant = COMPOSE["services"]["qdrant"]
    assert "ports" not in qdrant or all(str(p).startswith("127.0.0.1:") for p in qdrant["ports"])


def test_qdrant_requires_an_api_key_that_the_api_uses() -> None:
    qdrant = COMPOSE["services"]["qdrant"]["environment"]
    api = COMPOSE["services"]["api"]["environment"]
    assert KEY_REFERENCE.match(qdrant["QDRANT__SERVICE__API_KEY"])
    assert api["KB_QDRANT_API_KEY"] == qdrant["QDRANT__SERVICE__API_KEY"]
    assert api["QDRANT_URL"] == "http://qdrant:6333"


def test_the_api_reads_the_key_compose_gives_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.store import open_passage_store

    monkeypatch.setenv("QDRANT_URL", "http://qdrant:6333")
    monkeypatch.setenv("KB_QDRANT_API_KEY", "geheime-sleutel")
    settings = Settings()
    assert settings.store.qdrant_api_key == "geheime-sleutel"
    opened: dict[str, object] = {}

    class NoServer:  # nothing is contacted: the store the settings open is recorded instead
        existed = False
        catalogue_existed = True

        def __init__(self, url: str, **options: object) -> None:
            opened.update(url=url, **options)

    monkeypatch.setattr("ingest.stores.server.ServerPassageStore", NoServer)
    open_passage_store(settings)
    assert opened["url"] == "http://qdrant:6333" and opened["api_key"] == "geheime-sleutel"


def test_the_key_file_is_not_committed() -> None:
    assert ".env" in (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_readme_commands_are_safe_as_written() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "QDRANT_API_KEY" in readme and "secrets.token_urlsafe" in readme
    commands = [
        line.strip() for line in readme.splitlines() if line.strip().startswith(("kb ", "docker compose"))
    ]
    prune = [c for c in commands if "--prune" in c]
    assert prune and any("--dry-run" in c for c in prune)  # the README shows how to look first
    assert all(re.match(r"kb ingest \S+", c) for c in prune)  # never --prune without a folder
    # The corpus folder also holds its text versions, manifest and README: no folder to ingest whole.
    assert not any("kb ingest /app/corpus" in c for c in commands)
    compose = (REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "kb ingest /app/corpus" not in compose
