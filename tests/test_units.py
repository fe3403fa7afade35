"""Answer units: sentences, list items and table rows with exact offsets, their lead-ins and table headers."""

from __future__ import annotations

from kb_core.text.units import is_table_header, lead_in, quotable_units, quote_end, split_units


def test_units_keep_numbers_and_initials_together_and_mark_headings_and_captions() -> None:
    text = (
        "6.4 Besluitvormingscyclus van de werkgroep\n"
        "Veilig Thuis ontving 6.251 meldingen. Dit meldde D. Goutier aan de raad.\n"
        "Afbeelding 5: Besluitvormingscyclus ViA\n"
        "Deze bestaat uit:"
    )
    units = split_units(text, 0)
    assert [u.text for u in units if u.scorable] == [
        "Veilig Thuis ontving 6.251 meldingen.",
        "Dit meldde D. Goutier aan de raad.",
    ]
    assert {u.text for u in units if not u.scorable} == {
        "6.4 Besluitvormingscyclus van de werkgroep",
        "Afbeelding 5: Besluitvormingscyclus ViA",
        "Deze bestaat uit:",
    }
    assert all(text[u.start : u.end] == u.text for u in units)
    assert [u.line for u in units] == [0, 1, 1, 2, 3]


def test_letterhead_lines_and_footnote_references_are_never_quoted() -> None:
    text = (
        "Fax [0412] 64 26 05\nTel. 0412 123 456 of via de website\n"
        "6 Nederlands Jeugdinstituut, 2023; In Nederland wordt iedere 8 dagen een vrouw vermoord\n"
        "E-mail is het meest gebruikte kanaal voor meldingen.\n"
        "De werkgroep vergadert elke vier weken."
    )
    units = split_units(text, 0)
    assert [u.text for u in units if u.scorable] == [
        "E-mail is het meest gebruikte kanaal voor meldingen.",
        "De werkgroep vergadert elke vier weken.",
    ]


def test_a_sentence_cut_by_a_page_break_is_one_unit() -> None:
    text = (
        "Moviera biedt een veilig onderdak aan wie door acute\n"
        "geweldsdreiging veiligheidsrisico's loopt.\n"
        "- opvang in Arnhem\n"
        "Veilig Thuis adviseert."
    )
    units = split_units(text, 0)
    assert [u.text for u in units] == [
        "Moviera biedt een veilig onderdak aan wie door acute\ngeweldsdreiging veiligheidsrisico's loopt.",
        "- opvang in Arnhem",
        "Veilig Thuis adviseert.",
    ]
    assert all(text[u.start : u.end] == u.text for u in units)
    money = split_units("Het totale jaarbudget betreft €\n6,8 mln. per jaar.", 0)
    assert [u.text for u in money] == ["Het totale jaarbudget betreft €\n6,8 mln. per jaar."]
    # A name cut at the line end ("Samen" / "Veilig") goes on too; a letterhead label or a table row does not.
    name = split_units(
        "Het plan komt in 2024. De gemeente Zevenaar is bezig met het opstellen van een lokaal uitvoeringsplan Samen\nVeilig 2024-2026. Dat komt.",
        0,
    )
    assert [u.text for u in name][1:] == [
        "De gemeente Zevenaar is bezig met het opstellen van een lokaal uitvoeringsplan Samen\nVeilig 2024-2026.",
        "Dat komt.",
    ]
    letterhead = split_units("Van : College van Burgemeester en Wethouders\nBetreft: Raadsmemo Koersplan", 0)
    assert len(letterhead) == 2
    rows = split_units("Boekel 11030 1,78% € 0,00 € 5.518,00\nMaashorst 58362 9,43% € 0,00 € 29.233,00", 0)
    assert len(rows) == 2


def test_a_list_item_leads_in_with_the_line_introducing_the_list_and_a_row_with_the_table_header() -> None:
    text = (
        "Verdeling van de kosten\n"
        "Gemeente Inwoners % bijdrage 2023 2024 2025 2026\n"
        "Boekel 11030 1,78% € 0,00 € 5.518,00 € 5.518,00 € 11.036,00\n"
        "Oss 93307 15,08% € 0,00 € 46.748,00 € 46.748,00 € 93.496,00\n"
        "De werkgroep heeft drie taken:\n"
        "- beleid afstemmen in de regio\n"
        "- de monitor bijhouden per jaar"
    )
    units = split_units(text, 0)
    by_text = {u.text[:6]: u for u in units}
    assert [u.kind for u in units] == ["sentence", "table", "table", "table", "sentence", "list", "list"]
    header = lead_in(by_text["Boekel"], units)
    assert header is not None and header.text.startswith("Gemeente Inwoners")
    assert lead_in(by_text["- de m"], units).text == "De werkgroep heeft drie taken:"  # type: ignore[union-attr]
    assert lead_in(by_text["De wer"], units) is None


