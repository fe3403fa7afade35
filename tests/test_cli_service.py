"""``kb ingest`` and ``kb remove`` hand their work to a running service (a real uvicorn server in this
process, on a free loopback port, owning the real embedded store), configured or found."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from kb_api.cli import app
from kb_api.client import ServiceClient, announced, find_service
from kb_api.main import create_app
from kb_core.errors import ServiceError
from kb_core.settings import Settings, get_settings

KEY = "cli-sleutel"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def service(settings_factory: Callable[..., Settings]) -> Iterator[tuple[str, Settings]]:
    """The app under uvicorn in a thread; its store is open in this process (no second open possible)."""
    settings = settings_factory(api_key=KEY)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}", settings
    finally:
        server.should_exit = True
        thread.join(60)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, service: tuple[str, Settings]) -> Iterator[dict[str, str]]:
    """The environment of a kb command on the same data directory (settings read afresh)."""
    _, settings = service
    env = {
        "KB_QDRANT_PATH": str(settings.store.qdrant_path),
        "KB_CORPUS_DIR": str(settings.ingest.corpus_dir),
        "KB_API_KEY": KEY,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("KB_SERVICE_URL", raising=False)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


def search(url: str, query: str) -> list[dict[str, Any]]:
    body = json.dumps({"query": query, "top_k": 3}).encode()
    request = urllib.request.Request(url + "/search", data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return list(json.loads(response.read())["results"])


def test_kb_ingest_and_remove_through_the_configured_service(
    service: tuple[str, Settings], cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, settings = service
    monkeypatch.setenv("KB_SERVICE_URL", url)
    get_settings.cache_clear()
    folder = tmp_path / "stukken"
    folder.mkdir()
    (folder / "memo-jeugd.txt").write_text(
        "Memo over jeugdbescherming. Het lokale team in Grave bespreekt elke week de veiligheid van kinderen.",
        encoding="utf-8",
    )
    (folder / "plaat.png").write_bytes(b"\x89PNG")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(folder), "--doc-type", "raadsmemo"])
    assert result.exit_code == 1, result.output  # the .png fails, the memo is ingested
    assert "through the service: " + url in result.output
    assert "1/2 bestanden" in result.output or "2/2 bestanden" in result.output
    assert "MISLUKT plaat.png" in result.output and "wordt niet ondersteund" in result.output
    assert "1 documents ingested" in result.output
    hit = search(url, "lokale team Grave veiligheid kinderen")[0]
    assert hit["document_id"] == "memo-jeugd" and hit["doc_type"] == "raadsmemo"
    assert hit["region"] == "Noordoost-Brabant"  # Grave: Land van Cuijk
    assert (settings.originals_dir / "memo-jeugd" / "memo-jeugd.txt").is_file()

    # Changed and ingested again: the upload of the same name replaces it.
    (folder / "memo-jeugd.txt").write_text(
        "Memo over jeugdbescherming in Cuijk: nieuwe tekst.", encoding="utf-8"
    )
    again = runner.invoke(app, ["ingest", str(folder / "memo-jeugd.txt")])
    assert again.exit_code == 0, again.output
    assert "nieuwe tekst" in search(url, "jeugdbescherming Cuijk nieuwe tekst")[0]["text"]

    # A sidecar's metadata travels with its file (a former municipality counts as the one it merged into).
    (folder / "brief-uden.txt").write_text(
        "Brief over de aanpak van ouderenmishandeling in de wijk.", "utf-8"
    )
    (folder / "brief-uden.txt.meta.json").write_text(
        '{"municipality": "Uden", "date": "2026-02-02"}', "utf-8"
    )
    with_sidecar = runner.invoke(app, ["ingest", str(folder / "brief-uden.txt")])
    assert with_sidecar.exit_code == 0, with_sidecar.output
    brief = search(url, "brief aanpak ouderenmishandeling wijk")[0]
    assert (brief["document_id"], brief["municipality"], brief["date"]) == (
        "brief-uden",
        "Maashorst",
        "2026-02-02",
    )

    refused = runner.invoke(app, ["ingest", str(folder), "--prune"])
    assert refused.exit_code == 2 and "stop eerst de dienst" in refused.output

    removed = runner.invoke(app, ["remove", "memo-jeugd", "--yes"])
    assert removed.exit_code == 0, removed.output
    assert "verwijderd / removed: memo-jeugd" in removed.output
    assert not (settings.originals_dir / "memo-jeugd").exists()
    assert all(r["document_id"] != "memo-jeugd" for r in search(url, "jeugdbescherming Cuijk"))
    unknown = runner.invoke(app, ["remove", "bestaat-niet", "--yes"])
    assert unknown.exit_code == 1 and "niet gevonden" in unknown.output


def test_the_service_is_found_through_its_announcement(
    service: tuple[str, Settings], cli_env: dict[str, str], tmp_path: Path
) -> None:
    url, _ = service
    settings = get_settings()
    assert find_service(settings) is None  # nothing announced, none configured: the store directly
    port = int(url.rsplit(":", 1)[1])
    with announced(settings, "0.0.0.0", port):
        assert find_service(settings) == url
        document = tmp_path / "nota.txt"
        document.write_text("Nota over de aanpak van huiselijk geweld in Oss.", encoding="utf-8")
        result = CliRunner().invoke(app, ["ingest", str(document)])
        assert result.exit_code == 0, result.output
        assert "1 documents ingested" in result.output
    assert find_service(settings) is None  # the announcement is gone with the service
    with pytest.raises(ServiceError) as refused:
        ServiceClient(url, "fout").remove("x")
    assert refused.value.params["status"] == 401


def test_kb_search_ask_and_documents_read_through_the_running_service(
    service: tuple[str, Settings], cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # While `kb serve` holds the embedded store, the reading commands ask it instead of failing on the lock.
    url, _ = service
    monkeypatch.setenv("KB_SERVICE_URL", url)
    get_settings.cache_clear()
    memo = tmp_path / "memo-huisverbod.txt"
    memo.write_text(
        "Memo over het tijdelijk huisverbod. In 2025 legde de burgemeester van Grave 14 huisverboden op.",
        encoding="utf-8",
    )
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(memo), "--doc-type", "raadsmemo"]).exit_code == 0

    found = runner.invoke(app, ["search", "huisverboden Grave burgemeester", "--json"])
    assert found.exit_code == 0, found.output
    assert "through the service: " + url in found.output
    body = json.loads(found.output[found.output.index("{") :])
    assert body["results"][0]["document_id"] == "memo-huisverbod"

    unknown = runner.invoke(app, ["search", "huisverbod", "--municipality", "Utrecht"])
    assert unknown.exit_code == 0 and "Onbekende waarde voor gemeente: 'Utrecht'" in unknown.output

    asked = runner.invoke(app, ["ask", "Hoeveel huisverboden legde de burgemeester van Grave op in 2025?"])
    assert asked.exit_code == 0, asked.output
    printed = " ".join(asked.output.split())
    assert "Grave 14 huisverboden op." in printed and "— Land van Cuijk, p. 1" in printed, printed

    listed = runner.invoke(app, ["documents"])
    assert listed.exit_code == 0 and "memo-huisverbod" in listed.output
    assert "[raadsmemo]" in listed.output  # the document type, not swallowed as console markup

    # A former municipality filters on the one it merged into, as ingestion files it.
    brief = tmp_path / "brief-mantelzorg.txt"
    brief.write_text("Brief over overbelaste mantelzorgers en ontsporing van zorg thuis.", encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(brief), "--municipality", "Uden"]).exit_code == 0
    for name in ("Uden", "maashorst"):
        hit = runner.invoke(app, ["search", "mantelzorgers ontsporing", "--municipality", name, "--json"])
        assert hit.exit_code == 0 and "Onbekende waarde" not in hit.output, hit.output
        assert json.loads(hit.output[hit.output.index("{") :])["results"][0]["municipality"] == "Maashorst"
