"""Adding and removing documents through the running service: write jobs and their progress.

``POST /documents`` (multipart: one or more ``file`` parts plus the metadata fields that may be given by
hand, ``kb_core.domain.OVERRIDABLE_FIELDS``) and ``DELETE /documents/{id}`` need the API key; they answer
202 with the job and its ``Location``; ``GET /jobs/{id}`` reports how far it got.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ingest.metadata import validate_overrides
from kb_api.deps import CatalogueDep, JobsDep, SettingsDep, WriterDep
from kb_api.handlers import request_language
from kb_api.presenters import job_out
from kb_api.routers.documents import DOC_ID
from kb_api.schemas import ErrorResponse, JobOut
from kb_api.services.jobs import Job, new_job_id, stage_file
from kb_core.domain import OVERRIDABLE_FIELDS
from kb_core.errors import DocumentNotFoundError, UploadRejectedError

router = APIRouter(tags=["documents"])
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No API key, or a wrong one"},
    403: {"model": ErrorResponse, "description": "Writes are disabled: no API key is configured"},
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        **{name: {"type": "string"} for name in OVERRIDABLE_FIELDS},
                    },
                }
            }
        },
    }
}


def _accepted(request: Request, job: Job) -> JSONResponse:
    body = job_out(job, request_language(request))
    return JSONResponse(status_code=202, content=body.model_dump(), headers={"Location": body.url})


@router.post(
    "/documents",
    status_code=202,
    response_model=JobOut,
    dependencies=[WriterDep],
    openapi_extra=UPLOAD_BODY,
    responses={**WRITE_ERRORS, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
async def add_documents(request: Request, jobs: JobsDep, settings: SettingsDep) -> JSONResponse:
    """Add documents: every file is saved, then one job ingests them in the background (202, Location
    ``/jobs/{id}``). Metadata fields apply to every file of the upload (as ``kb ingest --municipality``);
    a file of an unsupported type, empty or too large is refused with its reason, the rest goes on."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UploadRejectedError("upload_not_multipart")
    limit = settings.api.max_upload_files
    form = await request.form(max_files=limit, max_fields=len(OVERRIDABLE_FIELDS) + 10)
    try:
        uploads = [v for k, v in form.multi_items() if k == "file" and isinstance(v, UploadFile)]
        given = {k: v for k, v in form.multi_items() if isinstance(v, str) and v.strip()}
        overrides = validate_overrides(given, origin="upload")
        if not uploads:
            raise UploadRejectedError("upload_no_files")
        job_id = new_job_id()
        folder = jobs.upload_folder(job_id)
        files = [
            await run_in_threadpool(
                stage_file, u.filename, u.file, u.size, folder / str(i), settings.ingest.max_file_bytes
            )
            for i, u in enumerate(uploads)
        ]
        job = jobs.submit_upload(Job(id=job_id, kind="ingest", files=files, overrides=overrides))
    finally:
        await form.close()
    return _accepted(request, job)


@router.delete(
    "/documents/{document_id}",
    status_code=202,
    response_model=JobOut,
    dependencies=[WriterDep],
    responses={**WRITE_ERRORS, 404: {"model": ErrorResponse}},
)
def remove_document(
    request: Request, jobs: JobsDep, catalogue: CatalogueDep, document_id: str = DOC_ID
) -> JSONResponse:
    """Remove a document (its passages and its original) in the background: 202 with the job."""
    if document_id not in catalogue.summaries():
        raise DocumentNotFoundError(document_id)
    return _accepted(request, jobs.submit_removal([document_id]))


@router.get("/jobs/{job_id}", response_model=JobOut, responses={404: {"model": ErrorResponse}})
def get_job(request: Request, jobs: JobsDep, job_id: str = PathParam(min_length=1, max_length=64)) -> JobOut:
    """How far a job got: status, files done of total, passages written, per-file results and reasons."""
    return job_out(jobs.get(job_id), request_language(request))
