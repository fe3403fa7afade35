"""The web pages against the real app: the real corpus ingested once into a temporary embedded Qdrant store."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import REPO_ROOT

from kb_api.main import create_app
from kb_core.errors import StoreUnavailableError
from kb_core.settings import Settings

QUESTION = "Welke acties krijgen geen prioriteit?"
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real app; its lifespan ingests the corpus into an empty tmp store (about 30 s, once per module)."""
    settings = Settings(
        qdrant_path=tmp_path_factory.mktemp("web-qdrant"),
        qdrant_url=None,
        corpus_dir=REPO_ROOT / "corpus",
        collection="via_passages_web",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def regions_of_results(html: str) -> list[str]:
    """The region shown on every search result card."""
    return re.findall(r'class="region" data-region="([^"]*)"', html)


def cite_links(html: str) -> list[str]:
    """The hrefs of the numbered citation links in the answer."""
    return [h.replace("&amp;", "&") for h in re.findall(r'<a class="cite" href="([^"]+)"', html)]


def test_home_explains_the_knowledge_base(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="nl">' in html
    assert "<title>Zoeken – ViA Kennisbank</title>" in html
    assert "<h1>ViA Kennisbank</h1>" in html
    assert "Zoek in 7 beleidsdocumenten" in html
    assert "Noordoost-Brabant" in html and "Arnhem-Achterhoek" in html
    assert "mei 2023 – maart 2026" in html
    assert 'placeholder="Stel een vraag of zoek op trefwoord"' in html
    assert '<label for="q"' in html
    assert 'class="skip-link" href="#inhoud"' in html
    assert 'name="viewport"' in html


def test_answer_shows_a_citation_to_the_passage(client: TestClient) -> None:
    response = client.get("/", params={"q": QUESTION})
    assert response.status_code == 200
    html = response.text
    assert "Vooralsnog krijgen een aantal acties uit het Koersplan ViA 2023 geen prioriteit." in html
    links = cite_links(html)
    assert links, "the answer has no numbered citation"
    assert re.fullmatch(r"/document/[\w-]+\?passage=[\w-]+%23\d{4}#p-\d{4}", links[0])
    assert ">[1]</a>" in html
    assert 'role="status" aria-live="polite"' in html
    assert "10 passages gevonden" in html
    assert "<mark>prioriteit</mark>" in html


def test_citation_opens_the_document_at_the_highlighted_passage(client: TestClient) -> None:
    link = cite_links(client.get("/", params={"q": QUESTION}).text)[0]
    anchor = link.split("#", 1)[1]
    response = client.get(link.split("#", 1)[0])
    assert response.status_code == 200
    html = response.text
    assert re.search(rf'id="{anchor}" class="passage is-cited"', html)
    assert html.count("is-cited") == 1
    assert "Geciteerd" in html
    assert re.search(r'href="/documents/[\w-]+/file"', html)
    assert f'href="#{anchor}"' in html


def test_region_filter_shows_only_that_region(client: TestClient) -> None:
    response = client.get("/", params={"q": QUESTION, "region": "Arnhem-Achterhoek"})
    assert response.status_code == 200
    regions = regions_of_results(response.text)
    assert regions and set(regions) == {"Arnhem-Achterhoek"}
    assert re.search(r'name="region" value="Arnhem-Achterhoek" checked', response.text)


def test_filters_are_in_the_url_and_combine(client: TestClient) -> None:
    params = {"q": "ambitie", "doc_type": "raadsinformatiebrief", "van": "2026-01-01", "tot": "2026-12-31"}
    html = client.get("/", params=params).text
    dates = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)"', html.split('id="resultaten-kop"', 1)[1])
    assert dates and all(d.startswith("2026") for d in dates)
    assert 'value="2026-01-01"' in html and 'value="2026-12-31"' in html


def test_date_sort_orders_results_by_date(client: TestClient) -> None:
    html = client.get("/", params={"q": "ambitie geweld stoppen", "sort": "date"}).text
    results = html.split('id="resultaten-kop"', 1)[1]
    dates = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)"', results)
    assert len(dates) > 1 and dates == sorted(dates)
    assert '<option value="date" selected>' in html


@pytest.mark.parametrize(
    "query",
    ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "' OR 1=1 --", "</title><b>vet</b>"],
)
def test_odd_input_is_escaped(client: TestClient, query: str) -> None:
    response = client.get("/", params={"q": query})
    assert response.status_code == 200
    html = response.text
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>vet</b>" not in html
    assert html.count("<title>") == 1


