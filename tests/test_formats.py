"""More formats and metadata by hand: DOCX, HTML and scanned PDFs (OCR) read, ingested into a real embedded store
and found by search; the region of a former municipality; sidecar files and ``kb ingest`` options."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from haystack import Document
from helpers import make_image_only_pdf, make_pdf, make_scanned_pdf, squash

from ingest.cleaning import clean_text
from ingest.metadata import (
    OVERRIDABLE_FIELDS,
    InvalidMetadataError,
    MetadataEnricher,
    apply_overrides,
    detect_info,
    read_sidecar,
    sidecar_for,
    validate_overrides,
)
from ingest.readers import PAGE_BREAK, ReadOptions, SourceReader, UnreadableFileError, read_source
from ingest.readers.ocr import unavailable_reason
from ingest.service import Ingestor, IngestReport, collect_files
from ingest.splitting import split_document
from ingest.store import iter_passages, opened_store, stored_documents
from kb_core.domain import DOCUMENT_FIELDS, SearchFilters
from kb_core.settings import Settings
from kb_core.text.lines import is_table_row, line_kind

pytestmark = pytest.mark.filterwarnings("ignore:Payload indexes have no effect:UserWarning")

needs_ocr = pytest.mark.skipif(
    unavailable_reason("nld") is not None, reason="Tesseract with the Dutch model is not installed"
)

# --- the sources ------------------------------------------------------------------------------------

DOCX_ID = "oss-memo-ouderen"
DOCX_HEADING = "Signalen van ouderenmishandeling"
DOCX_TABLE = [["Jaar", "Meldingen", "Opgepakt"], ["2024", "112", "90"], ["2025", "87", "80"]]


def make_docx(path: Path, *, page_break: bool = True) -> Path:
    """A Word memo: title, date line, a heading with paragraphs, a bullet list, a table and a page break."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.core_properties.title = "Memo ouderenmishandeling Oss"
    document.add_heading("Raadsmemo gemeente Oss", 0)
    document.add_paragraph("Datum: 3 februari 2026")
    document.add_heading(DOCX_HEADING, 1)
    document.add_paragraph(
        "De wijkteams in Oss krijgen vaker signalen van financiële uitbuiting van ouderen door familieleden. "
        "Daarom start de gemeente dit voorjaar een mantelzorgtraining voor mantelzorgers en vrijwilligers."
    )
    document.add_paragraph("Wij nemen daarbij de volgende maatregelen:")
    document.add_paragraph("Voorlichting in de wijkcentra over geldzaken", style="List Bullet")
    document.add_paragraph("Een meldpunt voor buren en familie", style="List Bullet")
    document.add_heading("Cijfers", 2)
    document.add_paragraph("Het aantal meldingen bij Veilig Thuis over ouderen in Oss per jaar:")
    table = document.add_table(rows=len(DOCX_TABLE), cols=3)
    for r, row in enumerate(DOCX_TABLE):
        for c, value in enumerate(row):
            table.rows[r].cells[c].text = value
    closing = document.add_paragraph("Wij informeren u na de zomer over de resultaten.")
    if page_break:
        closing.add_run().add_break(WD_BREAK.PAGE)
        closing.add_run("Bijlage: de planning van de bijeenkomsten in de wijkcentra van Oss en Berghem.")
    document.save(str(path))
    return path


