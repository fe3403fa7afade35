"""Reading sources: real PDFs, text and Markdown; every unreadable file is one clear failure, never an exception."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import make_encrypted_pdf, make_image_only_pdf

from ingest.readers import PAGE_BREAK, ReadFailure, SourceReader, UnreadableFileError, read_source

PAGES = [
    ["Raadsinformatiebrief", "Datum: 9 maart 2026", "Eerste pagina over de coördinatie van zorg."],
    ["Tweede pagina: de bijdrage is € 5.518,00 per jaar."],
    ["Derde pagina met een geïmplementeerd actieplan."],
]

MakePdf = Callable[[Path, list[list[str]]], Path]


def _one_failure(path: Path) -> ReadFailure:
    result = SourceReader().run(sources=[path])
    assert result["documents"] == []
    assert len(result["failures"]) == 1
    failure = result["failures"][0]
    assert isinstance(failure, ReadFailure)
    assert failure.path == str(path)
    assert failure.to_dict() == {"path": str(path), "reason": failure.reason}
    return failure


def test_three_page_pdf(tmp_path: Path, make_pdf: MakePdf) -> None:
    path = make_pdf(tmp_path / "brief.pdf", PAGES)
    doc = read_source(path)
    pages = doc.content.split(PAGE_BREAK)
    assert len(pages) == 3
    assert "Eerste pagina" in pages[0] and "Raadsinformatiebrief" in pages[0]
    assert "€ 5.518,00" in pages[1]
    assert "geïmplementeerd" in pages[2] and "Eerste" not in pages[2]
    assert doc.meta["page_count"] == 3
    assert doc.meta["source_format"] == "pdf"
    assert doc.meta["file_name"] == "brief.pdf"
    assert doc.meta["file_path"] == str(path)
    assert doc.meta["file_hash"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_source_reader_component_reads_a_batch(tmp_path: Path, make_pdf: MakePdf) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", PAGES)
    txt = tmp_path / "b.txt"
    txt.write_text("Een notitie over huiselijk geweld.\n", encoding="utf-8")
    result = SourceReader().run(sources=[pdf, txt])
    assert result["failures"] == []
    assert [d.meta["file_name"] for d in result["documents"]] == ["a.pdf", "b.txt"]


def test_text_and_markdown(tmp_path: Path) -> None:
    txt = tmp_path / "notitie.txt"
    txt.write_text("Notitie over Veilig Thuis.\nTweede regel met ë.\n", encoding="utf-8")
    doc = read_source(txt)
    assert doc.content == "Notitie over Veilig Thuis.\nTweede regel met ë.\n"
    assert doc.meta["source_format"] == "text"
    assert doc.meta["page_count"] == 1

    md = tmp_path / "visie.md"
    md.write_text("# Regiovisie\n\nTekst van pagina een.\fTekst van pagina twee.\n", encoding="utf-8")
    doc = read_source(md)
    assert doc.meta["source_format"] == "markdown"
    assert doc.meta["page_count"] == 2  # a form feed in a text file is a page break
    assert doc.content.split(PAGE_BREAK)[1] == "Tekst van pagina twee.\n"


def test_text_with_bom_and_utf16(tmp_path: Path) -> None:
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeffCoördinatie".encode())
    assert read_source(bom).content == "Coördinatie"
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("Coördinatie in UTF-16".encode("utf-16"))
    assert read_source(utf16).content == "Coördinatie in UTF-16"


def test_empty_file(tmp_path: Path) -> None:
    for name in ("leeg.txt", "leeg.pdf"):
        path = tmp_path / name
        path.write_bytes(b"")
        assert "empty" in _one_failure(path).reason


def test_whitespace_only_text_file(tmp_path: Path) -> None:
    path = tmp_path / "spaties.txt"
    path.write_text("  \n\t\n", encoding="utf-8")
    assert "no text" in _one_failure(path).reason


def test_corrupt_pdf_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "kapot.pdf"
    path.write_bytes(os.urandom(2048))
    reason = _one_failure(path).reason
    assert "PDF" in reason
    assert "readable" in reason


def test_truncated_pdf(tmp_path: Path, make_pdf: MakePdf) -> None:
    full = make_pdf(tmp_path / "heel.pdf", PAGES).read_bytes()
    path = tmp_path / "afgebroken.pdf"
    path.write_bytes(full[: len(full) // 3])
    reason = _one_failure(path).reason
    assert "PDF" in reason


def test_encrypted_pdf(tmp_path: Path, make_pdf: MakePdf) -> None:
    plain = make_pdf(tmp_path / "open.pdf", PAGES)
    path = make_encrypted_pdf(plain, tmp_path / "beveiligd.pdf", password="geheim")
    reason = _one_failure(path).reason
    assert "encrypted" in reason
    assert "password" in reason


def test_pdf_protected_only_by_owner_password_is_read(tmp_path: Path, make_pdf: MakePdf) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(make_pdf(tmp_path / "open.pdf", PAGES))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="eigenaar", algorithm="RC4-128")
    path = tmp_path / "alleen-eigenaar.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    doc = read_source(path)
    assert doc.meta["page_count"] == 3
    assert "€ 5.518,00" in doc.content


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = make_image_only_pdf(tmp_path / "scan.pdf")
    reason = _one_failure(path).reason
    assert "text layer" in reason
    assert "OCR" in reason


def test_unsupported_type(tmp_path: Path) -> None:
    path = tmp_path / "verslag.pptx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(200))
    reason = _one_failure(path).reason
    assert "unsupported" in reason
    assert ".pptx" in reason
    assert ".pdf" in reason and ".docx" in reason and ".html" in reason  # says what is supported


def test_damaged_docx(tmp_path: Path) -> None:
    path = tmp_path / "verslag.docx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(200))
    reason = _one_failure(path).reason
    assert reason == "not a readable DOCX (damaged, or not a Word document)"


def test_file_without_suffix_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text("tekst", encoding="utf-8")
    assert "unsupported" in _one_failure(path).reason


def test_undecodable_text(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"caf\xe9 \xe0 la")
    reason = _one_failure(path).reason
    assert "UTF-8" in reason
    assert "byte 3" in reason


def test_binary_file_with_text_suffix(tmp_path: Path) -> None:
    path = tmp_path / "binair.txt"
    path.write_bytes(b"abc\x00\x01\x02def")
    assert "binary" in _one_failure(path).reason


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in _one_failure(tmp_path / "weg.pdf").reason


def test_read_source_raises_only_unreadable_file_error(tmp_path: Path) -> None:
    path = tmp_path / "kapot.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(500))
    with pytest.raises(UnreadableFileError):
        read_source(path)


def test_bad_files_do_not_stop_the_batch(tmp_path: Path, make_pdf: MakePdf) -> None:
    good = make_pdf(tmp_path / "goed.pdf", PAGES)
    empty = tmp_path / "leeg.txt"
    empty.write_bytes(b"")
    corrupt = tmp_path / "kapot.pdf"
    corrupt.write_bytes(os.urandom(1000))
    undecodable = tmp_path / "latin1.txt"
    undecodable.write_bytes(b"caf\xe9")
    good_txt = tmp_path / "goed.txt"
    good_txt.write_text("Goede tekst.", encoding="utf-8")
    result = SourceReader().run(sources=[empty, good, corrupt, undecodable, good_txt])
    assert [d.meta["file_name"] for d in result["documents"]] == ["goed.pdf", "goed.txt"]
    assert [f.path for f in result["failures"]] == [str(empty), str(corrupt), str(undecodable)]
