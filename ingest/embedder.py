"""The dense embedders (built-in sentence-transformers components) on the offline-prepared e5 model."""

from __future__ import annotations

import os

from haystack_integrations.components.embedders.sentence_transformers import (
    SentenceTransformersDocumentEmbedder,
    SentenceTransformersTextEmbedder,
)

from ingest.model_prep import ensure_model
from kb_core.settings import Settings

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


def _offline_model_path(settings: Settings) -> str:
    # No model hub is reachable: load strictly from the prepared local folder.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return str(ensure_model(settings.model_dir))


def document_embedder(
    settings: Settings, *, progress_bar: bool = True
) -> SentenceTransformersDocumentEmbedder:
    """Passage embedder: e5 'passage: ' prompt, title and section embedded with the text (if configured)."""
    return SentenceTransformersDocumentEmbedder(
        model=_offline_model_path(settings),
        prefix=PASSAGE_PREFIX,
        batch_size=settings.model.batch_size,
        progress_bar=progress_bar,
        normalize_embeddings=True,
        local_files_only=True,
        meta_fields_to_embed=["title", "section"] if settings.ingest.embed_title_and_section else [],
        embedding_separator="\n",
    )


def text_embedder(settings: Settings) -> SentenceTransformersTextEmbedder:
    """Query embedder: e5 'query: ' prompt."""
    return SentenceTransformersTextEmbedder(
        model=_offline_model_path(settings),
        prefix=QUERY_PREFIX,
        progress_bar=False,
        normalize_embeddings=True,
        local_files_only=True,
    )
