"""Typed domain objects: documents, passage metadata, filters and citations.

``FILTER_FIELDS`` is the one list of the fields a search can be narrowed by. The store's payload indexes,
the API's filter schema, the CLI's options, the web page's filters and the facets are all derived from it,
so a new filter field is declared here (and filled in by the metadata step) and nowhere else.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any


@dataclass(frozen=True)
class FilterField:
    """A metadata field a search can be narrowed by (any of several values)."""

    name: str
    label_nl: str
    label_en: str
    example: str
    cli_short: str | None = None


FILTER_FIELDS: tuple[FilterField, ...] = (
    FilterField("region", "regio", "region", "Noordoost-Brabant", "-r"),
    FilterField("municipality", "gemeente", "municipality", "Boekel", "-m"),
    FilterField("doc_type", "documenttype", "document type", "raadsinformatiebrief", "-t"),
)
FILTER_NAMES: tuple[str, ...] = tuple(f.name for f in FILTER_FIELDS)
# Integer fields for date ranges and the timeline.
RANGE_FIELDS: tuple[str, ...] = ("date_int", "year")
# Keyword fields the store indexes: the filter fields, and the document id (replace, delete, browse).
KEYWORD_FIELDS: tuple[str, ...] = ("document_id", *FILTER_NAMES)
FACET_FIELDS: tuple[str, ...] = (*FILTER_NAMES, "year")


def date_int(value: date | str) -> int:
    """A date as yyyymmdd (the integer the store filters ranges on)."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day.year * 10000 + day.month * 100 + day.day


@dataclass(frozen=True)
class DocumentInfo:
    """The metadata of one source document, as every passage of it carries it."""

    document_id: str
    title: str
    municipality: str | None = None
    region: str | None = None
    doc_type: str | None = None
    date: str | None = None
    metadata_source: str = "manifest"

    def to_meta(self) -> dict[str, Any]:
        """Flat metadata for Documents and store payloads (date_int/year for range filters)."""
        meta: dict[str, Any] = asdict(self)
        if self.date:
            meta["date_int"] = date_int(self.date)
            meta["year"] = int(self.date[:4])
        return meta


DOCUMENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(DocumentInfo))
# The fields that may be given by hand (a sidecar FILE.meta.json, ``kb ingest --municipality ...``): all but the
# document's id (its file's) and where its metadata came from.
OVERRIDABLE_FIELDS: tuple[str, ...] = tuple(
    f for f in DOCUMENT_FIELDS if f not in ("document_id", "metadata_source")
)
# What a stored file adds to its document's metadata. ``source_path`` is the absolute path the file was read
# from (recorded since ingestion stores it; older documents have none): prune and the id check compare it.
FILE_FIELDS: tuple[str, ...] = ("file_name", "file_hash", "page_count", "source_format", "source_path")


@dataclass(frozen=True)
class DocumentSummary:
    """A stored document: its metadata, file facts and passage count (the catalogue's entry)."""

    info: DocumentInfo
    passages: int
    file_name: str | None = None
    file_hash: str | None = None
    page_count: int | None = None
    source_format: str | None = None
    source_path: str | None = None

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any], passages: int) -> DocumentSummary:
        """The summary of a document from the metadata of one of its passages."""
        return cls(
            info=DocumentInfo(**{k: meta[k] for k in DOCUMENT_FIELDS if k in meta}),
            passages=passages,
            **{k: meta.get(k) for k in FILE_FIELDS},
        )

    def to_dict(self) -> dict[str, Any]:
        """Flat form: the document's fields, file facts and ``passages``."""
        return {**asdict(self.info), **{k: getattr(self, k) for k in FILE_FIELDS}, "passages": self.passages}


@dataclass(frozen=True)
class PassageMeta:
    """What a passage carries besides its text: its document, place in it and source."""

    document: DocumentInfo
    position: int
    page: int | None = None
    page_end: int | None = None
    section: str | None = None

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> PassageMeta:
        """Read a passage's flat metadata."""
        return cls(
            document=DocumentInfo(**{k: meta[k] for k in DOCUMENT_FIELDS if k in meta}),
            position=int(meta.get("position", 0)),
            page=meta.get("page"),
            page_end=meta.get("page_end"),
            section=meta.get("section"),
        )


def quote_page(meta: Mapping[str, Any], offset: int) -> int | None:
    """The page of the character at ``offset`` in a passage (its flat metadata): the page it starts on, plus
    one for each of its ``page_breaks`` (offsets in its text) before ``offset``. A store ingested before page
    breaks were kept has none, so its quotes are cited at the passage's first page."""
    page = meta.get("page")
    if page is None:
        return None
    return int(page) + bisect_left(sorted(meta.get("page_breaks") or ()), offset)


# The fields of a document that a reference to it ("also in", a citation) shows.
REFERENCE_FIELDS: tuple[str, ...] = ("document_id", "title", "municipality", "region", "date", "page")


class SearchFilters:
    """What the user narrowed a search to: values per filter field (any of them) and a date range.

    ``SearchFilters(region=["Noordoost-Brabant"], date_from=date(2023, 1, 1))``; a field left out, or an empty
    list, means 'any'. Only the names in ``FILTER_FIELDS`` are accepted.
    """

    __slots__ = ("date_from", "date_to", "values")

    def __init__(
        self, *, date_from: date | None = None, date_to: date | None = None, **values: Iterable[str] | None
    ) -> None:
        unknown = set(values) - set(FILTER_NAMES)
        if unknown:
            raise TypeError(f"unknown filter field(s): {', '.join(sorted(unknown))}")
        self.values: dict[str, list[str]] = {name: list(values.get(name) or []) for name in FILTER_NAMES}
        self.date_from = date_from
        self.date_to = date_to

    def __getattr__(self, name: str) -> list[str]:
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        raise AttributeError(name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchFilters) and (self.values, self.date_from, self.date_to) == (
            other.values,
            other.date_from,
            other.date_to,
        )

    def __repr__(self) -> str:
        given = {k: v for k, v in self.values.items() if v}
        return f"SearchFilters({given}, date_from={self.date_from}, date_to={self.date_to})"

    @property
    def empty(self) -> bool:
        """True when nothing narrows the search."""
        return not any(self.values.values()) and self.date_from is None and self.date_to is None


@dataclass(frozen=True)
class Citation:
    """One quote of an answer: the exact text and where it stands."""

    number: int
    document_id: str
    passage_id: str
    title: str | None
    municipality: str | None
    region: str | None
    date: str | None
    page: int | None
    quote: str
    context: str | None = None  # the lead-in of a list item, the header row of a table row
    start: int | None = None  # where the quote stands in the passage text
    end: int | None = None
    also_in: list[dict[str, Any]] = field(default_factory=list)
    ocr: bool = False  # the quote's passage was read by OCR from a scanned page (check the original)

    def to_dict(self) -> dict[str, Any]:
        """Plain form (API, CLI, evaluation)."""
        return asdict(self)
