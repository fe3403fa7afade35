"""Document metadata: the corpus manifest, detection from the text, and the municipality/region table."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from haystack import Document
from haystack.core.serialization import component_from_dict, component_to_dict
from helpers import REPO_ROOT

from ingest.metadata import (
    DocumentInfo,
    ManifestError,
    MetadataEnricher,
    detect_date,
    detect_doc_type,
    detect_info,
    detect_municipality,
    detect_title,
    load_manifest,
    slugify,
)
from kb_core.lang.regions import (
    ARNHEM_ACHTERHOEK,
    MUNICIPALITY_REGION,
    NOORDOOST_BRABANT,
    canonical_municipality,
    canonical_region,
    municipality_pattern,
    region_of,
)
from kb_core.settings import Settings

MANIFEST = REPO_ROOT / "corpus" / "manifest.json"

LETTER = """Raadsinformatiebrief
Aan: De raads- en burgerleden
Van: College van Burgemeester en Wethouders
Datum: 9 maart 2026
Onderwerp: Toekomstbeeld stappenplan Veiligheid in
Afhankelijkheidsrelaties 2026-2030
Beste raads- en burgerleden,
Met deze brief informeert het college van gemeente Boekel u over de regionale samenwerking met Oss,
Meierijstad en 's-Hertogenbosch in het Koersplan van 23 mei 2023.
"""

RAADSMEMO = """Raadsmemo
Aan : Raads- en burgerleden
Van : College van Burgemeester en Wethouders
Betreft: : Koersplan Werkgroep Veilig in afhankelijkheidsrelaties
Datum : 23 mei 2023
Geachte raads- en burgerleden,
Middels deze memo informeren wij u over het regionale koersplan van gemeente Boekel en de partners.
"""

REGIOVISIE = """Herijking Samen Veilig
Regiovisie aanpak huiselijk geweld en kindermishandeling Arnhem-Achterhoek 2024-2028
Voorjaar 2024
Deze regiovisie is opgesteld door de gemeenten in de regio. In gemeente Zevenaar, Arnhem en Doetinchem
werken de wijkteams samen met Veilig Thuis Gelderland-Midden.
"""


# --- detection --------------------------------------------------------------------------------------


def test_detect_info_on_a_raadsinformatiebrief() -> None:
    info = detect_info(LETTER, "brief-boekel")
    assert info.document_id == "brief-boekel"
    assert info.date == "2026-03-09"  # the 'Datum' line, not the later 23 mei 2023
    assert info.municipality == "Boekel"
    assert info.region == NOORDOOST_BRABANT
    assert info.doc_type == "raadsinformatiebrief"
    assert info.title == "Toekomstbeeld stappenplan Veiligheid in Afhankelijkheidsrelaties 2026-2030"
    assert info.metadata_source == "detected"
    meta = info.to_meta()
    assert meta["date_int"] == 20260309 and meta["year"] == 2026


def test_detect_info_on_a_raadsmemo() -> None:
    info = detect_info(RAADSMEMO, "memo")
    assert info.doc_type == "raadsmemo"
    assert info.date == "2023-05-23"
    assert info.municipality == "Boekel"
    assert info.title == "Koersplan Werkgroep Veilig in afhankelijkheidsrelaties"


def test_detect_info_on_a_regiovisie() -> None:
    info = detect_info(REGIOVISIE, "regiovisie")
    assert info.doc_type == "regiovisie"
    assert info.municipality == "Zevenaar"  # 'gemeente Zevenaar' outweighs a single mention of Arnhem
    assert info.region == ARNHEM_ACHTERHOEK
    assert info.date is None  # 'Voorjaar 2024' is not a date
    assert "date_int" not in info.to_meta()
    assert info.title == "Herijking Samen Veilig"  # no 'Onderwerp:': the first line of three words or more


def test_detect_region_without_municipality() -> None:
    info = detect_info("Koersplan voor de regio Noordoost-Brabant. De regio NOB werkt samen.", "k")
    assert info.municipality is None
    assert info.region == NOORDOOST_BRABANT
    assert info.doc_type == "koersplan"
    assert detect_info("Een notitie zonder plaats of datum.", "n").region is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Datum: 9 maart 2026", "2026-03-09"),
        ("Datum : 23 mei 2023", "2023-05-23"),
        ("Datum\n10 februari 2026", "2026-02-10"),
        ("datum 23 februari 2024", "2024-02-23"),
        ("Vastgesteld op 2024-02-27 door de raad", "2024-02-27"),
        ("Verzonden 27-02-2024", "2024-02-27"),
        ("Datum: 31 februari 2024\nIngekomen 1 maart 2024", "2024-03-01"),  # impossible dates are skipped
        ("Geen datum hier, alleen 2024.", None),
    ],
)
def test_detect_date(text: str, expected: str | None) -> None:
    assert detect_date(text) == expected


def test_labelled_date_wins_over_earlier_dates() -> None:
    text = "Naar aanleiding van de raad van 1 januari 2020\nDatum: 5 juni 2024\n"
    assert detect_date(text) == "2024-06-05"


def test_detect_doc_type_takes_the_first_named_type() -> None:
    assert detect_doc_type("Toezeggingenlijst raadscommissies\nMemo over parkeren") == "toezeggingenlijst"
    assert detect_doc_type("Memo\nAan: de raad\nOver het regionale koersplan") == "memo"
    assert detect_doc_type("Een brief zonder soort") is None


def test_detect_municipality_with_curly_apostrophe_and_aliases() -> None:
    assert detect_municipality("Brief van de gemeente ’s-Hertogenbosch aan de raad") == "'s-Hertogenbosch"
    assert detect_municipality("Gemeente Den Bosch") == "'s-Hertogenbosch"
    assert detect_municipality("Namens gemeente Oost-Gelre en Winterswijk") == "Oost Gelre"
    assert detect_municipality("GEMEENTE BOEKEL") == "Boekel"
    # A name inside another word or a hyphenated compound is not a municipality.
    assert detect_municipality("Ossenstraat en Boekelsedijk") is None
    assert detect_municipality("Geen bekende plaats.") is None


def test_detect_title_fallbacks() -> None:
    assert detect_title("Aan: raad\nRegionale aanpak huiselijk geweld 2024\nTekst", "fb") == (
        "Regionale aanpak huiselijk geweld 2024"
    )
    assert detect_title("kort\n\n", "fallback-id") == "fallback-id"
    assert detect_title("Onderwerp: Koersplan ViA\nDatum: 1 mei 2023", "fb") == "Koersplan ViA"


def test_detect_title_stops_before_the_salutation() -> None:
    text = "Raadsinformatiebrief\nDatum: 9 maart 2026\nOnderwerp: Koersplan ViA\nGeachte raadsleden,\nTekst."
    assert detect_title(text, "fb") == "Koersplan ViA"


def test_slugify() -> None:
    assert slugify("Notitie Coördinatie ’s-Hertogenbosch 2024") == "notitie-coordinatie-s-hertogenbosch-2024"
    assert slugify("###") == "document"


# --- regions ------------------------------------------------------------------------------------------


def test_region_table_covers_both_regions() -> None:
    nob = sorted(m for m, r in MUNICIPALITY_REGION.items() if r == NOORDOOST_BRABANT)
    aa = sorted(m for m, r in MUNICIPALITY_REGION.items() if r == ARNHEM_ACHTERHOEK)
    assert len(nob) == 10
    assert len(aa) >= 17
    for name in ("Boekel", "Oss", "Bernheze", "Land van Cuijk", "Maashorst", "Meierijstad", "Vught"):
        assert region_of(name) == NOORDOOST_BRABANT, name
    for name in (
        "Zevenaar",
        "Arnhem",
        "Doetinchem",
        "Winterswijk",
        "Oude IJsselstreek",
        "Duiven",
        "Rozendaal",
    ):
        assert region_of(name) == ARNHEM_ACHTERHOEK, name


@pytest.mark.parametrize(
    ("name", "canonical", "region"),
    [
        ("’s-Hertogenbosch", "'s-Hertogenbosch", NOORDOOST_BRABANT),
        ("'s-Hertogenbosch", "'s-Hertogenbosch", NOORDOOST_BRABANT),
        ("s-Hertogenbosch", "'s-Hertogenbosch", NOORDOOST_BRABANT),
        ("Den Bosch", "'s-Hertogenbosch", NOORDOOST_BRABANT),
        ("Oost-Gelre", "Oost Gelre", ARNHEM_ACHTERHOEK),
        ("oost  gelre", "Oost Gelre", ARNHEM_ACHTERHOEK),
        ("Sint-Michielsgestel", "Sint-Michielsgestel", NOORDOOST_BRABANT),
        ("Sint Michielsgestel", "Sint-Michielsgestel", NOORDOOST_BRABANT),
        ("ZEVENAAR", "Zevenaar", ARNHEM_ACHTERHOEK),
    ],
)
def test_municipality_spellings(name: str, canonical: str, region: str) -> None:
    assert canonical_municipality(name) == canonical
    assert region_of(name) == region


def test_unknown_municipality_and_regions() -> None:
    assert region_of("Amsterdam") is None
    assert region_of(None) is None
    assert canonical_region("noordoost brabant") == NOORDOOST_BRABANT
    assert canonical_region("ARNHEM-ACHTERHOEK") == ARNHEM_ACHTERHOEK
    assert canonical_region("Twente") is None


def test_municipality_pattern_finds_names_in_running_text() -> None:
    text = "Samen met ’s-Hertogenbosch, Oost-Gelre, Sint-Michielsgestel en Land van Cuijk."
    found = [canonical_municipality(m) for m in municipality_pattern().findall(text)]
    assert found == ["'s-Hertogenbosch", "Oost Gelre", "Sint-Michielsgestel", "Land van Cuijk"]


# --- manifest -----------------------------------------------------------------------------------------


def test_repo_manifest() -> None:
    infos = load_manifest(MANIFEST)
    assert len(infos) == 7
    for doc_id, info in infos.items():
        assert info.document_id == doc_id
        assert info.title
        assert info.region in (NOORDOOST_BRABANT, ARNHEM_ACHTERHOEK)
        assert info.date is not None
        datetime.date.fromisoformat(info.date)
        assert info.metadata_source == "manifest"
    boekel = infos["boekel-2026-rib-toekomstbeeld-via"]
    assert (boekel.municipality, boekel.doc_type, boekel.date) == (
        "Boekel",
        "raadsinformatiebrief",
        "2026-03-09",
    )
    assert infos["nob-2023-koersplan-via"].municipality is None


def test_manifest_missing_or_invalid(tmp_path: Path) -> None:
    assert load_manifest(tmp_path / "absent.json") == {}
    bad_date = tmp_path / "bad-date.json"
    bad_date.write_text(json.dumps({"documents": [{"document_id": "a", "title": "A", "date": "2024-13-01"}]}))
    with pytest.raises(ManifestError):
        load_manifest(bad_date)
    no_title = tmp_path / "no-title.json"
    no_title.write_text(json.dumps([{"document_id": "a"}]))
    with pytest.raises(ManifestError):
        load_manifest(no_title)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ManifestError):
        load_manifest(broken)


def test_manifest_region_falls_back_to_the_municipality(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(
        json.dumps([{"document_id": "x", "title": "X", "municipality": "Zevenaar", "date": None}])
    )
    info = load_manifest(path)["x"]
    assert info.region == ARNHEM_ACHTERHOEK
    assert info.date is None


# --- the component ------------------------------------------------------------------------------------


def test_enricher_uses_the_manifest_entry_for_a_manifest_id() -> None:
    enricher = MetadataEnricher(manifest_path=str(MANIFEST))
    doc = Document(
        content=REGIOVISIE,  # the text points elsewhere; the manifest decides
        meta={"file_name": "boekel-2026-rib-toekomstbeeld-via.pdf", "page_count": 3},
    )
    [out] = enricher.run(documents=[doc])["documents"]
    assert out.meta["document_id"] == "boekel-2026-rib-toekomstbeeld-via"
    assert out.meta["municipality"] == "Boekel"
    assert out.meta["doc_type"] == "raadsinformatiebrief"
    assert out.meta["date"] == "2026-03-09" and out.meta["date_int"] == 20260309
    assert out.meta["metadata_source"] == "manifest"
    assert out.meta["page_count"] == 3  # the reader's metadata is kept
    assert out.content == REGIOVISIE


def test_enricher_detects_metadata_for_other_files() -> None:
    enricher = MetadataEnricher(manifest_path=str(MANIFEST))
    doc = Document(content=LETTER, meta={"file_name": "Brief Boekel ViA (def).pdf"})
    info = enricher.info_for(doc)
    assert info == DocumentInfo(
        document_id="brief-boekel-via-def",
        title="Toekomstbeeld stappenplan Veiligheid in Afhankelijkheidsrelaties 2026-2030",
        municipality="Boekel",
        region=NOORDOOST_BRABANT,
        doc_type="raadsinformatiebrief",
        date="2026-03-09",
        metadata_source="detected",
    )


def test_enricher_without_manifest_detects_everything(tmp_path: Path) -> None:
    enricher = MetadataEnricher(manifest_path=str(tmp_path / "none.json"))
    doc = Document(content=RAADSMEMO, meta={"file_name": "boekel-2026-rib-toekomstbeeld-via.pdf"})
    [out] = enricher.run(documents=[doc])["documents"]
    assert out.meta["metadata_source"] == "detected"
    assert out.meta["doc_type"] == "raadsmemo"
    assert out.meta["date"] == "2023-05-23"


def test_enricher_round_trips_through_haystack_serialisation() -> None:
    enricher = MetadataEnricher(manifest_path=str(MANIFEST))
    data = component_to_dict(enricher, "metadata")
    again = component_from_dict(MetadataEnricher, data, "metadata")
    assert data["init_parameters"] == {"manifest_path": str(MANIFEST)}
    assert again.manifest_path == str(MANIFEST)


def test_pipelines_serialise_without_hand_written_to_dict(settings: Settings) -> None:
    from ingest.pipeline import build_indexing_pipeline

    pipe = build_indexing_pipeline(settings, None, write=False)  # type: ignore[arg-type]
    components = pipe.to_dict()["components"]
    assert components["splitter"]["init_parameters"] == {
        "target_words": settings.ingest.passage_target_words,
        "max_words": settings.ingest.passage_max_words,
    }
