"""End-to-end ingestion into a real embedded Qdrant store with the real embedder, on generated PDFs and text."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from haystack import Document
from helpers import make_encrypted_pdf, make_image_only_pdf, make_pdf, set_record_meta, squash

from ingest.cleaning import clean_text
from ingest.readers import read_source
from ingest.service import Ingestor, IngestReport, collect_files, default_sources, remove_documents
from ingest.sparse import query_sparse_vector
from ingest.store import iter_passages, open_passage_store, opened_store, stored_documents
from ingest.stores import point_id
from ingest.stores.base import PASSAGES as PASSAGES_KIND
from kb_core.errors import StoreUnavailableError
from kb_core.settings import Settings
from kb_core.text.analysis import terms

MakePdf = Callable[[Path, list[list[str]]], Path]
pytestmark = pytest.mark.filterwarnings("ignore:Payload indexes have no effect:UserWarning")

# --- the sources ------------------------------------------------------------------------------------
# A raadsinformatiebrief that the (test) manifest knows; every page opens with a numbered heading, so each
# page starts a passage and the page of every passage is known exactly.
BRIEF_ID = "boekel-2026-brief-test"
BRIEF_PAGES = [
    [
        "Raadsinformatiebrief",
        "Datum: 9 maart 2026",
        "Onderwerp: Toekomstbeeld aanpak geweld in afhankelijkheidsrelaties",
        "1 Aanleiding",
        "Met deze brief informeren wij u over de regionale en lokale ontwikkelingen rondom de aanpak",
        "van geweld in afhankelijkheidsrelaties. Het onderzoek van het Verwey-Jonker instituut liet zien",
        "dat het bij zeventig procent van de gezinnen niet lukt om het geweld duurzaam te stoppen.",
    ],
    [
        "2 Specifieke doelgroepen",
        "Ouderen, mensen met een licht verstandelijke beperking en jongeren zoeken minder snel hulp",
        "bij geweld thuis. Voor deze doelgroepen ontwikkelen de gemeenten samen met Veilig Thuis een",
        "gerichte aanpak met voorlichting op scholen en in buurthuizen van de kernen van Boekel.",
    ],
    [
        "3 Financiën",
        "De gemeenten dragen naar inwonertal bij aan de regionale aanpak. De bijdrage van Boekel",
        "bedraagt vijfduizend vijfhonderd achttien euro per jaar voor de gehele looptijd van het plan.",
        "Boekel 11030 1,78% € 0,00 € 5.518,00",
    ],
]
BRIEF_MANIFEST_ENTRY = {
    "document_id": BRIEF_ID,
    "title": "Toekomstbeeld aanpak ViA Boekel (testbrief)",
    "municipality": "Boekel",
    "region": "Noordoost-Brabant",
    "doc_type": "raadsinformatiebrief",
    "date": "2026-03-09",
    "file": f"bronnen/{BRIEF_ID}.pdf",
}

# A regiovisie that is not in the manifest: its metadata is detected from the text.
VISIE_ID = "regiovisie-zevenaar"
VISIE_PAGES = [
    [
        "Regiovisie Samen Veilig Arnhem-Achterhoek",
        "Datum: 27 februari 2024",
        "1 Inleiding",
        "Deze regiovisie is opgesteld door de gemeenten in de regio. In gemeente Zevenaar werken de",
        "wijkteams samen met Veilig Thuis aan de aanpak van huiselijk geweld en kindermishandeling.",
        "De visie beschrijft de ambities van de regio voor de periode van 2024 tot en met 2028.",
    ],
    [
        "2 Acties zonder prioriteit",
        "De volgende acties krijgen de komende jaren geen prioriteit: het uitbreiden van de crisisopvang",
        "buiten de regio, een eigen regionale meldcode en een nieuw registratiesysteem voor de wijkteams.",
        "Deze acties worden pas opnieuw bekeken bij de evaluatie van de regiovisie in 2026.",
    ],
    [
        "3 Monitoring",
        "Jaarlijks rapporteert de regio aan de gemeenteraden over de voortgang van de aanpak, met cijfers",
        "over meldingen bij Veilig Thuis, de wachttijden in de hulpverlening en de inzet van de wijkteams.",
    ],
]
VISIE_CHANGED_PAGES = [
    [
        "Regiovisie Samen Veilig Arnhem-Achterhoek",
        "Datum: 5 maart 2024",
        "1 Herziene inleiding",
        "Deze herziene versie van de regiovisie vervangt de eerdere tekst. In gemeente Zevenaar staat",
        "voortaan de samenwerking tussen het onderwijs en de jeugdgezondheidszorg centraal in de aanpak.",
    ],
]

NOTITIE_ID = "notitie-oss"
NOTITIE_TEXT = """Raadsmemo
Datum: 10 februari 2026
Onderwerp: Stand van zaken Veilig Thuis in Oss

