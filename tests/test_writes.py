"""Adding and removing documents through the running app: API key, upload -> job -> searchable, progress,
originals served with their content type, removal; on the real embedded store and the real model."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import make_scanned_pdf

from ingest.originals import safe_file_name
from kb_api.main import create_app
from kb_core.settings import Settings

KEY = "test-sleutel-1234"
AUTH = {"Authorization": f"Bearer {KEY}"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_bytes(title: str, paragraphs: list[str]) -> bytes:
    """A real .docx (python-docx) with a heading and paragraphs."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


DOCX = docx_bytes(
    "Raadsmemo huiselijk geweld gemeente Uden",
    [
        "Datum: 12 maart 2026",
        "De gemeente Uden start in 2026 met een wijkteam dat gezinnen met huiselijk geweld snel bezoekt. "
        "Het wijkteam werkt samen met Veilig Thuis en de huisarts in de kern Volkel.",
    ],
)
HTML = (
    b"<!doctype html><html><head><title>Nieuwsbericht Doetinchem</title></head><body>"
    b"<nav>Menu Home Contact</nav><main><h1>Doetinchem versterkt aanpak ouderenmishandeling</h1>"
    b"<p>Gemeente Doetinchem, 3 februari 2026. De gemeente traint alle thuiszorgmedewerkers om signalen van "
    b"ouderenmishandeling te herkennen. Daarvoor is een budget van 40.000 euro beschikbaar.</p>"
    b"<p>De training begint in april en duurt drie dagdelen.</p></main></body></html>"
)
SCAN_LINES = [
    "Raadsinformatiebrief gemeente Bernheze",
    "Datum: 5 januari 2026",
    "",
    "Het college informeert de raad over de",
    "nieuwe aanpak van kindermishandeling.",
    "Scholen melden zorgen voortaan direct",
    "bij het lokale zorgteam in Heesch.",
]


@pytest.fixture
def app_settings(settings_factory: Callable[..., Settings]) -> Settings:
    """Settings on a tmp store and an empty corpus, with an API key."""
    return settings_factory(api_key=KEY)


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    """The real app (lifespan: store, model, the job worker)."""
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


