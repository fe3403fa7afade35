"""The web pages against the real app: the real corpus ingested once into a temporary embedded Qdrant store."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import REPO_ROOT

from kb_api.main import create_app
from kb_api.routers.web import EXAMPLES
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


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_on_the_home_page_is_answered_with_a_quote(client: TestClient, example: str) -> None:
    # A featured example that the knowledge base refuses tells a new user the product does not work (a browser
    # check found "Wanneer moet de aanpak gerealiseerd zijn?" refused).
    assert example in html_lib.unescape(client.get("/").text)
    html = client.get("/", params={"q": example}).text
    assert cite_links(html), example


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
    assert re.fullmatch(
        r"/document/[\w-]+\?passage=[\w-]+%23\d{4}&quote=[^&#]+&terug=[^&#]+#p-\d{4}", links[0]
    )
    assert ">[1]</a>" in html
    assert 'role="status" aria-live="polite"' in html
    assert re.search(r"\d+ passages gevonden, 1–10 op deze pagina", html)
    assert "<mark>prioriteit</mark>" in html
    assert re.search(r"Origineel bestand openen \(p\. \d+\)</a>", html)  # a PDF opens at the quote's page


def test_citation_opens_the_document_at_the_highlighted_passage(client: TestClient) -> None:
    link = cite_links(client.get("/", params={"q": QUESTION}).text)[0]
    anchor = link.split("#", 1)[1]
    response = client.get(link.split("#", 1)[0])
    assert response.status_code == 200
    html = response.text
    assert re.search(rf'id="{anchor}" class="passage is-cited"', html)
    assert html.count("is-cited") == 1
    assert "Geciteerd" in html
    assert re.search(r'href="/documents/[\w-]+/file#page=\d+"', html)
    assert f'href="#{anchor}"' in html


def test_the_document_view_opens_the_original_at_the_quotes_page(client: TestClient) -> None:
    from ingest.store import iter_passages

    store = client.app.state.services.store  # type: ignore[attr-defined]
    passage = next(p for p in iter_passages(store) if p.meta.get("page_breaks"))
    text = passage.content or ""
    sentence = " ".join(text[passage.meta["page_breaks"][0] :].split()[:8])
    doc = passage.meta["document_id"]
    html = client.get(f"/document/{doc}", params={"passage": passage.id, "quote": sentence}).text
    page = passage.meta["page"] + 1
    assert f"Opent op pagina {page}, waar het citaat staat." in html
    assert f'href="/documents/{doc}/file#page={page}"' in html
    before = " ".join(text.split()[:8])
    html = client.get(f"/document/{doc}", params={"passage": passage.id, "quote": before}).text
    assert f"Opent op pagina {passage.meta['page']}, waar het citaat staat." in html


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
    # No box is ticked, so the filter panel does not count one as chosen; a known value is counted.
    assert "gekozen)" not in response.text
    known = client.get("/", params={"q": "ambitie", "region": ["Mars", "Arnhem-Achterhoek"]}).text
    assert '<span class="chosen">(1 gekozen)</span>' in known
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


def test_a_gone_documents_file_is_a_page_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    # A link to an original kept from before the document was deleted.
    page = client.get("/documents/bestaat-niet/file", headers=HTML)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "Document niet gevonden" in page.text and "bestaat-niet" in page.text
    api = client.get("/documents/bestaat-niet/file")
    assert api.status_code == 404
    assert api.json()["details"][0]["code"] == "document_not_found"
    # Other domain errors keep their JSON for browsers too (a bad query is the API's business).
    bad = client.post("/search", json={"query": " "}, headers=HTML)
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_request"


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


# --- totals, paging, facets (issue 15) -------------------------------------------------------------
def result_ids(html: str) -> list[str]:
    """The passage ids of the result cards, in order (from their links to the document page)."""
    results = html.split('id="resultaten-kop"', 1)[1].split('class="pager"', 1)[0]
    ids = re.findall(r'class="result-title"><a href="/document/[^"?]+\?passage=([^"&]+)', results)
    return [html_lib.unescape(i).replace("%23", "#") for i in ids]


def total_of(html: str) -> int:
    """The total the page states ('57 passages gevonden')."""
    match = re.search(r"(\d+) passages? gevonden", html)
    assert match, "the page states no total"
    return int(match.group(1))


def facet_counts(html: str, field: str) -> dict[str, int]:
    """The counts the filter column shows for one field's values."""
    pattern = rf'name="{field}" value="([^"]+)"[^>]*>\s*<label[^>]*>[^<]*<span class="count">\((\d+)\)</span>'
    return {html_lib.unescape(v): int(n) for v, n in re.findall(pattern, html)}


