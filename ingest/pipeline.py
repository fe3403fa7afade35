"""The indexing Pipeline: read -> metadata -> clean -> split -> dense embed -> sparse embed -> units -> write."""

from __future__ import annotations

from haystack import Pipeline

from ingest.cleaning import TextCleaner
from ingest.embedder import document_embedder
from ingest.metadata import MetadataEnricher
from ingest.readers import SourceReader
from ingest.sparse import DutchSparseDocumentEmbedder
from ingest.splitting import StructureSplitter
from ingest.stores import PassageStore
from ingest.unit_embedder import UnitEmbedder
from ingest.writer import PassageWriter
from kb_core.settings import Settings


def build_indexing_pipeline(
    settings: Settings, store: PassageStore | None, *, progress_bar: bool = True, write: bool = True
) -> Pipeline:
    """Build (not run) the indexing pipeline for the settings; ``write=False`` stops after the sparse
    embedding (no answer units, nothing written)."""
    pipe = Pipeline()
    pipe.add_component(
        "reader",
        SourceReader(ocr_language=settings.ingest.ocr_language, ocr_max_pages=settings.ingest.ocr_max_pages),
    )
    pipe.add_component("metadata", MetadataEnricher(manifest_path=str(settings.manifest_path)))
    pipe.add_component("cleaner", TextCleaner())
    pipe.add_component(
        "splitter",
        StructureSplitter(
            target_words=settings.ingest.passage_target_words, max_words=settings.ingest.passage_max_words
        ),
    )
    pipe.add_component("dense", document_embedder(settings, progress_bar=progress_bar))
    pipe.add_component("sparse", DutchSparseDocumentEmbedder())
    pipe.connect("reader.documents", "metadata.documents")
    pipe.connect("metadata.documents", "cleaner.documents")
    pipe.connect("cleaner.documents", "splitter.documents")
    pipe.connect("splitter.documents", "dense.documents")
    pipe.connect("dense.documents", "sparse.documents")
    if write:
        if store is None:
            raise ValueError("a store is needed to write")
        pipe.add_component("units", UnitEmbedder.from_settings(settings))
        pipe.add_component("writer", PassageWriter(store=store))
        pipe.connect("sparse.documents", "units.documents")
        pipe.connect("units.documents", "writer.documents")
    return pipe
