"""Document metadata: from the corpus manifest, or detected from the text when a file has none; given by hand
it wins over both.

Every passage carries: document_id, title, municipality, region, doc_type, date (ISO) and date_int
(yyyymmdd, for range filters), so search can filter and cite without looking anything else up.

By hand, every field of :class:`kb_core.domain.DocumentInfo` but the id and the source (``OVERRIDABLE_FIELDS``)
can be set for one file in a sidecar file next to it (``brief.pdf.meta.json``, or ``brief.meta.json``) and
for the files of one ingestion run (``kb ingest --municipality Oss ...``, passed as ``overrides``). Order,
last wins: detected or manifest, sidecar, overrides; ``metadata_source`` tells which came last
("detected", "manifest", "sidecar", "override"). A municipality given by hand brings its region along
unless the region is given too. Values are checked first (:func:`validate_overrides`): an unknown field, a
date that is no yyyy-mm-dd date or an unknown region is an :class:`InvalidMetadataError`.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from haystack import Document, component

from kb_core.domain import OVERRIDABLE_FIELDS, DocumentInfo
from kb_core.errors import InvalidMetadataError
from kb_core.lang import months
from kb_core.lang.regions import (
    REGIONS,
    canonical_municipality,
    canonical_region,
    municipality_pattern,
    region_of,
)

logger = logging.getLogger(__name__)

MONTHS = months()

DOC_TYPES = ("raadsinformatiebrief", "raadsmemo", "toezeggingenlijst", "regiovisie", "koersplan", "memo")

_DATE_WORDS = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{4})\b", re.IGNORECASE
)
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
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
SIDECAR_SUFFIX = ".meta.json"

__all__ = [
    "DOC_TYPES",
    "OVERRIDABLE_FIELDS",
    "SIDECAR_SUFFIX",
    "DocumentInfo",
    "InvalidMetadataError",
    "ManifestError",
    "MetadataEnricher",
    "apply_overrides",
    "detect_info",
    "is_sidecar",
    "load_manifest",
    "read_sidecar",
    "sidecar_for",
    "slugify",
    "validate_overrides",
]


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


def detect_date(text: str, hint: str | None = None) -> str | None:
    """The document date: a 'Datum' line (same or next lines) first, else the first full date near the top,
    else ``hint`` (a date the file's own properties state, e.g. a DOCX's creation date)."""
    head = text[:HEAD_CHARS]
    for m in _LABELLED_DATE.finditer(head):
        found = _first_date(head[m.start(1) : m.start(1) + 200])
        if found:
            return found
    found = _first_date(head)
    if found or not hint:
        return found
    try:
        return date.fromisoformat(hint[:10]).isoformat()
    except ValueError:
        return None


def detect_municipality(text: str) -> str | None:
    """The municipality that wrote the document: 'gemeente X' near the top, else the most named one."""
    head = text[:HEAD_CHARS]
    counts: Counter[str] = Counter()
    for m in _GEMEENTE.finditer(head):
        found = _MUNICIPALITY.match(head, m.end())
        if found and _written_as_name(found.group(1)):
            name = canonical_municipality(found.group(1))
            if name:
                counts[name] += 3
    for m in _MUNICIPALITY.finditer(head):
        name = canonical_municipality(m.group(1)) if _written_as_name(m.group(1)) else None
        if name:
            counts[name] += 1
    if counts:
        return counts.most_common(1)[0][0]
    # A municipality outside the region table: "gemeente Heusden" still names it (its region stays unknown).
    other = _OTHER_GEMEENTE.search(head)
    return other.group(1) if other else None


def _written_as_name(found: str) -> bool:
    """A name as written in a text holds a capital ('Grave', "'s-Hertogenbosch"); 'grave' is a word."""
    return any(ch.isupper() for ch in found)


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


def detect_title(text: str, fallback: str, hint: str | None = None) -> str:
    """'Onderwerp:'/'Betreft:' line (with its continuation), else ``hint`` (the title the file's own properties
    state: a DOCX's title, an HTML page's title), else the first substantial line."""
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
    if hint and hint.strip():
        return " ".join(hint.split())[:160]
    for line in head.splitlines():
        words = line.strip(" *#\t").split()
        if len(words) >= 3 and not line.strip().lower().startswith(("aan", "van", "datum")):
            return " ".join(words)[:160]
    return fallback


def detect_info(
    text: str, fallback_id: str, *, title_hint: str | None = None, date_hint: str | None = None
) -> DocumentInfo:
    """Metadata of a document that is not in the manifest, detected from its own text (and the title and
    date its file's properties state, where the text names none)."""
    municipality = detect_municipality(text)
    return DocumentInfo(
        document_id=fallback_id,
        title=detect_title(text, fallback_id, title_hint),
        municipality=municipality,
        region=detect_region(text, municipality),
        doc_type=detect_doc_type(text),
        date=detect_date(text, date_hint),
        metadata_source="detected",
    )


# --- metadata given by hand -----------------------------------------------------------------------------


def validate_overrides(values: Mapping[str, Any], *, origin: str) -> dict[str, str | None]:
    """Checked and normalised metadata given by hand (``origin`` names where, for the error message).

    Keys must be in ``OVERRIDABLE_FIELDS``; values are text, or None for "no value" (not for the title).
    A date must be yyyy-mm-dd; a region one of the known regions (any spelling); a known municipality gets
    its canonical name (a former one the municipality it merged into: 'Uden' -> 'Maashorst'); a document type
    is lower case.
    """
    checked: dict[str, str | None] = {}
    for key, raw in values.items():
        if key not in OVERRIDABLE_FIELDS:
            raise InvalidMetadataError(
                "metadata_unknown_field", field=key, origin=origin, allowed=", ".join(OVERRIDABLE_FIELDS)
            )
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if key == "title":
                raise InvalidMetadataError("metadata_title_required", origin=origin)
            if raw is not None:
                raise InvalidMetadataError("metadata_invalid_value", field=key, origin=origin, value='""')
            checked[key] = None
            continue
        if not isinstance(raw, str):
            raise InvalidMetadataError(
                "metadata_invalid_value", field=key, origin=origin, value=json.dumps(raw)
            )
        value = " ".join(raw.split())
        if key == "date":
            if not _ISO_DAY.fullmatch(value) or _valid_date(*map(int, value.split("-"))) is None:
                raise InvalidMetadataError("metadata_invalid_date", field=key, origin=origin, value=value)
        elif key == "region":
            region = canonical_region(value)
            if region is None:
                raise InvalidMetadataError(
                    "metadata_unknown_region", origin=origin, value=value, known=", ".join(REGIONS)
                )
            value = region
        elif key == "municipality":
            value = canonical_municipality(value) or value
        elif key == "doc_type":
            value = value.lower()
        checked[key] = value
    return checked


def sidecar_for(path: Path) -> Path | None:
    """The sidecar metadata file of ``path``: ``brief.pdf.meta.json``, else ``brief.meta.json``, else None."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX)):
        if candidate != path and candidate.is_file():
            return candidate
    return None


def is_sidecar(path: Path) -> bool:
    """Whether ``path`` is a sidecar metadata file (never a document of its own)."""
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict[str, str | None]:
    """The checked metadata of a sidecar file (a JSON object of ``OVERRIDABLE_FIELDS``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidMetadataError("metadata_unreadable", origin=path.name, reason=str(exc)) from exc
    if not isinstance(data, dict):
        raise InvalidMetadataError(
            "metadata_unreadable", origin=path.name, reason='expected a JSON object {"field": "value"}'
        )
    return validate_overrides(data, origin=path.name)


def apply_overrides(
    info: DocumentInfo, overrides: Mapping[str, str | None], *, source: str, text: str = ""
) -> DocumentInfo:
    """``info`` with the checked ``overrides`` applied, ``metadata_source`` set to ``source``; a municipality
    given without a region brings its own region (from the table, else the region the text names)."""
    if not overrides:
        return info
    changes: dict[str, Any] = dict(overrides)
    if "municipality" in changes and "region" not in changes:
        changes["region"] = detect_region(text, changes["municipality"])
    return replace(info, **changes, metadata_source=source)


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

    def info_for(self, document: Document, overrides: Mapping[str, str | None] | None = None) -> DocumentInfo:
        """The metadata for one read Document: manifest or detected, then its sidecar file, then ``overrides``."""
        self.warm_up()
        assert self._manifest is not None
        stem = Path(document.meta.get("file_name", "document")).stem
        text = document.content or ""
        if stem in self._manifest:
            info = self._manifest[stem]
        else:
            info = detect_info(
                text,
                slugify(stem),
                title_hint=document.meta.get("source_title"),
                date_hint=document.meta.get("source_date"),
            )
        file_path = document.meta.get("file_path")
        sidecar = sidecar_for(Path(file_path)) if file_path else None
        if sidecar is not None:
            info = apply_overrides(info, read_sidecar(sidecar), source="sidecar", text=text)
        if overrides:
            info = apply_overrides(info, overrides, source="override", text=text)
        return info

    @component.output_types(documents=list[Document])
    def run(
        self, documents: list[Document], overrides: dict[str, str | None] | None = None
    ) -> dict[str, list[Document]]:
        """Return the Documents with their metadata added; ``overrides`` (checked by :func:`validate_overrides`)
        apply to every Document of this run."""
        enriched = []
        for doc in documents:
            info = self.info_for(doc, overrides)
            enriched.append(Document(content=doc.content, meta={**doc.meta, **info.to_meta()}))
        return {"documents": enriched}
