"""Checks for the bundled corpus: manifest, text files, and the PDFs built from them."""

from __future__ import annotations

import datetime
import difflib
import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from corpus import build_pdfs

CORPUS_DIR = Path(build_pdfs.__file__).resolve().parent
SEEDS_DIR = Path("/work/shared/seeds")

REQUIRED_FIELDS = {
    "document_id",
    "title",
    "municipality",
    "region",
    "doc_type",
    "date",
    "date_note",
    "source",
    "text_file",
    "file",
}
DOC_TYPES = {
    "raadsinformatiebrief",
    "raadsmemo",
    "koersplan",
    "toezeggingenlijst",
    "memo",
    "regiovisie",
}
REGIONS = {"Noordoost-Brabant", "Arnhem-Achterhoek"}
EXPECTED_IDS = [
    "boekel-2026-rib-toekomstbeeld-via",
    "boekel-2023-raadsmemo-koersplan-via",
    "nob-2023-koersplan-via",
    "oss-2026-rib-toekomstbeeld-via",
    "zevenaar-2024-toezeggingenlijst",
    "zevenaar-2024-memo-parkeerbeleid",
    "arnhem-achterhoek-2024-regiovisie-samen-veilig",
]
MIN_WORD_RECALL = 0.98

ENTRIES: list[dict[str, Any]] = build_pdfs.load_manifest(CORPUS_DIR / "manifest.json")
ENTRY_IDS = [entry["document_id"] for entry in ENTRIES]


def normalized_words(text: str) -> list[str]:
    """Lower-cased word tokens, ignoring markup and characters no font can show."""
    text = unicodedata.normalize("NFKC", text).replace("**", " ")
    kept = []
    for ch in text:
        if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Co", "Cs"):
            kept.append(" " if ch in "\t\n\r\ufffd" else "")
        else:
            kept.append(ch)
    return re.findall(r"\w+", "".join(kept).lower())