1 Wachttijden
De wachttijden bij Veilig Thuis zijn in het afgelopen jaar gedaald. De gemeente Oss heeft samen met de
regio extra capaciteit ingekocht, zodat meldingen over ouderenmishandeling sneller worden opgepakt.
"""


def _write_sources(corpus: Path) -> dict[str, Path]:
    corpus.mkdir(parents=True)
    (corpus / "manifest.json").write_text(
        json.dumps({"documents": [BRIEF_MANIFEST_ENTRY]}, indent=2), encoding="utf-8"
    )
    folder = corpus / "bronnen"
    folder.mkdir()
    notitie = folder / f"{NOTITIE_ID}.txt"
    notitie.write_text(NOTITIE_TEXT, encoding="utf-8")
    return {
        BRIEF_ID: make_pdf(folder / f"{BRIEF_ID}.pdf", BRIEF_PAGES),
        VISIE_ID: make_pdf(folder / f"{VISIE_ID}.pdf", VISIE_PAGES),
        NOTITIE_ID: notitie,
    }


def _source_paths(corpus: Path) -> dict[str, Path]:
    folder = corpus / "bronnen"
    return {
        BRIEF_ID: folder / f"{BRIEF_ID}.pdf",
        VISIE_ID: folder / f"{VISIE_ID}.pdf",
        NOTITIE_ID: folder / f"{NOTITIE_ID}.txt",
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IngestReport]:
    """The three sources ingested once into an empty embedded store; the store is closed afterwards.

    Each test works on its own copy of this folder (sources and Qdrant data), so the embedding runs once
    per module while every test still starts from the result of a real ingestion.
    """
    base = tmp_path_factory.mktemp("seeded")
    _write_sources(base / "corpus")
    settings = Settings(qdrant_path=base / "qdrant", qdrant_url=None, corpus_dir=base / "corpus",
                        collection="via_passages_test")  # fmt: skip
    with opened_store(settings) as document_store:
        report = Ingestor(settings, document_store, progress=False).ingest([base / "corpus" / "bronnen"])
    assert report.ok, report.failed
    return base, report


@pytest.fixture
def workspace(seeded: tuple[Path, IngestReport], tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(seeded[0], ws)
    _record_move(seeded[0], ws)
    return ws


def _record_move(old: Path, new: Path) -> None:
    """The copy is a moved folder: point the copied store's recorded source paths at the copied files, as
    ingesting them there would have recorded them."""
    settings = Settings(qdrant_path=new / "qdrant", qdrant_url=None, corpus_dir=new / "corpus",
                        collection="via_passages_test")  # fmt: skip
    with opened_store(settings) as document_store:
        for doc_id, summary in stored_documents(document_store).items():
            assert summary.source_path and summary.source_path.startswith(str(old.resolve()))
            moved = str(new.resolve()) + summary.source_path[len(str(old.resolve())) :]
            set_record_meta(document_store, doc_id, source_path=moved)


@pytest.fixture
def corpus_dir(workspace: Path) -> Path:
    return workspace / "corpus"


@pytest.fixture
def sources(corpus_dir: Path) -> dict[str, Path]:
    return _source_paths(corpus_dir)


@pytest.fixture
def ingest_settings(settings_factory: Callable[..., Settings], workspace: Path) -> Settings:
    return settings_factory(corpus_dir=workspace / "corpus", qdrant_path=workspace / "qdrant")


@pytest.fixture
def kb_store(ingest_settings: Settings) -> Iterator[Any]:
    with opened_store(ingest_settings) as document_store:
        yield document_store


@pytest.fixture
def ingestor(ingest_settings: Settings, kb_store: Any) -> Ingestor:
    return Ingestor(ingest_settings, kb_store, progress=False)


@pytest.fixture
def ingested(seeded: tuple[Path, IngestReport]) -> IngestReport:
    """The report of the first ingestion of the three sources into the empty store."""
    return seeded[1]


@pytest.fixture
def empty_store(settings_factory: Callable[..., Settings], tmp_path: Path) -> Iterator[tuple[Settings, Any]]:
    """Settings and an empty store of their own (for batches that do not start from the seeded store)."""
    settings = settings_factory(qdrant_path=tmp_path / "empty-qdrant")
    with opened_store(settings) as document_store:
        yield settings, document_store


def passages_of(store: Any, document_id: str) -> list[Document]:
    return sorted(iter_passages(store, document_id=document_id), key=lambda d: d.meta["position"])


def snapshot(store: Any) -> dict[str, tuple[str, str | None]]:
    """Passage id -> (document id, content) of everything stored."""
    return {d.id: (d.meta["document_id"], d.content) for d in iter_passages(store)}


def all_text(store: Any, document_id: str) -> str:
    return squash(" ".join(d.content or "" for d in passages_of(store, document_id)))


def failure_reasons(report: IngestReport) -> dict[str, str]:
    return {Path(f.path).name: f.reason for f in report.failed}


# --- (a) a first ingestion ----------------------------------------------------------------------------


def test_ingest_into_an_empty_store(ingested: IngestReport, kb_store: Any) -> None:
    assert sorted(ingested.ingested) == sorted([BRIEF_ID, VISIE_ID, NOTITIE_ID])
    assert ingested.unchanged == [] and ingested.removed == [] and ingested.failed == []
    assert ingested.ok
    assert ingested.passages >= 7  # 3 + 3 page-opening sections and at least one for the note
    assert kb_store.count() == ingested.passages
    docs = stored_documents(kb_store)
    assert set(docs) == {BRIEF_ID, VISIE_ID, NOTITIE_ID}
    assert sum(d.passages for d in docs.values()) == ingested.passages
    summary = ingested.to_dict()
    assert summary["passages_written"] == ingested.passages and summary["failed"] == []
    assert "3 documents ingested" in ingested.summary()


def test_passage_metadata_from_manifest_and_detection(ingested: IngestReport, kb_store: Any) -> None:
    brief = passages_of(kb_store, BRIEF_ID)
    for p in brief:
        assert p.meta["title"] == BRIEF_MANIFEST_ENTRY["title"]
        assert p.meta["municipality"] == "Boekel"
        assert p.meta["region"] == "Noordoost-Brabant"
        assert p.meta["doc_type"] == "raadsinformatiebrief"
        assert (p.meta["date"], p.meta["date_int"], p.meta["year"]) == ("2026-03-09", 20260309, 2026)
        assert p.meta["metadata_source"] == "manifest"
        assert p.meta["page_count"] == 3
        assert p.meta["source_format"] == "pdf"
        assert p.meta["file_name"] == f"{BRIEF_ID}.pdf"
        assert "file_path" not in p.meta

    visie = passages_of(kb_store, VISIE_ID)
    for p in visie:
        assert p.meta["metadata_source"] == "detected"
        assert p.meta["title"] == "Regiovisie Samen Veilig Arnhem-Achterhoek"
        assert p.meta["municipality"] == "Zevenaar"
        assert p.meta["region"] == "Arnhem-Achterhoek"
        assert p.meta["doc_type"] == "regiovisie"
        assert (p.meta["date"], p.meta["date_int"]) == ("2024-02-27", 20240227)

    notitie = passages_of(kb_store, NOTITIE_ID)
    for p in notitie:
        assert p.meta["title"] == "Stand van zaken Veilig Thuis in Oss"
        assert (p.meta["municipality"], p.meta["region"]) == ("Oss", "Noordoost-Brabant")
        assert (p.meta["doc_type"], p.meta["date_int"]) == ("raadsmemo", 20260210)
        assert p.meta["source_format"] == "text" and p.meta["page"] == 1


def test_passages_know_their_page_section_and_offsets(
    ingested: IngestReport, kb_store: Any, sources: dict[str, Path]
) -> None:
    for doc_id, pages in ((BRIEF_ID, BRIEF_PAGES), (VISIE_ID, VISIE_PAGES)):
        passages = passages_of(kb_store, doc_id)
        assert [p.id for p in passages] == [f"{doc_id}#{i:04d}" for i in range(len(passages))]
        assert all(p.meta["passage_count"] == len(passages) for p in passages)
        cleaned = clean_text(read_source(sources[doc_id]).content)
        for p in passages:
            start, end = p.meta["char_start"], p.meta["char_end"]
            assert p.content == cleaned[start:end].replace("\f", "\n")
        # Each page opens with its numbered heading: that heading is the section of the passage holding it,
        # and the passage stands on that page.
        for page_no, lines in enumerate(pages, start=1):
            heading = next(line for line in lines if line[:1].isdigit())
            body = squash(" ".join(lines[lines.index(heading) + 1 :]))
            holders = [p for p in passages if body[:60] in squash(p.content or "")]
            assert len(holders) == 1, (doc_id, page_no)
            assert holders[0].meta["page"] == page_no
            assert holders[0].meta["page_end"] == page_no
            assert holders[0].meta["section"] == heading


def test_dense_and_sparse_vectors_are_stored(ingested: IngestReport, kb_store: Any) -> None:
    passages = list(iter_passages(kb_store))
    assert len(passages) == ingested.passages
    hits = kb_store._retrieve(PASSAGES_KIND, [point_id(p.id) for p in passages], with_dense=True)
    assert len(hits) == ingested.passages
    for hit in hits:
        dense = hit.dense
        assert len(dense) == 384
        assert abs(sum(v * v for v in dense) - 1.0) < 1e-3  # normalised
    for p in passages:  # the sparse leg finds every passage by its own terms
        vector = query_sparse_vector(p.content or "")
        assert p.id in {h.id for h in kb_store.sparse(vector.indices, vector.values, limit=50)}
    records = kb_store.documents()
    assert sum(r.passage_count for r in records.values()) == ingested.passages
    assert all(r.unit_count > 0 and r.vocabulary and r.lower_words for r in records.values())


def test_dense_and_sparse_retrieval_find_the_passage(
    ingested: IngestReport, kb_store: Any, ingest_settings: Settings
) -> None:
    from ingest.embedder import text_embedder
    from ingest.store import StoreFilter
    from kb_api.retrieval.hybrid_retriever import DenseRetriever, SparseRetriever

    query = "Welke doelgroepen zoeken minder snel hulp bij geweld thuis?"
    embedder = text_embedder(ingest_settings)
    embedder.warm_up()
    embedding = embedder.run(text=query)["embedding"]
    dense = DenseRetriever(store=kb_store, top_k=3).run(query_embedding=embedding)
    assert dense["documents"][0].meta["section"] == "2 Specifieke doelgroepen"
    assert dense["documents"][0].meta["document_id"] == BRIEF_ID

    sparse = SparseRetriever(store=kb_store, top_k=3).run(
        query_sparse_embedding=query_sparse_vector("ouderenmishandeling wachttijden")
    )
    assert sparse["documents"][0].meta["document_id"] == NOTITIE_ID

    filtered = DenseRetriever(store=kb_store, top_k=10).run(
        query_embedding=embedding,
        filters=StoreFilter(keywords={"region": ["Arnhem-Achterhoek"]}),
    )
    assert filtered["documents"] and {d.meta["document_id"] for d in filtered["documents"]} == {VISIE_ID}


# --- (b) idempotent re-ingestion ---------------------------------------------------------------------


def test_second_run_skips_unchanged_files(
    ingested: IngestReport, ingestor: Ingestor, kb_store: Any, sources: dict[str, Path]
) -> None:
    before = snapshot(kb_store)
    again = ingestor.ingest([sources[BRIEF_ID].parent])
    assert sorted(again.unchanged) == sorted([BRIEF_ID, VISIE_ID, NOTITIE_ID])
    assert again.ingested == [] and again.failed == [] and again.passages == 0
    assert snapshot(kb_store) == before
    assert kb_store.count() == ingested.passages


def test_force_rewrites_without_duplicates(
    ingested: IngestReport, ingestor: Ingestor, kb_store: Any, sources: dict[str, Path]
) -> None:
    before = snapshot(kb_store)
    forced = ingestor.ingest([sources[VISIE_ID]], force=True)
    assert forced.ingested == [VISIE_ID] and forced.unchanged == []
    assert snapshot(kb_store) == before  # same ids, same text: replaced in place


def test_a_new_ingestor_on_the_same_folder_sees_the_stored_documents(
    ingested: IngestReport, ingest_settings: Settings, kb_store: Any, sources: dict[str, Path]
) -> None:
    kb_store.close()  # the folder is free again: another client may open it
    with opened_store(ingest_settings) as reopened:
        assert reopened.count() == ingested.passages
        report = Ingestor(ingest_settings, reopened, progress=False).ingest(list(sources.values()))
        assert sorted(report.unchanged) == sorted(sources)


# --- (c) a changed file ------------------------------------------------------------------------------


def test_changed_file_replaces_only_its_own_passages(
    ingested: IngestReport, ingestor: Ingestor, kb_store: Any, sources: dict[str, Path], make_pdf: MakePdf
) -> None:
    before = snapshot(kb_store)
    old_visie = passages_of(kb_store, VISIE_ID)
    assert "geen prioriteit" in all_text(kb_store, VISIE_ID)

    make_pdf(sources[VISIE_ID], VISIE_CHANGED_PAGES)  # rewritten: one page, different text
    report = ingestor.ingest([sources[VISIE_ID].parent])
    assert report.ingested == [VISIE_ID]
    assert sorted(report.unchanged) == sorted([BRIEF_ID, NOTITIE_ID])

    after = snapshot(kb_store)
    others_before = {k: v for k, v in before.items() if v[0] != VISIE_ID}
    others_after = {k: v for k, v in after.items() if v[0] != VISIE_ID}
    assert others_after == others_before  # the other documents were not touched

    new_visie = passages_of(kb_store, VISIE_ID)
    assert len(new_visie) == report.passages < len(old_visie)  # no stale passages left behind
    text = all_text(kb_store, VISIE_ID)
    assert "geen prioriteit" not in text and "Jaarlijks rapporteert" not in text
    assert "samenwerking tussen het onderwijs en de jeugdgezondheidszorg" in text
    assert all(p.meta["date"] == "2024-03-05" and p.meta["page_count"] == 1 for p in new_visie)
    assert kb_store.count() == len(others_after) + len(new_visie)


# --- (d) removing documents --------------------------------------------------------------------------


def test_prune_removes_documents_no_longer_among_the_sources(
    ingested: IngestReport, ingestor: Ingestor, kb_store: Any, sources: dict[str, Path]
) -> None:
    notitie_count = len(passages_of(kb_store, NOTITIE_ID))
    total = kb_store.count()
    sources[NOTITIE_ID].unlink()

    without_prune = ingestor.ingest([sources[BRIEF_ID].parent])
    assert without_prune.removed == []
    assert len(passages_of(kb_store, NOTITIE_ID)) == notitie_count

    report = ingestor.ingest([sources[BRIEF_ID].parent], prune=True)
    assert report.removed == [NOTITIE_ID]
    assert sorted(report.unchanged) == sorted([BRIEF_ID, VISIE_ID])
    assert passages_of(kb_store, NOTITIE_ID) == []
    assert kb_store.count() == total - notitie_count
    assert set(stored_documents(kb_store)) == {BRIEF_ID, VISIE_ID}


def test_remove_documents(ingested: IngestReport, kb_store: Any) -> None:
    brief_count = len(passages_of(kb_store, BRIEF_ID))
    total = kb_store.count()
    assert remove_documents(kb_store, [BRIEF_ID, "bestaat-niet"]) == {
        BRIEF_ID: brief_count,
        "bestaat-niet": 0,
    }
    assert passages_of(kb_store, BRIEF_ID) == []
    assert kb_store.count() == total - brief_count
    assert remove_documents(kb_store, [BRIEF_ID]) == {BRIEF_ID: 0}


# --- (e) a batch with bad files ----------------------------------------------------------------------


def test_bad_files_are_reported_and_good_ones_ingested(
    empty_store: tuple[Settings, Any], tmp_path: Path, make_pdf: MakePdf
) -> None:
    settings, kb_store = empty_store
    ingestor = Ingestor(settings, kb_store, progress=False)
    batch = tmp_path / "batch"
    batch.mkdir()
    make_pdf(batch / "goed-brief.pdf", BRIEF_PAGES)
    good_txt = batch / "goede-notitie.txt"
    good_txt.write_text(NOTITIE_TEXT, encoding="utf-8")
    empty = batch / "leeg.txt"
    empty.write_bytes(b"")
    corrupt = batch / "kapot.pdf"
    corrupt.write_bytes(os.urandom(3000))
    encrypted = make_encrypted_pdf(make_pdf(tmp_path / "open.pdf", VISIE_PAGES), batch / "beveiligd.pdf")
    scanned = make_image_only_pdf(batch / "scan.pdf")
    unsupported = batch / "verslag.pptx"
    unsupported.write_bytes(b"PK\x03\x04" + os.urandom(300))
    undecodable = batch / "latin1.txt"
    undecodable.write_bytes(b"caf\xe9 \xe0 la")
    page_number_only = batch / "alleen-paginanummer.txt"
    page_number_only.write_text("12\n", encoding="utf-8")
    missing = batch / "bestaat-niet.pdf"

    report = ingestor.ingest([batch, missing])
    assert not report.ok
    assert sorted(report.ingested) == ["goed-brief", "goede-notitie"]
    reasons = failure_reasons(report)
    assert set(reasons) == {
        "leeg.txt",
        "kapot.pdf",
        "beveiligd.pdf",
        "scan.pdf",
        "verslag.pptx",
        "latin1.txt",
        "alleen-paginanummer.txt",
        "bestaat-niet.pdf",
    }
    assert len(report.failed) == len(reasons)  # one failure per bad file
    bad = [empty, corrupt, encrypted, scanned, unsupported, undecodable, page_number_only, missing]
    assert sorted(f.path for f in report.failed) == sorted(str(p) for p in bad)
    assert "empty" in reasons["leeg.txt"]
    assert "PDF" in reasons["kapot.pdf"]
    assert "encrypted" in reasons["beveiligd.pdf"]
    assert "text layer" in reasons["scan.pdf"]
    assert "unsupported" in reasons["verslag.pptx"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "no text" in reasons["alleen-paginanummer.txt"]
    assert "not found" in reasons["bestaat-niet.pdf"]

    assert set(stored_documents(kb_store)) == {"goed-brief", "goede-notitie"}
    assert kb_store.count() == report.passages > 0
    assert json.loads(json.dumps(report.to_dict()))["failed"][0].keys() == {"path", "reason"}


def test_two_files_with_the_same_document_id(
    empty_store: tuple[Settings, Any], tmp_path: Path, make_pdf: MakePdf
) -> None:
    ingestor = Ingestor(*empty_store, progress=False)
    folder = tmp_path / "dubbel"
    pdf = make_pdf(folder / "notitie.pdf", VISIE_PAGES)
    txt = folder / "notitie.txt"
    txt.write_text(NOTITIE_TEXT, encoding="utf-8")
    report = ingestor.ingest([pdf, txt])
    assert report.ingested == ["notitie"]
    [failure] = report.failed
    assert failure.path == str(txt) and "same document id" in failure.reason


# --- (f) a failure never removes what was stored -----------------------------------------------------


def test_corrupt_new_version_keeps_the_stored_passages(
    ingested: IngestReport, ingestor: Ingestor, kb_store: Any, sources: dict[str, Path]
) -> None:
    before = snapshot(kb_store)
    good_bytes = sources[VISIE_ID].read_bytes()
    sources[VISIE_ID].write_bytes(os.urandom(4000))  # same name, garbage content

    report = ingestor.ingest([sources[BRIEF_ID].parent])
    assert not report.ok
    [failure] = report.failed
    assert failure.path == str(sources[VISIE_ID]) and "PDF" in failure.reason
    assert VISIE_ID not in report.ingested
    assert snapshot(kb_store) == before
    assert "geen prioriteit" in all_text(kb_store, VISIE_ID)

    # Even with prune, a file that failed is still a source: its document stays.
    pruned = ingestor.ingest([sources[BRIEF_ID].parent], prune=True)
    assert pruned.removed == [] and snapshot(kb_store) == before

    sources[VISIE_ID].write_bytes(good_bytes)  # the good file is back: nothing to do
    restored = ingestor.ingest([sources[BRIEF_ID].parent])
    assert restored.ok and sorted(restored.unchanged) == sorted(sources)


def test_encrypted_new_version_keeps_the_stored_passages(
    ingested: IngestReport, ingestor: Ingestor, kb_store: Any, sources: dict[str, Path], tmp_path: Path
) -> None:
    before = snapshot(kb_store)
    plain = tmp_path / "plain.pdf"
    shutil.copy(sources[BRIEF_ID], plain)
    make_encrypted_pdf(plain, sources[BRIEF_ID])
    report = ingestor.ingest([sources[BRIEF_ID]])
    assert "encrypted" in failure_reasons(report)[f"{BRIEF_ID}.pdf"]
    assert snapshot(kb_store) == before


# --- (g) search over what was ingested ---------------------------------------------------------------


def test_search_ranks_the_ingested_passage_first(
    ingested: IngestReport, ingest_settings: Settings, kb_store: Any
) -> None:
    from kb_api.services import Services
    from kb_core.domain import SearchFilters

    service = Services.build(ingest_settings, kb_store).search
    outcome = service.search("Welke acties krijgen geen prioriteit?")
    top = outcome.results[0]
    assert top.meta["document_id"] == VISIE_ID
    assert top.meta["section"] == "2 Acties zonder prioriteit"
    assert top.meta["page"] == 2
    assert "geen prioriteit" in squash(top.content or "")
    assert set(terms("acties prioriteit")) <= set(outcome.query_terms)

    filtered = service.search(
        "Welke acties krijgen geen prioriteit?", filters=SearchFilters(region=["noordoost-brabant"])
    )
    assert filtered.results
    assert {d.meta["region"] for d in filtered.results} == {"Noordoost-Brabant"}


# --- helpers of the service --------------------------------------------------------------------------


def test_collect_files_skips_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.pdf").write_text("a")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("x")
    (tmp_path / ".verborgen.txt").write_text("x")
    assert collect_files([tmp_path]) == [tmp_path / "b.txt", tmp_path / "sub" / "a.pdf"]
    assert collect_files([tmp_path / "los.pdf"]) == [tmp_path / "los.pdf"]


def test_default_sources_are_the_manifest_files(ingest_settings: Settings, corpus_dir: Path) -> None:
    assert default_sources(ingest_settings) == [corpus_dir / "bronnen" / f"{BRIEF_ID}.pdf"]


def test_a_new_store_is_empty_and_its_folder_is_released(store: Any, settings: Settings) -> None:
    assert store.count() == 0
    assert stored_documents(store) == {}
    assert list(iter_passages(store)) == []
    assert remove_documents(store, ["niets"]) == {"niets": 0}
    assert (settings.store.qdrant_path / "store.json").is_file()
    with pytest.raises(StoreUnavailableError, match="another process"):
        open_passage_store(settings)  # one process per folder: the open store holds the lock
    store.close()  # closing twice (again in the fixture) is harmless
    with opened_store(settings) as second:  # the folder lock is free again
        assert second.count() == 0


# --- (e) repair after a write interrupted between batches ----------------------------------------------


def test_a_write_interrupted_before_its_record_is_repaired_by_the_next_run(
    ingested: IngestReport, ingest_settings: Settings, kb_store: Any, sources: dict[str, Path]
) -> None:
    from ingest.service import ingest_corpus_if_empty
    from ingest.stores.base import DOCUMENTS

    before = snapshot(kb_store)
    real_upsert = kb_store._upsert

    def crash_before_the_record(kind: str, points: Any) -> None:
        if kind == DOCUMENTS and any(payload.get("committed") and not payload.get("writing")
                                     for _, _, payload in points):  # fmt: skip
            raise StoreUnavailableError("killed between the passages and the record")
        real_upsert(kind, points)

    kb_store._upsert = crash_before_the_record
    try:
        crashed = Ingestor(ingest_settings, kb_store, progress=False).ingest([sources[VISIE_ID]], force=True)
    finally:
        kb_store._upsert = real_upsert
    assert not crashed.ok and crashed.ingested == []
    assert kb_store.inconsistent_documents() == [VISIE_ID]
    # The next run (here: the API's start-up check, no sources named) writes the document again from its file.
    report = ingest_corpus_if_empty(ingest_settings, kb_store)
    assert report is not None and report.ingested == [VISIE_ID], report
    assert kb_store.inconsistent_documents() == []
    assert snapshot(kb_store) == before
    assert kb_store.count() == ingested.passages


def test_a_first_write_interrupted_is_repaired_by_the_next_ingest(
    ingested: IngestReport, ingest_settings: Settings, kb_store: Any, sources: dict[str, Path], tmp_path: Path
) -> None:
    from ingest.stores.base import DOCUMENTS

    new = tmp_path / "nieuw.txt"
    new.write_text(
        "Een nieuwe notitie over huiselijk geweld en de wachttijden bij Veilig Thuis.\n", encoding="utf-8"
    )
    real_upsert = kb_store._upsert

    def crash_before_the_record(kind: str, points: Any) -> None:
        if kind == DOCUMENTS and any(payload.get("committed") and not payload.get("writing")
                                     for _, _, payload in points):  # fmt: skip
            raise StoreUnavailableError("killed between the passages and the record")
        real_upsert(kind, points)

    kb_store._upsert = crash_before_the_record
    try:
        assert not Ingestor(ingest_settings, kb_store, progress=False).ingest([new]).ok
    finally:
        kb_store._upsert = real_upsert
    assert kb_store.inconsistent_documents() == ["nieuw"]
    assert "nieuw" not in stored_documents(kb_store)  # a half-written document is not in the catalogue
    report = Ingestor(ingest_settings, kb_store, progress=False).ingest([new])
    assert report.ingested == ["nieuw"] and kb_store.inconsistent_documents() == []
    assert kb_store.count() == ingested.passages + report.passages
