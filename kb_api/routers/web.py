"""The web interface: server-rendered Dutch pages for searching, comparing regions and reading sources.

Every page is a plain GET with its state in the URL, so a search can be bookmarked and shared. Text from the
store is never trusted as HTML: Jinja2 escapes it, and highlights are built from escaped pieces.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.metadata import DOC_TYPES
from ingest.readers import SUPPORTED_SUFFIXES
from kb_api.deps import ServicesDep, SettingsDep
from kb_api.presenters import ask_response, result_of
from kb_api.routers.documents import original_file
from kb_api.schemas import SearchResult
from kb_api.services import AnswerOutcome, MatchPage
from kb_core.domain import FILTER_FIELDS, FILTER_NAMES, OVERRIDABLE_FIELDS, SearchFilters, quote_page
from kb_core.errors import (
    DocumentNotFoundError,
    InvalidQueryError,
    KnowledgeBaseError,
    OriginalFileNotFoundError,
    StoreUnavailableError,
)
from kb_core.errors import render as render_message
from kb_core.lang import dutch_month_names
from kb_core.lang.regions import REGIONS, canonical_region

HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

# Notes the pages put in their own words (no results; a page beyond the last).
PAGE_SAYS_ITSELF = frozenset({"no_results", "offset_beyond_total", "did_you_mean"})
REGION_A = "Noordoost-Brabant"
REGION_B = "Arnhem-Achterhoek"
EMPTY_QUERY = "Vul een vraag of zoekterm in."
STORE_DOWN = "De zoekindex is nu niet bereikbaar. Probeer het later opnieuw."
MONTHS = dutch_month_names()
EXAMPLES = (
    "Welke acties krijgen geen prioriteit?",
    "Tot wanneer is de ambitie verlengd?",
    "Hoeveel uur beleidscapaciteit is er voor de werkgroep begroot?",
    "Wat is de rol van Veilig Thuis?",
)
COMPARE_EXAMPLES = (
    "Wat is de rol van Veilig Thuis?",
    "Hoe is de regionale samenwerking georganiseerd?",
    "Welke acties krijgen geen prioriteit?",
)
TIMELINE_EXAMPLES = ("ambitie cijfers keren geweld stoppen", "ervaringsdeskundigheid", "lokale teams")
PAGE_SIZES = (10, 20, 50)
COMPARE_PAGE_SIZE = 5
MAX_QUOTE_CHARS = 600
# The pages a document page may link back to ("Terug naar resultaten").
BACK_PATHS = ("/", "/tijdlijn", "/vergelijk")


# --- formatting helpers (also used by the templates) ---------------------------------------------
def dutch_date(value: str | None, short: bool = False) -> str:
    """'2026-03-09' as '9 maart 2026' ('maart 2026' when short); '' when unknown."""
    if not value:
        return ""
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{MONTHS[d.month - 1]} {d.year}" if short else f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def highlight(text: str, spans: list[tuple[int, int]], css_class: str | None = None) -> Markup:
    """``text`` escaped, with each (start, end) character span wrapped in <mark> (of ``css_class``)."""
    out: list[str] = []
    pos = 0
    open_tag = f'<mark class="{escape(css_class)}">' if css_class else "<mark>"
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if end <= start:
            continue
        out.append(str(escape(text[pos:start])))
        out.append(f"{open_tag}{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def quote_span(text: str, quoted: str | None) -> tuple[int, int] | None:
    """Where ``quoted`` stands in ``text``: exactly, else with any run of whitespace for a space."""
    words = (quoted or "").split()
    if not words:
        return None
    exact = text.find(quoted or "")
    if exact >= 0:
        return exact, exact + len(quoted or "")
    match = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (match.start(), match.end()) if match else None


def anchor_of(passage_id: str) -> str:
    """The HTML id of a passage on its document page: 'doc#0003' -> 'p-0003'."""
    tail = passage_id.rsplit("#", 1)[-1]
    return "p-" + (re.sub(r"[^A-Za-z0-9_-]", "-", tail) or "0")


def passage_url(
    document_id: str, passage_id: str | None = None, *, quote_text: str | None = None, back: str | None = None
) -> str:
    """Link to a document page, scrolled to (and highlighting) one passage when given; ``quote_text`` is the
    cited sentence to mark inside it, ``back`` the search page to return to."""
    url = f"/document/{quote(document_id, safe='')}"
    params = [("passage", passage_id)] if passage_id else []
    if passage_id and quote_text:
        params.append(("quote", quote_text[:MAX_QUOTE_CHARS]))
    if back:
        params.append(("terug", back))
    if params:
        url += "?" + urlencode(params, quote_via=quote)
    if passage_id:
        url += f"#{anchor_of(passage_id)}"
    return url


def is_pdf_format(source_format: str | None) -> bool:
    """Whether an original opens at a page ('pdf', 'pdf+ocr'); a DOCX or HTML file has no page to open at."""
    return (source_format or "").startswith("pdf")


def file_url(document_id: str, page: int | None = None) -> str:
    """Link to a document's original file, opened at ``page`` (PDF viewers read '#page=N')."""
    url = f"/documents/{quote(document_id, safe='')}/file"
    return f"{url}#page={page}" if page else url


