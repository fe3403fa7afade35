"""Document metadata: from the corpus manifest, or detected from the text when a file has none.

Every passage carries: document_id, title, municipality, region, doc_type, date (ISO) and date_int
(yyyymmdd, for range filters), so search can filter and cite without looking anything else up.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from haystack import Document, component

from kb_core.lang import months
from kb_core.lang.regions import canonical_municipality, municipality_pattern, region_of

logger = logging.getLogger(__name__)

MONTHS = months()

DOC_TYPES = ("raadsinformatiebrief", "raadsmemo", "toezeggingenlijst", "regiovisie", "koersplan", "memo")

_DATE_WORDS = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{4})\b", re.IGNORECASE
)
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_NUMERIC = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")
_LABELLED_DATE = re.compile(r"^\s*\**\s*datum\b[\s:]*(.*)$", re.IGNORECASE | re.MULTILINE)
_SUBJECT = re.compile(r"^\s*\**\s*(onderwerp|betreft)\b\s*:*\s*:?\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_GEMEENTE = re.compile(r"\bgemeente\s+", re.IGNORECASE)
_MUNICIPALITY = municipality_pattern()
_OTHER_GEMEENTE = re.compile(
    r"\bgemeente\s+((?:['’]s-)?[A-Z][\w'’-]+(?:\s+(?:aan|op|in|van|den|de)?\s*[A-Z][\w'’-]+)?)"
)
_DOC_TYPE_PATTERNS = {
    "raadsinformatiebrief": re.compile(r"raadsinformatiebrief", re.IGNORECASE),
    "raadsmemo": re.compile(r"raadsmemo", re.IGNORECASE),
    "toezeggingenlijst": re.compile(r"toezegging(en)?(lijst)?\b", re.IGNORECASE),
    "regiovisie": re.compile(r"regiovisie", re.IGNORECASE),
    "koersplan": re.compile(r"koersplan", re.IGNORECASE),
    "memo": re.compile(r"^\s*memo\b", re.IGNORECASE | re.MULTILINE),
}
HEAD_CHARS = 2500


@dataclass(frozen=True)
class DocumentInfo:
    """The metadata of one source document."""

    document_id: str
    title: str
    municipality: str | None
    region: str | None
    doc_type: str | None
    date: str | None
    metadata_source: str = "manifest"

    def to_meta(self) -> dict[str, Any]:
        """Flat metadata for Documents and Qdrant payloads (date_int/year for range filters)."""
        meta: dict[str, Any] = {
            "document_id": self.document_id,
            "title": self.title,
            "municipality": self.municipality,
            "region": self.region,
            "doc_type": self.doc_type,
            "date": self.date,
            "metadata_source": self.metadata_source,
        }
        if self.date:
            meta["date_int"] = int(self.date.replace("-", ""))
            meta["year"] = int(self.date[:4])
        return meta


def slugify(text: str) -> str:
    """A lower-case id made of letters, digits and hyphens."""
    from kb_core.text.analysis import fold

    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "document"


class ManifestError(ValueError):
    """The corpus manifest is missing fields or cannot be parsed."""


def load_manifest(path: Path) -> dict[str, DocumentInfo]:
    """Manifest entries by document_id; an absent manifest gives an empty mapping."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["documents"] if isinstance(data, dict) else data
        infos = {}
        for entry in entries:
            info = DocumentInfo(
                document_id=entry["document_id"],
                title=entry["title"],
                municipality=entry.get("municipality"),
                region=entry.get("region") or region_of(entry.get("municipality")),
                doc_type=entry.get("doc_type"),
                date=entry.get("date"),
            )
            if info.date:
                date.fromisoformat(info.date)
            infos[info.document_id] = info
        return infos
    except (ValueError, KeyError, TypeError) as exc:
        raise ManifestError(f"{path}: invalid manifest: {exc}") from exc