HTML_ID = "oss-webpagina-huiselijk-geweld"
HTML_PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<title>Hulp bij huiselijk geweld | Gemeente Oss</title></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/afval">Afvalkalender en containerpas</a></li>
<li><a href="/parkeren">Parkeervergunning aanvragen</a></li><li><a href="/paspoort">Paspoort verlengen</a></li></ul></nav>
<header><p>Zoeken op de website van de gemeente: typ uw vraag</p></header>
<main><article>
<h1>Hulp bij huiselijk geweld in Oss</h1>
<p>Maakt u zich zorgen over geweld in uw eigen gezin of bij de buren? Bel dan Veilig Thuis. Het
wijkteam van de gemeente Oss helpt ook bij een huisverbod en zoekt samen met u naar een veilige plek.</p>
<h2>Wat kunt u doen?</h2>
<ul><li>Bel Veilig Thuis op 0800-2000, dag en nacht bereikbaar.</li>
<li>Vraag het wijkteam om een gesprek met een vertrouwensaandachtsfunctionaris.</li></ul>
<p>Bij direct gevaar belt u altijd 112. De politie en Veilig Thuis werken samen in het Zorg- en Veiligheidshuis.</p>
</article></main>
<footer><p>Cookiebeleid en privacyverklaring</p><p>Volg ons op sociale media en abonneer op de nieuwsbrief</p></footer>
</body></html>
"""

SCAN_ID = "scan-rib-boekel"
SCAN_PAGES = [
    [
        "Raadsinformatiebrief gemeente Boekel",
        "Datum: 14 januari 2026",
        "Onderwerp: Nazorg na een tijdelijk huisverbod",
        "",
        "1 Nazorg",
        "Na afloop van een tijdelijk huisverbod neemt het",
        "wijkteam binnen twee weken contact op met het gezin.",
        "De casusregisseur bewaakt de afspraken uit het plan.",
    ],
    [
        "2 Evaluatie",
        "De gemeente evalueert de nazorg jaarlijks samen met",
        "Veilig Thuis en de reclassering in de regio.",
    ],
]

MIXED_ID = "gemengd-verslag"
MIXED_PAGES = [
    [
        "Verslag werkgroep Zorg en Veiligheid",
        "Datum: 2 december 2025",
        "1 Vergadering",
        "De werkgroep bespreekt de voortgang van het regionale programma en de inzet van",
        "de lokale teams bij meldingen van huiselijk geweld in de gemeenten van de regio.",
    ],
    [
        "2 Besluitenlijst",
        "De werkgroep besluit tot een pilot met",
        "gezinscoaches in drie gemeenten.",
        "De pilot duurt twaalf maanden.",
    ],
]

UDEN_ID = "uden-rib-2019"
UDEN_PAGES = [
    [
        "Raadsinformatiebrief gemeente Uden",
        "Datum: 8 oktober 2019",
        "Onderwerp: Aanpak kindermishandeling in Uden",
        "1 Aanleiding",
        "Met deze brief informeert het college u over de aanpak van kindermishandeling in Uden. De",
        "jeugdverpleegkundigen en het sociaal team werken samen met Veilig Thuis Brabant Noordoost.",
    ]
]

SIDECAR_ID = "brief-zonder-kop"
SIDECAR_PAGES = [
    [
        "Beste leden van de raad,",
        "Hierbij ontvangt u de stand van zaken van de aanpak van femicide en stalking. De",
        "werkgroep heeft een nieuwe werkwijze opgesteld voor het delen van informatie tussen partners.",
    ]
]
SIDECAR = {"municipality": "Oss", "doc_type": "raadsmemo", "date": "2026-03-01", "title": "Aanpak femicide"}


def write_sources(folder: Path) -> dict[str, Path]:
    """Every source of this module in ``folder``; a sidecar next to the brief without a heading."""
    folder.mkdir(parents=True, exist_ok=True)
    html = folder / f"{HTML_ID}.html"
    html.write_text(HTML_PAGE, encoding="utf-8")
    paths = {
        DOCX_ID: make_docx(folder / f"{DOCX_ID}.docx"),
        HTML_ID: html,
        SCAN_ID: make_scanned_pdf(folder / f"{SCAN_ID}.pdf", SCAN_PAGES),
        MIXED_ID: make_scanned_pdf(folder / f"{MIXED_ID}.pdf", MIXED_PAGES, text_pages=frozenset({0})),
        UDEN_ID: make_pdf(folder / f"{UDEN_ID}.pdf", UDEN_PAGES),
        SIDECAR_ID: make_pdf(folder / f"{SIDECAR_ID}.pdf", SIDECAR_PAGES),
    }
    (folder / f"{SIDECAR_ID}.pdf.meta.json").write_text(json.dumps(SIDECAR), encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def kb(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Settings, Any, IngestReport, dict[str, Path]]]:
    """All sources ingested once into a real embedded store, which stays open for the module's tests."""
    base = tmp_path_factory.mktemp("formats")
    paths = write_sources(base / "bronnen")
    (base / "corpus").mkdir()
    settings = Settings(qdrant_path=base / "qdrant", qdrant_url=None, corpus_dir=base / "corpus",
                        collection="via_passages_test")  # fmt: skip
    with opened_store(settings) as store:
        report = Ingestor(settings, store, progress=False).ingest([base / "bronnen"])
        yield settings, store, report, paths


