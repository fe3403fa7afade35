"""The services notice documents ingested after they started (as with a shared Qdrant server)."""

from __future__ import annotations

from pathlib import Path

from ingest.service import Ingestor
from ingest.store import opened_store
from kb_api.services import Services
from kb_core.domain import SearchFilters
from kb_core.settings import Settings

BOEKEL = (
    "Raadsmemo\nDatum: 1 april 2025\nOnderwerp: Inzet werkgroep\n\n"
    "De gemeente Boekel levert 18 uur personele inzet aan de regionale werkgroep voor veiligheid thuis.\n"
)
ARNHEM = (
    "Raadsinformatiebrief\nDatum: 3 juni 2025\nOnderwerp: Samen Veilig\n\n"
    "De gemeente Arnhem werkt met de zeventien gemeenten aan de regiovisie Samen Veilig.\n"
)
HEUSDEN = (
    "Raadsinformatiebrief\nDatum: 2 mei 2025\nOnderwerp: Bijdrage aanpak huiselijk geweld\n\n"
    "De gemeente Heusden draagt in 2025 een bedrag van 12.000 euro bij aan de aanpak van huiselijk geweld.\n"
)


def test_documents_ingested_later_are_known_to_filters_and_answers(tmp_path: Path) -> None:
    settings = Settings(qdrant_path=tmp_path / "qdrant", corpus_dir=tmp_path / "no-corpus")
    sources = tmp_path / "docs"
    sources.mkdir()
    (sources / "boekel-memo.txt").write_text(BOEKEL, encoding="utf-8")
    with opened_store(settings) as store:
        Ingestor(settings, store, progress=False).ingest([sources])
        service = Services.build(settings, store)
        service.warm_up()
        before = service.search.search("bijdrage", filters=SearchFilters(municipality=["Heusden"]))
        assert before.results == [] and any("Heusden" in note.render() for note in before.notes)
        assert service.ask.answer("Hoeveel draagt Heusden bij?").answerable is False

        (sources / "heusden-brief.txt").write_text(HEUSDEN, encoding="utf-8")
        report = Ingestor(settings, store, progress=False).ingest([sources])
        assert report.ingested == ["heusden-brief"] and report.unchanged == ["boekel-memo"]

        after = service.search.search("bijdrage", filters=SearchFilters(municipality=["Heusden"]))
        assert after.results and {d.meta["municipality"] for d in after.results} == {"Heusden"}
        answer = service.ask.answer("Hoeveel draagt Heusden bij aan de aanpak van huiselijk geweld?")
        assert answer.answerable and any("12.000" in c["quote"] for c in answer.citations)


def test_regions_compared(tmp_path: Path) -> None:
    settings = Settings(qdrant_path=tmp_path / "qdrant", corpus_dir=tmp_path / "no-corpus")
    sources = tmp_path / "docs"
    sources.mkdir()
    (sources / "boekel-memo.txt").write_text(BOEKEL, encoding="utf-8")
    (sources / "arnhem-brief.txt").write_text(ARNHEM, encoding="utf-8")
    with opened_store(settings) as store:
        Ingestor(settings, store, progress=False).ingest([sources])
        service = Services.build(settings, store)
        both = ["Arnhem-Achterhoek", "Noordoost-Brabant"]
        assert service.ask.regions_compared("Hoe verschillen Noordoost-Brabant en Arnhem-Achterhoek?") == both
        assert service.ask.regions_compared("Wat doen beide regio's aan preventie?") == both
        assert service.ask.regions_compared("Vergelijk Noordoost-Brabant met de andere regio") == both
        assert service.ask.regions_compared("Wat doet Noordoost-Brabant aan preventie?") == []
        # Two municipalities of one region, or a "vergelijkbare" approach, is not a comparison of regions.
        assert service.ask.regions_compared("Vergelijk de aanpak van Oss en Vught") == []
        assert service.ask.regions_compared("Is er een vergelijkbare aanpak in Noordoost-Brabant?") == []
