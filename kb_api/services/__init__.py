"""The services, one job each: catalogue (documents, health, vocabulary), search, ask."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.store import PassageStore
from kb_api.services.ask import AnswerOutcome, AskService
from kb_api.services.catalogue import CatalogueService
from kb_api.services.search import MatchPage, SearchOutcome, SearchService
from kb_api.services.timing import install_timing_tracer
from kb_core.settings import Settings

__all__ = [
    "AnswerOutcome",
    "AskService",
    "CatalogueService",
    "MatchPage",
    "SearchOutcome",
    "SearchService",
    "Services",
]


@dataclass
class Services:
    """The services over one store, built together so they share one catalogue and one query pipeline."""

    settings: Settings
    store: PassageStore
    catalogue: CatalogueService
    search: SearchService
    ask: AskService

    @classmethod
    def build(cls, settings: Settings, store: PassageStore) -> Services:
        """Build (cheaply: nothing is loaded until :meth:`warm_up` or first use)."""
        install_timing_tracer()
        catalogue = CatalogueService(settings, store)
        search = SearchService(settings, store, catalogue)
        return cls(settings, store, catalogue, search, AskService(settings, search, catalogue))

    def warm_up(self) -> None:
        """Load the model, build the hybrid pipeline and the answerer, read the vocabulary and the counts."""
        self.search.warm_up()
        self.ask.warm_up()
        self.catalogue.health()  # the counts /health serves from memory

    def refresh(self) -> None:
        """Forget what was cached about the stored documents (after ingestion)."""
        self.catalogue.refresh()
