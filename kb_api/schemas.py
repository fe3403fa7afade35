"""Typed request and response bodies of the API (with the bounds that make bad input a clear 422)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    field_validator,
    model_validator,
)

from kb_core.domain import FILTER_FIELDS, FILTER_NAMES, FilterField, SearchFilters
from kb_core.settings import get_settings

_API = get_settings().api
MAX_FILTER_VALUES = _API.max_filter_values
MAX_QUERY_CHARS = _API.max_query_chars
MAX_FILTER_VALUE_CHARS = 200
_SEARCH = get_settings().search
# Both legs are read max_matches deep, so no more passages than twice that can match.
MAX_OFFSET = 2 * _SEARCH.max_matches
MATCH_RULE = (
    "A passage matches when it is among the first "
    f"{_SEARCH.max_matches} passages of the lexical leg and shares at least one lexical query term (sparse "
    f"score > 0), or among the first {_SEARCH.max_matches} of the dense leg with a similarity of at least "
    f"{_SEARCH.match_min_similarity:.2f} ({_SEARCH.match_min_similarity_english:.2f} for an English query; "
    "settings search.match_min_similarity / search.match_min_similarity_english). Both legs carry the "
    "filters. multilingual-e5-small gives nearly every passage of this corpus a similarity between .78 and "
    ".90 for any query; at .86 a Dutch question gains no passage that lacks its terms and is off its topic, "
    "and all answer-bearing passages of the Dutch gold questions match (English: .80, 66 of 70)."
)


def _not_blank(value: str, code: str) -> str:
    if not value.strip():
        raise ValueError(code)  # a message code, rendered by the error handler
    return value


def _value_list(f: FilterField) -> Any:
    return (
        list[Annotated[str, StringConstraints(max_length=MAX_FILTER_VALUE_CHARS)]],
        Field(
            default_factory=list, max_length=MAX_FILTER_VALUES, description=f"{f.label_en}, e.g. {f.example}"
        ),
    )


class _FiltersBase(BaseModel):
    """Narrow a search; every field is optional, lists mean 'any of these'."""

    model_config = ConfigDict(extra="forbid")

    date_from: date | None = Field(default=None, description="Documents dated on or after (YYYY-MM-DD)")
    date_to: date | None = Field(default=None, description="Documents dated on or before (YYYY-MM-DD)")

    @model_validator(mode="before")
    @classmethod
    def _one_or_many(cls, data: Any) -> Any:
        """A single string for a filter field means a list of one."""
        if isinstance(data, dict):
            return {k: [v] if k in FILTER_NAMES and isinstance(v, str) else v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _dates_in_order(self) -> _FiltersBase:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("dates_reversed_short")
        return self

    def to_domain(self) -> SearchFilters:
        """The service's filter object."""
        return SearchFilters(
            date_from=self.date_from, date_to=self.date_to, **{f: getattr(self, f) for f in FILTER_NAMES}
        )


# The filter fields come from the one list in kb_core.domain; a type checker sees the base classes.
if TYPE_CHECKING:
    FiltersIn = _FiltersBase

    class DocumentFields(BaseModel):
        title: str | None = None
        date: str | None = None

        def __getattr__(self, name: str) -> Any: ...

else:
    FiltersIn = create_model(
        "FiltersIn",
        __base__=_FiltersBase,
        __doc__=_FiltersBase.__doc__,
        **{f.name: _value_list(f) for f in FILTER_FIELDS},
    )
    # What every result, reference and document summary says of its document: title, date, the filter fields.
    DocumentFields = create_model(
        "DocumentFields",
        title=(str | None, None),
        date=(str | None, None),
        **{name: (str | None, None) for name in FILTER_NAMES},
    )


class SearchRequest(BaseModel):
    """A search over the passages."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(
        min_length=1, max_length=MAX_QUERY_CHARS, description="Question or keywords, Dutch or English"
    )
    top_k: int = Field(
        default=10, ge=1, le=_API.max_top_k, description="Page size: how many matching passages to return"
    )
    offset: int = Field(
        default=0,
        ge=0,
        le=MAX_OFFSET,
        description="How many matching passages to skip (paging: 0, top_k, 2*top_k, ... while < total)",
    )
    filters: FiltersIn = Field(default_factory=FiltersIn)
    sort: Literal["relevance", "date"] = Field(
        default="relevance",
        description="'date' shows each page in document date order (policy history); a page still holds "
        "the next top_k passages by relevance",
    )

    @field_validator("query")
    @classmethod
    def _query_not_blank(cls, value: str) -> str:
        return _not_blank(value, "query_empty")


class AskRequest(BaseModel):
    """A question to answer from the corpus with exact quotes."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1, max_length=MAX_QUERY_CHARS, description="The question, Dutch or English"
    )
    filters: FiltersIn = Field(default_factory=FiltersIn)

    @field_validator("question")
    @classmethod
    def _question_not_blank(cls, value: str) -> str:
        return _not_blank(value, "query_empty")


