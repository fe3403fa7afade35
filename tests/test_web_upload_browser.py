"""The "Document toevoegen" page end to end in headless Chromium against the real app: the key kept for the
browser session, a wrong key refused, per-file progress, links to the new documents, the OCR mark."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from browser_support import CHROMIUM, chromium, served_app
from helpers import REPO_ROOT, make_scanned_pdf
from test_writes import DOCX, SCAN_LINES

pytestmark = pytest.mark.browser

KEY = "browser-sleutel-42"
WAIT_MS = 120_000  # the upload job reads, OCRs and embeds on CPU
SCREENSHOTS = REPO_ROOT / "tests" / "artifacts" / "screenshots"

sync_api: Any = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with an API key on an empty store (an empty corpus: nothing is ingested at start)."""
    data = tmp_path_factory.mktemp("upload-data")
    (data / "corpus").mkdir()
    env = {"KB_QDRANT_PATH": str(data / "qdrant"), "KB_CORPUS_DIR": str(data / "corpus"), "KB_API_KEY": KEY}
    with served_app(env, data / "uvicorn.log") as url:
        yield url


@pytest.fixture
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(sync_api) as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
        context.set_default_timeout(WAIT_MS)
        yield context.new_page()
        context.close()


def test_add_documents_page(page: Any, server: str, tmp_path: Path) -> None:
    scan = make_scanned_pdf(tmp_path / "scan.pdf", [SCAN_LINES]).read_bytes()
    page.goto(server + "/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Document toevoegen").click()
    expect(page).to_have_title("Document toevoegen – ViA Kennisbank")
    files = page.get_by_label("Bestanden")

    page.get_by_label("API-sleutel").fill("fout")
    files.set_input_files([{"name": "a.txt", "mimeType": "text/plain", "buffer": b"Tekst."}])
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator("#upload-melding")).to_contain_text("De API-sleutel klopt niet.")

    page.get_by_label("API-sleutel").fill(KEY)
    files.set_input_files(
        [
            {"name": "memo uden.docx", "mimeType": "application/octet-stream", "buffer": DOCX},
            {"name": "brief-bernheze.pdf", "mimeType": "application/pdf", "buffer": scan},
            {"name": "dia.pptx", "mimeType": "application/octet-stream", "buffer": b"x"},
        ]
    )
    page.get_by_label("Documenttype").fill("raadsmemo")
    page.get_by_role("button", name="Toevoegen").click()
    summary = page.locator(".job-summary")
    expect(summary).to_contain_text("Klaar. 3 van 3 bestanden verwerkt", timeout=WAIT_MS)
    rows = page.locator(".upload-files li")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="dia.pptx")).to_contain_text("mislukt")
    expect(rows.filter(has_text="dia.pptx")).to_contain_text("wordt niet ondersteund")
    expect(rows.filter(has_text="memo uden.docx")).to_contain_text("toegevoegd")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "add-documents.png"), full_page=True)

    rows.filter(has_text="memo uden.docx").get_by_role("link", name="Document bekijken").click()
    page.wait_for_url("**/document/memo-uden")
    expect(page.locator("h1")).to_contain_text("huiselijk geweld")
    page.go_back()
    page.reload()  # the key stays for this browser session
    expect(page.get_by_label("API-sleutel")).to_have_value(KEY)

    page.goto(f"{server}/?q={quote_plus('scholen melden zorgen zorgteam Heesch')}")
    scanned = page.locator("ol.results .result").first
    expect(scanned.locator(".result-title")).to_contain_text("Bernheze")
    expect(scanned.locator(".ocr-mark")).to_have_text("OCR")
    page.goto(f"{server}/?q={quote_plus('wijkteam gezinnen Volkel')}")
    first = page.locator("ol.results .result").first
    expect(first.locator(".region .value")).to_have_text("Noordoost-Brabant")
    expect(first.locator(".ocr-mark")).to_have_count(0)