def pdf_pages_text(path: Path) -> list[str]:
    """Text of every page of a PDF, as pypdf extracts it."""
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build all PDFs afresh into a temporary folder."""
    out = tmp_path_factory.mktemp("pdf")
    build_pdfs.build_all(out)
    return out


def test_manifest_ids_are_the_expected_set() -> None:
    assert ENTRY_IDS == EXPECTED_IDS
    assert len(set(ENTRY_IDS)) == len(ENTRY_IDS)


@pytest.mark.parametrize("entry", ENTRIES, ids=ENTRY_IDS)
def test_manifest_entry_fields(entry: dict[str, Any]) -> None:
    assert set(entry) >= REQUIRED_FIELDS
    assert entry["title"].strip()
    assert entry["doc_type"] in DOC_TYPES
    assert entry["region"] in REGIONS
    assert entry["municipality"] is None or entry["municipality"].strip()
    assert entry["date_note"] is None or entry["date_note"].strip()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["date"])
    datetime.date.fromisoformat(entry["date"])
    assert entry["text_file"] == f"text/{entry['document_id']}.txt"
    assert entry["file"] == f"pdf/{entry['document_id']}.pdf"
    assert (CORPUS_DIR / entry["text_file"]).is_file()
    assert (CORPUS_DIR / entry["file"]).is_file()
    (CORPUS_DIR / entry["text_file"]).read_text(encoding="utf-8")


def test_only_the_regional_koersplan_has_no_municipality() -> None:
    without = [e["document_id"] for e in ENTRIES if e["municipality"] is None]
    assert without == ["nob-2023-koersplan-via"]


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="seed texts not available")
def test_text_files_reproduce_the_seeds() -> None:
    by_id = {e["document_id"]: (CORPUS_DIR / e["text_file"]).read_bytes() for e in ENTRIES}
    single = {
        "000_f674eb3e245d3807.txt": "boekel-2026-rib-toekomstbeeld-via",
        "001_9397f4e472063b7e.txt": "boekel-2023-raadsmemo-koersplan-via",
        "002_03968c2473a98e01.txt": "nob-2023-koersplan-via",
        "003_bb9386bed48cc388.txt": "oss-2026-rib-toekomstbeeld-via",
    }
    for seed, doc_id in single.items():
        assert by_id[doc_id] == (SEEDS_DIR / seed).read_bytes(), doc_id
    parts = [
        "zevenaar-2024-toezeggingenlijst",
        "zevenaar-2024-memo-parkeerbeleid",
        "arnhem-achterhoek-2024-regiovisie-samen-veilig",
    ]
    joined = b"".join(by_id[p] for p in parts)
    assert joined == (SEEDS_DIR / "004_a4bfc1ebd1e3f250.txt").read_bytes()
    assert by_id[parts[1]].startswith(b"Memo")
    assert by_id[parts[2]].startswith(b"Herijking")


@pytest.mark.parametrize("entry", ENTRIES, ids=ENTRY_IDS)
def test_pdf_pages_and_text_layer(entry: dict[str, Any]) -> None:
    pdf_path = CORPUS_DIR / entry["file"]
    reader = PdfReader(pdf_path)
    assert len(reader.pages) >= 1
    if entry["doc_type"] == "koersplan":
        assert len(reader.pages) >= 10
    assert reader.metadata is not None
    assert reader.metadata.title == entry["title"]
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4

    source = normalized_words((CORPUS_DIR / entry["text_file"]).read_text(encoding="utf-8"))
    extracted = normalized_words("\n".join(pdf_pages_text(pdf_path)))
    matcher = difflib.SequenceMatcher(None, source, extracted, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    recall = matched / len(source)
    assert recall >= MIN_WORD_RECALL, f"{entry['document_id']}: {recall:.4f}"


@pytest.mark.parametrize("entry", ENTRIES, ids=ENTRY_IDS)
def test_pdf_has_no_added_or_unrenderable_text(entry: dict[str, Any]) -> None:
    text = "\n".join(pdf_pages_text(CORPUS_DIR / entry["file"]))
    assert "\ufffd" not in text
    assert "**" not in text
    assert "&amp;" not in text and "<b>" not in text


def test_page_break_markers_start_new_pages() -> None:
    pages = pdf_pages_text(CORPUS_DIR / "pdf" / "nob-2023-koersplan-via.pdf")
    starts = [page.lstrip()[:40] for page in pages]
    assert any(s.startswith("2 De essentie om in actie te komen") for s in starts)
    assert any(s.startswith("8 Financieel Kader") for s in starts)
    regiovisie = "arnhem-achterhoek-2024-regiovisie-samen-veilig.pdf"
    pages = pdf_pages_text(CORPUS_DIR / "pdf" / regiovisie)
    assert any(page.lstrip().startswith("Stand van zaken") for page in pages)


def test_table_rows_stay_on_one_line() -> None:
    text = "\n".join(pdf_pages_text(CORPUS_DIR / "pdf" / "nob-2023-koersplan-via.pdf"))
    assert "Boekel 11030 1,78% € 0,00 € 5.518,00 € 5.518,00 € 11.036,00" in text.splitlines()


def test_bold_markers_render_without_asterisks() -> None:
    pdf_path = CORPUS_DIR / "pdf" / "boekel-2026-rib-toekomstbeeld-via.pdf"
    text = "\n".join(pdf_pages_text(pdf_path))
    assert "Onderwerp: Toekomstbeeld stappenplan Veiligheid in" in text
    assert "- Regionale netwerksamenwerking" in text


def test_committed_pdfs_match_a_fresh_build(built_dir: Path) -> None:
    for entry in ENTRIES:
        name = Path(entry["file"]).name
        assert sha256(built_dir / name) == sha256(CORPUS_DIR / entry["file"]), (
            f"{name} is stale: run python corpus/build_pdfs.py"
        )


def test_rebuild_is_byte_identical(built_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    results = build_pdfs.build_all(tmp_path)
    assert [r.document_id for r in results] == ENTRY_IDS
    for result in results:
        assert result.pages >= 1
        assert result.path.read_bytes() == (built_dir / result.path.name).read_bytes()


def test_sanitize_line_handles_unrenderable_characters() -> None:
    renderable = build_pdfs.supported_chars()
    line, dropped = build_pdfs.sanitize_line("A\ufffdankelijk\t\ufffdBij\u202fx\ue000", renderable)
    assert line == "Aankelijk  Bij x"
    assert dropped == 3


def test_line_markup_escapes_and_carries_bold_across_lines() -> None:
    markup, bold = build_pdfs.line_markup("**R&D <x>", False)
    assert markup == "<b>R&amp;D &lt;x&gt;</b>"
    assert bold is True
    markup, bold = build_pdfs.line_markup("vervolg** tekst", bold)
    assert markup == "<b>vervolg</b> tekst"
    assert bold is False
