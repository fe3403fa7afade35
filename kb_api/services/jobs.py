"""Write jobs: uploads to ingest and documents to remove, run one at a time by the app's one worker thread.

The app owns the store; this worker is its only writer (the store takes its write lock per document, and
readers take none, so searches keep answering while a job writes). An upload's files are saved to
``<data>/uploads/<job id>/<n>/<name>`` with a ``job.json`` before the job is queued; the folder is removed
when the job has run, and a folder still there at start-up (the service stopped first) is queued again.
After each document is written the services' caches are dropped, so it is searchable at once. An uploaded
file is recorded as coming from its kept original (``<originals>/<id>/<name>``): uploading a file with the
name of an uploaded document replaces it, while a document ingested from another file is never replaced.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from ingest.originals import Originals, safe_file_name
from ingest.readers import SUPPORTED_SUFFIXES
from ingest.service import Ingestor, IngestReport, remove_documents
from ingest.store import StoreFilter
from kb_api.services import Services
from kb_core.errors import JobNotFoundError, Note

logger = logging.getLogger(__name__)

JobKind = Literal["ingest", "remove"]
JobStatus = Literal["queued", "running", "done", "failed"]
FileStatus = Literal["queued", "ingested", "unchanged", "removed", "failed"]
JOB_FILE = "job.json"


@dataclass
class FileResult:
    """One file of an upload (or one document of a removal) and what became of it."""

    name: str
    document_id: str | None = None
    status: FileStatus = "queued"
    passages: int = 0
    error: Note | None = None
    path: Path | None = None  # where the upload waits (None: refused before it was saved)


@dataclass
class Job:
    """One unit of write work and its progress."""

    id: str
    kind: JobKind
    files: list[FileResult]
    overrides: dict[str, str | None] = field(default_factory=dict)
    status: JobStatus = "queued"
    errors: list[Note] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def files_done(self) -> int:
        """Files (or documents) dealt with so far, whatever the outcome."""
        return sum(f.status != "queued" for f in self.files)

    @property
    def passages_written(self) -> int:
        """Passages written by this job so far."""
        return sum(f.passages for f in self.files if f.status == "ingested")


def new_job_id() -> str:
    """A fresh, unguessable job id."""
    return uuid.uuid4().hex


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:/[^\s/;,'\"]+)+/([^\s/;,'\"]+)")


def without_paths(reason: str) -> str:
    """An ingestion failure as a client of the API may see it: a path on the server is named by its file name
    only (the CLI, run on the server, shows the whole path)."""
    return _ABSOLUTE_PATH.sub(r"\1", reason)


def stage_file(
    file_name: str | None, stream: IO[bytes], size: int | None, folder: Path, max_bytes: int
) -> FileResult:
    """Save one uploaded file as ``folder/<safe name>``, or refuse it with the reason (unsupported type,
    empty, over ``max_bytes``) before anything is saved."""
    name = safe_file_name(file_name) or "document"
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        note = Note(
            "file_unsupported_type", {"name": name, "suffix": suffix or "(none)", "supported": supported}
        )
        return FileResult(name=name, status="failed", error=note)
    if size is not None and size > max_bytes:
        return FileResult(
            name=name, status="failed", error=Note("file_too_large", {"name": name, "limit": max_bytes})
        )
    if size == 0:
        return FileResult(name=name, status="failed", error=Note("file_empty", {"name": name}))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out)
        out.flush()
        os.fsync(out.fileno())
    return FileResult(name=name, path=path)


class JobService:
    """The queue of write jobs and the one worker thread that runs them against the app's store."""

    def __init__(self, services: Services, *, keep: int = 200) -> None:
        self.services = services
        self.settings = services.settings
        self.originals = Originals(self.settings.originals_dir)
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._ingestor: Ingestor | None = None

    # --- the worker ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker and queue again the uploads a stopped service left waiting."""
        self._thread = threading.Thread(target=self._work, name="kb-write-jobs", daemon=True)
        self._thread.start()
        for folder in sorted(self.settings.uploads_dir.glob(f"*/{JOB_FILE}")):
            try:
                self._resume(folder.parent)
            except (OSError, ValueError, KeyError) as exc:
                logger.error("Cannot resume the upload in %s: %s", folder.parent, exc)

    def stop(self, timeout: float = 30.0) -> None:
        """Let the running job finish, then stop (queued jobs wait on disk for the next start)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def _work(self) -> None:
        while (job_id := self._queue.get()) is not None:
            job = self._jobs.get(job_id)
            if job is None:
                continue
            self._set(job, status="running")
            try:
                if job.kind == "ingest":
                    self._run_ingest(job)
                else:
                    self._run_remove(job)
            except Exception as exc:  # a job never takes the worker down: it fails with the reason
                logger.exception("Job %s failed", job.id)
                with self._lock:
                    job.errors.append(Note("internal_error"))
                    for f in job.files:
                        if f.status == "queued":
                            f.status, f.error = (
                                "failed",
                                Note(
                                    "file_not_ingested", {"name": f.name, "reason": without_paths(str(exc))}
                                ),
                            )
            finally:
                ok = any(f.status != "failed" for f in job.files) and not job.errors
                self._set(job, status="done" if ok else "failed", finished=time.time())
                if job.kind == "ingest":
                    shutil.rmtree(self.settings.uploads_dir / job.id, ignore_errors=True)

    def _set(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)

    def _run_ingest(self, job: Job) -> None:
        if self._ingestor is None:  # one file per batch: each document is searchable as soon as it is read
            settings = self.settings.with_changes(ingest={"batch_files": 1})
            self._ingestor = Ingestor(settings, self.services.store, progress=False)
        ingestor = self._ingestor
        waiting = [f for f in job.files if f.path is not None and f.status == "queued"]
        by_id = {}
        recorded = {}
        for f in waiting:
            assert f.path is not None
            f.document_id = ingestor.document_id_for(f.path)
            by_id[f.document_id] = f
            recorded[f.path] = str(self.originals.path_for(f.document_id, f.path.name))

        def written(_report: IngestReport, document_ids: list[str]) -> None:
            self.services.refresh()
            # A count per written document (keyword index), not a read of every document record.
            counts = {
                d: self.services.store.count(StoreFilter(keywords={"document_id": [d]}))
                for d in document_ids
                if d in by_id
            }
            with self._lock:
                for doc_id, count in counts.items():
                    by_id[doc_id].status, by_id[doc_id].passages = "ingested", count

        report = ingestor.ingest(
            [f.path for f in waiting if f.path is not None],
            overrides=job.overrides,
            recorded=recorded,
            on_batch=written,
        )
        self.services.refresh()
        failures = {failure.path: failure.reason for failure in report.failed}
        with self._lock:
            for f in waiting:
                if str(f.path) in failures:
                    f.status = "failed"
                    reason = without_paths(failures[str(f.path)])
                    f.error = Note("file_not_ingested", {"name": f.name, "reason": reason})
                elif f.document_id in report.unchanged:
                    f.status = "unchanged"

    def _run_remove(self, job: Job) -> None:
        for f in job.files:
            assert f.document_id is not None
            removed = remove_documents(self.services.store, [f.document_id], self.originals)
            self.services.refresh()
            with self._lock:
                f.status, f.passages = "removed", removed[f.document_id]

    # --- queueing -----------------------------------------------------------------------------------
    def _queue_job(self, job: Job) -> Job:
        with self._lock:
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.finished is not None]
            for old in finished[: max(0, len(self._jobs) - self.keep)]:
                del self._jobs[old.id]
        self._queue.put(job.id)
        return job

    def submit_upload(self, job: Job) -> Job:
        """Queue an upload whose files are saved (``job.json`` is written first: nothing is lost)."""
        folder = self.settings.uploads_dir / job.id
        folder.mkdir(parents=True, exist_ok=True)
        saved = [
            {"name": f.name, "path": str(f.path.relative_to(folder))} for f in job.files if f.path is not None
        ]
        (folder / JOB_FILE).write_text(
            json.dumps({"overrides": job.overrides, "files": saved}, ensure_ascii=False), encoding="utf-8"
        )
        if not saved:  # every file was refused: nothing to run
            job.status, job.finished = "failed", time.time()
            shutil.rmtree(folder, ignore_errors=True)
            with self._lock:
                self._jobs[job.id] = job
            return job
        return self._queue_job(job)

    def _resume(self, folder: Path) -> None:
        data = json.loads((folder / JOB_FILE).read_text(encoding="utf-8"))
        files = [FileResult(name=f["name"], path=folder / f["path"]) for f in data["files"]]
        logger.warning(
            "Queued again: the upload %s (%d files) of a service that stopped", folder.name, len(files)
        )
        self._queue_job(
            Job(id=folder.name, kind="ingest", files=files, overrides=data.get("overrides") or {})
        )

    def submit_removal(self, document_ids: list[str]) -> Job:
        """Queue the removal of stored documents (their passages and originals)."""
        files = [FileResult(name=d, document_id=d) for d in dict.fromkeys(document_ids)]
        return self._queue_job(Job(id=new_job_id(), kind="remove", files=files))

    def upload_folder(self, job_id: str) -> Path:
        """Where the files of an upload are saved before it is queued."""
        return self.settings.uploads_dir / job_id

    def get(self, job_id: str) -> Job:
        """A copy of the job's state now (JobNotFoundError when unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise JobNotFoundError(job_id)
            return Job(
                id=job.id,
                kind=job.kind,
                files=[FileResult(**vars(f)) for f in job.files],
                overrides=dict(job.overrides),
                status=job.status,
                errors=list(job.errors),
                created=job.created,
                finished=job.finished,
            )