def test_paging_walks_through_every_match_once(client: TestClient) -> None:
    first = client.get("/", params={"q": "lokale teams", "aantal": 10}).text
    total = total_of(first)
    assert total > 20, "the query should match more than two pages"
    assert "1–10 van " + str(total) in first
    seen: list[str] = []
    offset = 0
    while offset < total:
        html = client.get("/", params={"q": "lokale teams", "aantal": 10, "offset": offset}).text
        ids = result_ids(html)
        assert ids, f"page at offset {offset} is empty"
        assert total_of(html) == total
        seen += ids
        offset += 10
    assert len(seen) == total and len(set(seen)) == total


def test_page_links_keep_the_query_and_filters(client: TestClient) -> None:
    params = {"q": "lokale teams", "region": "Noordoost-Brabant", "van": "2023-01-01", "aantal": "10"}
    html = client.get("/", params=params).text
    nxt = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert nxt, "no link to the next page"
    url = html_lib.unescape(nxt.group(1))
    assert "q=lokale%20teams" in url and "region=Noordoost-Brabant" in url and "van=2023-01-01" in url
    assert "offset=10" in url and "aantal=10" in url
    second = client.get(url).text
    assert "11–" in second and 'rel="prev"' in second
    assert set(regions_of_results(second)) == {"Noordoost-Brabant"}
    assert '<option value="20">' in second and '<label for="aantal">Resultaten per pagina</label>' in second


@pytest.mark.parametrize("query", [QUESTION, "lokale teams", "ambitie cijfers keren geweld stoppen"])
def test_facet_counts_add_up_to_the_total_and_selecting_one_gives_that_many(
    client: TestClient, query: str
) -> None:
    html = client.get("/", params={"q": query}).text
    total = total_of(html)
    for field in ("region", "municipality", "doc_type"):
        counts = facet_counts(html, field)
        assert counts, field
        missing = re.search(
            rf"Zonder {dict(region='regio', municipality='gemeente', doc_type='documenttype')[field]}: (\d+)",
            html,
        )
        assert sum(counts.values()) + (int(missing.group(1)) if missing else 0) == total, field
        for value, count in counts.items():
            if count == 0:
                continue
            selected = client.get("/", params={"q": query, field: value}).text
            assert total_of(selected) == count, (field, value)


def test_the_quoted_sentence_is_marked_and_the_original_opens_at_its_page(client: TestClient) -> None:
    html = client.get("/", params={"q": QUESTION}).text
    link = cite_links(html)[0]
    quote_text = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["quote"][0]
    page_html = client.get(link.split("#", 1)[0]).text
    cited = page_html.split('class="passage is-cited"', 1)[1].split("</section>", 1)[0]
    marked = re.findall(r'<mark class="quote">(.*?)</mark>', cited, re.S)
    assert [" ".join(html_lib.unescape(m).split()) for m in marked] == [" ".join(quote_text.split())]
    passage_text = html_lib.unescape(re.sub(r"<[^>]+>", "", cited.split('class="passage-text">', 1)[1]))
    assert len(" ".join(passage_text.split())) > len(" ".join(quote_text.split())), (
        "the whole passage is marked"
    )
    assert page_html.count('<mark class="quote">') == 1
    # The original opens at the cited page, and that page of the PDF holds the quote.
    pdf = re.search(r'href="(/documents/([\w-]+)/file#page=(\d+))"', page_html)
    assert pdf, "no link to the original at a page"
    page_number = int(pdf.group(3))
    file = client.get(pdf.group(1).split("#", 1)[0])
    assert file.status_code == 200 and file.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(file.content)).pages[page_number - 1].extract_text()
    assert " ".join(quote_text.split()[:6]) in " ".join(text.split())
    # The answer's own citation links to the same page.
    assert pdf.group(1) in html