def _valid_date(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _first_date(text: str) -> str | None:
    for regex, order in ((_DATE_WORDS, "dmy_word"), (_DATE_ISO, "ymd"), (_DATE_NUMERIC, "dmy")):
        for m in regex.finditer(text):
            if order == "dmy_word":
                found = _valid_date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
            elif order == "ymd":
                found = _valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            else:
                found = _valid_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            if found:
                return found
    return None


def detect_date(text: str) -> str | None:
    """The document date: a 'Datum' line (same or next lines) first, else the first full date near the top."""
    head = text[:HEAD_CHARS]
    for m in _LABELLED_DATE.finditer(head):
        found = _first_date(head[m.start(1) : m.start(1) + 200])
        if found:
            return found
    return _first_date(head)


def detect_municipality(text: str) -> str | None:
    """The municipality that wrote the document: 'gemeente X' near the top, else the most named one."""
    head = text[:HEAD_CHARS]
    counts: Counter[str] = Counter()
    for m in _GEMEENTE.finditer(head):
        found = _MUNICIPALITY.match(head, m.end())
        if found:
            name = canonical_municipality(found.group(1))
            if name:
                counts[name] += 3
    for m in _MUNICIPALITY.finditer(head):
        name = canonical_municipality(m.group(1))
        if name:
            counts[name] += 1
    if counts:
        return counts.most_common(1)[0][0]
    # A municipality outside the region table: "gemeente Heusden" still names it (its region stays unknown).
    other = _OTHER_GEMEENTE.search(head)
    return other.group(1) if other else None


def detect_region(text: str, municipality: str | None) -> str | None:
    """The region of the municipality, else the region named most often in the text."""
    region = region_of(municipality)
    if region:
        return region
    from kb_core.lang.regions import REGION_ALIASES

    counts: Counter[str] = Counter()
    lowered = text.lower()
    for alias, canonical in REGION_ALIASES.items():
        if len(alias) > 3:
            counts[canonical] += lowered.count(alias)
    best = counts.most_common(1)
    return best[0][0] if best and best[0][1] > 0 else None


def detect_doc_type(text: str) -> str | None:
    """The first document-type word (raadsinformatiebrief, raadsmemo, ...) found near the top."""
    head = text[:HEAD_CHARS]
    hits = [(m.start(), kind) for kind, rx in _DOC_TYPE_PATTERNS.items() if (m := rx.search(head))]
    return min(hits)[1] if hits else None


def detect_title(text: str, fallback: str) -> str:
    """'Onderwerp:'/'Betreft:' line (with its continuation), else the first substantial line."""
    head = text[:HEAD_CHARS]
    m = _SUBJECT.search(head)
    if m:
        title = m.group(2).strip(" *:")
        # A subject that wraps onto the next line (not a blank line, a salutation or another header field).
        following = (
            head[m.end() + 1 :].split("\n", 1)[0].strip(" *") if head[m.end() : m.end() + 1] == "\n" else ""
        )
        continues = (
            following
            and not title.endswith((".", ":"))
            and not following.endswith((",", ":"))
            and not following.lower().startswith(("geachte", "beste", "datum", "aan", "van", "ons kenmerk"))
            and len(title) + len(following) < 160
        )
        if continues:
            title = f"{title} {following}"
        if len(title) > 3:
            return title.strip(" *")
    for line in head.splitlines():
        words = line.strip(" *#\t").split()
        if len(words) >= 3 and not line.strip().lower().startswith(("aan", "van", "datum")):
            return " ".join(words)[:160]
    return fallback


def detect_info(text: str, fallback_id: str) -> DocumentInfo:
    """Metadata of a document that is not in the manifest, detected from its own text."""
    municipality = detect_municipality(text)
    return DocumentInfo(
        document_id=fallback_id,
        title=detect_title(text, fallback_id),
        municipality=municipality,
        region=detect_region(text, municipality),
        doc_type=detect_doc_type(text),
        date=detect_date(text),
        metadata_source="detected",
    )


@component
class MetadataEnricher:
    """Adds document metadata to each Document: the manifest entry whose id is the file's stem, or detected."""

    def __init__(self, *, manifest_path: str | None = None) -> None:
        self.manifest_path = manifest_path
        self._manifest: dict[str, DocumentInfo] | None = None

    def warm_up(self) -> None:
        """Read the manifest once."""
        if self._manifest is None:
            self._manifest = load_manifest(Path(self.manifest_path)) if self.manifest_path else {}

    def info_for(self, document: Document) -> DocumentInfo:
        """The metadata for one read Document."""
        self.warm_up()
        assert self._manifest is not None
        stem = Path(document.meta.get("file_name", "document")).stem
        if stem in self._manifest:
            return self._manifest[stem]
        return detect_info(document.content or "", slugify(stem))

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """Return the Documents with their metadata added."""
        enriched = []
        for doc in documents:
            info = self.info_for(doc)
            enriched.append(Document(content=doc.content, meta={**doc.meta, **info.to_meta()}))
        return {"documents": enriched}