class Highlight(BaseModel):
    """Character span of a matched query term in ``text``."""

    start: int
    end: int


class DocumentRef(DocumentFields):
    """Another document in which the same passage stands."""

    document_id: str
    page: int | None = None
    passage_id: str | None = None


class SearchResult(DocumentFields):
    """One cited passage."""

    passage_id: str = Field(description="Stable id: document id and position")
    text: str = Field(description="The passage exactly as in the (cleaned) source")
    score: float = Field(description="Fused rank score (higher is better; comparable within one response)")
    document_id: str
    page: int | None = Field(description="Page (from 1) where the passage starts")
    page_end: int | None
    section: str | None
    highlights: list[Highlight]
    also_in: list[DocumentRef] = Field(description="Other documents with the same text")
    ocr: bool = Field(default=False, description="The passage was read by OCR from a scanned page")


SUGGESTION = (
    "The query with its typing errors mended from the documents' own words, when a word of it is used by no "
    "document, is no Dutch word, and is one edit from one the documents use ('wethouer' -> 'wethouder'); "
    "null otherwise. Dutch queries only"
)


class SearchResponse(BaseModel):
    """One page of the matching passages, their total, facets and notes."""

    query: str
    language: str
    total: int = Field(description="Number of passages that match the query and filters. " + MATCH_RULE)
    offset: int = Field(description="Matching passages skipped before this page")
    top_k: int = Field(description="Page size asked for (the last page may hold fewer)")
    results: list[SearchResult] = Field(
        description="The page: matching passages in relevance order (fused ranking first, then the further "
        "matches by their fused vote over the deeper legs). A passage whose text another document also has "
        "is listed too; each names the other in also_in"
    )
    facets: dict[str, dict[str, int]] = Field(
        description="Per field (region, municipality, doc_type, year): how many of the `total` matching "
        "passages have each value. Selecting a value gives exactly that many matches; per field the counts "
        "plus facets_missing[field] add up to total"
    )
    facets_missing: dict[str, int] = Field(
        description="Per facet field: matching passages without a value (e.g. a regional document has no "
        "municipality)"
    )
    notes: list[str] = Field(
        description="Messages for the user, e.g. unknown filter values (in the query's language)"
    )
    suggestion: str | None = Field(default=None, description=SUGGESTION)
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
    page: int | None = Field(description="Page (from 1) the quote stands on")
    quote: str = Field(description="The exact source text, on one line")
    context: str | None = Field(
        default=None, description="What the quote needs to be read: a list's lead-in, a table's header row"
    )
    start: int | None = Field(default=None, description="Offset of the quote in the passage text")
    end: int | None = Field(default=None, description="End offset of the quote in the passage text")
    also_in: list[DocumentRef] = []
    ocr: bool = Field(default=False, description="The passage was read by OCR from a scanned page")


class AskResponse(BaseModel):
    """An extractive answer, or a plain statement that the corpus does not answer the question."""

    question: str
    answer: str
    answerable: bool
    citations: list[Citation]
    language: str
    notes: list[str] = []
    suggestion: str | None = Field(default=None, description=SUGGESTION)
    timings_ms: dict[str, float]


class DocumentSummary(DocumentFields):
    """A stored document."""

    document_id: str
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


class JobFileOut(BaseModel):
    """One file of an upload job (or one document of a removal) and what became of it."""

    name: str = Field(description="The file name as stored (sanitised), or the document id of a removal")
    document_id: str | None
    status: Literal["queued", "ingested", "unchanged", "removed", "failed"]
    passages: int = Field(description="Passages written (ingested) or removed")
    reason: str | None = Field(default=None, description="Why the file failed (request language)")
    reason_code: str | None = Field(default=None, description="Machine code of the reason")
    document_url: str | None = Field(default=None, description="The stored document, once it is written")


class JobOut(BaseModel):
    """A write job: what it does and how far it got."""

    job_id: str
    kind: Literal["ingest", "remove"]
    status: Literal["queued", "running", "done", "failed"] = Field(
        description="done: the job has run (files may still have failed, see files[].status); failed: "
        "nothing could be done (every file failed, or the job itself did)"
    )
    files_total: int
    files_done: int
    passages_written: int
    errors: list[str] = Field(description="Errors of the job itself (request language)")
    files: list[JobFileOut]
    url: str = Field(description="Where to follow the job: GET this")


class ErrorResponse(BaseModel):
    """Body of every error response."""

    error: str = Field(
        description="Short machine-readable kind: invalid_request, not_found, store_unavailable"
    )
    message: str = Field(description="What went wrong, in plain Dutch (or English with Accept-Language: en)")
    details: list[dict[str, object]] = []