def wait_for(client: TestClient, url: str, timeout: float = 240.0) -> dict[str, Any]:
    """Poll a job until it has run; returns its last state."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(url).json()
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.3)


def upload(client: TestClient, files: list[tuple[str, bytes]], **fields: str) -> Any:
    return client.post(
        "/documents", files=[("file", (name, data)) for name, data in files], data=fields, headers=AUTH
    )


def search(client: TestClient, query: str) -> list[dict[str, Any]]:
    response = client.post("/search", json={"query": query, "top_k": 5})
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def test_writes_need_the_key_and_reads_stay_open(client: TestClient) -> None:
    files = [("file", ("a.txt", b"Tekst over huiselijk geweld."))]
    missing = client.post("/documents", files=files)
    assert missing.status_code == 401 and missing.json()["error"] == "api_key_missing"
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = client.post("/documents", files=files, headers={"Authorization": "Bearer nee"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "api_key_wrong"
    assert "API-sleutel klopt niet" in wrong.json()["message"]
    english = client.delete("/documents/x", headers={"Accept-Language": "en"})
    assert (
        english.status_code == 401
        and english.json()["message"] == "This action needs an API key (Authorization: Bearer <key>)."
    )
    assert client.get("/documents").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.post("/search", json={"query": "geweld"}).status_code == 200


def test_writes_are_disabled_without_a_configured_key(settings_factory: Callable[..., Settings]) -> None:
    with TestClient(create_app(settings_factory())) as no_key:
        refused = no_key.post("/documents", files=[("file", ("a.txt", b"x"))], headers=AUTH)
        assert refused.status_code == 403 and refused.json()["error"] == "writes_disabled"
        assert no_key.delete("/documents/x", headers=AUTH).status_code == 403
        assert no_key.get("/documents").status_code == 200


def test_upload_job_makes_docx_html_and_scan_searchable_with_originals(
    client: TestClient, app_settings: Settings, tmp_path: Path
) -> None:
    scan = make_scanned_pdf(tmp_path / "scan.pdf", [SCAN_LINES]).read_bytes()
    response = upload(
        client,
        [
            ("memo uden.docx", DOCX),
            ("../../nieuws.html", HTML),
            ("brief-bernheze.pdf", scan),
            ("dia.pptx", b"x"),
        ],
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/jobs/{job['job_id']}" == job["url"]
    assert job["files_total"] == 4 and job["kind"] == "ingest"
    # Searches keep answering while the job runs.
    while client.get(job["url"]).json()["status"] in ("queued", "running"):
        assert client.post("/search", json={"query": "wijkteam"}).status_code == 200
    job = wait_for(client, job["url"])
    by_name = {f["name"]: f for f in job["files"]}
    assert set(by_name) == {
        "memo uden.docx",
        "nieuws.html",
        "brief-bernheze.pdf",
        "dia.pptx",
    }  # names sanitised
    assert job["status"] == "done" and job["files_done"] == 4
    assert by_name["dia.pptx"]["status"] == "failed"
    assert by_name["dia.pptx"]["reason_code"] == "file_unsupported_type"
    assert "wordt niet ondersteund" in by_name["dia.pptx"]["reason"]
    english = client.get(job["url"], headers={"Accept-Language": "en"}).json()
    assert "is not supported" in {f["name"]: f for f in english["files"]}["dia.pptx"]["reason"]
    ingested = [f for f in job["files"] if f["status"] == "ingested"]
    assert len(ingested) == 3 and job["passages_written"] == sum(f["passages"] for f in ingested) > 0

    hit = search(client, "wijkteam gezinnen Volkel")[0]
    assert hit["document_id"] == by_name["memo uden.docx"]["document_id"]
    assert hit["municipality"] == "Maashorst" and hit["region"] == "Noordoost-Brabant"  # Uden merged
    assert hit["page"] == 1 and hit["ocr"] is False
    html_hit = search(client, "training thuiszorgmedewerkers ouderenmishandeling")[0]
    assert html_hit["document_id"] == by_name["nieuws.html"]["document_id"]
    assert html_hit["region"] == "Arnhem-Achterhoek"
    scan_hit = search(client, "scholen melden zorgen zorgteam Heesch")[0]
    assert scan_hit["document_id"] == by_name["brief-bernheze.pdf"]["document_id"]
    assert scan_hit["ocr"] is True and scan_hit["page"] == 1

    for name, data, media in [
        ("memo uden.docx", DOCX, DOCX_TYPE),
        ("nieuws.html", HTML, "text/html; charset=utf-8"),
        ("brief-bernheze.pdf", scan, "application/pdf"),
    ]:
        doc_id = by_name[name]["document_id"]
        detail = client.get(f"/documents/{doc_id}").json()
        assert detail["file_url"] == f"/documents/{doc_id}/file"
        original = client.get(detail["file_url"])
        assert original.status_code == 200 and original.content == data
        assert original.headers["content-type"] == media
        assert (app_settings.originals_dir / doc_id / name).read_bytes() == data
    html_policy = client.get(f"/documents/{by_name['nieuws.html']['document_id']}/file").headers
    assert html_policy["content-security-policy"].startswith("sandbox")
    assert not list(app_settings.uploads_dir.glob("*/*"))  # the waiting copies are gone once ingested

    # On the search page a DOCX citation links to its original without a page the file cannot open at.
    docx_id = by_name["memo uden.docx"]["document_id"]
    page = client.get("/", params={"q": "Wat doet het wijkteam voor gezinnen in Volkel?"}).text
    assert f'class="pdf-link" href="/documents/{docx_id}/file"' in page, "the DOCX is not cited"
    assert f"/documents/{docx_id}/file#page" not in page and "Origineel bestand openen (p." not in page
    view = client.get(f"/document/{docx_id}", params={"passage": f"{docx_id}#0000", "quote": "wijkteam"}).text
    assert f'href="/documents/{docx_id}/file"' in view and "Opent op pagina" not in view


def test_metadata_fields_apply_and_bad_ones_are_refused(client: TestClient) -> None:
    bad = upload(client, [("a.txt", b"Tekst.")], date="1 maart")
    assert bad.status_code == 422 and bad.json()["details"][0]["code"] == "metadata_invalid_date"
    unknown = upload(client, [("a.txt", b"Tekst.")], kleur="rood")
    assert unknown.status_code == 422 and "kleur" in unknown.json()["message"]
    assert client.post("/documents", headers=AUTH).status_code == 422  # no multipart body
    job = upload(
        client,
        [("notitie.txt", b"Notitie over de aanpak van ouderenmishandeling in de wijk.")],
        municipality="Boxmeer",
        date="2026-04-01",
        doc_type="raadsmemo",
        title="Notitie ouderen",
    ).json()
    job = wait_for(client, job["url"])
    detail = client.get(job["files"][0]["document_url"]).json()
    assert (
        detail["municipality"],
        detail["region"],
        detail["date"],
        detail["doc_type"],
        detail["title"],
    ) == (
        "Land van Cuijk",
        "Noordoost-Brabant",
        "2026-04-01",
        "raadsmemo",
        "Notitie ouderen",
    )


def test_job_progress_and_removal(client: TestClient, app_settings: Settings) -> None:
    assert client.get("/jobs/onbekend").status_code == 404
    files = [
        (f"brief-{i}.txt", f"Brief {i} over veiligheid thuis en zorg nummer {i}.".encode()) for i in range(3)
    ]
    files.append(("leeg.txt", b""))
    accepted = upload(client, files).json()
    assert accepted["status"] in ("queued", "running") and accepted["files_total"] == 4
    seen_done = set()
    while (job := client.get(accepted["url"]).json())["status"] in ("queued", "running"):
        seen_done.add(job["files_done"])
    assert job["files_done"] == 4 and job["status"] == "done"
    assert {f["name"]: f["reason_code"] for f in job["files"]}["leeg.txt"] == "file_empty"
    assert all(0 <= n <= 4 for n in seen_done)

    doc_id = job["files"][0]["document_id"]
    assert (app_settings.originals_dir / doc_id).is_dir()
    assert client.delete("/documents/bestaat-niet", headers=AUTH).status_code == 404
    removal = client.delete(f"/documents/{doc_id}", headers=AUTH)
    assert removal.status_code == 202 and removal.headers["location"] == removal.json()["url"]
    removed = wait_for(client, removal.json()["url"])
    assert removed["status"] == "done" and removed["files"][0]["status"] == "removed"
    assert removed["files"][0]["passages"] == 1
    assert client.get(f"/documents/{doc_id}").status_code == 404
    assert client.get(f"/documents/{doc_id}/file").status_code == 404
    assert not (app_settings.originals_dir / doc_id).exists()
    assert doc_id not in {r["document_id"] for r in search(client, "brief veiligheid thuis zorg")}


def test_upload_bounds(settings_factory: Callable[..., Settings]) -> None:
    settings = settings_factory(api_key=KEY, max_upload_bytes=4096, max_file_bytes=2048)
    with TestClient(create_app(settings)) as small:
        too_big = small.post("/documents", files=[("file", ("a.txt", b"x" * 5000))], headers=AUTH)
        assert too_big.status_code == 413 and too_big.json()["error"] == "body_too_large"
        job = small.post("/documents", files=[("file", ("a.txt", b"x" * 3000))], headers=AUTH).json()
        assert job["status"] == "failed" and job["files"][0]["reason_code"] == "file_too_large"


def test_an_upload_left_waiting_is_ingested_at_the_next_start(app_settings: Settings) -> None:
    """Nothing lost: files saved with their job.json by a service that stopped before it ran the job."""
    job_id = "a" * 32
    folder = app_settings.uploads_dir / job_id
    (folder / "0").mkdir(parents=True)
    (folder / "0" / "wachtend.txt").write_text(
        "Een wachtende notitie over mantelzorg en ontsporing.", "utf-8"
    )
    job_file = {
        "overrides": {"municipality": "Oss"},
        "files": [{"name": "wachtend.txt", "path": "0/wachtend.txt"}],
    }
    (folder / "job.json").write_text(json.dumps(job_file), encoding="utf-8")
    with TestClient(create_app(app_settings)) as client:
        job = wait_for(client, f"/jobs/{job_id}")
        assert job["status"] == "done" and job["files"][0]["status"] == "ingested"
        hit = search(client, "wachtende notitie mantelzorg ontsporing")[0]
        assert hit["document_id"] == "wachtend" and hit["municipality"] == "Oss"
    assert not folder.exists()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\stukken\\memo.docx", "memo.docx"),
        (".verborgen.pdf", "verborgen.pdf"),
        ("nota\x00\x1b[31m.txt", "nota_31m.txt"),
        ("a" * 300 + ".pdf", "a" * 146 + ".pdf"),
        ("...", None),
        ("", None),
    ],
)
def test_file_names_are_sanitised(given: str, stored: str | None) -> None:
    assert safe_file_name(given) == stored


def test_a_refused_upload_names_files_not_server_paths(
    client: TestClient, app_settings: Settings, tmp_path: Path
) -> None:
    from ingest.service import Ingestor

    # A document ingested on the server from its own folder; an upload of other content under its id is
    # refused, and the reason names the stored file, not where the server keeps it.
    kept = tmp_path / "op-de-server" / "notitie.txt"
    kept.parent.mkdir()
    kept.write_text("Een notitie over veiligheid thuis, op de server ingelezen.", encoding="utf-8")
    services = client.app.state.services  # type: ignore[attr-defined]
    assert Ingestor(app_settings, services.store, progress=False).ingest([kept]).ingested == ["notitie"]
    services.refresh()
    job = wait_for(client, upload(client, [("notitie.txt", b"Een andere notitie over zorg.")]).json()["url"])
    [refused] = job["files"]
    assert refused["status"] == "failed" and "already taken by notitie.txt" in refused["reason"], refused
    assert str(tmp_path) not in json.dumps(job) and "/" not in refused["reason"]