def passages_of(store: Any, document_id: str) -> list[Document]:
    return sorted(iter_passages(store, document_id=document_id), key=lambda d: d.meta["position"])


def search(
    kb: tuple[Settings, Any, IngestReport, dict[str, Path]], query: str, **filters: list[str]
) -> list[Document]:
    from kb_api.services import Services

    settings, store, _, _ = kb
    return Services.build(settings, store).search.search(query, filters=SearchFilters(**filters)).results


def test_every_source_is_ingested_and_the_sidecar_is_no_document(kb: Any) -> None:
    _, store, report, _ = kb
    assert report.failed == []
    assert sorted(report.ingested) == sorted([DOCX_ID, HTML_ID, SCAN_ID, MIXED_ID, UDEN_ID, SIDECAR_ID])
    assert set(stored_documents(store)) == set(report.ingested)  # no document made of the .meta.json


# --- DOCX ---------------------------------------------------------------------------------------------


def test_docx_lines_headings_lists_tables_and_page_breaks(tmp_path: Path) -> None:
    doc = read_source(make_docx(tmp_path / "memo.docx"))
    assert doc.meta["source_format"] == "docx"
    assert doc.meta["page_count"] == 2  # one explicit page break
    assert doc.meta["source_title"] == "Memo ouderenmishandeling Oss"
    first, second = doc.content.split(PAGE_BREAK)
    lines = first.split("\n")
    assert lines[0] == "# Raadsmemo gemeente Oss"  # Title
    assert f"## {DOCX_HEADING}" in lines and "### Cijfers" in lines  # Heading 1, Heading 2
    assert "- Voorlichting in de wijkcentra over geldzaken" in lines
    rows = [line for line in lines if line.startswith("|")]
    assert rows == ["| Jaar | Meldingen | Opgepakt |", "| 2024 | 112 | 90 |", "| 2025 | 87 | 80 |"]
    assert all(line_kind(row) == "table" for row in rows)
    assert lines[lines.index(rows[0]) + 1] == rows[1]  # a table is one block of rows
    assert first.rstrip().endswith("Wij informeren u na de zomer over de resultaten.")
    assert second.startswith("Bijlage: de planning")

    without_break = read_source(make_docx(tmp_path / "een-pagina.docx", page_break=False))
    assert without_break.meta["page_count"] == 1 and PAGE_BREAK not in (without_break.content or "")


