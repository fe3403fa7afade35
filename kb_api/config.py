"""The one settings object shared by ingestion, search, the API and the evaluation.

Every value can be set from the environment with the ``KB_`` prefix (``KB_QDRANT_PATH=...``), or from a
``.env`` file. ``QDRANT_URL`` (without prefix) is also accepted, because that is what docker-compose sets.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "via-kennisbank"


class Settings(BaseSettings):
    """Typed, bounded settings; ingestion and search read the same instance so they agree on model and store."""

    model_config = SettingsConfigDict(env_prefix="KB_", env_file=".env", extra="ignore")

    # --- store -----------------------------------------------------------------------------------
    qdrant_path: Path = Field(
        default=REPO_ROOT / "data" / "qdrant",
        description="Folder of the embedded (local-mode) Qdrant store. Only one process may open it.",
    )
    qdrant_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KB_QDRANT_URL", "QDRANT_URL"),
        description="URL of a Qdrant server (e.g. http://qdrant:6333). When set, it is used instead of qdrant_path.",
    )
    qdrant_api_key: str | None = Field(
        default=None, description="API key for a Qdrant server, if it needs one."
    )
    collection: str = Field(
        default="via_passages", min_length=1, max_length=64, description="Qdrant collection."
    )

    # --- model -----------------------------------------------------------------------------------
    cache_dir: Path = Field(
        default_factory=_default_cache_dir, description="Where prepared models are cached."
    )
    model_name: str = Field(
        default="multilingual-e5-small",
        description="Name of the prepared embedder folder inside cache_dir/models.",
    )
    embedding_dim: int = Field(default=384, ge=8, le=4096, description="Dense vector size of the embedder.")
    embed_batch_size: int = Field(default=32, ge=1, le=512, description="Passages per embedding batch.")
    ingest_batch_files: int = Field(
        default=8, ge=1, le=256, description="Files per indexing pipeline run (bigger batches embed faster)."
    )

    # --- corpus and splitting --------------------------------------------------------------------
    corpus_dir: Path = Field(
        default=REPO_ROOT / "corpus", description="Folder with manifest.json and documents."
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

    # --- search ----------------------------------------------------------------------------------
    candidates_per_leg: int = Field(
        default=50,
        ge=10,
        le=500,
        description="How many passages each retrieval leg (dense, sparse) hands to fusion.",
    )
    rrf_k: int = Field(default=60, ge=1, le=1000, description="k of reciprocal rank fusion.")
    definition_boost: float = Field(
        default=0.5,
        ge=0.0,
        le=5.0,
        description="For 'Wat wordt bedoeld met X?': added to passages that define X, in top-rank RRF votes.",
    )
    answer_definition_bonus: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="For 'Wat wordt bedoeld met X?': added to the score of answer sentences that define X.",
    )
    figure_boost: float = Field(
        default=0.25,
        ge=0.0,
        le=5.0,
        description="For 'hoeveel' / 'welk deel' / 'wat is de bijdrage': added to passages with such a figure, in top-rank RRF votes.",
    )
    max_query_chars: int = Field(
        default=1000, ge=50, le=10000, description="Longer queries are refused (422)."
    )
    answer_min_similarity: float = Field(
        default=0.80,
        ge=0.0,
        le=1.0,
        description="Minimum dense similarity of the best passage for /ask to answer instead of abstaining.",
    )
    answer_min_similarity_english: float = Field(
        default=0.77,
        ge=0.0,
        le=1.0,
        description="The same floor for English questions (cross-lingual similarities run lower).",
    )

    @property
    def models_dir(self) -> Path:
        """Folder holding prepared models."""
        return self.cache_dir / "models"

    @property
    def model_dir(self) -> Path:
        """Folder of the prepared sentence-transformers embedder."""
        return self.models_dir / self.model_name

    @property
    def manifest_path(self) -> Path:
        """The corpus manifest (document ids and metadata)."""
        return self.corpus_dir / "manifest.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
