"""The web interface: server-rendered Dutch pages for searching, comparing regions and reading sources.

Every page is a plain GET with its state in the URL, so a search can be bookmarked and shared. Text from the
store is never trusted as HTML: Jinja2 escapes it, and highlights are built from escaped pieces.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb_api.deps import ServicesDep, SettingsDep
from kb_api.presenters import ask_response, result_of
from kb_api.routers.documents import source_file
from kb_api.schemas import SearchResult
from kb_api.services import AnswerOutcome, SearchOutcome
from kb_core.domain import FILTER_FIELDS, FILTER_NAMES, SearchFilters
from kb_core.errors import DocumentNotFoundError, InvalidQueryError, StoreUnavailableError
from kb_core.lang import dutch_month_names

HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

REGION_A = "Noordoost-Brabant"
REGION_B = "Arnhem-Achterhoek"
EMPTY_QUERY = "Vul een vraag of zoekterm in."
STORE_DOWN = "De zoekindex is nu niet bereikbaar. Probeer het later opnieuw."
MONTHS = dutch_month_names()
EXAMPLES = (
    "Welke acties krijgen geen prioriteit?",
    "Wanneer moet de aanpak gerealiseerd zijn?",
    "Hoeveel uur beleidscapaciteit is er voor de werkgroep begroot?",
    "Wat is de rol van Veilig Thuis?",
)
COMPARE_EXAMPLES = (
    "Wat is de rol van Veilig Thuis?",
    "Hoe is de regionale samenwerking georganiseerd?",
    "Welke acties krijgen geen prioriteit?",
)
TIMELINE_EXAMPLES = ("ambitie cijfers keren geweld stoppen", "ervaringsdeskundigheid", "lokale teams")


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


def highlight(text: str, spans: list[tuple[int, int]]) -> Markup:
    """``text`` escaped, with each (start, end) character span wrapped in <mark>."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if end <= start:
            continue
        out.append(str(escape(text[pos:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def anchor_of(passage_id: str) -> str:
    """The HTML id of a passage on its document page: 'doc#0003' -> 'p-0003'."""
    tail = passage_id.rsplit("#", 1)[-1]
    return "p-" + (re.sub(r"[^A-Za-z0-9_-]", "-", tail) or "0")


def passage_url(document_id: str, passage_id: str | None = None) -> str:
    """Link to a document page, scrolled to (and highlighting) one passage when given."""
    url = f"/document/{quote(document_id, safe='')}"
    if passage_id:
        url += f"?passage={quote(passage_id, safe='')}#{anchor_of(passage_id)}"
    return url


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
        return (
            f'<a class="cite" href="{escape(passage_url(c["document_id"], c["passage_id"]))}" '
            f'aria-label="{escape(label)}">[{c["number"]}]</a>'
        )

    return Markup(re.sub(r"\[(\d+)\]", link, str(escape(answer))))


templates.env.filters["datum"] = dutch_date
templates.env.globals.update(passage_url=passage_url, anchor_of=anchor_of, highlight=highlight)


# --- page data -----------------------------------------------------------------------------------
@dataclass
class Hit:
    """A search result ready for a template: the presenter's result plus its highlighted text."""

    result: SearchResult
    text_html: Markup

    @property
    def url(self) -> str:
        """Link to the passage in its document."""
        return passage_url(self.result.document_id, self.result.passage_id)


def hits_of(outcome: SearchOutcome) -> list[Hit]:
    """The outcome's passages as template-ready hits (highlights from the presenter's spans)."""
    terms = set(outcome.query_terms)
    hits = []
    for doc in outcome.results:
        r = result_of(doc, terms)
        hits.append(Hit(r, highlight(r.text, [(h.start, h.end) for h in r.highlights])))
    return hits


def answer_of(outcome: AnswerOutcome, question: str) -> dict[str, Any]:
    """The answer for a template: the presenter's response plus the answer with linked citations."""
    body = ask_response(question, outcome)
    citations = [c.model_dump() for c in body.citations]
    # The answerer joins its quotes as '“quote” [n]'; when that holds, show one quote per line with its source.
    joined = " ".join(f"“{c['quote']}” [{c['number']}]" for c in citations)
    return {
        "answerable": body.answerable,
        "text": body.answer,
        "html": answer_html(body.answer, outcome.citations),
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
def home(
    request: Request,
    services: ServicesDep,
    q: str | None = None,
    van: str | None = None,
    tot: str | None = None,
    sort: str = "relevance",
) -> HTMLResponse:
    """Search page: with ``q`` an extractive answer with citations, then passages with facets and filters."""

    def build() -> HTMLResponse:
        summary = corpus_summary(services.catalogue.documents())
        sort_key = "date" if sort == "date" else "relevance"
        ctx: dict[str, Any] = {
            "summary": summary,
            "q": q or "",
            "searched": q is not None,
            "selected": {name: clean(request.query_params.getlist(name)) for name in FILTER_NAMES},
            "filter_fields": FILTER_FIELDS,
            "van": (van or "").strip(),
            "tot": (tot or "").strip(),
            "sort": sort_key,
            "examples": EXAMPLES,
            "message": None,
            "answer": None,
            "hits": [],
            "facets": {},
            "notes": [],
        }
        if q is None or not q.strip():
            return before_search(request, "search.html", ctx, q)
        try:
            filters = SearchFilters(
                date_from=parse_day(van, "van"), date_to=parse_day(tot, "tot"), **ctx["selected"]
            )
            outcome = services.search.search(q, top_k=10, filters=filters, sort=sort_key)
            reusable = outcome if sort_key == "relevance" else None
            answer = services.ask.answer(q, filters=filters, search_outcome=reusable)
        except InvalidQueryError as exc:
            ctx["message"] = exc.render("nl")
            return render(request, "search.html", ctx, 422)
        ctx.update(
            answer=answer_of(answer, q),
            hits=hits_of(outcome),
            facets=outcome.facets,
            notes=[n.render("nl") for n in outcome.notes if n.code != "no_results"],
        )
        return render(request, "search.html", ctx)

    return guarded(request, build)


@router.get("/document/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    services: ServicesDep,
    settings: SettingsDep,
    document_id: str,
    passage: str | None = None,
) -> HTMLResponse:
    """A document's metadata and passages in reading order; ``passage`` is highlighted and scrolled to."""

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
        has_file = source_file(settings.ingest.corpus_dir, info.get("file_name")) is not None
        rows = [
            {
                "id": p.id,
                "anchor": anchor_of(p.id),
                "page": p.meta.get("page"),
                "page_end": p.meta.get("page_end"),
                "section": p.meta.get("section"),
                "text": p.content or "",
                "cited": p.id == passage,
            }
            for p in passages
        ]
        ctx = {
            "info": info,
            "passages": rows,
            "cited": passage if any(r["cited"] for r in rows) else None,
            "file_url": f"/documents/{quote(document_id, safe='')}/file" if has_file else None,
        }
        return render(request, "document.html", ctx)

    return guarded(request, build)


@router.get("/vergelijk", response_class=HTMLResponse)
def compare(
    request: Request, services: ServicesDep, q: str | None = None, a: str = REGION_A, b: str = REGION_B
) -> HTMLResponse:
    """One question, two regions side by side: each with its answer, citations and best passages."""

    def build() -> HTMLResponse:
        summary = corpus_summary(services.catalogue.documents())
        ctx: dict[str, Any] = {
            "summary": summary,
            "q": q or "",
            "a": a,
            "b": b,
            "columns": [],
            "message": None,
            "examples": COMPARE_EXAMPLES,
        }
        if q is None or not q.strip():
            return before_search(request, "compare.html", ctx, q)
        try:
            for region in (a, b):
                filters = SearchFilters(region=[region])
                outcome = services.search.search(q, top_k=5, filters=filters)
                answer = services.ask.answer(q, filters=filters, search_outcome=outcome)
                notes = [n.render("nl") for n in outcome.notes if n.code != "no_results"]
                ctx["columns"].append(
                    {
                        "region": region,
                        "answer": answer_of(answer, q),
                        "hits": hits_of(outcome),
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
def timeline(request: Request, services: ServicesDep, q: str | None = None) -> HTMLResponse:
    """The best passages on a topic in date order, grouped by year: how policy changed over time."""

    def build() -> HTMLResponse:
        ctx: dict[str, Any] = {
            "q": q or "",
            "years": [],
            "message": None,
            "searched": q is not None,
            "examples": TIMELINE_EXAMPLES,
        }
        if q is None or not q.strip():
            return before_search(request, "timeline.html", ctx, q)
        try:
            outcome = services.search.search(q, top_k=10, sort="date")
        except InvalidQueryError as exc:
            ctx["message"] = exc.render("nl")
            return render(request, "timeline.html", ctx, 422)
        years: dict[str, list[Hit]] = {}
        for hit in hits_of(outcome):
            years.setdefault((hit.result.date or "onbekend")[:4], []).append(hit)
        ctx["years"] = list(years.items())
        ctx["total"] = len(outcome.results)
        return render(request, "timeline.html", ctx)

    return guarded(request, build)


@router.get("/documenten", response_class=HTMLResponse)
def document_list(request: Request, services: ServicesDep, settings: SettingsDep) -> HTMLResponse:
    """Every document in the knowledge base, newest first, with a link to its page and original file."""

    def build() -> HTMLResponse:
        docs = services.catalogue.documents()
        for d in docs:
            has_file = source_file(settings.ingest.corpus_dir, d.get("file_name")) is not None
            d["file_url"] = f"/documents/{quote(d['document_id'], safe='')}/file" if has_file else None
        return render(request, "documents.html", {"docs": docs, "summary": corpus_summary(docs)})

    return guarded(request, build)


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