def test_docx_page_break_before_and_a_paragraph_without_it(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Eerste pagina van de notitie over de aanpak.")
    chapter = document.add_heading("Hoofdstuk twee", 1)
    chapter.paragraph_format.page_break_before = True
    document.add_paragraph("Tekst van het tweede hoofdstuk.")
    off = document.add_paragraph("Geen nieuwe pagina hier.")
    off.paragraph_format.page_break_before = False
    document.save(str(tmp_path / "notitie.docx"))
    pages = (read_source(tmp_path / "notitie.docx").content or "").split(PAGE_BREAK)
    assert pages == [
        "Eerste pagina van de notitie over de aanpak.",
        "## Hoofdstuk twee\n\nTekst van het tweede hoofdstuk.\n\nGeen nieuwe pagina hier.",
    ]


def test_docx_passages_keep_heading_as_section_and_table_rows_with_their_header(tmp_path: Path) -> None:
    content = clean_text(read_source(make_docx(tmp_path / "memo.docx")).content or "")
    passages = split_document(content, target_words=25, max_words=60, min_words=5)
    [training] = [p for p in passages if "mantelzorgtraining" in p["text"]]
    assert training["section"] == DOCX_HEADING
    [table] = [p for p in passages if "| 2025 | 87 | 80 |" in p["text"]]
    assert "| Jaar | Meldingen | Opgepakt |" in table["text"]
    assert table["section"] == "Cijfers"


def test_docx_is_found_by_search(kb: Any) -> None:
    _, store, _, _ = kb
    top = search(kb, "mantelzorgtraining financiële uitbuiting ouderen")[0]
    assert top.meta["document_id"] == DOCX_ID
    assert top.meta["section"] == DOCX_HEADING
    assert "mantelzorgtraining" in (top.content or "")
    assert top.meta["source_format"] == "docx" and top.meta["ocr"] is False
    # Detected from the text: municipality, type and the date line; the title (no 'Onderwerp:' line) from the
    # document's core properties.
    assert top.meta["title"] == "Memo ouderenmishandeling Oss" and top.meta["metadata_source"] == "detected"
    assert (top.meta["municipality"], top.meta["region"]) == ("Oss", "Noordoost-Brabant")
    assert (top.meta["doc_type"], top.meta["date"]) == ("raadsmemo", "2026-02-03")
    [table] = [p for p in passages_of(store, DOCX_ID) if "| 2025 | 87 | 80 |" in (p.content or "")]
    assert "| Jaar | Meldingen | Opgepakt |" in (table.content or "")
    last = passages_of(store, DOCX_ID)[-1]
    assert last.meta["page_end"] == 2 and "Bijlage" in (last.content or "")  # after the page break


def test_damaged_docx_is_one_clear_failure(tmp_path: Path) -> None:
    path = tmp_path / "kapot.docx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(300))
    result = SourceReader().run(sources=[path])
    assert result["documents"] == []
    assert result["failures"][0].reason == "not a readable DOCX (damaged, or not a Word document)"


# --- HTML ---------------------------------------------------------------------------------------------


def test_html_main_text_without_boilerplate(tmp_path: Path) -> None:
    path = tmp_path / "pagina.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    doc = read_source(path)
    text = doc.content or ""
    assert doc.meta["source_format"] == "html" and doc.meta["page_count"] == 1
    assert doc.meta["source_title"].startswith("Hulp bij huiselijk geweld")
    assert "# Hulp bij huiselijk geweld in Oss" in text.split("\n")
    assert "## Wat kunt u doen?" in text.split("\n")
    assert "- Bel Veilig Thuis op 0800-2000, dag en nacht bereikbaar." in text.split("\n")
    for boilerplate in ("Afvalkalender", "Parkeervergunning", "Cookiebeleid", "nieuwsbrief", "typ uw vraag"):
        assert boilerplate not in text


def test_html_table_rows(tmp_path: Path) -> None:
    path = tmp_path / "cijfers.htm"
    path.write_text(
        "<html><head><title>Cijfers</title></head><body><article><h1>Meldingen Veilig Thuis</h1>"
        "<p>Het aantal meldingen van huiselijk geweld bij Veilig Thuis in de regio per jaar is gestegen.</p>"
        "<table><tr><th>Jaar</th><th>Meldingen</th></tr><tr><td>2024</td><td>1.204</td></tr>"
        "<tr><td>2025</td><td>1.377</td></tr></table></article></body></html>",
        encoding="utf-8",
    )
    lines = (read_source(path).content or "").split("\n")
    rows = [line for line in lines if line.startswith("|")]
    assert rows == ["| Jaar | Meldingen |", "| 2024 | 1.204 |", "| 2025 | 1.377 |"]  # no |---| rule


def test_html_without_main_text(tmp_path: Path) -> None:
    path = tmp_path / "leeg.html"
    path.write_text(
        "<html><head><title>Leeg</title><script>var a = 1;</script></head>"
        "<body><div><img src='kaart.png'></div></body></html>"
    )
    with pytest.raises(UnreadableFileError, match="no main text"):
        read_source(path)


def test_html_is_found_by_search_and_boilerplate_is_not(kb: Any) -> None:
    _, store, _, _ = kb
    top = search(kb, "Wie helpt bij een huisverbod en een veilige plek?")[0]
    assert top.meta["document_id"] == HTML_ID
    assert top.meta["source_format"] == "html"
    assert top.meta["title"].startswith("Hulp bij huiselijk geweld")  # the page's title
    assert (top.meta["municipality"], top.meta["region"]) == ("Oss", "Noordoost-Brabant")
    stored = squash(" ".join(p.content or "" for p in passages_of(store, HTML_ID)))
    assert "vertrouwensaandachtsfunctionaris" in stored
    assert "Afvalkalender" not in stored and "Cookiebeleid" not in stored
    for passage in search(kb, "afvalkalender containerpas parkeervergunning"):
        assert "Afvalkalender" not in (passage.content or "")


# --- scanned PDFs (OCR) --------------------------------------------------------------------------------


@needs_ocr
def test_scanned_pdf_is_read_by_ocr(tmp_path: Path) -> None:
    doc = read_source(make_scanned_pdf(tmp_path / "scan.pdf", SCAN_PAGES))
    assert doc.meta["source_format"] == "pdf+ocr"
    assert doc.meta["ocr_pages"] == [1, 2]
    first, second = (doc.content or "").split(PAGE_BREAK)
    assert "tijdelijk huisverbod" in squash(first) and "casusregisseur" in first
    assert "reclassering" in second and "casusregisseur" not in second


@needs_ocr
def test_mixed_pdf_keeps_the_text_layer_and_reads_the_scanned_page(tmp_path: Path) -> None:
    doc = read_source(make_scanned_pdf(tmp_path / "gemengd.pdf", MIXED_PAGES, text_pages=frozenset({0})))
    assert doc.meta["source_format"] == "pdf+ocr" and doc.meta["ocr_pages"] == [2]
    first, second = (doc.content or "").split(PAGE_BREAK)
    assert squash(first) == squash(" ".join(MIXED_PAGES[0]))  # pypdf's text, exactly
    assert "gezinscoaches" in second and "twaalf maanden" in second


@needs_ocr
def test_ocr_passages_are_marked_and_found_by_search(kb: Any) -> None:
    _, store, _, _ = kb
    top = search(kb, "Wanneer neemt het wijkteam contact op na een tijdelijk huisverbod?")[0]
    assert top.meta["document_id"] == SCAN_ID
    assert top.meta["ocr"] is True and top.meta["source_format"] == "pdf+ocr"
    assert "casusregisseur" in (top.content or "")
    scan = passages_of(store, SCAN_ID)
    assert all(p.meta["ocr"] is True for p in scan)
    # Metadata detected from the OCR text.
    assert (scan[0].meta["municipality"], scan[0].meta["date"]) == ("Boekel", "2026-01-14")

    mixed = passages_of(store, MIXED_ID)
    assert {p.meta["page"]: p.meta["ocr"] for p in mixed} == {1: False, 2: True}
    pilot = search(kb, "pilot met gezinscoaches")[0]
    assert pilot.meta["document_id"] == MIXED_ID and pilot.meta["page"] == 2 and pilot.meta["ocr"] is True


def test_without_tesseract_an_image_only_pdf_fails_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = make_image_only_pdf(tmp_path / "scan.pdf")
    text = make_pdf(tmp_path / "tekst.pdf", [["Een gewone pagina met een tekstlaag over Veilig Thuis."]])
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))  # no tesseract on the PATH
    assert unavailable_reason("nld") == "Tesseract is not installed"
    result = SourceReader().run(sources=[scan, text])
    [failure] = result["failures"]
    assert failure.path == str(scan)
    assert "scanned PDF" in failure.reason and "OCR not available" in failure.reason
    assert "install tesseract-ocr-nld" in failure.reason
    assert [d.meta["file_name"] for d in result["documents"]] == ["tekst.pdf"]


