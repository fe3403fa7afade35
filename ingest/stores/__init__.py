"""Passage stores: one interface (:class:`PassageStore`), an embedded and a server implementation.

``open_passage_store`` picks the implementation: a Qdrant server when ``url`` is given, otherwise the
embedded engine in ``path`` (migrating a store of the old local mode found there on first open).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.stores.base import (
    DEFAULT_HNSW_EF,
    DEFAULT_INTEGER_FIELDS,
    DEFAULT_KEYWORD_FIELDS,
    DocumentRecord,
    PassageRecord,
    PassageStore,
    QdrantStoreBase,
    StoredPassage,
    StoreFilter,
    StoreUnavailableError,
    UnitRecord,
    point_id,
)
from ingest.stores.migrate import (
    Analyse,
    MigrationReport,
    build_catalogue,
    finish_interrupted_migration,
    is_old_local_store,
    migrate_local_store,
)

__all__ = [
    "DEFAULT_HNSW_EF",
    "DEFAULT_INTEGER_FIELDS",
    "DEFAULT_KEYWORD_FIELDS",
    "Analyse",
    "DocumentRecord",
    "MigrationReport",
    "PassageRecord",
    "PassageStore",
    "QdrantStoreBase",
    "StoreFilter",
    "StoreUnavailableError",
    "StoredPassage",
    "UnitRecord",
    "build_catalogue",
    "finish_interrupted_migration",
    "is_old_local_store",
    "migrate_local_store",
    "open_passage_store",
    "point_id",
]


def open_passage_store(
    path: str | Path | None = None,
    *,
    url: str | None = None,
    api_key: str | None = None,
    prefix: str = "via",
    old_collection: str = "via_passages",
    dim: int = 384,
    hnsw_ef: int = DEFAULT_HNSW_EF,
    keyword_fields: Sequence[str] = DEFAULT_KEYWORD_FIELDS,
    integer_fields: Sequence[str] = DEFAULT_INTEGER_FIELDS,
    migrate: bool = True,
    analyse: Analyse | None = None,
) -> QdrantStoreBase:
    """The store for these settings: server if ``url``, else embedded at ``path``.

    An old local-mode store at ``path`` is migrated first (``migrate=False``: StoreUnavailableError
    instead); a server collection written by today's code gets its catalogue built once. ``analyse``
    fills the vocabularies of records built that way (see :mod:`ingest.stores.migrate`).
    """
    options = {
        "dim": dim,
        "hnsw_ef": hnsw_ef,
        "keyword_fields": tuple(keyword_fields),
        "integer_fields": tuple(integer_fields),
    }
    if url:
        from ingest.stores.server import ServerPassageStore

        server = ServerPassageStore(url, api_key=api_key, prefix=prefix, **options)  # type: ignore[arg-type]
        if server.existed and not server.catalogue_existed:
            try:
                build_catalogue(server, analyse=analyse)
            except BaseException:
                server.close()
                raise
        return server
    if path is None:
        raise ValueError("give a store folder (path) or a Qdrant server url")
    from ingest.stores.edge import EdgePassageStore

    folder = Path(path)
    finish_interrupted_migration(folder)
    if is_old_local_store(folder):
        if not migrate:
            raise StoreUnavailableError(
                f"{folder} holds a store of the old local mode; run 'kb migrate' to convert it"
            )
        migrate_local_store(folder, collection=old_collection, analyse=analyse, **options)
    return EdgePassageStore(folder, **options)  # type: ignore[arg-type]