def test_xss_in_the_passage_parameter_is_harmless(client: TestClient) -> None:
    html = client.get(
        "/document/oss-2026-rib-toekomstbeeld-via", params={"passage": "<script>alert(1)</script>"}
    ).text
    assert "<script>alert(1)" not in html
    assert "is-cited" not in html


@pytest.mark.parametrize("path", ["/", "/vergelijk", "/tijdlijn"])
@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_message(client: TestClient, path: str, query: str) -> None:
    response = client.get(path, params={"q": query})
    assert response.status_code == 200
    assert "Vul een vraag of zoekterm in." in response.text


def test_too_long_query_is_refused_with_a_message(client: TestClient) -> None:
    response = client.get("/", params={"q": "woord " * 250})
    assert response.status_code == 422
    assert "De zoekvraag is te lang" in response.text
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize(
    ("van", "tot", "message"),
    [("2026-01-01", "2023-01-01", "ligt na de einddatum"), ("gisteren", "", "De datum 'van' is ongeldig")],
)
def test_bad_dates_are_explained(client: TestClient, van: str, tot: str, message: str) -> None:
    response = client.get("/", params={"q": "ambitie", "van": van, "tot": tot})
    assert response.status_code == 422
    assert message in html_lib.unescape(response.text)


def test_unknown_filter_value_is_explained(client: TestClient) -> None:
    response = client.get("/", params={"q": "ambitie", "region": "Mars"})
    assert response.status_code == 200
    assert "Onbekende waarde voor regio: 'Mars'" in html_lib.unescape(response.text)
    assert "Geen resultaten gevonden." in response.text


def test_unknown_document_is_a_dutch_404_page(client: TestClient) -> None:
    response = client.get("/document/bestaat-niet")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "Document niet gevonden" in response.text
    assert '<html lang="nl">' in response.text


def test_unknown_page_is_html_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    page = client.get("/bestaat-niet", headers=HTML)
    assert page.status_code == 404
    assert "Pagina niet gevonden" in page.text
    api = client.get("/bestaat-niet")
    assert api.status_code == 404
    assert api.json()["error"] == "not_found"


def test_compare_shows_two_regions_side_by_side(client: TestClient) -> None:
    response = client.get("/vergelijk", params={"q": "Wat is de rol van Veilig Thuis?"})
    assert response.status_code == 200
    html = response.text
    columns = html.split('class="compare-column"')[1:]
    assert len(columns) == 2
    for column, region in zip(columns, ["Noordoost-Brabant", "Arnhem-Achterhoek"], strict=True):
        assert f'class="column-heading">{region}</h2>' in column
        assert set(regions_of_results(column)) == {region}
        assert len(regions_of_results(column)) <= 5
        assert 'class="cite"' in column


def test_compare_without_question_shows_the_form(client: TestClient) -> None:
    html = client.get("/vergelijk").text
    assert '<label for="a">' in html and '<label for="b">' in html
    assert '<option value="Noordoost-Brabant" selected>' in html


def test_timeline_groups_by_year_and_shows_the_change(client: TestClient) -> None:
    response = client.get("/tijdlijn", params={"q": "ambitie cijfers keren geweld stoppen"})
    assert response.status_code == 200
    html = response.text
    years = re.findall(r'<h2 id="jaar-(\d{4})"', html)
    assert years == sorted(years) and "2023" in years and "2026" in years
    assert html.index("binnen vijf jaar") < html.index("In 2030")


def test_document_list(client: TestClient) -> None:
    html = client.get("/documenten").text
    assert html.count('<a href="/document/') == 7
    assert html.count('href="/documents/') == 7


def test_static_files(client: TestClient) -> None:
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_json_api_is_unchanged(client: TestClient) -> None:
    assert client.get("/documents").headers["content-type"].startswith("application/json")
    assert client.get("/health").json()["documents"] == 7


def test_store_unavailable_is_a_503_page(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    services: Any = client.app.state.services  # type: ignore[attr-defined]

    def down(*args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailableError("Qdrant is down")

    monkeypatch.setattr(services.catalogue, "documents", down)
    for path in ("/", "/?q=ambitie", "/vergelijk?q=ambitie", "/documenten"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "De zoekindex is nu niet bereikbaar. Probeer het later opnieuw." in response.text
    monkeypatch.setattr(services.search, "search", down)
    assert client.get("/tijdlijn?q=ambitie").status_code == 503


def test_templates_are_packaged() -> None:
    root = Path(__file__).resolve().parent.parent / "kb_api"
    for name in ("base.html", "search.html", "document.html", "compare.html", "timeline.html", "error.html"):
        assert (root / "templates" / name).is_file()