@needs_ocr
def test_ocr_language_without_a_model_and_ocr_switched_off(tmp_path: Path) -> None:
    scan = make_image_only_pdf(tmp_path / "scan.pdf")
    with pytest.raises(UnreadableFileError, match=r"no 'xyz' language model.*install tesseract-ocr-xyz"):
        read_source(scan, ReadOptions(ocr_language="xyz"))
    assert (
        unavailable_reason("nld+xyz") == "Tesseract has no 'xyz' language model"
    )  # several models: 'nld+eng'
    with pytest.raises(UnreadableFileError, match="OCR is switched off"):
        read_source(scan, ReadOptions(ocr_max_pages=0))
    # Drawn shapes only: OCR runs and finds no text.
    with pytest.raises(UnreadableFileError, match="no text layer and OCR found no text"):
        read_source(scan)


@needs_ocr
def test_ocr_page_limit(tmp_path: Path) -> None:
    scan = make_scanned_pdf(tmp_path / "scan.pdf", SCAN_PAGES)
    with pytest.raises(UnreadableFileError, match=r"2 pages need OCR, more than the limit of 1"):
        read_source(scan, ReadOptions(ocr_max_pages=1))
    assert Settings().ingest.ocr_max_pages == 200 and Settings().ingest.ocr_language == "nld"


def test_text_pdf_pages_are_not_ocrd(tmp_path: Path) -> None:
    doc = read_source(make_pdf(tmp_path / "tekst.pdf", UDEN_PAGES))
    assert doc.meta["source_format"] == "pdf" and "ocr_pages" not in doc.meta


