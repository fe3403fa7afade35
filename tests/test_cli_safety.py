"""The real ``kb`` command (typer's CliRunner): prune and remove ask first and refuse without a terminal,
search and ask ingest the corpus into an empty store first, serve sends no server header."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kb_api.cli as cli
from ingest.service import Ingestor
from ingest.store import opened_store, stored_documents
from kb_core.settings import Settings, get_settings

runner = CliRunner()


def note(topic: str) -> str:
    return (
        f"Raadsmemo\nDatum: 10 februari 2026\nOnderwerp: {topic}\n\n1 Stand van zaken\n"
        f"De gemeente Oss werkt samen met Veilig Thuis aan {topic}. De wachttijden zijn gedaald en de regio\n"
        "heeft extra capaciteit ingekocht, zodat meldingen sneller worden opgepakt door de wijkteams.\n"
    )


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The CLI's settings (read from the environment) on a tmp store and a tmp corpus of one document."""
    corpus = tmp_path / "corpus"
    (corpus / "bronnen").mkdir(parents=True)
    (corpus / "bronnen" / "oss-2026-memo-wachttijden.txt").write_text(
        note("de wachttijden"), encoding="utf-8"
    )
    entry = {
        "document_id": "oss-2026-memo-wachttijden",
        "title": "Memo wachttijden Veilig Thuis",
        "municipality": "Oss",
        "region": "Noordoost-Brabant",
        "doc_type": "raadsmemo",
        "date": "2026-02-10",
        "file": "bronnen/oss-2026-memo-wachttijden.txt",
    }
    (corpus / "manifest.json").write_text(json.dumps({"documents": [entry]}), encoding="utf-8")
    for name, value in {
        "KB_QDRANT_PATH": str(tmp_path / "qdrant"),
        "KB_CORPUS_DIR": str(corpus),
        "KB_COLLECTION": "via_cli_test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("QDRANT_URL", raising=False)
    monkeypatch.delenv("KB_QDRANT_URL", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def ingest_folders(settings: Settings, *folders: Path) -> None:
    with opened_store(settings) as store:
        assert Ingestor(settings, store, progress=False).ingest(list(folders)).ok


def stored(settings: Settings) -> set[str]:
    with opened_store(settings) as store:
        return set(stored_documents(store))


@pytest.fixture
def two_folders(env: Settings, tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, names in ((a, ["a-een", "a-twee"]), (b, ["b-een"])):
        folder.mkdir()
        for name in names:
            (folder / f"{name}.txt").write_text(note(f"het onderwerp {name}"), encoding="utf-8")
    ingest_folders(env, a, b)
    (a / "a-twee.txt").unlink()
    return a, b


def test_prune_of_a_path_that_does_not_exist_removes_nothing(env: Settings, two_folders: Any) -> None:
    before = stored(env)
    result = runner.invoke(cli.app, ["ingest", "/does/not/exist", "--prune", "--yes"])
    assert result.exit_code != 0
    assert "'/does/not/exist' bestaat niet" in result.output and "does not exist" in result.output
    assert stored(env) == before


def test_prune_without_paths_is_refused(env: Settings, two_folders: Any) -> None:
    result = runner.invoke(cli.app, ["ingest", "--prune", "--yes"])
    assert result.exit_code == 2 and "--prune" in result.output
    assert stored(env) == {"a-een", "a-twee", "b-een"}


def test_prune_without_a_terminal_or_yes_refuses(env: Settings, two_folders: tuple[Path, Path]) -> None:
    a, _ = two_folders
    result = runner.invoke(cli.app, ["ingest", str(a), "--prune"])
    assert result.exit_code == 2
    assert "--yes" in result.output and "Niets verwijderd" in result.output
    assert stored(env) == {"a-een", "a-twee", "b-een"}


def test_dry_run_shows_what_prune_would_remove(env: Settings, two_folders: tuple[Path, Path]) -> None:
    a, _ = two_folders
    result = runner.invoke(cli.app, ["ingest", str(a), "--prune", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would remove: a-twee" in result.output and "b-een" not in result.output
    assert "nothing was changed" in result.output
    as_json = runner.invoke(cli.app, ["ingest", str(a), "--prune", "--dry-run", "--json"])
    assert [r["document_id"] for r in json.loads(as_json.stdout)["remove"]] == ["a-twee"]
    assert stored(env) == {"a-een", "a-twee", "b-een"}


def test_prune_asks_on_a_terminal(
    env: Settings, two_folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = two_folders
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)
    declined = runner.invoke(cli.app, ["ingest", str(a), "--prune"], input="n\n")
    assert declined.exit_code == 1 and "a-twee" in declined.output and "Niets verwijderd" in declined.output
    assert stored(env) == {"a-een", "a-twee", "b-een"}
    confirmed = runner.invoke(cli.app, ["ingest", str(a), "--prune"], input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "removed: a-twee" in confirmed.output
    assert stored(env) == {"a-een", "b-een"}


def test_prune_with_yes_removes_only_under_the_folder(env: Settings, two_folders: tuple[Path, Path]) -> None:
    a, _ = two_folders
    result = runner.invoke(cli.app, ["ingest", str(a), "--prune", "--yes"])
    assert result.exit_code == 0, result.output
    assert stored(env) == {"a-een", "b-een"}


def test_remove_asks_or_needs_yes(env: Settings, two_folders: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    refused = runner.invoke(cli.app, ["remove", "b-een"])
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert "b-een" in stored(env)
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)
    declined = runner.invoke(cli.app, ["remove", "b-een"], input="n\n")
    assert declined.exit_code == 1 and "b-een" in stored(env)
    confirmed = runner.invoke(cli.app, ["remove", "b-een"], input="y\n")
    assert confirmed.exit_code == 0 and "removed: b-een" in confirmed.output
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: False)
    scripted = runner.invoke(cli.app, ["remove", "a-een", "--yes"])
    assert scripted.exit_code == 0 and stored(env) == {"a-twee"}
    missing = runner.invoke(cli.app, ["remove", "bestaat-niet", "--yes"])
    assert missing.exit_code == 1 and "not found" in missing.output


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["search", "wachttijden Veilig Thuis", "--json"], "oss-2026-memo-wachttijden"),
        (["ask", "Wat is er met de wachttijden gebeurd?", "--json"], "gedaald"),
    ],
)
def test_search_and_ask_on_an_empty_store_ingest_the_corpus_first(
    env: Settings, command: list[str], expected: str
) -> None:
    result = runner.invoke(cli.app, command)
    assert result.exit_code == 0, result.output
    assert "De kennisbank is leeg" in result.stderr and "1 documents ingested" in result.stderr
    assert expected in result.stdout
    assert stored(env) == {"oss-2026-memo-wachttijden"}


def test_serve_sends_no_server_header(env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    result = runner.invoke(cli.app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert calls and calls[0]["server_header"] is False and calls[0]["port"] == 8123