def test_a_table_of_words_and_one_figure_is_read_as_rows_under_its_header() -> None:
    # As pypdf prints a two-column table: each row looks like a short heading on its own ("Gemeente Oss 24").
    text = (
        "Op basis van het uitvoeringsplan is het aantal uren berekend.\n"
        "Gemeente Uren personele inzet\n"
        "Gemeente Bernheze 18\n"
        "Gemeente Land van Cuijk 25\n"
        "Gemeente Oss 24\n"
        "Totaal 183\n"
        "8.4 Verrekening van de werkelijke kosten"
    )
    units = split_units(text, 0)
    rows = [u for u in units if u.kind == "table"]
    assert [u.text for u in rows] == [
        "Gemeente Bernheze 18",
        "Gemeente Land van Cuijk 25",
        "Gemeente Oss 24",
        "Totaal 183",
    ]
    assert all(u.scorable for u in rows)
    assert {lead_in(u, units).text for u in rows} == {"Gemeente Uren personele inzet"}  # type: ignore[union-attr]
    assert not next(u for u in units if u.text.startswith("8.4")).scorable


def test_rows_of_words_and_one_figure_stay_a_table_across_blank_lines() -> None:
    # The splitter does not see blank lines, so the quotes must not either: one table, three rows.
    units = split_units("Gemeente Uren\nGemeente Oss 24\n\nGemeente Boekel 18\n\nTotaal 42", 0)
    assert [u.text for u in units if u.kind == "table"] == [
        "Gemeente Oss 24",
        "Gemeente Boekel 18",
        "Totaal 42",
    ]


def test_letterhead_lines_and_marked_headings_ending_in_a_figure_are_no_table() -> None:
    letterhead = split_units("Gemeente Oss\nPostbus 5\nTelefoon 14 0412\nFax 0412 123456", 0)
    assert not [u for u in letterhead if u.kind == "table" or u.scorable]
    headings = split_units("## Begroting 2024\n## Begroting 2025\n## Begroting 2026", 0)
    assert not [u for u in headings if u.kind == "table"]


def test_two_lines_ending_in_a_figure_are_no_table() -> None:
    units = split_units("Inleiding 3\nAanleiding 4\nDe werkgroep is in 2023 gestart met de uitvoering.", 0)
    assert [u.kind for u in units] == ["sentence", "sentence", "sentence"]
    assert [u.scorable for u in units] == [False, False, True]


def test_table_headers_are_words_and_years_not_sums() -> None:
    assert is_table_header("Gemeente Inwoners % bijdrage 2023 2024 2025 2026")
    assert is_table_header("Gemeente Uren per week")
    assert not is_table_header("Boekel 11030 1,78% € 0,00 € 5.518,00")
    assert not is_table_header("Totaal € 0,00 € 310.620,00")
    assert not is_table_header("De werkgroep heeft drie taken:")


def test_a_numbered_item_keeps_its_number_and_a_colon_lead_in_takes_the_list() -> None:
    text = (
        "Dit heeft twee documenten opgeleverd:\n"
        "1. Toekomstbeeld stappenplan en advies ViA\n"
        "2. Governancestructuur programma ViA\n"
        "1. Toekomstbeeld stappenplan en advies ViA\n"
        "Het advies is om de ambitie voor ViA aan te passen."
    )
    found = {q.unit.text: q for q in quotable_units(text)}
    assert "1. Toekomstbeeld stappenplan en advies ViA" in found  # not "1." and a heading
    # The quote runs over the list and stops where the numbering starts again (a heading over the text of item 1).
    assert found["Dit heeft twee documenten opgeleverd:"].quote(text) == (
        "Dit heeft twee documenten opgeleverd:\n1. Toekomstbeeld stappenplan en advies ViA\n"
        "2. Governancestructuur programma ViA"
    )
    units = split_units(text, 0)
    item = next(u for u in units if u.text == "2. Governancestructuur programma ViA")
    lead = lead_in(item, units)
    assert lead is not None and lead.text == "Dit heeft twee documenten opgeleverd:"


def test_the_text_under_item_two_does_not_lead_in_item_three() -> None:
    text = (
        "2. Lokale teams bieden één vast gezicht.\n"
        "Dit betekent dat gezinnen in beeld blijven, ook als een traject is afgesloten.\n"
        "3. Lokale teams hanteren een brede blik en hebben tijd voor het gezin."
    )
    units = split_units(text, 0)
    explained = next(u for u in units if u.text.startswith("Dit betekent"))
    third = next(u for u in units if u.text.startswith("3."))
    assert lead_in(third, units) is None
    # Nor does that sentence run on into item 3: a numbered list needs a ':' to be taken by the line before it.
    assert quote_end(explained, units) == explained.end


def test_a_bullet_written_as_a_heading_is_a_label_and_no_quote_runs_into_it() -> None:
    text = (
        "De medewerkers van het Dorpsteam weten wat ze met de signalen moeten doen.\n"
        "- Stevige lokale teams op ViA\n"
        "In 2025 is bij alle gemeenten een Zelfscan Stevige Lokale Teams afgenomen.\n"
        "De aanpak bestaat uit\n"
        "- preventie\n"
        "- zorg"
    )
    units = split_units(text, 0)
    heading = next(u for u in units if u.text == "- Stevige lokale teams op ViA")
    assert heading.label and not heading.scorable
    before = units[0]
    assert quote_end(before, units) == before.end
    # A real list (two bullets in a row) is still a list, and the line before it takes it.
    intro = next(u for u in units if u.text == "De aanpak bestaat uit")
    assert text[intro.start : quote_end(intro, units)].endswith("- zorg")