# --- line kinds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "table"),
    [
        ("| Jaar | Meldingen |", True),
        ("| Gemeente | Contactpersoon | Rol |", True),
        ("| Alleen |", True),
        ("Gemeente | Contactpersoon | Rol", True),
        ("Boekel 11030 1,78% € 0,00 € 5.518,00", True),
        ("Keuze A | keuze B", False),
        ("|", False),
        ("Signalen van ouderenmishandeling", False),
    ],
)
def test_cells_between_bars_are_a_table_row(line: str, table: bool) -> None:
    assert is_table_row(line) is table
    if table:
        assert line_kind(line) == "table"  # never a heading, even without figures


# --- regions of former municipalities -----------------------------------------------------------------


def test_a_pdf_from_uden_gets_maashorst_and_noordoost_brabant(kb: Any) -> None:
    _, store, _, _ = kb
    passages = passages_of(store, UDEN_ID)
    assert passages
    for p in passages:
        assert (p.meta["municipality"], p.meta["region"]) == ("Maashorst", "Noordoost-Brabant")
        assert (p.meta["date"], p.meta["doc_type"]) == ("2019-10-08", "raadsinformatiebrief")
        assert p.meta["metadata_source"] == "detected"
    found = search(kb, "aanpak kindermishandeling jeugdverpleegkundigen", region=["Noordoost-Brabant"])
    assert found[0].meta["document_id"] == UDEN_ID
    assert all(
        d.meta["document_id"] != UDEN_ID
        for d in search(kb, "kindermishandeling", region=["Arnhem-Achterhoek"])
    )


@pytest.mark.parametrize(
    ("former", "now"),
    [
        ("Uden", "Maashorst"),
        ("Landerd", "Maashorst"),
        ("Boxmeer", "Land van Cuijk"),
        ("Cuijk", "Land van Cuijk"),
        ("Grave", "Land van Cuijk"),
        ("Mill en Sint Hubert", "Land van Cuijk"),
        ("Sint Anthonis", "Land van Cuijk"),
        ("Schijndel", "Meierijstad"),
        ("Veghel", "Meierijstad"),
        ("Sint-Oedenrode", "Meierijstad"),
    ],
)
def test_former_municipalities_detected_in_text(former: str, now: str) -> None:
    info = detect_info(
        f"Raadsinformatiebrief gemeente {former}\nDatum: 1 maart 2020\nOver de aanpak van ViA.", "x"
    )
    assert (info.municipality, info.region) == (now, "Noordoost-Brabant")


def test_a_municipality_written_in_lower_case_is_a_word() -> None:
    info = detect_info("Notitie over de grave gevolgen van geweld in het gezin.", "x")
    assert info.municipality is None and info.region is None


# --- metadata by hand -----------------------------------------------------------------------------------


def test_overridable_fields_come_from_document_info() -> None:
    assert (
        tuple(f for f in DOCUMENT_FIELDS if f not in ("document_id", "metadata_source")) == OVERRIDABLE_FIELDS
    )
    assert set(OVERRIDABLE_FIELDS) == {"title", "municipality", "region", "doc_type", "date"}


def test_validate_overrides_normalises_and_refuses() -> None:
    assert validate_overrides(
        {
            "municipality": "uden",
            "region": "noordoost brabant",
            "doc_type": "Raadsmemo",
            "date": "2026-03-01",
        },
        origin="x",
    ) == {
        "municipality": "Maashorst",
        "region": "Noordoost-Brabant",
        "doc_type": "raadsmemo",
        "date": "2026-03-01",
    }
    assert validate_overrides({"municipality": None}, origin="x") == {"municipality": None}
    bad = [
        ({"date": "2026-13-01"}, "Invalid date"),
        ({"date": "1 maart 2026"}, "Invalid date"),
        ({"datum": "2026-03-01"}, "Unknown metadata field 'datum'"),
        ({"document_id": "x"}, "Unknown metadata field"),
        ({"region": "Twente"}, "Unknown region"),
        ({"title": ""}, "title in brief.meta.json must not be empty"),
        ({"municipality": 12}, "Invalid value for municipality"),
    ]
    for values, message in bad:
        with pytest.raises(InvalidMetadataError, match=message):
            validate_overrides(values, origin="brief.meta.json")


