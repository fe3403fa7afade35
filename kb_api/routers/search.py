"""Search and question answering."""

from __future__ import annotations

from fastapi import APIRouter

from kb_api.deps import AskDep, SearchDep
from kb_api.presenters import ask_response, search_response
from kb_api.schemas import AskRequest, AskResponse, ErrorResponse, SearchRequest, SearchResponse

router = APIRouter(tags=["search"])
ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorResponse, "description": "Invalid query or filters"},
    503: {"model": ErrorResponse, "description": "Search store unavailable"},
}


@router.post("/search", response_model=SearchResponse, responses=ERRORS)
def search(body: SearchRequest, service: SearchDep) -> SearchResponse:
    """Hybrid (dense + Dutch lexical) search with filters: one page of the matching passages, their total,
    facet counts of the same passages, and notes.

    Page with ``offset`` and ``top_k``: every matching passage comes exactly once as ``offset`` walks
    0, top_k, 2*top_k, ... below ``total``. ``sort: "date"`` shows each page in document date order, to
    follow a topic through policy history.
    """
    page = service.matches(
        body.query,
        offset=body.offset,
        limit=body.top_k,
        filters=body.filters.to_domain(),
        sort=body.sort,
    )
    return search_response(body.query, page)


@router.post("/ask", response_model=AskResponse, responses=ERRORS)
def ask(body: AskRequest, service: AskDep) -> AskResponse:
    """An extractive answer made of quoted source sentences, or ``answerable: false`` when nothing answers."""
    outcome = service.answer(body.question, filters=body.filters.to_domain())
    return ask_response(body.question, outcome)
