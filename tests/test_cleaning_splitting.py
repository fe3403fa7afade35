"""Cleaning extracted text and splitting it into citable passages, on made-up text, real PDFs and the corpus."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO_ROOT, squash

from ingest.cleaning import TextCleaner, clean_text
from ingest.readers import PAGE_BREAK, read_source
from ingest.splitting import StructureSplitter, passage_id, split_document
from kb_core.domain import quote_page
from kb_core.text.units import quotable_units

CORPUS_PDFS = sorted((REPO_ROOT / "corpus" / "pdf").glob("*.pdf"))
MakePdf = Callable[[Path, list[list[str]]], Path]

# Three pages as a letter is laid out: paragraphs wrapped at the page width, a list, a numbered heading on
# page 2, a table on page 3.
LETTER_PAGES = [
    [
        "Raadsinformatiebrief",
        "Datum: 9 maart 2026",
        "Onderwerp: Toekomstbeeld aanpak geweld in afhankelijkheidsrelaties",
        "Met deze brief informeren wij u over de regionale en lokale ontwikkelingen rondom de aanpak",
        "van geweld in afhankelijkheidsrelaties. Het onderzoek van het Verwey-Jonker instituut liet zien",
        "dat het bij zeventig procent van de gezinnen niet lukt om het geweld duurzaam te stoppen. Daarom",
        "werken de gemeenten in de regio samen aan een effectievere aanpak van huiselijk geweld en kinder-",
        "mishandeling, met aandacht voor de zorg- en veiligheidsketen en voor de inzet van professionals.",
        "De volgende acties krijgen voorrang:",
        "• versterken van de regionale netwerksamenwerking",
        "- de inzet van ervaringsdeskundigheid in het sociaal domein",
        "1. een gezamenlijke monitor voor alle gemeenten in de regio",
    ],
    [
        "4.2.3 Specifieke doelgroepen",
        "Ouderen, mensen met een licht verstandelijke beperking en jongeren zoeken minder snel hulp",
        "bij geweld thuis. Voor deze doelgroepen ontwikkelen de gemeenten samen met Veilig Thuis een",
        "gerichte aanpak, waarin voorlichting, vroegsignalering en laagdrempelige ondersteuning een",
        "plaats krijgen. Professionals in het voorveld worden getraind in het herkennen van signalen.",
    ],
    [
        "5 Financieel kader",
        "De gemeenten dragen naar inwonertal bij aan de regionale aanpak. De bijdrage per gemeente",
        "staat in de tabel hieronder; de bedragen gelden per jaar voor de gehele looptijd van het plan.",
        "Boekel 11030 1,78% € 0,00 € 5.518,00",
        "Oss 95000 15,30% € 0,00 € 47.432,00",
        "Monitoring en evaluatie van de aanpak vinden jaarlijks plaats met alle gemeenten en partners,",
        "zodat de raad tijdig kan bijsturen als de resultaten achterblijven bij de verwachtingen.",
    ],
]


def check_passages(content: str, passages: list[dict[str, Any]], max_words: int | None) -> None:
    """The invariants every split must meet: exact offsets, order, no overlap, full coverage, size bounds.

    ``max_words=None`` skips the size bound (see the xfail tests on merged short passages).
    """
    assert passages
    previous_end = 0
    for p in passages:
        assert p["text"] == content[p["char_start"] : p["char_end"]].replace(PAGE_BREAK, "\n")
        assert p["char_start"] >= previous_end  # ordered, never overlapping
        assert content[previous_end : p["char_start"]].strip() == ""  # nothing between passages is lost
        previous_end = p["char_end"]
        assert p["text"] == p["text"].strip()
        if max_words is not None:
            assert len(p["text"].split()) <= max_words
        assert p["page"] == content.count(PAGE_BREAK, 0, p["char_start"]) + 1
        assert p["page"] <= p["page_end"]
    assert content[previous_end:].strip() == ""
    total_words = len(content.split())
    if total_words >= 40:
        assert min(len(p["text"].split()) for p in passages) >= 5


# --- cleaning ---------------------------------------------------------------------------------------


def test_dehyphenates_words_broken_at_line_end() -> None:
    assert clean_text("de aanpak van kinder-\nmishandeling in de regio") == (
        "de aanpak van kindermishandeling in de regio"
    )


def test_keeps_hyphen_before_conjunction() -> None:
    assert clean_text("de zorg-\nen veiligheidsketen") == "de zorg- en veiligheidsketen"
    assert "ex-partners" in clean_text("geweld door ex-partners")


def test_joins_a_year_range_cut_at_line_end() -> None:
    text = (
        "het programmaplan Kind- en Gezinsbescherming 2023-\n2026, de Hervormingsagenda Jeugd en de Leidraad."
    )
    assert clean_text(text) == (
        "het programmaplan Kind- en Gezinsbescherming 2023-2026, de Hervormingsagenda Jeugd en de Leidraad."
    )


def test_joins_wrapped_lines_of_a_paragraph() -> None:
    lines = [
        "Het college heeft in overleg met de partners in de regio besloten om de aanpak",
        "van huiselijk geweld en kindermishandeling de komende jaren verder te versterken",
        "en daarbij nadrukkelijk aandacht te geven aan preventie en aan vroegsignalering",
        "door professionals in het onderwijs, de kinderopvang en de huisartsenpraktijk.",
        "",
        "Een tweede alinea begint hier en staat op zichzelf, los van de vorige alinea.",
    ]
    cleaned = clean_text("\n".join(lines))
    paragraphs = cleaned.split("\n")
    assert paragraphs[0] == " ".join(lines[:4])
    assert paragraphs[1] == ""
    assert paragraphs[2] == lines[5]


def test_joins_a_short_line_that_stops_mid_phrase_even_before_a_capital() -> None:
    # The source wrapped after "Arnhem -" and after "in": the next line carries on the same sentence, though
    # both lines are much shorter than the page's full lines (so the layout did not wrap them).
    full = "Een volle regel tekst van de pagina die de layout over de hele breedte van de bladspiegel zet."
    text = (
        f"{full}\n\n{full}\n\n{full}\n\n{full}\n\n"
        "In 2019 is de regiovisie Samen Veilig voor de regio Arnhem -\n"
        "Achterhoek vastgesteld.\n"
        "Onderwerp: Toekomstbeeld stappenplan Veiligheid in\n"
        "Afhankelijkheidsrelaties 2026-2030\n"
        "Nieuwe alinea\n"
        "Volgt hier."
    )
    lines = [line for line in clean_text(text).split("\n") if line and line != full]
    assert lines[0] == "In 2019 is de regiovisie Samen Veilig voor de regio Arnhem - Achterhoek vastgesteld."
    assert lines[1] == "Onderwerp: Toekomstbeeld stappenplan Veiligheid in Afhankelijkheidsrelaties 2026-2030"
    assert lines[2:] == ["Nieuwe alinea", "Volgt hier."]


def test_a_page_of_diagram_labels_keeps_the_end_of_its_prose_paragraph() -> None:
    # A page with a diagram: most of its lines are short labels, so the long end of its line lengths is a
    # label's length. The lines of prose the layout wrapped (a lower-case line follows them) say how wide the
    # page really is, so the short last line of the paragraph ends it and the heading below stays its own line.
    prose = [
        "De werkgroep komt zes keer per jaar bij elkaar en bespreekt de voortgang van de",
        "uitvoeringsagenda met de partners in de regio, en waar dat nodig is wordt de",
        "agenda in overleg met de colleges van de gemeenten aangepast aan wat er speelt in",
        "de wijken en de kernen. De leden zijn afkomstig uit de drie domeinen en brengen",
        "hun eigen netwerk in; de voorzitter zorgt dat alle besluiten worden vastgelegd",
        "en gedeeld met de gemeenten. Daarna volgt de planning voor het komende",
        "jaar, met de aanpak bijgesteld.",
        "Contactfunctionarissen",
        "Elke gemeente heeft een contactfunctionaris.",
    ]
    labels = [
        "Jeugd",
        "Wmo",
        "Veiligheid",
        "Werkgroep ViA",
        "Stuurgroep",
        "Regionaal Veilig Thuis",
        "Gemeente Oss",
        "Gemeente Boekel",
        "Schil van partners",
        "Uitvoeringsagenda",
        "Colleges",
        "Adviesraad",
        "Ervaringsdeskundigen",
        "Zorgaanbieders",
        "Politie",
        "Onderwijs",
        "Huisartsen",
        "Jeugdzorg",
        "Wijkteams",
        "Raad",
        "Toezicht",
        "Gemeente Uden",
        "Bestuur",
        "Kernteam",
        "Netwerk",
        "Partners Wmo",
        "Mantelzorg",
        "Ouderen",
        "Scholen",
        "Sport",
    ]
    lines = [line for line in clean_text("\n".join(prose + labels)).split("\n") if line]
    assert lines[0] == " ".join(prose[:7])
    assert lines[1] == "Contactfunctionarissen"
    assert lines[2] == prose[8]
    assert lines[3:] == labels


def test_a_salutation_keeps_its_own_line() -> None:
    long_title = "Toekomstbeeld stappenplan Veiligheid in Afhankelijkheidsrelaties 2026-2030 en verder 2"
    body = "In 2023 heeft de gemeenteraad het regionaal Koersplan Veiligheid in Afhankelijkheidsrelaties"
    text = "\n".join([long_title, "Geachte raadsleden,", body, "vastgesteld.", *[body] * 4])
    lines = clean_text(text).split("\n")
    assert lines[:3] == [long_title, "Geachte raadsleden,", body + " vastgesteld."]


def test_a_sentence_that_merely_starts_with_beste_is_not_a_salutation() -> None:
    text = "Het gaat om de allerbeste en de\nbeste zorg voor kinderen.\nBeste praktijken worden gedeeld met de\npartners."
    assert clean_text(text).split("\n") == [
        "Het gaat om de allerbeste en de beste zorg voor kinderen.",
        "Beste praktijken worden gedeeld met de partners.",
    ]


def test_keeps_list_items_on_their_own_lines() -> None:
    text = "De acties zijn:\n• a versterken\n- b samenwerken\n1. c monitoren\nDaarna volgt meer tekst."
    lines = clean_text(text).split("\n")
    assert "• a versterken" in lines
    assert "- b samenwerken" in lines
    assert "1. c monitoren" in lines


def test_keeps_table_rows_intact() -> None:
    text = (
        "De bijdrage per gemeente staat in de tabel\n"
        "Boekel 11030 1,78% € 0,00 € 5.518,00\n"
        "Oss 95000 15,30% € 0,00 € 47.432,00\n"
        "Totaal € 52.950,00"
    )
    lines = clean_text(text).split("\n")
    assert "Boekel 11030 1,78% € 0,00 € 5.518,00" in lines
    assert "Oss 95000 15,30% € 0,00 € 47.432,00" in lines


def test_removes_replacement_and_private_use_characters() -> None:
    cleaned = clean_text("Af\ufffdhankelijk \ue001 geweld\u00ad thuis\u200b.")
    assert "\ufffd" not in cleaned and "\ue001" not in cleaned and "\u00ad" not in cleaned
    assert cleaned == "Afhankelijk geweld thuis."


def test_keeps_page_breaks_and_drops_running_headers_and_page_numbers() -> None:
    pages = [f"Koersplan ViA 2023-2028\nInhoud van pagina {i} over de aanpak.\n{i}" for i in range(1, 5)]
    cleaned = clean_text(PAGE_BREAK.join(pages))
    out_pages = cleaned.split(PAGE_BREAK)
    assert len(out_pages) == 4
    for i, page in enumerate(out_pages, start=1):
        assert page == f"Inhoud van pagina {i} over de aanpak."


def test_text_cleaner_drops_documents_without_text() -> None:
    from haystack import Document

    docs = [
        Document(content="Tekst \ufffd met inhoud.", meta={"file_name": "a.txt"}),
        Document(content="\ufffd\f\ue000", meta={"file_name": "b.txt"}),
    ]
    out = TextCleaner().run(documents=docs)["documents"]
    assert [d.meta["file_name"] for d in out] == ["a.txt"]
    assert out[0].content == "Tekst met inhoud."


# --- splitting a real generated PDF ---------------------------------------------------------------


@pytest.fixture
def letter_content(tmp_path: Path, make_pdf: MakePdf) -> str:
    doc = read_source(make_pdf(tmp_path / "brief.pdf", LETTER_PAGES))
    return clean_text(doc.content)


def test_cleaned_pdf_text(letter_content: str) -> None:
    pages = letter_content.split(PAGE_BREAK)
    assert len(pages) == 3
    assert "kindermishandeling, met aandacht voor de zorg- en veiligheidsketen" in pages[0]
    lines = re.split(r"[\n\f]", letter_content)
    assert "• versterken van de regionale netwerksamenwerking" in lines
    assert "- de inzet van ervaringsdeskundigheid in het sociaal domein" in lines
    assert "1. een gezamenlijke monitor voor alle gemeenten in de regio" in lines
    assert "Boekel 11030 1,78% € 0,00 € 5.518,00" in pages[2].split("\n")


def test_split_invariants_on_generated_pdf(letter_content: str) -> None:
    passages = split_document(letter_content)  # the product's sizes: 90 / 160 words
    check_passages(letter_content, passages, 160)
    assert len(passages) == 3
    assert [(p["page"], p["page_end"]) for p in passages] == [(1, 1), (2, 2), (3, 3)]


@pytest.mark.parametrize(("target", "maximum"), [(30, 45), (20, 40), (40, 80)])
def test_split_offsets_at_small_sizes(letter_content: str, target: int, maximum: int) -> None:
    passages = split_document(letter_content, target_words=target, max_words=maximum)
    check_passages(letter_content, passages, None)
    assert len(passages) >= 4


def test_max_words_holds_at_small_sizes(letter_content: str) -> None:
    passages = split_document(letter_content, target_words=40, max_words=80)
    assert max(len(p["text"].split()) for p in passages) <= 80


def test_numbered_heading_becomes_section_and_pages_are_right(letter_content: str) -> None:
    passages = split_document(letter_content, target_words=40, max_words=80)
    assert len(passages) >= 4
    doelgroepen = [p for p in passages if "licht verstandelijke beperking" in p["text"]]
    assert len(doelgroepen) == 1
    assert doelgroepen[0]["section"] == "4.2.3 Specifieke doelgroepen"
    assert doelgroepen[0]["page"] == 2
    assert doelgroepen[0]["text"].startswith("4.2.3 Specifieke doelgroepen")

    first = passages[0]
    assert first["page"] == 1 and first["text"].startswith("Raadsinformatiebrief")
    monitoring = next(p for p in passages if "Monitoring en evaluatie" in p["text"])
    assert monitoring["page"] == 3 and monitoring["page_end"] == 3
    assert monitoring["section"] == "5 Financieel kader"
    # Text of page 1 never carries the page-2 heading as its section.
    assert all(p["section"] != "4.2.3 Specifieke doelgroepen" for p in passages if p["page_end"] == 1)


def test_passage_crossing_a_page_break_knows_both_pages() -> None:
    content = (
        "Het college werkt samen met de partners in de regio aan de aanpak van geweld thuis.\f"
        "Daarbij krijgen slachtoffers sneller hulp en worden plegers eerder aangesproken op hun gedrag."
    )
    [passage] = split_document(content)
    assert (passage["page"], passage["page_end"]) == (1, 2)
    assert "\f" not in passage["text"]
    assert passage["text"] == content.replace("\f", "\n")
    # A quote is cited at the page it stands on, not at the page where its passage begins.
    assert passage["page_breaks"] == [content.index("\f")]
    assert quote_page(passage, passage["text"].index("Het college")) == 1
    assert quote_page(passage, passage["text"].index("Daarbij")) == 2
    assert quote_page({"page": 4}, 300) == 4  # a store ingested before page breaks were kept


def test_page_breaks_are_kept_only_for_a_passage_that_runs_over_one() -> None:
    [passage] = split_document(
        "Een korte passage op de eerste pagina, met genoeg woorden voor een passage.\fTwee."
    )
    assert passage["page_end"] == 2 and passage["page_breaks"]
    [single] = split_document("Een korte passage op de eerste pagina, met genoeg woorden voor een passage.")
    assert "page_breaks" not in single


def test_long_paragraph_is_cut_at_sentence_ends() -> None:
    sentence = "Dit is zin nummer {} over de regionale aanpak van huiselijk geweld en kindermishandeling."
    content = " ".join(sentence.format(i) for i in range(40))  # one block of 520 words
    passages = split_document(content, target_words=90, max_words=160)
    check_passages(content, passages, 160)
    assert len(passages) >= 4
    assert all(p["text"].endswith(".") for p in passages)


def test_very_long_sentence_is_cut_between_words() -> None:
    content = " ".join(f"woord{i}" for i in range(400))
    passages = split_document(content, target_words=90, max_words=160)
    check_passages(content, passages, 160)
    assert [len(p["text"].split()) for p in passages] == [160, 160, 80]


def test_tiny_document_gives_one_passage() -> None:
    [passage] = split_document("Korte notitie.")
    assert passage["text"] == "Korte notitie."
    assert (passage["page"], passage["char_start"], passage["char_end"]) == (1, 0, 14)


def test_markdown_heading_is_a_section() -> None:
    content = "# Regiovisie\n" + " ".join(["Samen werken we aan veiligheid thuis voor iedereen."] * 5)
    [passage] = split_document(content)
    assert passage["section"] == "Regiovisie"


def test_structure_splitter_ids_and_meta() -> None:
    from haystack import Document

    doc = Document(
        content=PAGE_BREAK.join(
            " ".join(f"Zin {i} op pagina {page} over de aanpak van geweld." for i in range(15))
            for page in (1, 2, 3)
        ),
        meta={
            "document_id": "test-doc",
            "file_name": "test-doc.pdf",
            "file_path": "/x/test-doc.pdf",
            "title": "T",
        },
    )
    passages = StructureSplitter(target_words=40, max_words=80).run(documents=[doc])["documents"]
    assert len(passages) >= 3
    assert [p.id for p in passages] == [passage_id("test-doc", i) for i in range(len(passages))]
    assert passages[0].id == "test-doc#0000"
    for i, p in enumerate(passages):
        assert p.meta["position"] == i
        assert p.meta["passage_count"] == len(passages)
        assert p.meta["title"] == "T" and p.meta["file_name"] == "test-doc.pdf"
        assert "file_path" not in p.meta  # local paths are not stored with the passages
    assert {p.meta["page"] for p in passages} == {1, 2, 3}


def test_structure_splitter_refuses_bad_sizes() -> None:
    with pytest.raises(ValueError):
        StructureSplitter(target_words=200, max_words=100)


def test_max_words_holds_when_a_short_tail_is_merged() -> None:
    content = " ".join(["woord"] * 150) + ".\n" + " ".join(["slot"] * 15) + "."
    passages = split_document(content, target_words=90, max_words=160)
    assert all(len(p["text"].split()) <= 160 for p in passages)


def test_carried_text_keeps_its_own_section() -> None:
    words = lambda n, w: " ".join([w] * n) + "."  # noqa: E731
    content = "\n".join(
        [
            "1 Inleiding",
            words(100, "alpha"),
            words(10, "beta"),
            "2 Aanpak",
            words(150, "gamma"),
            words(40, "delta"),
        ]
    )
    passages = split_document(content)
    beta = next(p for p in passages if "beta" in p["text"])
    assert beta["section"] == "1 Inleiding"


# --- the real corpus --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_split() -> dict[str, tuple[str, list[dict[str, Any]]]]:
    out = {}
    for path in CORPUS_PDFS:
        content = clean_text(read_source(path).content)
        out[path.stem] = (content, split_document(content))
    return out


def test_corpus_has_the_seven_pdfs() -> None:
    assert len(CORPUS_PDFS) == 7


@pytest.mark.parametrize("stem", [p.stem for p in CORPUS_PDFS])
def test_corpus_split_invariants(corpus_split: dict[str, Any], stem: str) -> None:
    content, passages = corpus_split[stem]
    check_passages(content, passages, 160)
    assert "\ufffd" not in content


def test_boekel_2026_letter_passage_on_page_2(corpus_split: dict[str, Any]) -> None:
    _, passages = corpus_split["boekel-2026-rib-toekomstbeeld-via"]
    phrase = "preventie, specifieke doelgroepen en de inzet van ervaringsdeskundigheid"
    hits = [p for p in passages if phrase in squash(p["text"])]
    assert len(hits) == 1
    assert hits[0]["page"] == 2


def test_quotes_are_cited_at_the_pdf_page_that_prints_them(corpus_split: dict[str, Any]) -> None:
    # Checked against the PDF itself (pypdf's text of each page), not against the page breaks the splitter read:
    # every unit of a passage that runs over a page break whose opening words one page alone prints.
    from pypdf import PdfReader

    checked = 0
    for path in CORPUS_PDFS:
        pages = [squash(page.extract_text() or "") for page in PdfReader(path).pages]
        _, passages = corpus_split[path.stem]
        for passage in passages:
            if not passage.get("page_breaks"):
                continue
            for q in quotable_units(passage["text"]):
                opening = " ".join(passage["text"][q.unit.start : q.end].split()[:6])
                printed = [n for n, text in enumerate(pages, start=1) if squash(opening) in text]
                if len(opening.split()) == 6 and len(printed) == 1:
                    assert quote_page(passage, q.unit.start) == printed[0], (path.stem, opening)
                    checked += 1
    assert checked >= 20


def test_koersplan_table_row_stays_on_one_line(corpus_split: dict[str, Any]) -> None:
    content, passages = corpus_split["nob-2023-koersplan-via"]
    row = "Boekel 11030 1,78% € 0,00 € 5.518,00 € 5.518,00 € 11.036,00"
    assert row in content.split("\n")
    assert sum(row in p["text"].split("\n") for p in passages) == 1


def test_koersplan_tables_stay_whole_with_their_header_rows(corpus_split: dict[str, Any]) -> None:
    # The contribution table (rows of sums) and the table of hours (a municipality and one figure per row)
    # each sit in one passage with their header, so every row can be quoted with its column names.
    _, passages = corpus_split["nob-2023-koersplan-via"]
    for header, last in (
        (
            "Gemeente Inwoners % bijdrage 2023 2024 2025 2026",
            "Totaal € 0,00 € 310.620,00 € 310.620,00 € 621.240,00",
        ),
        ("Gemeente Uren personele inzet", "Totaal 183"),
    ):
        holding = [p for p in passages if header in p["text"].split("\n")]
        assert len(holding) == 1
        lines = holding[0]["text"].split("\n")
        assert last in lines[lines.index(header) :]


def test_rows_of_a_table_are_not_cut_from_their_header_at_the_target_size() -> None:
    # 56 words of prose and the 4 of the header reach the target: the passage would end right after the header.
    prose = "De werkgroep berekent elk jaar de inzet van de gemeenten in de regio opnieuw. " * 4
    rows = "\n".join(f"Gemeente Plaats{i} {10 + i}" for i in range(6))
    passages = split_document(f"{prose}\nGemeente Uren personele inzet\n{rows}\nTotaal 75", target_words=60)
    holding = [p for p in passages if "Gemeente Uren personele inzet" in p["text"]]
    assert len(holding) == 1 and holding[0]["text"].rstrip().endswith("Totaal 75")
    assert "Gemeente Plaats0 10" in holding[0]["text"]


def test_koersplan_chapter_headings_become_sections(corpus_split: dict[str, Any]) -> None:
    _, passages = corpus_split["nob-2023-koersplan-via"]
    sections = {p["section"] for p in passages if p["section"]}
    assert any(s.startswith("8 Financieel Kader") for s in sections), sorted(sections)
    financial = [p for p in passages if "11.036,00" in p["text"]]
    assert financial and all(re.match(r"8(\.\d+)* ", p["section"] or "") for p in financial)


def test_a_line_that_ends_inside_a_parenthesis_goes_on() -> None:
    page = (
        "De Jeugdbeschermingstafel (JBT) is een overleg met ouder(s)/verzorger(s), de jeugdige (mits\n"
        "12+) én betrokken professionals en de RvdK.\n"
        "Als er spoed geboden is, wordt er direct contact opgenomen."
    )
    assert clean_text(page).split("\n") == [
        "De Jeugdbeschermingstafel (JBT) is een overleg met ouder(s)/verzorger(s), de jeugdige (mits 12+) én "
        "betrokken professionals en de RvdK.",
        "Als er spoed geboden is, wordt er direct contact opgenomen.",
    ]


def test_a_sentence_cut_by_a_page_break_stays_in_one_passage() -> None:
    filler = " ".join(
        f"Zin {i} over de aanpak van geweld in afhankelijkheidsrelaties in de regio." for i in range(8)
    )
    # The passage has reached its target size where the page break cuts the sentence.
    content = (
        f"{filler} Een GI gaat aan de slag als de kinderrechter heeft besloten dat een\f"
        "beschermingsmaatregel nodig is, zodat het kind veilig kan opgroeien en de ouders hulp krijgen bij de "
        "opvoeding van hun kinderen in de eigen omgeving, samen met het lokale team van de gemeente."
    )
    passages = split_document(content, target_words=60, max_words=160)
    holding = [p for p in passages if "dat een" in p["text"]]
    assert len(holding) == 1 and "beschermingsmaatregel nodig is," in holding[0]["text"]
    check_passages(content, passages, 160)


def test_a_list_that_does_not_fit_takes_the_line_introducing_it_along() -> None:
    # 66 words, then a paragraph of 93 that ends introducing a list: the list does not fit the passage (160).
    before = " ".join(
        f"Zin {i} over het centrum voor slachtoffers van seksueel geweld hier." for i in range(6)
    )
    intro = " ".join(f"Zin {i} over ouders die hun kinderen geen veilig thuis bieden." for i in range(8))
    content = f"{before}\n{intro} Gecertificeerde instellingen in onze regio:\n" + "\n".join(
        f"• Instelling {i}: voor gezinnen met complexe problemen in de hele regio" for i in range(4)
    )
    passages = split_document(content, target_words=90, max_words=160)
    check_passages(content, passages, 160)
    [with_list] = [p for p in passages if "• Instelling 0" in p["text"]]
    assert "Gecertificeerde instellingen in onze regio:" in with_list["text"]