def test_sidecar_names_and_contents(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "brief.pdf", SIDECAR_PAGES)
    assert sidecar_for(pdf) is None
    short = tmp_path / "brief.meta.json"
    short.write_text(json.dumps({"municipality": "Vught"}), encoding="utf-8")
    assert sidecar_for(pdf) == short
    full = tmp_path / "brief.pdf.meta.json"
    full.write_text(json.dumps({"municipality": "Boxtel"}), encoding="utf-8")
    assert sidecar_for(pdf) == full  # the sidecar named after the whole file name wins
    assert read_sidecar(full) == {"municipality": "Boxtel"}
    full.write_text("{niet: json", encoding="utf-8")
    with pytest.raises(InvalidMetadataError, match="cannot be read"):
        read_sidecar(full)
    full.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InvalidMetadataError, match="JSON object"):
        read_sidecar(full)
    assert collect_files([tmp_path]) == [pdf]  # sidecars are not sources


def test_overrides_win_and_bring_their_region() -> None:
    detected = detect_info("Regiovisie gemeente Zevenaar\nDatum: 1 maart 2024\nTekst.", "visie")
    assert (detected.municipality, detected.region) == ("Zevenaar", "Arnhem-Achterhoek")
    moved = apply_overrides(detected, {"municipality": "Oss"}, source="sidecar")
    assert (moved.municipality, moved.region, moved.metadata_source) == (
        "Oss",
        "Noordoost-Brabant",
        "sidecar",
    )
    assert (moved.date, moved.title) == (detected.date, detected.title)
    both = apply_overrides(
        detected, {"municipality": "Heusden", "region": "Noordoost-Brabant"}, source="override"
    )
    assert (both.municipality, both.region) == ("Heusden", "Noordoost-Brabant")
    assert apply_overrides(detected, {}, source="override") == detected


def test_enricher_order_detected_then_sidecar_then_overrides(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "brief.pdf", UDEN_PAGES)
    (tmp_path / "brief.meta.json").write_text(json.dumps({"doc_type": "raadsmemo", "date": "2020-01-02"}))
    doc = read_source(pdf)
    enricher = MetadataEnricher(manifest_path=str(tmp_path / "geen-manifest.json"))
    [out] = enricher.run(documents=[doc])["documents"]
    assert (out.meta["doc_type"], out.meta["date"], out.meta["date_int"]) == (
        "raadsmemo",
        "2020-01-02",
        20200102,
    )
    assert out.meta["municipality"] == "Maashorst" and out.meta["metadata_source"] == "sidecar"
    [out] = enricher.run(documents=[doc], overrides={"date": "2021-05-06"})["documents"]
    assert (out.meta["doc_type"], out.meta["date"], out.meta["metadata_source"]) == (
        "raadsmemo",
        "2021-05-06",
        "override",
    )


def test_sidecar_metadata_is_stored(kb: Any) -> None:
    _, store, _, _ = kb
    passages = passages_of(store, SIDECAR_ID)
    assert passages
    for p in passages:
        assert p.meta["title"] == "Aanpak femicide"
        assert (p.meta["municipality"], p.meta["region"]) == ("Oss", "Noordoost-Brabant")
        assert (p.meta["doc_type"], p.meta["date"], p.meta["date_int"]) == (
            "raadsmemo",
            "2026-03-01",
            20260301,
        )
        assert p.meta["metadata_source"] == "sidecar"


@pytest.fixture
def own_store(tmp_path: Path) -> Iterator[tuple[Settings, Any, Path]]:
    folder = tmp_path / "bronnen"
    folder.mkdir()
    (tmp_path / "corpus").mkdir()
    settings = Settings(qdrant_path=tmp_path / "qdrant", qdrant_url=None, corpus_dir=tmp_path / "corpus",
                        collection="via_passages_test")  # fmt: skip
    with opened_store(settings) as store:
        yield settings, store, folder


