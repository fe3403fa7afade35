"""The search API against the real app, the real model and an embedded Qdrant store holding the corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient

from ingest.sparse import DutchSparseTextEmbedder
from kb_api.main import create_app
from kb_api.retrieval.hybrid_retriever import SparseRetriever
from kb_api.retrieval.query_analyzer import QueryAnalyzer
from kb_core.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(qdrant_path=tmp_path_factory.mktemp("api") / "qdrant")
    # The lifespan ingests the corpus into the empty store, as `kb serve` does on first start.
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def search(client: TestClient, **body: object) -> dict:
    response = client.post("/search", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_health_counts_the_ingested_corpus(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["store"] == "qdrant-embedded"
    assert body["documents"] == 7 and body["passages"] > 100


def test_deprioritised_actions_are_found_with_citation_fields(client: TestClient) -> None:
    body = search(client, query="Welke acties krijgen geen prioriteit?", top_k=5)
    first = body["results"][0]
    text = " ".join(first["text"].split())
    assert "preventie, specifieke doelgroepen en de inzet van ervaringsdeskundigheid" in text
    assert first["document_id"] in {"boekel-2026-rib-toekomstbeeld-via", "oss-2026-rib-toekomstbeeld-via"}
    assert (
        first["date"].startswith("2026") and first["page"] >= 1 and first["municipality"] in {"Boekel", "Oss"}
    )
    marked = [first["text"][h["start"] : h["end"]].lower() for h in first["highlights"]]
    assert "prioriteit" in marked
    assert body["facets"]["region"] and body["language"] == "nl"


def test_shared_regional_text_is_grouped_as_also_in(client: TestClient) -> None:
    body = search(
        client, query="In 2030 is het Toekomstscenario geïmplementeerd en stopt het geweld", top_k=20
    )  # the grouped passage (Boekel's and Oss's shared schedule) ranks 11th since the answer scorer re-ranks
    ids = [r["document_id"] for r in body["results"]]
    grouped = [r for r in body["results"] if r["also_in"]]
    assert grouped, "Boekel's and Oss's letters share this sentence word for word"
    for result in grouped:
        for other in result["also_in"]:
            assert other["document_id"] != result["document_id"]
    assert len(ids) == len(body["results"])


def test_english_question_finds_the_dutch_passage(client: TestClient) -> None:
    body = search(client, query="Which actions were deprioritised?", top_k=5)
    assert body["language"] == "en"
    texts = [" ".join(r["text"].split()) for r in body["results"]]
    assert any("geen prioriteit" in t for t in texts)


def test_english_words_of_the_corpus_reach_the_dutch_lexical_leg(client: TestClient) -> None:
    # The lexical leg reads what the query analyzer hands it: for an English question, the question plus the
    # glossary's Dutch words. Only those words can match the Dutch passage here.
    services = client.app.state.services  # type: ignore[attr-defined]
    lexical = QueryAnalyzer().run("Which powers does the safety coordinator have?")["lexical_query"]
    sparse = DutchSparseTextEmbedder().run(text=lexical)["sparse_embedding"]
    found = SparseRetriever(store=services.store).run(sparse, top_k=3)["documents"]
    texts = [" ".join((d.content or "").split()) for d in found]
    assert any("bevoegdheden" in t and "veiligheidscoördinator" in t for t in texts)


def test_exact_figure_from_the_table(client: TestClient) -> None:
    body = search(client, query="bijdrage Boekel 2026", top_k=3)
    assert any("11.036,00" in r["text"] for r in body["results"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("region", "Arnhem-Achterhoek"), ("municipality", "Oss"), ("doc_type", "koersplan")],
)
def test_filters_return_only_matching_documents(client: TestClient, field: str, value: str) -> None:
    body = search(client, query="lokale teams", top_k=20, filters={field: [value]})
    assert body["results"]
    assert {r[field] for r in body["results"]} == {value}


def test_filter_values_are_case_insensitive_and_regions_accept_spelling_variants(client: TestClient) -> None:
    body = search(client, query="ambitie", filters={"region": ["noordoost brabant"]})
    assert body["results"] and {r["region"] for r in body["results"]} == {"Noordoost-Brabant"}


def test_date_range_filter(client: TestClient) -> None:
    body = search(
        client, query="ambitie", top_k=20, filters={"date_from": "2026-01-01", "date_to": "2026-12-31"}
    )
    assert body["results"] and all(r["date"].startswith("2026") for r in body["results"])


def test_unknown_filter_value_gives_no_results_and_a_note(client: TestClient) -> None:
    body = search(client, query="ambitie", filters={"municipality": ["Utrecht"]})
    assert body["total"] == 0 and body["results"] == []
    assert any("Utrecht" in note for note in body["notes"])


@pytest.mark.parametrize(
    "filters", [{"municipality": ["Utrecht"]}, {"region": ["Randstad"]}, {"doc_type": ["nota"]}]
)
def test_ask_with_an_unknown_filter_value_says_so(client: TestClient, filters: dict[str, list[str]]) -> None:
    response = client.post(
        "/ask", json={"question": "Welke acties krijgen geen prioriteit?", "filters": filters}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    [value] = next(iter(filters.values()))
    assert not body["answerable"] and body["citations"] == []
    assert any(value in note and note.startswith("Onbekende waarde") for note in body["notes"]), body["notes"]


def test_sort_by_date_puts_2023_before_2026(client: TestClient) -> None:
    body = search(client, query="ambitie geweld stoppen bij 70% van de meldingen", top_k=8, sort="date")
    dates = [r["date"] for r in body["results"]]
    assert dates == sorted(dates) and dates[0].startswith("2023") and dates[-1].startswith("2026")


def test_ask_answers_with_exact_quotes(client: TestClient) -> None:
    response = client.post("/ask", json={"question": "Hoeveel uur levert Boekel aan de werkgroep?"})
    body = response.json()
    assert response.status_code == 200 and body["answerable"] is True
    assert any("18 uur" in c["quote"] for c in body["citations"])
    for citation in body["citations"]:
        document = client.get(f"/documents/{citation['document_id']}").json()
        assert any(citation["quote"] in p["text"] for p in document["passages_in_order"])


def test_ask_abstains_on_what_the_corpus_does_not_cover(client: TestClient) -> None:
    body = client.post("/ask", json={"question": "Hoeveel draagt de gemeente Heusden bij aan ViA?"}).json()
    assert body["answerable"] is False and body["citations"] == []
    assert "Heusden" in body["answer"]


def test_documents_list_detail_and_file(client: TestClient) -> None:
    documents = client.get("/documents").json()
    assert len(documents) == 7
    koersplan = next(d for d in documents if d["doc_type"] == "koersplan")
    assert koersplan["pages"] >= 10 and koersplan["region"] == "Noordoost-Brabant"
    detail = client.get(f"/documents/{koersplan['document_id']}").json()
    positions = [p["position"] for p in detail["passages_in_order"]]
    assert positions == sorted(positions) and len(positions) == koersplan["passages"]
    original = client.get(detail["file_url"])
    assert original.status_code == 200 and original.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "body",
    [
        {"query": "   "},
        {"query": ""},
        {"query": "x", "top_k": 0},
        {"query": "x", "top_k": 51},
        {"query": "x", "filters": {"region": 5}},
        {"query": "x", "filters": {"date_from": "2024-02-30"}},
        {"query": "x", "filters": {"date_from": "2025-01-01", "date_to": "2024-01-01"}},
        {"query": "x", "filters": {"colour": ["red"]}},
        {"query": "x" * 1001},
        {"top_k": 3},
    ],
)
def test_bad_search_input_is_a_clear_422(client: TestClient, body: dict) -> None:
    response = client.post("/search", json=body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "invalid_request" and payload["message"]
    assert "Traceback" not in response.text


def test_malformed_json_is_a_422(client: TestClient) -> None:
    response = client.post("/search", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"


def test_unknown_document_is_a_404(client: TestClient) -> None:
    response = client.get("/documents/bestaat-niet")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/search", "/ask", "/documents", "/documents/{document_id}", "/health"} <= set(schema["paths"])


def test_store_unavailable_is_a_503_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "qdrant"
    holder = QdrantClient(path=str(path))  # another "process" holds the embedded store
    try:
        settings = Settings(qdrant_path=path)
        with TestClient(create_app(settings)) as test_client:
            health = test_client.get("/health")
            assert health.status_code == 503 and health.json()["status"] == "unavailable"
            response = test_client.post("/search", json={"query": "ambitie"})
            assert response.status_code == 503
            assert response.json()["error"] == "store_unavailable"
            assert "Traceback" not in response.text
            assert test_client.get("/documents").status_code == 503
    finally:
        holder.close()


def test_naming_the_document_does_not_pull_up_its_title_pages(client: TestClient) -> None:
    # The title words "regiovisie Samen Veilig" are in the regiovisie's opening passages; the answer is
    # in its definition of huiselijk geweld, which does not repeat them.
    body = search(
        client, query="Waar verwijst het woord huiselijk naar volgens de regiovisie Samen Veilig?", top_k=3
    )
    assert "privékring" in body["results"][0]["text"]


def test_a_definition_question_finds_the_defining_passage_first(client: TestClient) -> None:
    # "Veilig Thuis" occurs in dozens of passages; the one that says what it is comes first.
    first = search(client, query="Wat is Veilig Thuis?", top_k=3)["results"][0]
    assert "Veilig Thuis is het advies- en meldpunt" in " ".join(first["text"].split())
    answer = client.post("/ask", json={"question": "Wat is Veilig Thuis?"}).json()
    assert answer["citations"][0]["quote"].startswith("Veilig Thuis is het advies- en meldpunt")


def test_search_pages_through_every_match_once(client: TestClient) -> None:
    query = "ambitie cijfers keren geweld stoppen"
    first = search(client, query=query, top_k=7)
    total = first["total"]
    assert total > 3 * 7 and first["offset"] == 0 and first["top_k"] == 7
    ids: list[str] = []
    for offset in range(0, total, 7):
        body = search(client, query=query, top_k=7, offset=offset)
        assert body["total"] == total and len(body["results"]) == min(7, total - offset)
        ids += [r["passage_id"] for r in body["results"]]
    assert len(ids) == total and len(set(ids)) == total
    assert search(client, query=query, top_k=7, offset=total)["results"] == []


@pytest.mark.parametrize(
    "query", ["Welke acties krijgen geen prioriteit?", "lokale teams", "Which actions were deprioritised?"]
)
def test_facet_counts_are_counts_of_the_matching_passages(client: TestClient, query: str) -> None:
    body = search(client, query=query)
    assert body["total"] > 0
    for field, counts in body["facets"].items():
        assert sum(counts.values()) + body["facets_missing"][field] == body["total"], field
        if field == "year":
            continue
        for value, count in counts.items():
            assert search(client, query=query, filters={field: [value]})["total"] == count, (field, value)


def test_the_relevance_floor_leaves_off_topic_queries_without_matches(client: TestClient) -> None:
    body = search(client, query="recept voor chocoladetaart met slagroom")
    assert body["total"] == 0 and body["results"] == []
    assert body["facets_missing"]["region"] == 0


def test_passages_with_the_same_text_are_both_listed_and_name_each_other(client: TestClient) -> None:
    query = "In 2030 is het Toekomstscenario geïmplementeerd en stopt het geweld"
    body = search(client, query=query, top_k=50)
    by_id = {r["passage_id"]: r for r in body["results"]}
    pairs = [(r, ref) for r in body["results"] for ref in r["also_in"] if ref["passage_id"] in by_id]
    assert pairs, "Boekel's and Oss's letters share this passage word for word"
    for result, ref in pairs:
        assert result["passage_id"] in {x["passage_id"] for x in by_id[ref["passage_id"]]["also_in"]}


def test_offset_out_of_range_is_refused(client: TestClient) -> None:
    response = client.post("/search", json={"query": "ambitie", "offset": -1})
    assert response.status_code == 422
    response = client.post("/search", json={"query": "ambitie", "offset": 10**6})
    assert response.status_code == 422


def test_a_dutch_keyword_guessed_english_keeps_the_dutch_floor(client: TestClient) -> None:
    # '-ing' tips the language guess to English; the English floor would count most of the corpus.
    body = search(client, query="parkeervergunning")
    assert 1 <= body["total"] <= 5
    assert {r["document_id"] for r in body["results"]} <= {
        "zevenaar-2024-toezeggingenlijst",
        "zevenaar-2024-memo-parkeerbeleid",
    }


def test_a_page_beyond_the_last_gets_a_note(client: TestClient) -> None:
    body = search(client, query="ambitie", top_k=10, offset=990)
    assert body["results"] == [] and body["total"] > 0
    total = body["total"]
    assert body["notes"] == [
        f"Deze pagina bestaat niet: er zijn {total} passages (offset 990); begin bij offset 0."
    ]


@pytest.mark.parametrize(("path", "field"), [("/ask", "question"), ("/search", "query")])
def test_a_question_of_punctuation_alone_is_refused(client: TestClient, path: str, field: str) -> None:
    response = client.post(path, json={field: "???!!!"})
    assert response.status_code == 422, response.text
    assert response.json()["message"] == "De zoekvraag bevat geen woorden of getallen om naar te zoeken."
    assert client.post(path, json={field: "2026?"}).status_code == 200  # a year is something to look for