def safe_back(value: str | None) -> str | None:
    """A 'Terug naar resultaten' target: only a search, timeline or compare page of this site."""
    if not value or len(value) > 4000 or any(c in value for c in "\\\r\n\t"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or parts.path not in BACK_PATHS:
        return None
    return value


def current_url(request: Request) -> str:
    """The request's path and query string (to come back to this page)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def url_with(request: Request, **changes: Any) -> str:
    """The current page's URL with some query parameters replaced (``None`` removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    query = urlencode(params, quote_via=quote)
    return request.url.path + (f"?{query}" if query else "")


def answer_html(answer: str, citations: list[dict[str, Any]]) -> Markup:
    """The answer escaped, with every '[n]' turned into a link to the cited passage."""
    links = {str(c["number"]): c for c in citations}

    def link(match: re.Match[str]) -> str:
        c = links.get(match.group(1))
        if c is None:
            return match.group(0)
        label = f"Bron {c['number']}: {c.get('title') or c['document_id']}"
        if c.get("page"):
            label += f", pagina {c['page']}"
        href = c.get("doc_url") or passage_url(c["document_id"], c["passage_id"])
        return f'<a class="cite" href="{escape(href)}" aria-label="{escape(label)}">[{c["number"]}]</a>'

    return Markup(re.sub(r"\[(\d+)\]", link, str(escape(answer))))


def citation_text(c: dict[str, Any], doc_type: str | None, url: str) -> str:
    """A citation as plain text to paste: quote, title, municipality, type, date, page, link."""
    place = (
        f"gemeente {c['municipality']}"
        if c.get("municipality")
        else (f"regio {c['region']}" if c.get("region") else "")
    )
    parts = [c.get("title") or c["document_id"], place, doc_type or "", dutch_date(c.get("date"))]
    if c.get("page"):
        parts.append(f"pagina {c['page']}")
    return f"“{c['quote']}”\n{', '.join(p for p in parts if p)}.\n{url}"


templates.env.filters["datum"] = dutch_date
templates.env.globals.update(
    passage_url=passage_url,
    anchor_of=anchor_of,
    highlight=highlight,
    file_url=file_url,
    PAGE_SIZES=PAGE_SIZES,
)


# --- page data -----------------------------------------------------------------------------------
@dataclass
class Hit:
    """A search result ready for a template: the presenter's result plus its highlighted text."""

    result: SearchResult
    text_html: Markup
    back: str | None = None
    rank: int = 0

    @property
    def url(self) -> str:
        """Link to the passage in its document (with the way back to this list)."""
        return passage_url(self.result.document_id, self.result.passage_id, back=self.back)


def hits_of(page: MatchPage, back: str | None = None) -> list[Hit]:
    """A page of matches as template-ready hits (highlights from the presenter's spans)."""
    terms = set(page.query_terms)
    hits = []
    for rank, doc in enumerate(page.results, start=page.offset + 1):
        r = result_of(doc, terms)
        hits.append(Hit(r, highlight(r.text, [(h.start, h.end) for h in r.highlights]), back, rank))
    return hits


@dataclass
class Pager:
    """Where a page stands in the matches: '11–20 van 57', links to the previous and next page."""

    total: int
    offset: int
    shown: int
    size: int
    prev_url: str | None
    next_url: str | None

    @property
    def first(self) -> int:
        """Number of the first passage on this page (from 1)."""
        return self.offset + 1 if self.shown else 0

    @property
    def last(self) -> int:
        """Number of the last passage on this page."""
        return self.offset + self.shown


def pager_of(request: Request, page: MatchPage, param: str = "offset", anchor: str = "") -> Pager:
    """The pager of a page of matches; its links keep every other parameter of the URL and lead to
    ``anchor`` (an element id) on the new page."""
    prev_url = next_url = None
    fragment = f"#{anchor}" if anchor else ""
    if page.offset > 0:
        prev_offset = max(0, page.offset - page.limit)
        prev_url = url_with(request, **{param: prev_offset or None}) + fragment
    if page.offset + page.limit < page.total:
        next_url = url_with(request, **{param: page.offset + page.limit}) + fragment
    return Pager(page.total, page.offset, len(page.results), page.limit, prev_url, next_url)


def answer_of(
    outcome: AnswerOutcome,
    question: str,
    *,
    request: Request | None = None,
    documents: dict[str, dict[str, Any]] | None = None,
    back: str | None = None,
) -> dict[str, Any]:
    """The answer for a template: the presenter's response plus the answer with linked citations, and per
    citation the link to the quoted sentence, to the original at its page, and the text to copy."""
    body = ask_response(question, outcome)
    citations = [c.model_dump() for c in body.citations]
    documents = documents or {}
    base = str(request.base_url).rstrip("/") if request is not None else ""
    for c in citations:
        info = documents.get(c["document_id"], {})
        c["doc_url"] = passage_url(c["document_id"], c["passage_id"], quote_text=c["quote"], back=back)
        c["opens_at_page"] = is_pdf_format(info.get("source_format"))
        page = c.get("page") if c["opens_at_page"] else None
        c["pdf_url"] = file_url(c["document_id"], page) if info.get("file_url") else None
        c["doc_type"] = info.get("doc_type")
        share = passage_url(c["document_id"], c["passage_id"], quote_text=c["quote"])
        c["copy_text"] = citation_text(c, info.get("doc_type"), base + share)
    # The answerer joins its quotes as '“quote” [n]'; when that holds, show one quote per line with its source.
    joined = " ".join(f"“{c['quote']}” [{c['number']}]" for c in citations)
    return {
        "answerable": body.answerable,
        "text": body.answer,
        "html": answer_html(body.answer, citations),
        "citations": citations,
        "as_quotes": bool(citations) and body.answer == joined,
    }


def corpus_summary(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """What is in the knowledge base (from ``service.documents()``): count, regions, municipalities, types, period."""
    dates = sorted(str(d["date"]) for d in docs if d.get("date"))

    def values(key: str) -> list[str]:
        return sorted({str(d[key]) for d in docs if d.get(key)})

    return {
        "documents": len(docs),
        "regions": values("region"),
        "values": {name: values(name) for name in FILTER_NAMES},
        "first": dates[0] if dates else None,
        "last": dates[-1] if dates else None,
    }


def parse_day(value: str | None, label: str) -> date | None:
    """A yyyy-mm-dd form value as a date; InvalidQueryError with a Dutch message otherwise."""
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidQueryError("invalid_date", value=value.strip()[:40], name=label) from None


def clean(values: list[str]) -> list[str]:
    """Non-empty, stripped, de-duplicated form values (order kept)."""
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def parse_offset(value: str | None) -> int:
    """A page offset from the URL: a whole number from 0 (anything else is the first page)."""
    try:
        return max(0, min(int(value or 0), 100_000))
    except ValueError:
        return 0


def parse_size(value: str | None) -> int:
    """A page size from the URL: one of PAGE_SIZES (anything else is the first of them)."""
    try:
        size = int(value or 0)
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


@dataclass
class SearchForm:
    """What a search, timeline or export URL asks for: query, filters, dates, order, page."""

    q: str | None
    selected: dict[str, list[str]]
    van: str
    tot: str
    sort: str
    offset: int
    size: int

    @classmethod
    def read(cls, request: Request, default_sort: str = "relevance") -> SearchForm:
        """Read the form from the query string (filter fields may repeat)."""
        params = request.query_params
        sort = params.get("sort", default_sort)
        return cls(
            q=params.get("q"),
            selected={name: clean(params.getlist(name)) for name in FILTER_NAMES},
            van=(params.get("van") or "").strip(),
            tot=(params.get("tot") or "").strip(),
            sort="date" if sort == "date" else "relevance",
            offset=parse_offset(params.get("offset")),
            size=parse_size(params.get("aantal")),
        )

    @property
    def filtered(self) -> bool:
        """True when a filter or a date narrows the search."""
        return any(self.selected.values()) or bool(self.van or self.tot)

    def filters(self) -> SearchFilters:
        """The service's filters; InvalidQueryError for a bad date."""
        return SearchFilters(
            date_from=parse_day(self.van, "van"), date_to=parse_day(self.tot, "tot"), **self.selected
        )

    def context(self) -> dict[str, Any]:
        """The template values of the form."""
        return {
            "q": self.q or "",
            "searched": self.q is not None,
            "selected": self.selected,
            "filter_fields": FILTER_FIELDS,
            "van": self.van,
            "tot": self.tot,
            "sort": self.sort,
            "size": self.size,
        }


def documents_by_id(services: Any, settings: Any) -> dict[str, dict[str, Any]]:
    """Every stored document's metadata by id, with ``file_url`` when its original file is available."""
    docs = {}
    for d in services.catalogue.documents():
        has_file = original_file(settings, d["document_id"], d) is not None
        docs[d["document_id"]] = {**d, "file_url": file_url(d["document_id"]) if has_file else None}
    return docs


# --- rendering -----------------------------------------------------------------------------------
def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """A template rendered with the common context (current path for the navigation)."""
    context = {"path": request.url.path, **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def before_search(request: Request, name: str, context: dict[str, Any], q: str | None) -> HTMLResponse:
    """A search page without results: the examples when nothing was asked, a message for an empty query."""
    if q is not None:
        context["message"] = EMPTY_QUERY
    return render(request, name, context)


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    """A friendly Dutch error page."""
    return render(request, "error.html", {"title": title, "message": message}, status_code)


def guarded(request: Request, build: Callable[[], HTMLResponse]) -> HTMLResponse:
    """Run a page builder; an unreachable store becomes a 503 page instead of a stack trace."""
    try:
        return build()
    except StoreUnavailableError:
        response = error_page(request, 503, "Zoekindex niet bereikbaar", STORE_DOWN)
        response.headers["Retry-After"] = "30"
        return response


# --- pages ---------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, settings: SettingsDep) -> HTMLResponse:
    """Search page: with ``q`` an extractive answer with citations, then one page of the matching passages
    with their total, facet counts and filters (``offset``, ``aantal`` page through them)."""

    def build() -> HTMLResponse:
        form = SearchForm.read(request)
        documents = documents_by_id(services, settings)
        ctx: dict[str, Any] = {
            **form.context(),
            "summary": corpus_summary(list(documents.values())),
            "examples": EXAMPLES,
            "message": None,
            "answer": None,
            "hits": [],
            "facets": {},
            "missing": {},
            "notes": [],
            "pager": None,
            "export_query": "",
        }
        q = form.q
        if q is None or not q.strip():
            return before_search(request, "search.html", ctx, q)
        back = current_url(request)
        try:
            filters = form.filters()
            page = services.search.matches(
                q, offset=form.offset, limit=form.size, filters=filters, sort=form.sort
            )
            answer = None
            if form.offset == 0:
                reusable = page.ranking if form.sort == "relevance" else None
                answer = services.ask.answer(q, filters=filters, search_outcome=reusable)
        except InvalidQueryError as exc:
            ctx["message"] = exc.render("nl")
            return render(request, "search.html", ctx, 422)
        ctx.update(
            answer=answer_of(answer, q, request=request, documents=documents, back=back) if answer else None,
            hits=hits_of(page, back),
            facets=page.facets,
            missing=page.missing,
            pager=pager_of(request, page),
            first_page_url=url_with(request, offset=None),
            export_query=export_query(request),
            notes=[n.render("nl") for n in page.notes if n.code not in PAGE_SAYS_ITSELF],
            **suggestion_context(request, page.suggestion),
        )
        return render(request, "search.html", ctx)

    return guarded(request, build)


def suggestion_context(request: Request, suggestion: str | None) -> dict[str, Any]:
    """The spelling suggestion of a page and the same page for the mended query (filters kept, first page)."""
    if not suggestion:
        return {"suggestion": None, "suggestion_url": None}
    offsets = {k: None for k in request.query_params if k.startswith("offset")}
    return {"suggestion": suggestion, "suggestion_url": url_with(request, q=suggestion, **offsets)}


def export_query(request: Request) -> str:
    """The query string of an export of the current list (without paging)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "aantal")]
    return urlencode(params, quote_via=quote)


@router.get("/document/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    services: ServicesDep,
    settings: SettingsDep,
    document_id: str,
    passage: str | None = None,
    quote: str | None = None,
    terug: str | None = None,
) -> HTMLResponse:
    """A document's metadata and passages in reading order; ``passage`` is highlighted and scrolled to, and
    ``quote`` (the cited sentence) marked inside it; ``terug`` is the search page to return to."""

    def build() -> HTMLResponse:
        try:
            info, passages = services.catalogue.document(document_id)
        except DocumentNotFoundError:
            return error_page(
                request,
                404,
                "Document niet gevonden",
                "Dit document staat niet in de kennisbank. Kies een document uit de lijst met documenten.",
            )
        has_file = original_file(settings, document_id, info) is not None
        rows = []
        cited_page = None
        quote_found = quote_page_known = False
        opens_at_page = is_pdf_format(info.get("source_format"))
        for p in passages:
            text = p.content or ""
            cited = p.id == passage
            span = quote_span(text, quote[:MAX_QUOTE_CHARS] if quote else None) if cited else None
            if cited:
                cited_page = quote_page(p.meta, span[0]) if span else p.meta.get("page")
                quote_found = span is not None
                # The quote's own page is known when the passage keeps its page breaks or has one page.
                quote_page_known = quote_found and bool(
                    p.meta.get("page_breaks") or p.meta.get("page") == p.meta.get("page_end")
                )
            rows.append(
                {
                    "id": p.id,
                    "anchor": anchor_of(p.id),
                    "page": p.meta.get("page"),
                    "page_end": p.meta.get("page_end"),
                    "section": p.meta.get("section"),
                    "text": text,
                    "text_html": highlight(text, [span], "quote") if span else None,
                    "cited": cited,
                }
            )
        ctx = {
            "info": info,
            "passages": rows,
            "cited": passage if any(r["cited"] for r in rows) else None,
            "quote_found": quote_found,
            "cited_page": cited_page if opens_at_page else None,
            "quote_page_known": quote_page_known,
            "file_url": file_url(document_id, cited_page if opens_at_page else None) if has_file else None,
            "back_url": safe_back(terug),
        }
        return render(request, "document.html", ctx)

    return guarded(request, build)


@router.get("/vergelijk", response_class=HTMLResponse)
def compare(
    request: Request,
    services: ServicesDep,
    settings: SettingsDep,
    q: str | None = None,
    a: str = REGION_A,
    b: str = REGION_B,
) -> HTMLResponse:
    """One question, two regions side by side: each with its answer, citations and matching passages, each
    column paged on its own (``offset_a``, ``offset_b``)."""

    def build() -> HTMLResponse:
        documents = documents_by_id(services, settings)
        ctx: dict[str, Any] = {
            "summary": corpus_summary(list(documents.values())),
            "q": q or "",
            "a": a,
            "b": b,
            "columns": [],
            "message": None,
            "examples": COMPARE_EXAMPLES,
        }
        if q is None or not q.strip():
            return before_search(request, "compare.html", ctx, q)
        back = current_url(request)
        if (canonical_region(a) or a).lower() == (canonical_region(b) or b).lower():
            ctx["message"] = render_message("compare_same_region", {"region": a}, "nl")
            return render(request, "compare.html", ctx, 422)
        regions = ctx["summary"]["regions"]
        unknown = [r for r in (a, b) if services.catalogue.stored_region(r) is None]
        if unknown:
            # A region the knowledge base does not hold ("Utrecht" in the address) has no column to show.
            ctx["message"] = render_message(
                "unknown_filter_value",
                {
                    "field_nl": "regio",
                    "field_en": "region",
                    "value": unknown[0][:80],
                    "known": ", ".join(regions),
                },
                "nl",
            )
            ctx["a"], ctx["b"] = (a if a not in unknown else REGION_A), (b if b not in unknown else REGION_B)
            return render(request, "compare.html", ctx, 422)
        try:
            for key, region in (("a", a), ("b", b)):
                param = f"offset_{key}"
                filters = SearchFilters(region=[region])
                page = services.search.matches(
                    q,
                    offset=parse_offset(request.query_params.get(param)),
                    limit=COMPARE_PAGE_SIZE,
                    filters=filters,
                    answer_top_k=COMPARE_PAGE_SIZE,
                )
                answer = services.ask.answer(q, filters=filters, search_outcome=page.ranking)
                notes = [n.render("nl") for n in page.notes if n.code not in PAGE_SAYS_ITSELF]
                ctx.update(suggestion_context(request, page.suggestion))
                ctx["columns"].append(
                    {
                        "key": key,
                        "region": region,
                        "answer": answer_of(answer, q, request=request, documents=documents, back=back),
                        "hits": hits_of(page, back),
                        # Paging one column returns to that column, not to the top of the page.
                        "pager": pager_of(request, page, param, f"passages-{key}"),
                        "first_page_url": url_with(request, **{param: None}) + f"#passages-{key}",
                        "notes": notes,
                    }
                )
        except InvalidQueryError as exc:
            ctx["columns"] = []
            ctx["message"] = exc.render("nl")
            return render(request, "compare.html", ctx, 422)
        return render(request, "compare.html", ctx)

    return guarded(request, build)


@router.get("/tijdlijn", response_class=HTMLResponse)
def timeline(request: Request, services: ServicesDep, settings: SettingsDep) -> HTMLResponse:
    """The matching passages on a topic, with the search's filters, a page at a time (the best first), each
    page in date order and grouped by year: how policy changed over time."""

    def build() -> HTMLResponse:
        form = SearchForm.read(request, default_sort="date")
        documents = documents_by_id(services, settings)
        ctx: dict[str, Any] = {
            **form.context(),
            "summary": corpus_summary(list(documents.values())),
            "years": [],
            "message": None,
            "examples": TIMELINE_EXAMPLES,
            "facets": {},
            "missing": {},
            "notes": [],
            "pager": None,
        }
        q = form.q
        if q is None or not q.strip():
            return before_search(request, "timeline.html", ctx, q)
        try:
            page = services.search.matches(
                q, offset=form.offset, limit=form.size, filters=form.filters(), sort="date"
            )
        except InvalidQueryError as exc:
            ctx["message"] = exc.render("nl")
            return render(request, "timeline.html", ctx, 422)
        years: dict[str, list[Hit]] = {}
        for hit in hits_of(page, current_url(request)):
            years.setdefault((hit.result.date or "onbekend")[:4], []).append(hit)
        ctx.update(
            years=list(years.items()),
            total=page.total,
            facets=page.facets,
            missing=page.missing,
            pager=pager_of(request, page),
            first_page_url=url_with(request, offset=None),
            notes=[n.render("nl") for n in page.notes if n.code not in PAGE_SAYS_ITSELF],
            **suggestion_context(request, page.suggestion),
        )
        return render(request, "timeline.html", ctx)

    return guarded(request, build)


@router.get("/documenten", response_class=HTMLResponse)
def document_list(request: Request, services: ServicesDep, settings: SettingsDep) -> HTMLResponse:
    """Every document in the knowledge base, newest first, with a link to its page and original file."""

    def build() -> HTMLResponse:
        docs = list(documents_by_id(services, settings).values())
        return render(request, "documents.html", {"docs": docs, "summary": corpus_summary(docs)})

    return guarded(request, build)


FIELD_LABELS = {f.name: f.label_nl.capitalize() for f in FILTER_FIELDS} | {"title": "Titel", "date": "Datum"}


@router.get("/toevoegen", response_class=HTMLResponse)
def add_documents_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """Add documents: file picker, optional metadata (the fields that may be given by hand), the API key
    kept for the browser session; the upload and its progress run in app.js (POST /documents, /jobs). A server
    without an API key takes no writes: the page says so before anyone fills in the form."""
    examples = {f.name: f.example for f in FILTER_FIELDS} | {"title": "Raadsinformatiebrief aanpak ViA"}
    options = {"region": sorted(REGIONS), "doc_type": list(DOC_TYPES)}
    fields = [
        {
            "name": name,
            "label": FIELD_LABELS.get(name, name),
            "example": examples.get(name),
            "options": options.get(name),
        }
        for name in OVERRIDABLE_FIELDS
    ]
    suffixes = sorted(SUPPORTED_SUFFIXES)
    formats = ", ".join(s.lstrip(".").upper() for s in suffixes)
    disabled = None if settings.api.api_key else render_message("writes_disabled")
    context = {"fields": fields, "accept": ",".join(suffixes), "formats": formats, "disabled": disabled}
    return render(request, "add.html", context)


# --- export --------------------------------------------------------------------------------------
EXPORT_FIELDS = (
    "rank",
    "passage_id",
    "document_id",
    "title",
    "municipality",
    "region",
    "doc_type",
    "date",
    "page",
    "page_end",
    "section",
    "score",
    "text",
    "also_in",
    "url",
    "file_url",
)
# A spreadsheet runs a cell that starts with one of these as a formula; such cells get a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_rows(request: Request, services: Any, settings: Any) -> tuple[MatchPage, list[dict[str, Any]]]:
    """Every matching passage of the URL's search (up to ``api.max_export_rows``) as export rows."""
    form = SearchForm.read(request)
    if form.q is None or not form.q.strip():
        raise InvalidQueryError("query_empty")
    page = services.search.matches(
        form.q, offset=0, limit=settings.api.max_export_rows, filters=form.filters(), sort=form.sort
    )
    documents = documents_by_id(services, settings)
    base = str(request.base_url).rstrip("/")
    rows = []
    for rank, hit in enumerate(hits_of(page), start=1):
        r = hit.result
        doc = documents.get(r.document_id, {})
        rows.append(
            {
                "rank": rank,
                "passage_id": r.passage_id,
                "document_id": r.document_id,
                "title": r.title,
                "municipality": r.municipality,
                "region": r.region,
                "doc_type": r.doc_type,
                "date": r.date,
                "page": r.page,
                "page_end": r.page_end,
                "section": r.section,
                "score": r.score,
                "text": r.text,
                "also_in": [ref.document_id for ref in r.also_in],
                "url": base + passage_url(r.document_id, r.passage_id),
                "file_url": base + file_url(r.document_id, r.page) if doc.get("file_url") else None,
            }
        )
    return page, rows


def _export_name(q: str, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", q.lower()).strip("-")[:40] or "zoekopdracht"
    return f"via-kennisbank-{slug}.{extension}"


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6f}".replace(".", ",")  # Dutch Excel's decimal mark
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def _export_error(request: Request, exc: InvalidQueryError) -> Response:
    """An export that cannot be made: a Dutch page for a browser, plain text for a script."""
    if _wants_html(request):
        return error_page(request, 422, "Exporteren lukt niet", exc.render("nl"))
    return Response(exc.render("nl") + "\n", status_code=422, media_type="text/plain; charset=utf-8")


@router.get("/export.csv")
def export_csv(request: Request, services: ServicesDep, settings: SettingsDep) -> Response:
    """The matching passages of a search (same parameters as the search page) as CSV: a header row,
    UTF-8 with BOM (Excel), every match up to ``api.max_export_rows``, not just one page."""
    try:
        page, rows = export_rows(request, services, settings)
    except InvalidQueryError as exc:
        return _export_error(request, exc)
    out = io.StringIO()
    # Excel with Dutch settings reads ";" as the list separator (a comma is its decimal mark).
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        writer.writerow([_csv_cell(row[f]) for f in EXPORT_FIELDS])
    name = _export_name(request.query_params.get("q", ""), "csv")
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Total-Matches": str(page.total),
            "X-Exported-Rows": str(len(rows)),
        },
    )


@router.get("/export.json")
def export_json(request: Request, services: ServicesDep, settings: SettingsDep) -> Response:
    """The same export as JSON: the query, filters, total and one object per passage with the CSV's fields."""
    try:
        page, rows = export_rows(request, services, settings)
    except InvalidQueryError as exc:
        return _export_error(request, exc)
    form = SearchForm.read(request)
    body = {
        "query": form.q,
        "filters": {**{k: v for k, v in form.selected.items() if v}, "van": form.van, "tot": form.tot},
        "sort": form.sort,
        "total": page.total,
        "exported": len(rows),
        "fields": list(EXPORT_FIELDS),
        "results": rows,
    }
    name = _export_name(form.q or "", "json")
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- mounting ------------------------------------------------------------------------------------
def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def mount(app: FastAPI) -> None:
    """Add the web pages and /static to the app; browsers get a Dutch 404 page for unknown addresses."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    json_handler = app.exception_handlers.get(StarletteHTTPException)

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404 and _wants_html(request):
            return error_page(
                request, 404, "Pagina niet gevonden", "Deze pagina bestaat niet. Ga terug naar Zoeken."
            )
        if json_handler is None:  # pragma: no cover - handlers.py always registers one
            raise exc
        response = json_handler(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(StarletteHTTPException, not_found)
    domain_handler = app.exception_handlers.get(KnowledgeBaseError)

    async def missing_document(request: Request, exc: Exception) -> Response:
        # A browser following a link to a document or original file that is gone gets a page, not JSON.
        assert isinstance(exc, KnowledgeBaseError)
        if isinstance(exc, DocumentNotFoundError | OriginalFileNotFoundError) and _wants_html(request):
            return error_page(request, 404, "Document niet gevonden", exc.render("nl"))
        if domain_handler is None:  # pragma: no cover - handlers.py always registers one
            raise exc
        response = domain_handler(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(KnowledgeBaseError, missing_document)