def test_a_changed_or_bad_sidecar_and_overrides_on_an_unchanged_file(
    own_store: tuple[Settings, Any, Path],
) -> None:
    settings, store, folder = own_store
    pdf = make_pdf(folder / "brief.pdf", SIDECAR_PAGES)
    sidecar = folder / "brief.pdf.meta.json"
    sidecar.write_text(json.dumps({"title": "Eerste titel", "municipality": "Vught"}), encoding="utf-8")
    ingestor = Ingestor(settings, store, progress=False)
    assert ingestor.ingest([folder]).ingested == ["brief"]
    assert ingestor.ingest([folder]).unchanged == ["brief"]

    sidecar.write_text(json.dumps({"title": "Tweede titel", "municipality": "Vught"}), encoding="utf-8")
    again = ingestor.ingest([folder])
    assert again.ingested == ["brief"]  # the file is the same, its metadata is not
    assert {p.meta["title"] for p in passages_of(store, "brief")} == {"Tweede titel"}

    before = {p.id: p.meta for p in passages_of(store, "brief")}
    sidecar.write_text(json.dumps({"date": "2026-02-30"}), encoding="utf-8")
    bad = ingestor.ingest([folder], prune=True)
    [failure] = bad.failed
    assert (
        failure.path == str(pdf)
        and "Invalid date" in failure.reason
        and "brief.pdf.meta.json" in failure.reason
    )
    assert (
        bad.removed == [] and {p.id: p.meta for p in passages_of(store, "brief")} == before
    )  # nothing written

    sidecar.unlink()
    gone = ingestor.ingest([folder])
    assert gone.ingested == ["brief"]  # the sidecar's metadata is no longer wanted
    assert {p.meta["metadata_source"] for p in passages_of(store, "brief")} == {"detected"}

    with pytest.raises(InvalidMetadataError):
        ingestor.ingest([folder], overrides={"date": "morgen"})
    overridden = ingestor.ingest([pdf], overrides={"doc_type": "raadsmemo"})
    assert overridden.ingested == ["brief"]
    assert {(p.meta["doc_type"], p.meta["metadata_source"]) for p in passages_of(store, "brief")} == {
        ("raadsmemo", "override")
    }
    assert ingestor.ingest([pdf], overrides={"doc_type": "raadsmemo"}).unchanged == ["brief"]


# --- kb ingest options ----------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The environment ``kb`` reads its settings from, on a tmp store and corpus; the settings cache is reset."""
    from kb_core.settings import get_settings

    (tmp_path / "corpus").mkdir()
    for name in list(os.environ):
        if name.startswith("KB_") or name == "QDRANT_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("KB_QDRANT_PATH", str(tmp_path / "qdrant"))
    monkeypatch.setenv("KB_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("KB_COLLECTION", "via_passages_cli")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_kb_ingest_metadata_options(cli_env: Settings, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kb_api.cli import app

    one = make_pdf(tmp_path / "in" / "eerste-brief.pdf", SIDECAR_PAGES)
    two = make_pdf(tmp_path / "in" / "tweede-brief.pdf", UDEN_PAGES)
    (tmp_path / "in" / "eerste-brief.meta.json").write_text(
        json.dumps({"municipality": "Vught", "title": "Uit sidecar"})
    )
    runner = CliRunner()

    refused = runner.invoke(app, ["ingest", str(one), "--date", "2026-02-30"])
    assert refused.exit_code == 2, refused.output
    assert "Ongeldige datum" in refused.output and "2026-02-30" in refused.output
    assert not cli_env.store.qdrant_path.exists()  # refused before the store was opened

    args = ["ingest", str(one), str(two), "--municipality", "Oss", "--doc-type", "raadsmemo",
            "--date", "2026-03-01", "--title", "Stand van zaken femicide", "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.output)["ingested"]) == ["eerste-brief", "tweede-brief"]

    with opened_store(cli_env) as store:
        for doc_id in ("eerste-brief", "tweede-brief"):
            for p in passages_of(store, doc_id):
                assert p.meta["title"] == "Stand van zaken femicide"  # the option wins over the sidecar
                assert (p.meta["municipality"], p.meta["region"]) == ("Oss", "Noordoost-Brabant")
                assert (p.meta["doc_type"], p.meta["date"]) == ("raadsmemo", "2026-03-01")
                assert p.meta["metadata_source"] == "override"


def test_ingest_help_lists_the_metadata_options() -> None:
    from typer.main import get_command

    from kb_api.cli import app

    command = get_command(app).commands["ingest"]  # type: ignore[attr-defined]
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    assert {f"--{name.replace('_', '-')}" for name in OVERRIDABLE_FIELDS} <= options
