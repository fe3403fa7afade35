"""The API's edges against the real app and a real embedded store: body bounds, bad bodies, headers,
local API docs, original files whose names look like glob patterns, /health without a scan, 503 bodies."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient

from ingest.service import Ingestor
from ingest.store import opened_store
from kb_api.main import create_app
from kb_api.routers.documents import source_file
from kb_core.settings import Settings

LIMIT = 64 * 1024
# File names that are glob patterns, and the document ids they get.
GLOB_NAMES = {"a**b.txt": "a-b", "*.txt": "document", "[x].txt": "x"}


def note(topic: str) -> str:
    return (
        f"Raadsmemo\nDatum: 10 februari 2026\nOnderwerp: {topic}\n\n1 Stand van zaken\n"
        f"De gemeente Oss werkt samen met Veilig Thuis aan {topic}. De wachttijden zijn gedaald en de regio\n"
        "heeft extra capaciteit ingekocht, zodat meldingen sneller worden opgepakt door de wijkteams.\n"
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("edges")
    corpus = root / "corpus"
    (corpus / "bronnen").mkdir(parents=True)
    for name in GLOB_NAMES:
        (corpus / "bronnen" / name).write_text(note(f"het bestand {name}"), encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def settings(corpus: Path) -> Settings:
    return Settings(
        qdrant_path=corpus.parent / "qdrant",
        qdrant_url=None,
        corpus_dir=corpus,
        collection="via_edges",
        max_body_bytes=LIMIT,
    )


@pytest.fixture(scope="module")
def client(settings: Settings, corpus: Path) -> Iterator[TestClient]:
    with opened_store(settings) as store:
        files = [corpus / "bronnen" / name for name in GLOB_NAMES]
        report = Ingestor(settings, store, progress=False).ingest(files)
        assert sorted(report.ingested) == sorted(GLOB_NAMES.values()), report.failed
    # Files a glob of those names would find first: ``[x].txt`` as a pattern matches ``x.txt``.
    (corpus / "aaa").mkdir()
    for decoy in ("x.txt", "ab.txt", "aab.txt", "andere.txt"):
        (corpus / "aaa" / decoy).write_text("decoy", encoding="utf-8")
    with TestClient(create_app(settings, auto_ingest=False)) as test_client:
        yield test_client


# --- original files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "doc_id"), GLOB_NAMES.items())
def test_originals_whose_names_are_glob_patterns(
    client: TestClient, corpus: Path, name: str, doc_id: str
) -> None:
    detail = client.get(f"/documents/{doc_id}")
    assert detail.status_code == 200, detail.text
    assert detail.json()["file_url"] == f"/documents/{doc_id}/file"
    # The recorded source path is for ingestion; the API never shows where files lie.
    for listing in (detail.text, client.get("/documents").text):
        assert "source_path" not in listing and str(corpus) not in listing
    original = client.get(detail.json()["file_url"])
    assert original.status_code == 200, original.text
    assert original.content == (corpus / "bronnen" / name).read_bytes()


@pytest.mark.parametrize("name", GLOB_NAMES)
def test_source_file_compares_names_without_a_stored_path(corpus: Path, name: str) -> None:
    (corpus / "aaa").mkdir(exist_ok=True)
    (corpus / "aaa" / "x.txt").write_text("decoy", encoding="utf-8")
    assert source_file(corpus, name) == (corpus / "bronnen" / name).resolve()
    assert source_file(corpus, "bestaat-niet.txt") is None
    assert source_file(corpus, "../bronnen/x.txt") is None


# --- bounded input ----------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_with_an_error_body(client: TestClient) -> None:
    big = '{"query": "' + "x" * (LIMIT + 10) + '"}'
    response = client.post("/search", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "body_too_large" and str(LIMIT) in body["message"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_streamed_body_without_length_is_counted(client: TestClient) -> None:
    chunks = [b'{"query": "', *([b"x" * 4096] * 20), b'"}']
    response = client.post("/ask", content=iter(chunks), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers  # sent chunked
    assert response.status_code == 413 and response.json()["error"] == "body_too_large"
    small = client.post(
        "/search",
        content=iter([b'{"query": ', b'"wachttijden"}']),
        headers={"content-type": "application/json"},
    )
    assert small.status_code == 200, small.text


def test_filter_values_are_bounded_in_count_and_length(client: TestClient) -> None:
    too_long = client.post("/search", json={"query": "x", "filters": {"municipality": ["O" * 201]}})
    assert too_long.status_code == 422
    too_many = client.post("/search", json={"query": "x", "filters": {"municipality": ["Oss"] * 51}})
    assert too_many.status_code == 422
    unknown = "Onbekend" + "z" * 190
    notes = client.post("/search", json={"query": "x", "filters": {"municipality": [unknown]}}).json()[
        "notes"
    ]
    [note_text] = notes
    assert unknown[:80] in note_text and unknown[:81] not in note_text


@pytest.mark.parametrize(
    ("path", "body", "field", "dutch", "english"),
    [
        (
            "/ask",
            {"question": ""},
            "question",
            "te kort (minstens 1 teken(s))",
            "too short (at least 1 character(s))",
        ),
        (
            "/ask",
            {"question": "x" * 1001},
            "question",
            "te lang (hoogstens 1000 tekens)",
            "too long (at most 1000",
        ),
        ("/search", {"query": "x", "top_k": 0}, "top_k", "moet minstens 1 zijn", "must be at least 1"),
        ("/search", {"query": "x", "top_k": 51}, "top_k", "mag hoogstens 50 zijn", "must be at most 50"),
        (
            "/search",
            {"query": "x", "sort": "oldest"},
            "sort",
            "kies uit relevance of date",
            "choose from relevance or date",
        ),
        (
            "/search",
            {"query": "x", "filters": {"city": ["Oss"]}},
            "filters.city",
            "onbekend veld",
            "unknown field",
        ),
        (
            "/search",
            {"query": "x", "filters": {"date_from": "2026-13-01"}},
            "filters.date_from",
            "geen geldige datum",
            "not a valid",
        ),
        (
            "/search",
            {"query": "x", "top_k": "tien"},
            "top_k",
            "moet een geheel getal zijn",
            "must be a whole number",
        ),
        ("/search", {}, "query", "ontbreekt (verplicht)", "is missing (required)"),
    ],
)
def test_schema_errors_are_explained_in_the_requests_language(
    client: TestClient, path: str, body: dict[str, Any], field: str, dutch: str, english: str
) -> None:
    nl = client.post(path, json=body)
    assert nl.status_code == 422, nl.text
    [detail] = nl.json()["details"]
    assert detail["field"] == field and detail["message"].startswith(dutch) and detail["type"], detail
    assert nl.json()["message"].startswith(f"Ongeldig verzoek: {field}: {dutch}")
    en = client.post(path, json=body, headers={"accept-language": "en"}).json()
    assert en["details"][0]["message"].startswith(english) and en["message"].startswith("Invalid request")


def test_malformed_json_names_the_body_not_a_position(client: TestClient) -> None:
    response = client.post(
        "/ask", content=b'{"question": "x",}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    [detail] = response.json()["details"]
    assert detail["field"] == "body" and "JSON" in detail["message"] and "decode" not in response.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "\xff\xfe wachttijden"}',
        b"\xc3\x28",
        b'{"query": "x", "filters": ' + b"[" * 10000 + b"]" * 10000 + b"}",
        b"[" * 10000 + b"]" * 10000,
    ],
    ids=["invalid utf-8 in a string", "invalid utf-8", "deep inside", "deep"],
)
def test_undecodable_or_absurdly_nested_json_is_a_422(client: TestClient, body: bytes) -> None:
    response = client.post("/search", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request" and "JSON" in response.json()["message"]


# --- headers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health", 200),
        ("GET", "/documents", 200),
        ("GET", "/documents/bestaat-niet", 404),
        ("POST", "/search", 422),
        ("GET", "/", 200),
        ("GET", "/static/style.css", 200),
        ("GET", "/openapi.json", 200),
    ],
)
def test_security_headers_on_every_response(client: TestClient, method: str, path: str, status: int) -> None:
    response = client.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == status
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in policy and "unsafe" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "server" not in response.headers


def test_the_pages_need_nothing_the_policy_forbids(client: TestClient) -> None:
    html = client.get("/", headers={"accept": "text/html"}).text
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html)  # nothing from another site


def test_405_keeps_its_allow_header(client: TestClient) -> None:
    response = client.get("/search")
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
    assert response.headers["allow"] == "POST"
    assert client.delete("/health").headers["allow"] == "GET"


# --- API docs ---------------------------------------------------------------------------------------


def test_docs_use_only_local_assets(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "http" not in html.replace("http-equiv", "")
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200 and asset.content, url
    assert "javascript" in client.get("/docs/assets/swagger-ui-bundle.js").headers["content-type"]
    [script] = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = response.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in policy and "frame-ancestors 'none'" in policy and "http" not in policy
    assert client.get("/redoc").status_code == 404


# --- health -----------------------------------------------------------------------------------------


def test_health_neither_scans_nor_waits_for_the_store_lock(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kb_api.services.catalogue as catalogue

    def no_scan(*args: object, **kwargs: object) -> object:
        raise AssertionError("/health scanned the store")

    store = client.app.state.services.store  # type: ignore[attr-defined]
    monkeypatch.setattr(store, "documents", no_scan)
    monkeypatch.setattr(store, "document_passages", no_scan)
    monkeypatch.setattr(store, "_scroll", no_scan)
    monkeypatch.setattr(catalogue.CatalogueService, "summaries", no_scan)
    answers: list[object] = []
    with store._write_lock:  # another thread holds the store's write lock (a long ingestion)
        worker = threading.Thread(target=lambda: answers.append(client.get("/health")))
        worker.start()
        worker.join(timeout=20)
        answered = not worker.is_alive()
    worker.join()
    assert answered, "/health waited for the store lock"
    [response] = answers
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["documents"] == len(GLOB_NAMES) and body["passages"] >= len(GLOB_NAMES)


# --- 503 --------------------------------------------------------------------------------------------


def test_503_bodies_never_show_filesystem_paths(tmp_path: Path) -> None:
    path = tmp_path / "geheim-pad" / "qdrant"
    holder = QdrantClient(path=str(path))  # another "process" holds the embedded store
    try:
        settings = Settings(qdrant_path=path, qdrant_url=None, corpus_dir=tmp_path, collection="via_503")
        with TestClient(create_app(settings)) as test_client:
            responses = [
                test_client.get("/health"),
                test_client.post("/search", json={"query": "ambitie"}),
                test_client.post("/ask", json={"question": "Wat is de ambitie?"}),
                test_client.get("/documents"),
                test_client.get("/documents/iets"),
                test_client.get("/documents/iets/file"),
                test_client.get("/", headers={"accept": "text/html"}),
                test_client.get("/?q=ambitie", headers={"accept": "text/html"}),
            ]
            for response in responses:
                assert response.status_code == 503, (response.request.url, response.status_code)
                for secret in (str(path), str(tmp_path), "geheim-pad", "/tmp"):
                    assert secret not in response.text, (response.request.url, secret)
                assert response.headers["x-frame-options"] == "DENY"
    finally:
        holder.close()
