"""Domain errors of the knowledge base; the API and the CLI translate them in one place each."""

from __future__ import annotations

from ingest.store import StoreUnavailableError


class KnowledgeBaseError(Exception):
    """Base class of the knowledge base's own errors."""


class InvalidQueryError(KnowledgeBaseError):
    """The query or its filters cannot be searched as given (empty, too long, impossible dates)."""


class DocumentNotFoundError(KnowledgeBaseError):
    """No document with that id is stored."""

    def __init__(self, document_id: str) -> None:
        super().__init__(f"Document '{document_id}' bestaat niet / not found")
        self.document_id = document_id


__all__ = ["DocumentNotFoundError", "InvalidQueryError", "KnowledgeBaseError", "StoreUnavailableError"]