def test_back_link_returns_to_the_search_and_refuses_other_sites(client: TestClient) -> None:
    search = "/?q=lokale%20teams&region=Arnhem-Achterhoek&offset=10"
    doc = "/document/nob-2023-koersplan-via"
    html = client.get(doc, params={"terug": search}).text
    assert f'<a href="{html_lib.escape(search)}">‹ Terug naar resultaten</a>' in html
    for bad in (
        "//evil.example/",
        "https://evil.example/?q=x",
        "javascript:alert(1)",
        "/document/x",
        "/\\evil",
    ):
        assert "Terug naar resultaten" not in client.get(doc, params={"terug": bad}).text, bad
    # Result links on the search page carry the way back.
    results = client.get(search).text
    assert "terug=%2F%3Fq%3Dlokale%2520teams%26region%3DArnhem-Achterhoek%26offset%3D10" in results


def test_a_citation_can_be_copied_as_plain_text(client: TestClient) -> None:
    html = client.get("/", params={"q": QUESTION}).text
    button = re.search(r'<button type="button" class="copy-citation[^"]*" data-citation="([^"]+)"', html)
    assert button, "no copy button"
    text = html_lib.unescape(button.group(1))
    quote_line, source, url = text.split("\n")
    assert quote_line.startswith("“Vooralsnog krijgen een aantal acties") and quote_line.endswith("”")
    assert "gemeente " in source and "raadsinformatiebrief" in source and "2026" in source
    assert re.search(r"pagina \d+\.$", source)
    assert url.startswith("http://testserver/document/") and "quote=" in url
    assert "Kopieer bronvermelding" in html and "onclick" not in html and "<script>" not in html


