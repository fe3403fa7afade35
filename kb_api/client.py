"""The ``kb`` command's client of a running service (stdlib ``urllib`` only).

While ``kb serve`` runs, it owns the store (an embedded store can be open in one process only), so
``kb ingest`` and ``kb remove`` hand their work to it: they upload the files (``POST /documents``) or ask
for the removal (``DELETE /documents/{id}``) with the API key, then follow the job (``GET /jobs/{id}``).

Which service: ``api.service_url`` (env ``KB_SERVICE_URL``) when set; otherwise the one ``kb serve``
announced in ``<data>/service.json`` (its address and process id, removed when it stops), if that process
lives and its ``/health`` answers within a second; otherwise none, and the command opens the store itself.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kb_core.errors import ServiceError
from kb_core.settings import Settings

SERVICE_FILE = "service.json"
PROBE_SECONDS = 1.0
REQUEST_SECONDS = 600.0
POLL_SECONDS = 0.5


def service_file(settings: Settings) -> Path:
    """Where ``kb serve`` announces itself: ``<data>/service.json``."""
    return settings.data_dir / SERVICE_FILE


@contextmanager
def announced(settings: Settings, host: str, port: int) -> Iterator[None]:
    """Announce a service at ``host:port`` (this process) in the data directory while it runs."""
    address = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    path = service_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": f"http://{address}:{port}", "pid": os.getpid()}), encoding="utf-8")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=PROBE_SECONDS) as response:
            return bool(response.status in (200, 503))
    except urllib.error.HTTPError as exc:
        return exc.code == 503
    except (OSError, ValueError):
        return False


def find_service(settings: Settings) -> str | None:
    """The URL of the service to hand writes to, or None (open the store directly); see the module docstring."""
    if settings.api.service_url:
        return settings.api.service_url.rstrip("/")
    try:
        data = json.loads(service_file(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = data.get("url") if isinstance(data, dict) else None
    if isinstance(url, str) and _alive(data.get("pid")) and _answers(url):
        return url
    return None


def multipart(fields: Mapping[str, str], files: list[Path]) -> tuple[bytes, str]:
    """A multipart/form-data body with the fields and the files (each as a ``file`` part)."""
    boundary = f"kb-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for path in files:
        quoted = path.name.replace("\\", "_").replace('"', "_").replace("\r", "").replace("\n", "")
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class ServiceClient:
    """Talks to one running service with the API key."""

    def __init__(self, url: str, api_key: str | None, language: str = "nl") -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.language = language

    def _request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> Any:
        headers = {"Accept-Language": self.language, "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.url + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_SECONDS) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("message") or exc.reason
            except ValueError:
                message = exc.reason
            raise ServiceError("service_refused", status=exc.code, message=message) from None
        except (OSError, ValueError) as exc:
            raise ServiceError("service_unreachable", url=self.url, reason=str(exc)) from None

    def upload(self, files: list[Path], metadata: Mapping[str, str | None]) -> dict[str, Any]:
        """Queue the files (with metadata for all of them); returns the job."""
        body, content_type = multipart({k: v for k, v in metadata.items() if v is not None}, files)
        return dict(self._request("POST", "/documents", body, content_type))

    def remove(self, document_id: str) -> dict[str, Any]:
        """Queue the removal of a document; returns the job."""
        return dict(self._request("DELETE", f"/documents/{urllib.parse.quote(document_id, safe='')}"))

    def search(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /search`` (the body as the API takes it): one page of the matching passages."""
        return dict(self._request("POST", "/search", json.dumps(body).encode(), "application/json"))

    def ask(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /ask``: the cited answer, or the statement that the corpus does not answer."""
        return dict(self._request("POST", "/ask", json.dumps(body).encode(), "application/json"))

    def documents(self) -> list[dict[str, Any]]:
        """``GET /documents``: every stored document's summary, newest first."""
        return list(self._request("GET", "/documents"))

    def document(self, document_id: str) -> dict[str, Any] | None:
        """A stored document's summary, or None when it is not stored."""
        try:
            return dict(self._request("GET", f"/documents/{urllib.parse.quote(document_id, safe='')}"))
        except ServiceError as exc:
            if exc.params.get("status") == 404:
                return None
            raise

    def follow(
        self, job: dict[str, Any], on_progress: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        """Poll a job until it has run, calling ``on_progress`` whenever its progress changed."""
        seen: tuple[Any, ...] | None = None
        while True:
            progress = (job["status"], job["files_done"], job["passages_written"])
            if progress != seen and on_progress is not None:
                on_progress(job)
            seen = progress
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(POLL_SECONDS)
            job = self._request("GET", job["url"])
