"""Typed request and response bodies of the API (with the bounds that make bad input a clear 422)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kb_api.search_service import SearchFilters

MAX_FILTER_VALUES = 50


def _not_blank(value: str, message: str) -> str:
    if not value.strip():
        raise ValueError(message)
    return value


class FiltersIn(BaseModel):
    """Narrow a search; every field is optional, lists mean 'any of these'."""

    model_config = ConfigDict(extra="forbid")

    region: list[str] = Field(
        default_factory=list, max_length=MAX_FILTER_VALUES, description="e.g. Noordoost-Brabant"
    )
    municipality: list[str] = Field(
        default_factory=list, max_length=MAX_FILTER_VALUES, description="e.g. Boekel"
    )
    doc_type: list[str] = Field(
        default_factory=list, max_length=MAX_FILTER_VALUES, description="raadsinformatiebrief, koersplan, ..."
    )
    date_from: date | None = Field(default=None, description="Documents dated on or after (YYYY-MM-DD)")
    date_to: date | None = Field(default=None, description="Documents dated on or before (YYYY-MM-DD)")

    @field_validator("region", "municipality", "doc_type", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _dates_in_order(self) -> FiltersIn:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from ligt na date_to / date_from is after date_to")
        return self

    def to_domain(self) -> SearchFilters:
        """The service's filter object."""
        return SearchFilters(
            region=self.region,
            municipality=self.municipality,
            doc_type=self.doc_type,
            date_from=self.date_from,
            date_to=self.date_to,
        )


class SearchRequest(BaseModel):
    """A search over the passages."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=1000, description="Question or keywords, Dutch or English")
    top_k: int = Field(default=10, ge=1, le=50, description="Number of results")
    filters: FiltersIn = Field(default_factory=FiltersIn)
    sort: Literal["relevance", "date"] = Field(
        default="relevance", description="'date' orders the best passages by document date (policy history)"
    )

    @field_validator("query")
    @classmethod
    def _query_not_blank(cls, value: str) -> str:
        return _not_blank(value, "de zoekvraag is leeg / the query is empty")


class AskRequest(BaseModel):
    """A question to answer from the corpus with exact quotes."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=1000, description="The question, Dutch or English")
    filters: FiltersIn = Field(default_factory=FiltersIn)

    @field_validator("question")
    @classmethod
    def _question_not_blank(cls, value: str) -> str:
        return _not_blank(value, "de vraag is leeg / the question is empty")


class Highlight(BaseModel):
    """Character span of a matched query term in ``text``."""

    start: int
    end: int


class DocumentRef(BaseModel):
    """Another document in which the same passage stands."""

    document_id: str
    title: str | None = None
    municipality: str | None = None
    region: str | None = None
    date: str | None = None
    page: int | None = None
    passage_id: str | None = None


class SearchResult(BaseModel):
    """One cited passage."""

    passage_id: str = Field(description="Stable id: document id and position")
    text: str = Field(description="The passage exactly as in the (cleaned) source")
    score: float = Field(description="Fused rank score (higher is better; comparable within one response)")
    document_id: str
    title: str | None
    municipality: str | None
    region: str | None
    doc_type: str | None
    date: str | None
    page: int | None = Field(description="Page (from 1) where the passage starts")
    page_end: int | None
    section: str | None
    highlights: list[Highlight]
    also_in: list[DocumentRef] = Field(description="Other documents with the same text")


class SearchResponse(BaseModel):
    """Ranked results, facets and notes."""

    query: str
    language: str
    total: int
    results: list[SearchResult]
    facets: dict[str, dict[str, int]] = Field(
        description="Result counts per value of region, municipality, ..."
    )
    notes: list[str] = Field(description="Messages for the user, e.g. unknown filter values")
    timings_ms: dict[str, float]


class Citation(BaseModel):
    """An exact quote with where it stands."""

    number: int
    document_id: str
    passage_id: str
    title: str | None
    municipality: str | None
    region: str | None
    date: str | None
    page: int | None
    quote: str
    also_in: list[DocumentRef] = []


class AskResponse(BaseModel):
    """An extractive answer, or a plain statement that the corpus does not answer the question."""

    question: str
    answer: str
    answerable: bool
    citations: list[Citation]
    language: str
    notes: list[str] = []
    timings_ms: dict[str, float]


class DocumentSummary(BaseModel):
    """A stored document."""

    document_id: str
    title: str | None
    municipality: str | None
    region: str | None
    doc_type: str | None
    date: str | None
    passages: int
    pages: int | None
    file_name: str | None = None


class PassageOut(BaseModel):
    """A passage of a document, in reading order."""

    passage_id: str
    position: int
    page: int | None
    page_end: int | None
    section: str | None
    text: str


class DocumentDetail(DocumentSummary):
    """A document with its passages in order."""

    passages_in_order: list[PassageOut]
    file_url: str | None = Field(default=None, description="Link to the original file, when it is available")


class HealthResponse(BaseModel):
    """Service status."""

    status: Literal["ok", "unavailable"]
    store: str
    collection: str
    documents: int
    passages: int
    detail: str | None = None


class ErrorResponse(BaseModel):
    """Body of every error response."""

    error: str = Field(
        description="Short machine-readable kind: invalid_request, not_found, store_unavailable"
    )
    message: str = Field(description="What went wrong, in plain Dutch and English")
    details: list[dict[str, object]] = []
