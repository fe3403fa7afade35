"""Turn service outcomes into API schemas (shared by the JSON API, the web pages and the CLI's --json)."""

from __future__ import annotations

from typing import Any

from haystack import Document

from kb_api.schemas import (
    AskResponse,
    Citation,
    DocumentRef,
    DocumentSummary,
    Highlight,
    JobFileOut,
    JobOut,
    SearchResponse,
    SearchResult,
)
from kb_api.services import AnswerOutcome, MatchPage
from kb_api.services.jobs import Job
from kb_core.domain import FILTER_NAMES
from kb_core.errors import Language
from kb_core.text.analysis import match_spans


def result_of(doc: Document, query_terms: set[str]) -> SearchResult:
    """A passage as a cited search result."""
    meta = doc.meta
    text = doc.content or ""
    return SearchResult(
        passage_id=doc.id,
        text=text,
        score=round(float(doc.score or 0.0), 6),
        document_id=meta.get("document_id", ""),
        title=meta.get("title"),
        date=meta.get("date"),
        **{name: meta.get(name) for name in FILTER_NAMES},
        page=meta.get("page"),
        page_end=meta.get("page_end"),
        section=meta.get("section"),
        highlights=[Highlight(start=s, end=e) for s, e in match_spans(text, query_terms)],
        also_in=[DocumentRef(**ref) for ref in meta.get("also_in", [])],
        ocr=bool(meta.get("ocr")),
    )


def search_response(query: str, page: MatchPage) -> SearchResponse:
    """The /search response body: one page of the matching passages."""
    terms = set(page.query_terms)
    return SearchResponse(
        query=query,
        language=page.language,
        total=page.total,
        offset=page.offset,
        top_k=page.limit,
        results=[result_of(d, terms) for d in page.results],
        facets=page.facets,
        facets_missing=page.missing,
        notes=[note.render(_language(page.language)) for note in page.notes],
        suggestion=page.suggestion,
        timings_ms={k: round(v, 1) for k, v in page.timings_ms.items()},
    )


def _language(code: str) -> Language:
    return "en" if code == "en" else "nl"


def ask_response(question: str, outcome: AnswerOutcome) -> AskResponse:
    """The /ask response body."""
    return AskResponse(
        question=question,
        answer=outcome.answer,
        answerable=outcome.answerable,
        citations=[
            Citation(
                **{k: v for k, v in c.items() if k != "also_in"},
                also_in=[DocumentRef(**r) for r in c["also_in"]],
            )
            for c in outcome.citations
        ],
        language=outcome.language,
        notes=[note.render(_language(outcome.language)) for note in outcome.notes],
        suggestion=outcome.suggestion,
        timings_ms={k: round(v, 1) for k, v in outcome.timings_ms.items()},
    )


def document_summary(info: dict[str, Any]) -> DocumentSummary:
    """A stored document's summary."""
    return DocumentSummary(
        document_id=info["document_id"],
        title=info.get("title"),
        date=info.get("date"),
        **{name: info.get(name) for name in FILTER_NAMES},
        passages=info.get("passages", 0),
        pages=info.get("page_count"),
        file_name=info.get("file_name"),
    )


def job_out(job: Job, language: Language) -> JobOut:
    """A write job's progress, its reasons rendered in ``language``."""
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        status=job.status,
        files_total=len(job.files),
        files_done=job.files_done,
        passages_written=job.passages_written,
        errors=[note.render(language) for note in job.errors],
        files=[
            JobFileOut(
                name=f.name,
                document_id=f.document_id,
                status=f.status,
                passages=f.passages,
                reason=f.error.render(language) if f.error else None,
                reason_code=f.error.code if f.error else None,
                document_url=f"/documents/{f.document_id}"
                if f.document_id and f.status in ("ingested", "unchanged")
                else None,
            )
            for f in job.files
        ],
        url=f"/jobs/{job.id}",
    )
