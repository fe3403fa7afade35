"""Answer units: sentences, list items and table rows with exact offsets, their lead-ins and table headers."""

from __future__ import annotations

from kb_core.text.units import is_table_header, lead_in, split_units


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


def test_table_headers_are_words_and_years_not_sums() -> None:
    assert is_table_header("Gemeente Inwoners % bijdrage 2023 2024 2025 2026")
    assert is_table_header("Gemeente Uren per week")
    assert not is_table_header("Boekel 11030 1,78% € 0,00 € 5.518,00")
    assert not is_table_header("Totaal € 0,00 € 310.620,00")
    assert not is_table_header("De werkgroep heeft drie taken:")
