"""Cleaning and splitting stay linear in the size of a document: behaviour, not timing (bench/bench_splitting.py
times it). The work is counted (characters the table-row test reads) or compared with the plain definition."""

from __future__ import annotations

import random
import re

import pytest

import ingest.cleaning as cleaning
from ingest.cleaning import clean_text, join_lines
from ingest.splitting import page_at, page_breaks, split_document
from kb_core.text.lines import TABLE_ROW

LINE = "de gemeente werkt samen met Veilig Thuis aan de aanpak van huiselijk geweld en kindermishandeling"


def test_page_at_counts_the_breaks_before_an_offset() -> None:
    random.seed(7)
    content = "".join(random.choice("ab \n\f") for _ in range(5000))
    breaks = page_breaks(content)
    assert breaks == [i for i, c in enumerate(content) if c == "\f"]
    for offset in range(len(content) + 1):
        assert page_at(breaks, offset) == content.count("\f", 0, offset) + 1


def test_every_passage_of_a_long_document_knows_its_page() -> None:
    pages = [f"{n % 90 + 1} Hoofdstuk over de aanpak\n{LINE} op pagina {n}.\n{LINE}." for n in range(1, 401)]
    passages = split_document("\f".join(pages))
    for passage in passages:
        number = int(re.search(r"op pagina (\d+)", passage["text"]).group(1))
        assert passage["page"] == number == passage["page_end"]
    assert [p["page"] for p in passages] == list(range(1, 401))


def test_a_paragraph_of_thousands_of_wrapped_lines_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Joining re-tested the whole paragraph for every line it took in: quadratic (cubic with the table-row
    # search). Now each join looks at the new line and a bounded end of the paragraph.
    read = 0
    table_row = cleaning.is_table_row

    def counting(text: str) -> bool:
        nonlocal read
        read += len(text)
        return table_row(text)

    monkeypatch.setattr(cleaning, "is_table_row", counting)
    page = "\n".join([LINE] * 3000)
    joined = join_lines(page)
    assert joined == " ".join([LINE] * 3000)  # one paragraph, as before
    assert read < 5 * len(page)


def _plain_join_lines(page: str) -> str:
    """The joining as first written, on whole strings (quadratic): the reference for what joining does."""
    lines = page.split("\n")
    width = cleaning._wrap_width(lines)
    out: list[str] = []
    last_raw = ""

    def continues(prev: str, line: str) -> bool:
        if cleaning._SALUTATION.match(prev):
            return False
        if prev.endswith((",", ";")) or not cleaning._ends_paragraph(last_raw, width):
            return True
        if prev.endswith((".", "!", "?", ":")):
            return False
        if not (line[0].isupper() or line[0].isdigit()):
            return True
        return prev.rsplit(maxsplit=1)[-1] in cleaning._OPEN_ENDINGS

    for line in lines:
        if not line:
            if out and out[-1] != "":
                out.append("")
            last_raw = ""
            continue
        prev = out[-1] if out else ""
        if not prev or cleaning.starts_block(line) or cleaning.is_table_row(prev) or prev.endswith(":"):
            out.append(line)
        elif re.search(r"\d-$", prev) and line[0].isdigit():
            out[-1] = prev + line
        elif prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and line[0].islower():
            keep_hyphen = line.split()[0] in cleaning._HYPHEN_KEEP_NEXT
            out[-1] = prev + " " + line if keep_hyphen else prev[:-1] + line
        elif continues(prev, line):
            out[-1] = prev + " " + line
        else:
            out.append(line)
        last_raw = line
    return "\n".join(out)


FRAGMENTS = [
    LINE,
    "De aanpak van kinder-",
    "mishandeling in de periode 2023-",
    "2026 vraagt om samenwerking met zorg-",
    "en veiligheidspartners,",
    "Geachte raadsleden,",
    "Boekel 11030 1,78%",
    "5.518,00 en verder",
    "€ 1.200,00",
    "• een lijstpunt",
    "1.2 Een kop",
    "Dit is een zin.",
    "Korte regel",
    "van",
    "12 34",
    "56 78 tekst",
    "Datum:",
    "",
]


def test_joining_does_what_it_did_on_whole_strings() -> None:
    random.seed(11)
    for _ in range(3000):
        page = "\n".join(random.choice(FRAGMENTS) for _ in range(random.randint(1, 30)))
        assert join_lines(page) == _plain_join_lines(page), page


def test_table_row_pattern_means_three_figures_in_a_row() -> None:
    plain = re.compile(r"€|(?:\d[\d.,%]*\s+){3,}")
    random.seed(3)
    for _ in range(50_000):
        text = "".join(random.choice("12 .,%a\t") for _ in range(random.randint(0, 14)))
        assert bool(TABLE_ROW.search(text)) == bool(plain.search(text)), text


def test_a_long_run_of_numbered_headings_is_split_and_cleaned() -> None:
    content = "\n".join(
        f"{i % 90 + 1}.{i % 7 + 1} Onderdeel\nDit onderdeel beschrijft de aanpak van de regio."
        for i in range(3000)
    )
    passages = split_document(clean_text(content))
    assert len(passages) > 2900
    assert all(p["section"] and p["text"].startswith(p["section"]) for p in passages[1:])
