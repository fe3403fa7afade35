"""End to end in a real headless Chromium (Debian's), driven by Playwright, against the real app under uvicorn.

Needs ``apt-get install -y chromium`` and ``pip install playwright`` (never ``playwright install``: it downloads
a browser). Screenshots of the main views go to tests/artifacts/screenshots/, the search page also to docs/.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from browser_support import CHROMIUM, chromium, served_app
from helpers import REPO_ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO_ROOT / "tests" / "artifacts" / "screenshots"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "screenshot-search.png"
QUESTION = "Welke acties krijgen geen prioriteit?"
TIMELINE_TOPIC = "ambitie cijfers keren geweld stoppen"
WAIT_MS = 60_000  # one search page runs a search and an extractive answer on CPU

sync_api: Any = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)"
)
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port; the first start ingests the corpus into a tmp store."""
    env = {
        "KB_QDRANT_PATH": str(tmp_path_factory.mktemp("browser-data") / "qdrant"),
        "KB_CORPUS_DIR": str(REPO_ROOT / "corpus"),
    }
    with served_app(env, tmp_path_factory.mktemp("web-server") / "uvicorn.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, launched by Playwright."""
    with chromium(sync_api) as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page in a fresh context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(page: Any, name: str, full_page: bool = False) -> Path:
    """Save a screenshot under tests/artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def result_regions(page: Any) -> list[str]:
    """The region shown on every result in the results list."""
    return [t.strip() for t in page.locator("ol.results .result .region .value").all_inner_texts()]


def test_search_answer_filter_and_citation(page: Any, server: str) -> None:
    page.goto(server + "/")
    expect(page).to_have_title("Zoeken – ViA Kennisbank")
    search_box = page.get_by_label("Zoekvraag")
    expect(search_box).to_have_attribute("placeholder", "Stel een vraag of zoek op trefwoord")
    search_box.fill(QUESTION)
    search_box.press("Enter")

    answer = page.locator("section.answer")
    expect(answer).to_contain_text("geen prioriteit")
    expect(answer.locator("a.cite").first).to_have_text("[1]")
    expect(page.get_by_role("status").filter(has_text="gevonden")).to_contain_text("passages gevonden")
    expect(page.locator("ol.results mark").first).to_be_visible()
    assert "q=Welke+acties" in page.url
    DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot(page, "search-answer"), DOCS_SCREENSHOT)
    shot(page, "search-answer-full", full_page=True)
    search_url = page.url

    # Filter on one region: every result shows that region, and the filter is in the URL.
    page.locator('input[name="region"][value="Arnhem-Achterhoek"]').check()
    page.get_by_role("button", name="Filters toepassen").click()
    page.wait_for_url("**region=Arnhem-Achterhoek**")
    expect(page.locator('input[name="region"][value="Arnhem-Achterhoek"]')).to_be_checked()
    regions = result_regions(page)
    assert regions and set(regions) == {"Arnhem-Achterhoek"}, regions

    # A citation opens the document at the highlighted passage.
    page.goto(search_url)
    cite = page.locator("section.answer a.cite").first
    href = cite.get_attribute("href")
    assert href and "#p-" in href
    cite.click()
    page.wait_for_url("**/document/**")
    cited = page.locator(".passage.is-cited")
    expect(cited).to_have_count(1)
    expect(cited).to_have_attribute("id", href.rsplit("#", 1)[1])
    expect(cited).to_be_in_viewport()
    expect(cited).to_contain_text("geen prioriteit")
    expect(page.get_by_role("link", name="Origineel bestand openen")).to_be_visible()
    shot(page, "document")


def test_compare_view_has_two_columns(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Vergelijken").click()
    page.get_by_label("Vraag of trefwoord").fill("Wat is de rol van Veilig Thuis?")
    page.get_by_label("Vraag of trefwoord").press("Enter")
    columns = page.locator(".compare-column")
    expect(columns).to_have_count(2)
    expect(columns.nth(0).locator("h2").first).to_have_text("Noordoost-Brabant")
    expect(columns.nth(1).locator("h2").first).to_have_text("Arnhem-Achterhoek")
    left, right = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    assert left and right and left["x"] < right["x"] and abs(left["y"] - right["y"]) < 5, "not side by side"
    for i, region in enumerate(["Noordoost-Brabant", "Arnhem-Achterhoek"]):
        texts = columns.nth(i).locator(".result .region .value").all_inner_texts()
        assert texts and {t.strip() for t in texts} == {region}
    shot(page, "compare")


def test_timeline_is_grouped_by_year(page: Any, server: str) -> None:
    page.goto(f"{server}/tijdlijn?q={quote_plus(TIMELINE_TOPIC)}")
    years = [y.strip() for y in page.locator("h2.year").all_inner_texts()]
    assert years == sorted(years) and "2023" in years and "2026" in years, years
    expect(page.locator(".timeline")).to_contain_text("binnen vijf jaar")
    expect(page.locator(".timeline")).to_contain_text("In 2030")
    shot(page, "timeline")


def test_phone_width_search(browser: Any, server: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(f"{server}/?q={quote_plus(QUESTION)}")
        expect(page.locator("section.answer a.cite").first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
        shot(page, "phone-search")
        # The filters start folded on a phone; the link to them beside the results opens them.
        panel = page.locator("details.filters-panel")
        assert panel.evaluate("el => el.open") is False
        page.locator("a.to-filters").click()
        assert panel.evaluate("el => el.open") is True
        expect(page.locator("#filters input[name='region']").first).to_be_visible()
        # The document list is wider than a phone: it says so, and the table scrolls inside its box.
        page.goto(f"{server}/documenten")
        expect(page.locator(".table-hint")).to_be_visible()
        wrap = page.locator(".table-wrap")
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the document list scrolls the page sideways by {overflow}px"
    finally:
        context.close()


def _tab_to(page: Any, predicate: str, limit: int = 80) -> None:
    """Press Tab until ``predicate`` (JS, with ``el`` the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached: {predicate}")


def test_keyboard_only(page: Any, server: str) -> None:
    page.goto(server + "/")
    # The first Tab shows the skip link, with a visible focus outline.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    _tab_to(page, "el.id === 'q'")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator("section.answer a.cite").first).to_be_visible()

    # Tick a region with the space bar and submit with Enter on the button.
    _tab_to(page, "el.name === 'region' && el.value === 'Arnhem-Achterhoek'")
    page.keyboard.press("Space")
    _tab_to(page, "el.textContent.trim() === 'Filters toepassen'")
    page.keyboard.press("Enter")
    page.wait_for_url("**region=Arnhem-Achterhoek**")
    regions = result_regions(page)
    assert regions and set(regions) == {"Arnhem-Achterhoek"}

    # Follow a citation with the keyboard.
    page.go_back()
    expect(page.locator("section.answer a.cite").first).to_be_visible()
    _tab_to(page, "el.classList.contains('cite')", limit=150)
    page.keyboard.press("Enter")
    page.wait_for_url("**/document/**")
    expect(page.locator(".passage.is-cited")).to_be_focused()


# --- issue 15: totals, paging, facets, citations, export -------------------------------------------
def _total(page: Any) -> int:
    text = page.locator(".result-count").inner_text()
    match = re.search(r"(\d+) passages? gevonden", text)
    assert match, text
    return int(match.group(1))


def _result_ids(page: Any) -> list[str]:
    hrefs = page.locator("ol.results .result-title a").evaluate_all("els => els.map(e => e.href)")
    return [parse_qs(urlsplit(h).query)["passage"][0] for h in hrefs]


def test_paging_walks_through_all_matches(page: Any, server: str) -> None:
    page.goto(f"{server}/?q={quote_plus('lokale teams')}")
    total = _total(page)
    expect(page.locator(".pager-range")).to_contain_text(f"1–10 van {total}")
    seen = _result_ids(page)
    while page.locator('a[rel="next"]').count():
        page.locator('a[rel="next"]').click()
        page.wait_for_load_state()
        assert _total(page) == total
        seen += _result_ids(page)
    assert len(seen) == total and len(set(seen)) == total
    # A bigger page keeps the query.
    page.get_by_label("Resultaten per pagina").select_option("50")
    page.get_by_role("button", name="Filters toepassen").click()
    page.wait_for_url("**aantal=50**")
    assert len(_result_ids(page)) == min(50, total)
    shot(page, "search-page-size")


def test_facet_count_matches_the_results_after_clicking_it(page: Any, server: str) -> None:
    page.goto(f"{server}/?q={quote_plus(QUESTION)}")
    total = _total(page)
    box = page.locator('input[name="municipality"][value="Oss"]')
    label = page.locator(f'label[for="{box.get_attribute("id")}"] .count').inner_text()
    count = int(label.strip("()"))
    counts = [
        int(t.strip("()")) for t in page.locator("fieldset.facet").nth(1).locator(".count").all_inner_texts()
    ]
    missing = page.locator("fieldset.facet").nth(1).locator(".facet-missing")
    unassigned = int(re.search(r"(\d+)", missing.inner_text()).group(1)) if missing.count() else 0
    assert sum(counts) + unassigned == total
    box.check()
    page.get_by_role("button", name="Filters toepassen").click()
    page.wait_for_url("**municipality=Oss**")
    assert _total(page) == count
    places = page.locator("ol.results .result .meta li:first-child").all_inner_texts()
    assert places and all("Oss" in t for t in places), places


def test_citation_opens_the_pdf_at_its_page_and_marks_the_quote(page: Any, server: str) -> None:
    page.goto(f"{server}/?q={quote_plus(QUESTION)}")
    citation = page.locator("section.answer .answer-quotes li").first
    cited_page = int(re.search(r"pagina (\d+)", citation.locator(".source-meta").inner_text()).group(1))
    pdf = citation.get_by_role("link", name=re.compile("Origineel bestand openen"))
    href = pdf.get_attribute("href")
    assert href and href.endswith(f"/file#page={cited_page}")
    response = page.request.get(server + href.split("#", 1)[0])
    assert response.ok and response.headers["content-type"] == "application/pdf"
    quote_text = citation.locator("q").inner_text()
    citation.locator("a.cite").click()
    page.wait_for_url("**/document/**")
    marked = page.locator(".passage.is-cited mark.quote")
    expect(marked).to_have_count(1)
    assert " ".join(marked.inner_text().split()) == " ".join(quote_text.split())
    assert len(page.locator(".passage.is-cited .passage-text").inner_text()) > len(marked.inner_text())
    original = page.get_by_role("link", name=re.compile("Origineel bestand openen"))
    assert original.get_attribute("href").endswith(f"#page={cited_page}")
    shot(page, "document-quote")
    page.get_by_role("link", name="‹ Terug naar resultaten").click()
    page.wait_for_url("**/?q=Welke+acties**")
    expect(page.locator("section.answer")).to_contain_text("geen prioriteit")


def test_copy_citation_to_the_clipboard(browser: Any, server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(f"{server}/?q={quote_plus(QUESTION)}")
        citation = page.locator("section.answer .answer-quotes li").first
        citation.get_by_role("button", name="Kopieer bronvermelding").click()
        expect(citation.locator(".copy-status")).to_have_text("Bronvermelding gekopieerd.")
        copied = page.evaluate("navigator.clipboard.readText()")
        quote_line, source, url = copied.split("\n")
        assert quote_line.startswith("“Vooralsnog krijgen") and "raadsinformatiebrief" in source
        assert "pagina" in source and url.startswith(server + "/document/")
    finally:
        context.close()


def test_copy_citation_without_clipboard_shows_the_text_selected(browser: Any, server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', { value: undefined });")
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(f"{server}/?q={quote_plus(QUESTION)}")
        citation = page.locator("section.answer .answer-quotes li").first
        citation.get_by_role("button", name="Kopieer bronvermelding").click()
        box = citation.locator("textarea.copy-fallback")
        expect(box).to_be_focused()
        assert box.input_value().startswith("“Vooralsnog krijgen")
        assert (
            page.evaluate("document.activeElement.selectionEnd - document.activeElement.selectionStart") > 50
        )
        expect(citation.locator(".copy-status")).to_contain_text("Ctrl+C")
        shot(page, "copy-fallback")
    finally:
        context.close()


def test_export_csv_downloads_every_match(page: Any, server: str) -> None:
    page.goto(f"{server}/?q={quote_plus('lokale teams')}&region=Noordoost-Brabant")
    total = _total(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV (Excel)").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == total and {r["region"] for r in rows} == {"Noordoost-Brabant"}
    assert {"title", "municipality", "doc_type", "date", "page", "text", "url"} <= set(rows[0])


def test_filters_come_before_the_results_in_the_tab_order(page: Any, server: str) -> None:
    page.goto(f"{server}/?q={quote_plus(QUESTION)}")
    page.get_by_label("Zoekvraag").focus()
    visited: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        visited.append(page.evaluate("document.activeElement.closest('#filters, #resultaten')?.id || ''"))
        if page.evaluate("document.activeElement.name === 'region'"):
            break
    else:
        raise AssertionError("Tab never reached the region filter")
    assert "resultaten" not in visited, visited
    # The filter column has a way on to the results.
    skip = page.get_by_role("link", name="Direct naar de resultaten")
    skip.focus()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#resultaten")).to_be_focused()


def test_the_document_list_fits_a_desktop_without_a_scroll_hint(page: Any, server: str) -> None:
    page.goto(f"{server}/documenten")
    expect(page.locator(".doc-table")).to_be_visible()
    expect(page.locator(".table-hint")).to_be_hidden()