def test_export_csv_holds_every_match_with_a_header_and_bom(client: TestClient) -> None:
    params = {"q": "lokale teams", "region": "Noordoost-Brabant"}
    total = total_of(client.get("/", params=params).text)
    response = client.get("/export.csv", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.startswith("rank;passage_id;document_id;")  # Dutch Excel's list separator
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == total == int(response.headers["x-total-matches"])
    assert {r["region"] for r in rows} == {"Noordoost-Brabant"}
    assert len({r["passage_id"] for r in rows}) == total
    first = rows[0]
    assert re.fullmatch(r"\d+,\d+", first["score"]), first["score"]  # a decimal comma, as Dutch Excel reads
    assert first["url"].startswith("http://testserver/document/") and first["file_url"].endswith(
        f"#page={first['page']}"
    )
    exported = client.get("/export.json", params=params)
    assert exported.headers["content-disposition"].startswith("attachment;")
    body = exported.json()
    assert body["total"] == total and len(body["results"]) == total
    assert list(body["results"][0]) == list(first) == body["fields"]
    assert [r["passage_id"] for r in body["results"]] == [r["passage_id"] for r in rows]
    assert client.get("/export.csv", params={"q": " "}).status_code == 422
    # A browser (a bookmarked export link without its question) gets a Dutch page, a script plain text.
    page = client.get("/export.csv", params={"q": ""}, headers=HTML)
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "Exporteren lukt niet" in page.text and "De zoekvraag is leeg." in page.text
    assert client.get("/export.json", params={"q": ""}).headers["content-type"].startswith("text/plain")


def test_timeline_has_the_search_filters_and_pages(client: TestClient) -> None:
    params = {"q": "lokale teams", "aantal": 10}
    html = client.get("/tijdlijn", params=params).text
    total = total_of(html)
    assert total > 10 and "1–10 van" in html
    assert 'name="region"' in html and 'name="van"' in html and 'form="tijdlijnform"' in html
    filtered = client.get("/tijdlijn", params={**params, "region": "Arnhem-Achterhoek"}).text
    assert set(regions_of_results(filtered)) == {"Arnhem-Achterhoek"}
    assert total_of(filtered) == facet_counts(html, "region")["Arnhem-Achterhoek"]
    second = client.get("/tijdlijn", params={**params, "offset": 10}).text
    years = re.findall(r'<h2 id="jaar-(\d{4})"', second)
    assert years == sorted(years) and "11–" in second


def test_compare_pages_each_column_on_its_own(client: TestClient) -> None:
    q = "lokale teams"
    first = client.get("/vergelijk", params={"q": q}).text
    paged = client.get("/vergelijk", params={"q": q, "offset_a": 5}).text
    left_first, right_first = first.split('class="compare-column"')[1:]
    left_paged, right_paged = paged.split('class="compare-column"')[1:]
    assert "1–5 van" in left_first and "6–10 van" in left_paged
    assert regions_of_results(right_first) == regions_of_results(right_paged)
    assert set(regions_of_results(left_paged)) == {"Noordoost-Brabant"}
    assert 'class="cite"' in left_paged, "each column keeps its answer"
    nxt = re.search(r'<a href="([^"]+)" rel="next">', right_paged)
    assert nxt and "offset_b=5" in nxt.group(1) and "offset_a=5" in nxt.group(1)
    # A column's pager returns to that column; on a phone the columns stack, and a link leads to each.
    assert nxt.group(1).endswith("#passages-b") and 'id="passages-b"' in right_paged
    jump = re.search(r'<nav class="compare-jump"[^>]*>(.*?)</nav>', paged, re.S)
    assert jump and re.findall(r'href="#(kolom-\d)"', jump.group(1)) == ["kolom-1", "kolom-2"]
    assert 'id="kolom-1"' in left_paged and 'id="kolom-2"' in right_paged


def test_a_page_beyond_the_last_says_so_on_the_timeline_and_in_the_compare_view(client: TestClient) -> None:
    timeline = client.get("/tijdlijn", params={"q": "ambitie", "offset": 990}).text
    assert re.search(r"Deze pagina bestaat niet: er zijn \d+ passages", timeline)
    assert "Naar de eerste pagina" in timeline and "990–" not in timeline and "0–990" not in timeline
    compare = client.get("/vergelijk", params={"q": "ambitie", "offset_a": 990}).text
    assert re.search(r"Deze pagina bestaat niet: er zijn \d+ passages in Noordoost-Brabant", compare)
    assert "Geen passages gevonden in Noordoost-Brabant" not in compare


def test_comparing_a_region_with_itself_is_refused(client: TestClient) -> None:
    response = client.get(
        "/vergelijk", params={"q": "ambitie", "a": "Noordoost-Brabant", "b": "noordoost-brabant"}
    )
    assert response.status_code == 422
    assert "Kies twee verschillende regio" in response.text and "compare-column" not in response.text


def test_comparing_a_region_the_knowledge_base_lacks_is_refused(client: TestClient) -> None:
    response = client.get("/vergelijk", params={"q": "ambitie", "a": "Utrecht", "b": "Friesland"})
    assert response.status_code == 422
    html = html_lib.unescape(response.text)
    assert "Onbekende waarde voor regio: 'Utrecht'. Bekend: Arnhem-Achterhoek, Noordoost-Brabant" in html
    assert "compare-column" not in html
    # The region lists offer only the regions there are.
    assert '<option value="Utrecht"' not in html and '<option value="Friesland"' not in html
    ok = client.get("/vergelijk", params={"q": "ambitie", "a": "noordoost-brabant", "b": "Arnhem-Achterhoek"})
    assert ok.status_code == 200 and ok.text.count('class="compare-column"') == 2


def test_a_query_of_punctuation_alone_is_explained_on_the_page(client: TestClient) -> None:
    response = client.get("/", params={"q": "?!"})
    assert response.status_code == 422
    assert "De zoekvraag bevat geen woorden of getallen om naar te zoeken." in response.text


@pytest.mark.parametrize("query", ["xyzzyqwertyplok", "klimaatadaptatie", "de het een"])
def test_a_query_nothing_matches_gets_no_answer_above_an_empty_list(client: TestClient, query: str) -> None:
    # The fused ranking always has a best passage; when the search lists none (no shared word, nothing close
    # in meaning), the answer above the list must not quote one either, here and in each compare column.
    html = client.get("/", params={"q": query}).text
    assert "Geen resultaten gevonden." in html
    assert 'class="cite"' not in html
    assert "De kennisbank bevat geen passage die deze vraag beantwoordt." in html
    compare = client.get("/vergelijk", params={"q": query}).text
    columns = compare.split('class="compare-column"')[1:]
    assert len(columns) == 2
    for column in columns:
        assert 'class="cite"' not in column
        assert "beantwoordt deze vraag" in column
        # Nothing is listed, so the refusal does not point to results below it.
        assert "misschien staat er toch iets bruikbaars bij" not in column
    assert "misschien staat er toch iets bruikbaars bij" not in html
    assert "Stel de vraag anders, of zoek met andere woorden." in html


def test_a_refusal_over_listed_passages_points_to_them(client: TestClient) -> None:
    html = client.get("/", params={"q": "Hoe lang is de wachttijd bij Veilig Thuis?"}).text
    assert (
        "De kennisbank bevat geen passage die deze vraag beantwoordt. Gezocht naar een duur of termijn."
        in html
    )
    assert "Bekijk de zoekresultaten hieronder; misschien staat er toch iets bruikbaars bij." in html
    assert "Het dichtst in de buurt komen deze passages: " in html


def test_the_add_page_says_when_adding_is_switched_off(client: TestClient) -> None:
    # This app has no API key, so it takes no writes: the page says so in Dutch before the form is filled in,
    # and the form cannot be sent.
    html = client.get("/toevoegen").text
    assert "Documenten toevoegen en verwijderen staat uit" in html
    assert re.search(r'<fieldset class="upload-fields"[^>]*\bdisabled\b', html)


def test_the_add_page_takes_documents_when_a_key_is_configured(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    settings = Settings(
        qdrant_path=tmp_path / "qdrant", qdrant_url=None, corpus_dir=tmp_path / "corpus", api_key="sleutel"
    )
    with TestClient(create_app(settings)) as keyed:
        html = keyed.get("/toevoegen").text
    assert "staat uit" not in html
    assert re.search(r'<fieldset class="upload-fields"\s*>', html)


def test_a_typing_error_gets_a_link_to_the_mended_search(client: TestClient) -> None:
    html = client.get("/", params={"q": "Wie is de wethouer van Boekel?", "region": "Noordoost-Brabant"}).text
    match = re.search(r'<p class="did-you-mean">Bedoelde u: <a href="([^"]+)">([^<]+)</a></p>', html)
    assert match, "no suggestion on the page"
    assert html_lib.unescape(match.group(2)) == "Wie is de wethouder van Boekel?"
    link = urllib.parse.urlsplit(html_lib.unescape(match.group(1)))
    params = urllib.parse.parse_qs(link.query)
    assert params["q"] == ["Wie is de wethouder van Boekel?"] and params["region"] == ["Noordoost-Brabant"]
    # The API says the same, as a field and a note in the query's language.
    body = client.post("/search", json={"query": "Wie is de wethouer van Boekel?"}).json()
    assert body["suggestion"] == "Wie is de wethouder van Boekel?"
    assert "Bedoelde u: “Wie is de wethouder van Boekel?”" in body["notes"]
    assert "did-you-mean" not in client.get("/", params={"q": "Wie is de wethouder van Boekel?"}).text
    # The compare view and the timeline suggest it too, once, for the same view of the mended query.
    for path in ("/vergelijk", "/tijdlijn"):
        html = client.get(path, params={"q": "Wie is de wethouer van Boekel?", "offset_a": "10"}).text
        links = re.findall(r'<p class="did-you-mean">Bedoelde u: <a href="([^"]+)">', html)
        assert len(links) == 1, path
        link = urllib.parse.urlsplit(html_lib.unescape(links[0]))
        assert link.path == path and "offset_a" not in link.query
        assert urllib.parse.parse_qs(link.query)["q"] == ["Wie is de wethouder van Boekel?"]
