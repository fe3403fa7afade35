"""Ingestion never loses data: prune only under the given folders, refusals instead of replacements, limits.

Real ingestion (the real embedder) into a real embedded Qdrant store; each test ingests a few short files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import set_record_meta

from ingest.service import Ingestor, collect_files
from ingest.store import iter_passages, opened_store, stored_documents
from kb_core.errors import PruneRefusedError
from kb_core.settings import Settings

MakePdf = Callable[[Path, list[list[str]]], Path]


def note(topic: str) -> str:
    return (
        f"Raadsmemo\nDatum: 10 februari 2026\nOnderwerp: {topic}\n\n1 Stand van zaken\n"
        f"De gemeente Oss werkt samen met Veilig Thuis aan {topic}. De wachttijden zijn gedaald en de regio\n"
        "heeft extra capaciteit ingekocht, zodat meldingen sneller worden opgepakt door de wijkteams.\n"
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def kb(settings: Settings) -> Iterator[tuple[Settings, Any, Ingestor]]:
    with opened_store(settings) as store:
        yield settings, store, Ingestor(settings, store, progress=False)


def contents(store: Any, doc_id: str) -> str:
    return " ".join(p.content or "" for p in iter_passages(store, document_id=doc_id))


def reasons(report: Any) -> dict[str, str]:
    return {Path(f.path).name: f.reason for f in report.failed}


def test_passages_record_the_absolute_source_path(kb: tuple[Settings, Any, Ingestor], tmp_path: Path) -> None:
    _, store, ingestor = kb
    path = write(tmp_path / "a" / "wachttijden.txt", note("wachttijden"))
    assert ingestor.ingest([path]).ingested == ["wachttijden"]
    passages = list(iter_passages(store, document_id="wachttijden"))
    assert passages and {p.meta["source_path"] for p in passages} == {str(path.resolve())}
    assert stored_documents(store)["wachttijden"].source_path == str(path.resolve())


def test_prune_removes_only_documents_from_under_the_given_folders(
    kb: tuple[Settings, Any, Ingestor], tmp_path: Path
) -> None:
    _, store, ingestor = kb
    a1 = write(tmp_path / "a" / "a-een.txt", note("de eerste aanpak"))
    a2 = write(tmp_path / "a" / "a-twee.txt", note("de tweede aanpak"))
    write(tmp_path / "b" / "b-een.txt", note("de aanpak elders"))
    assert ingestor.ingest([tmp_path / "a", tmp_path / "b"]).ok
    a2.unlink()

    plan = ingestor.plan([tmp_path / "a"], prune=True)
    assert plan.remove == ["a-twee"]
    assert set(stored_documents(store)) == {"a-een", "a-twee", "b-een"}  # planning changes nothing

    report = ingestor.ingest([tmp_path / "a"], prune=True)
    assert report.removed == ["a-twee"] and report.unchanged == ["a-een"]
    assert set(stored_documents(store)) == {"a-een", "b-een"}  # b/ was not given: its document stays
    assert a1.exists()

    # remove_only (what a person confirmed) bounds what prune removes.
    (tmp_path / "b" / "b-een.txt").unlink()
    write(tmp_path / "b" / "b-ander.txt", note("een ander onderwerp"))
    kept = ingestor.ingest([tmp_path / "b"], prune=True, remove_only=set())
    assert kept.removed == [] and "b-een" in stored_documents(store)


@pytest.mark.parametrize("shape", ["missing", "empty folder", "only unreadable files", "only hidden files"])
def test_prune_refuses_sources_that_list_nothing(
    kb: tuple[Settings, Any, Ingestor], tmp_path: Path, shape: str
) -> None:
    _, store, ingestor = kb
    write(tmp_path / "docs" / "wachttijden.txt", note("wachttijden"))
    assert ingestor.ingest([tmp_path / "docs"]).ok
    target = tmp_path / "docs"
    for path in list(target.iterdir()):
        path.unlink()
    if shape == "missing":
        target.rmdir()
    elif shape == "only unreadable files":
        (target / "verslag.pptx").write_bytes(b"PK\x03\x04")
    elif shape == "only hidden files":
        write(target / ".verborgen.txt", note("verborgen"))
    with pytest.raises(PruneRefusedError) as refused:
        ingestor.ingest([target], prune=True)
    assert refused.value.code == ("prune_path_missing" if shape == "missing" else "prune_no_files")
    assert str(target) in refused.value.render("nl") and str(target) in refused.value.render("en")
    assert set(stored_documents(store)) == {"wachttijden"}


def test_documents_without_a_recorded_source_path_are_never_pruned(
    kb: tuple[Settings, Any, Ingestor], tmp_path: Path
) -> None:
    _, store, ingestor = kb
    old = write(tmp_path / "docs" / "oud.txt", note("een oud document"))
    write(tmp_path / "docs" / "nieuw.txt", note("een nieuw document"))
    assert ingestor.ingest([tmp_path / "docs"]).ok
    set_record_meta(store, "oud", source_path=None)  # as stored before source paths were recorded
    assert stored_documents(store)["oud"].source_path is None
    old.unlink()
    assert ingestor.ingest([tmp_path / "docs"], prune=True).removed == []
    assert "oud" in stored_documents(store)


def test_a_file_does_not_replace_another_stored_document_with_its_id(
    kb: tuple[Settings, Any, Ingestor], tmp_path: Path, make_pdf: MakePdf
) -> None:
    _, store, ingestor = kb
    write(tmp_path / "a" / "notitie.txt", note("het origineel"))
    assert ingestor.ingest([tmp_path / "a"]).ingested == ["notitie"]
    before = contents(store, "notitie")

    other_folder = write(tmp_path / "b" / "notitie.txt", note("een andere notitie"))
    other_suffix = make_pdf(tmp_path / "c" / "notitie.pdf", [note("een pdf").splitlines()])
    slug_twin = write(tmp_path / "d" / "[Notitie].txt", note("dezelfde slug"))
    for path in (other_folder, other_suffix, slug_twin):
        report = ingestor.ingest([path], force=True)
        assert report.ingested == [], path
        [failure] = report.failed
        assert (
            "already taken" in failure.reason
            and str((tmp_path / "a" / "notitie.txt").resolve()) in failure.reason
        )
        assert "kb remove notitie" in failure.reason
    assert contents(store, "notitie") == before

    # The file it came from still replaces it, and with prune that file keeps it.
    write(tmp_path / "a" / "notitie.txt", note("het origineel, herzien"))
    assert ingestor.ingest([tmp_path / "a"], prune=True).ingested == ["notitie"]
    assert "herzien" in contents(store, "notitie")


def test_an_empty_file_claims_no_document_id(kb: tuple[Settings, Any, Ingestor], tmp_path: Path) -> None:
    _, store, ingestor = kb
    write(tmp_path / "a" / "notitie.txt", "")
    write(tmp_path / "b" / "notitie.md", note("de echte notitie"))
    report = ingestor.ingest([tmp_path / "a", tmp_path / "b"])
    assert report.ingested == ["notitie"]
    assert reasons(report) == {"notitie.txt": "file is empty"}
    assert "echte notitie" in contents(store, "notitie")


def test_an_unsupported_file_claims_no_document_id(
    kb: tuple[Settings, Any, Ingestor], tmp_path: Path
) -> None:
    _, _, ingestor = kb
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notitie.pptx").write_bytes(b"PK\x03\x04")
    write(tmp_path / "a" / "notitie.txt", note("de tekstversie"))
    report = ingestor.ingest([tmp_path / "a"])
    assert report.ingested == ["notitie"] and "unsupported" in reasons(report)["notitie.pptx"]


def test_files_over_the_size_or_page_limit_fail_with_a_reason(
    settings_factory: Callable[..., Settings], tmp_path: Path, make_pdf: MakePdf
) -> None:
    settings = settings_factory(max_file_bytes=40_000, max_pages=2)
    big = write(tmp_path / "in" / "groot.txt", note("groot") * 200)
    pages = write(tmp_path / "in" / "bladzijden.txt", "\f".join([note("pagina")] * 3))
    pdf = make_pdf(tmp_path / "in" / "boek.pdf", [note("pdf").splitlines()] * 3)
    write(tmp_path / "in" / "klein.txt", note("klein"))
    with opened_store(settings) as store:
        report = Ingestor(settings, store, progress=False).ingest([tmp_path / "in"])
        assert report.ingested == ["klein"] and set(stored_documents(store)) == {"klein"}
    found = reasons(report)
    assert "file too large" in found["groot.txt"] and f"{big.stat().st_size:,}" in found["groot.txt"]
    assert "too many pages (3, at most 2" in found["bladzijden.txt"]
    assert "too many pages (3, at most 2" in found["boek.pdf"]
    assert pages.exists() and pdf.exists()


def test_a_folder_below_a_hidden_folder_is_read(tmp_path: Path) -> None:
    folder = tmp_path / ".local" / "stukken"
    doc = write(folder / "notitie.txt", "x")
    write(folder / ".git" / "config.txt", "x")
    assert collect_files([folder]) == [doc]


def test_the_same_content_moved_to_another_folder_is_the_same_document(
    kb: tuple[Settings, Any, Ingestor], tmp_path: Path
) -> None:
    _, store, ingestor = kb
    first = write(tmp_path / "oud" / "notitie.txt", note("verhuisd"))
    assert ingestor.ingest([first]).ingested == ["notitie"]
    moved = tmp_path / "nieuw" / "notitie.txt"
    moved.parent.mkdir()
    first.rename(moved)
    assert ingestor.ingest([moved]).unchanged == ["notitie"]
    assert ingestor.ingest([moved], force=True).ingested == ["notitie"]  # records where it is now
    assert stored_documents(store)["notitie"].source_path == str(moved.resolve())
