"""The one settings object: every tunable of ingestion, search, answering and the API, nested by area.

Every value can be set from the environment with the ``KB_`` prefix and the area, separated by ``__``
(``KB_STORE__QDRANT_PATH=...``, ``KB_SEARCH__RRF_K=...``), or from a ``.env`` file. The flat names of
earlier versions (``KB_QDRANT_PATH``, ``KB_RRF_K``) and ``QDRANT_URL`` (what docker-compose sets) are
still read. Relative paths are relative to the working directory (``kb`` run from the project folder, or
``WORKDIR`` of the image), never to where the code is installed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "via-kennisbank"


class _Area(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(_Area):
    """Where the passages live."""

    qdrant_path: Path = Field(
        default=Path("data/qdrant"),
        description="Folder of the embedded Qdrant store. Only one process may open it.",
    )
    qdrant_url: str | None = Field(
        default=None,
        description="URL of a Qdrant server (e.g. http://qdrant:6333). When set, it is used instead of qdrant_path.",
    )
    qdrant_api_key: str | None = Field(
        default=None, description="API key for a Qdrant server, if it needs one."
    )
    collection: str = Field(
        default="via_passages",
        min_length=1,
        max_length=64,
        description="Collection of the old store layout (read when a store of the old local mode is migrated).",
    )
    hnsw_ef: int = Field(
        default=192,
        ge=16,
        le=4096,
        description="Search width of the dense index (bench/README.md 'Scale': 192 keeps top-10 agreement with "
        "exact search above .97 on a 100k-passage store).",
    )


class ModelSettings(_Area):
    """The embedder."""

    cache_dir: Path = Field(
        default_factory=_default_cache_dir, description="Where prepared models are cached."
    )
    name: str = Field(
        default="multilingual-e5-small",
        description="Name of the prepared embedder folder inside cache_dir/models.",
    )
    embedding_dim: int = Field(default=384, ge=8, le=4096, description="Dense vector size of the embedder.")
    batch_size: int = Field(default=32, ge=1, le=512, description="Passages per embedding batch.")
    torch_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="CPU threads torch uses per embedding when serving (kb serve, the API): one per request "
        "keeps concurrent requests from fighting over the cores.",
    )


class IngestSettings(_Area):
    """Reading, splitting and writing documents."""

    corpus_dir: Path = Field(default=Path("corpus"), description="Folder with manifest.json and documents.")
    batch_files: int = Field(
        default=8, ge=1, le=256, description="Files per indexing pipeline run (bigger batches embed faster)."
    )
    passage_target_words: int = Field(
        default=90, ge=20, le=400, description="Passages grow block by block until about this many words."
    )
    passage_max_words: int = Field(
        default=160,
        ge=40,
        le=450,
        description="A passage never exceeds this (long blocks are cut at sentences).",
    )
    embed_title_and_section: bool = Field(
        default=True, description="Prepend title and section heading to the text that is embedded."
    )
    ocr_max_pages: int = Field(
        default=200,
        ge=0,
        le=5000,
        description="Most pages without a text layer that OCR reads in one PDF (a file with more is refused); 0 switches OCR off.",
    )
    ocr_language: str = Field(
        default="nld",
        pattern=r"^[a-z_]{3,}(?:\+[a-z_]{3,})*$",
        description="Tesseract language model(s) for OCR, e.g. 'nld' or 'nld+eng' (Debian: tesseract-ocr-nld).",
    )
    max_file_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024,
        le=10 * 1024 * 1024 * 1024,
        description="Larger files are refused before they are read (a per-file failure, the rest goes on).",
    )
    originals_dir: Path | None = Field(
        default=None,
        description="Managed folder keeping every ingested file as <document id>/<file name> (served by "
        "GET /documents/{id}/file); default: 'originals' beside the store folder (data/originals).",
    )
    max_pages: int = Field(
        default=5000,
        ge=1,
        le=1_000_000,
        description="Files with more pages (PDF pages, or form-feed pages of a text file) are refused.",
    )


class SearchSettings(_Area):
    """Retrieval: fusion, query analysis, boosts, grouping, facets."""

    candidates_per_leg: int = Field(
        default=50,
        ge=10,
        le=500,
        description="How many passages each retrieval leg (dense, sparse) hands to fusion.",
    )
    rrf_k: int = Field(default=60, ge=1, le=1000, description="k of reciprocal rank fusion.")
    dutch_weights: tuple[float, float] = Field(
        default=(1.0, 1.0), description="RRF weights (sparse, dense) for a Dutch query."
    )
    english_weights: tuple[float, float] = Field(
        default=(0.5, 1.0),
        description="RRF weights (sparse, dense) for an English query (the lexical leg is Dutch).",
    )
    exact_boost: float = Field(
        default=0.3,
        ge=0.0,
        le=5.0,
        description="Added to the sparse weight when a query holds figures or names.",
    )
    definition_boost: float = Field(
        default=0.5,
        ge=0.0,
        le=5.0,
        description="For 'Wat wordt bedoeld met X?': added to passages that define X, in top-rank RRF votes.",
    )
    figure_boost: float = Field(
        default=0.25,
        ge=0.0,
        le=5.0,
        description="For 'hoeveel' / 'welk deel' / 'wat is de bijdrage': added to passages with such a figure, in top-rank RRF votes.",
    )
    rerank: bool = Field(
        default=True,
        description="Order the best `answer.passages` passages by the answer scorer's probability that one of "
        "their units answers the query (test split MRR@10 .719 -> .805, eval/README.md); off: fused order.",
    )
    duplicate_threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="Share of shared 4-grams above which passages are grouped ('also in').",
    )
    grouping_pool: int = Field(
        default=50,
        ge=10,
        le=500,
        description="How many of the best fused passages the ranking for answers is taken from (and duplicates "
        "grouped over, 'also in'); the listing's totals and facets come from the matching passages instead.",
    )
    match_min_similarity: float = Field(
        default=0.86,
        ge=0.0,
        le=1.0,
        description="A passage that shares no lexical term with a Dutch query still matches (counts in total, "
        "facets, paging, export) when its dense similarity is at least this. multilingual-e5-small puts "
        "almost every passage of this corpus between .78 and .90 for any query, so a lower floor counts "
        "off-topic passages: at .84 / .85 'Wat is de rol van Veilig Thuis?' gains 33 / 5 passages without "
        "its terms (such as the infographic 'Hoe ontstaat huiselijk geweld?', .856), at .86 none; on the "
        "75 Dutch gold questions .86 keeps all 128 answer-bearing passages in the matches (.87 loses one).",
    )
    match_min_similarity_english: float = Field(
        default=0.80,
        ge=0.0,
        le=1.0,
        description="The same floor for English queries: cross-lingual similarities run about .06 lower, and "
        "the lexical leg only holds the glossary's Dutch terms. On the 32 English gold questions .80 keeps "
        "66 of the 70 answer-bearing passages (lexical terms alone: 64) and adds ~17 passages per question; "
        ".78 would keep all 70 but count most of the corpus (~100 passages per question). Used only when "
        "the query holds English words: a Dutch keyword guessed English by its suffix keeps the Dutch floor.",
    )
    spelling_lexicon: Path | None = Field(
        default=Path("/usr/share/dict/dutch"),
        description="A Dutch word list, one word per line (Debian's wdutch, OpenTaal), for spelling "
        "suggestions: a query word that no document uses and that is no Dutch word, one edit from a word the "
        "documents use, gets a 'Bedoelde u …?'. Without the list (absent file, or None) there are no "
        "suggestions: a real word the corpus happens not to use would be 'corrected'.",
    )
    spelling_english_words: Path | None = Field(
        default=Path("/usr/share/dict/british-english"),
        description="An English word list (Debian's wbritish): its words are no Dutch typing errors either "
        "('women' is not 'komen'); optional.",
    )
    max_matches: int = Field(
        default=500,
        ge=10,
        le=10000,
        description="How deep each retrieval leg is read to find the matching passages (total, facets, "
        "paging, export); a passage past this rank on both legs is not counted.",
    )


class AnswerSettings(_Area):
    """The extractive answerer (its scorer and threshold are learned: ``kb train-answerer``)."""

    passages: int = Field(
        default=20,
        ge=1,
        le=50,
        description="How many of the best passages the answer units are read from (and re-ranked by).",
    )
    max_quotes: int = Field(default=3, ge=1, le=10, description="Most quotes in one answer.")
    model_path: Path | None = Field(
        default=None, description="Answer scorer file; by default the one shipped in kb_api/retrieval."
    )
    cache_size: int = Field(default=50_000, ge=0, le=1_000_000, description="Unit embeddings kept in memory.")
    max_unknown_share: float = Field(
        default=0.5,
        gt=0.0,
        le=1.0,
        description="A Dutch question at least this share of whose content words no stored document uses, more "
        "than one word or all of them (a topic the corpus lacks: 'Hoeveel kost de afvalinzameling in "
        "Meierijstad?'), is refused, as one naming a place or year the corpus never mentions. No answerable gold "
        "question reaches .5 (the highest is .38); 12 of 24 Dutch off-topic questions do with more than one "
        "unknown word or all (eval/README.md, twentieth session).",
    )


class ApiSettings(_Area):
    """Request bounds of the API, the web pages and the CLI."""

    max_query_chars: int = Field(
        default=1000, ge=50, le=10000, description="Longer queries are refused (422)."
    )
    max_top_k: int = Field(default=50, ge=1, le=500, description="Most results one request may ask for.")
    max_filter_values: int = Field(
        default=50, ge=1, le=1000, description="Most values one filter field may list."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest request body (bytes, counted as it streams in); larger ones get 413.",
    )
    max_export_rows: int = Field(
        default=1000, ge=1, le=100000, description="Most matching passages one CSV/JSON export holds."
    )
    max_concurrent_searches: int = Field(
        default=0,
        ge=0,
        le=64,
        description="How many query retrievals (embedding the query, the store queries) run at once; the "
        "others wait their turn without taking CPU or the GIL, so a short request such as /health is not "
        "slowed by a crowd of searches. 0: one per CPU core.",
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="Key the write endpoints (POST /documents, DELETE /documents/{id}) require as "
        "'Authorization: Bearer <key>' (env KB_API_KEY). Unset: writes are disabled (403); reads stay open.",
    )
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        le=10 * 1024 * 1024 * 1024,
        description="Largest POST /documents body (all files together; 413 beyond it). Each file is also "
        "bounded by ingest.max_file_bytes.",
    )
    max_upload_files: int = Field(default=50, ge=1, le=1000, description="Most files in one upload.")
    max_jobs_kept: int = Field(
        default=200,
        ge=1,
        le=100_000,
        description="Finished jobs GET /jobs/{id} still reports (oldest forgotten).",
    )
    service_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="A running service (env KB_SERVICE_URL, e.g. http://127.0.0.1:8000) that kb ingest and "
        "kb remove hand their work to; unset: the one kb serve announced in <data>/service.json, if it answers, "
        "else the store is opened directly.",
    )


AREAS: dict[str, type[_Area]] = {
    "store": StoreSettings,
    "model": ModelSettings,
    "ingest": IngestSettings,
    "search": SearchSettings,
    "answer": AnswerSettings,
    "api": ApiSettings,
}
# Flat environment names of earlier versions whose field name differs from ``KB_<FIELD>``.
_LEGACY_NAMES = {
    "KB_MODEL_NAME": ("model", "name"),
    "KB_EMBED_BATCH_SIZE": ("model", "batch_size"),
    "KB_INGEST_BATCH_FILES": ("ingest", "batch_files"),
}


class Settings(BaseSettings):
    """Typed, bounded settings; ingestion and search read the same instance so they agree on model and store."""

    model_config = SettingsConfigDict(
        env_prefix="KB_", env_nested_delimiter="__", env_file=".env", extra="ignore", frozen=True
    )

    store: StoreSettings = Field(default_factory=StoreSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)

    @model_validator(mode="before")
    @classmethod
    def _flat_names(cls, data: Any) -> Any:
        """Accept the flat names of earlier versions: as keyword arguments (``Settings(qdrant_path=p)``) and as
        environment variables (``KB_QDRANT_PATH``, ``QDRANT_URL``) where the nested one is not given."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        fields = {field: (area, field) for area, model in AREAS.items() for field in model.model_fields}
        legacy = {name.removeprefix("KB_").lower(): target for name, target in _LEGACY_NAMES.items()}
        given = {key: data.pop(key) for key in list(data) if key in fields or key in legacy}
        env_names = {"QDRANT_URL": "qdrant_url"} | {f"KB_{key.upper()}": key for key in fields | legacy}
        environment = {key: os.environ[name] for name, key in env_names.items() if name in os.environ}
        for key, value in {**environment, **given}.items():
            area, field = legacy.get(key) or fields[key]
            section = data.get(area)
            if isinstance(section, BaseModel):
                section = section.model_dump()
            section = dict(section or {})
            if key in given or field not in section:
                section[field] = value
            data[area] = section
        return data

    @property
    def models_dir(self) -> Path:
        """Folder holding prepared models."""
        return self.model.cache_dir / "models"

    @property
    def model_dir(self) -> Path:
        """Folder of the prepared sentence-transformers embedder."""
        return self.models_dir / self.model.name

    @property
    def data_dir(self) -> Path:
        """The data directory: the folder that holds the store folder (``data`` for ``data/qdrant``)."""
        return self.store.qdrant_path.parent

    @property
    def originals_dir(self) -> Path:
        """Where the original of every ingested document is kept (``<data>/originals``)."""
        return self.ingest.originals_dir or self.data_dir / "originals"

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded files wait for their job (``<data>/uploads/<job id>/``)."""
        return self.data_dir / "uploads"

    @property
    def manifest_path(self) -> Path:
        """The corpus manifest (document ids and metadata)."""
        return self.ingest.corpus_dir / "manifest.json"

    def with_changes(self, **areas: dict[str, Any]) -> Settings:
        """A copy with some fields of some areas changed: ``settings.with_changes(store={"qdrant_path": p})``."""
        update = {name: getattr(self, name).model_copy(update=values) for name, values in areas.items()}
        return self.model_copy(update=update)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
