"""Browse stored documents and read a citation in context."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from ingest.originals import Originals, media_type
from kb_api.deps import CatalogueDep, SettingsDep
from kb_api.presenters import document_summary
from kb_api.schemas import DocumentDetail, DocumentSummary, ErrorResponse, PassageOut
from kb_core.errors import OriginalFileNotFoundError
from kb_core.settings import Settings

router = APIRouter(tags=["documents"])
DOC_ID = PathParam(
    min_length=1, max_length=200, description="Document id, e.g. boekel-2026-rib-toekomstbeeld-via"
)


@router.get("/documents", response_model=list[DocumentSummary], responses={503: {"model": ErrorResponse}})
def list_documents(service: CatalogueDep) -> list[DocumentSummary]:
    """Every stored document (newest first) with its metadata, passage and page counts."""
    return [document_summary(info) for info in service.documents()]


@router.get(
    "/documents/{document_id}",
    response_model=DocumentDetail,
    responses={404: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
def get_document(service: CatalogueDep, settings: SettingsDep, document_id: str = DOC_ID) -> DocumentDetail:
    """A document's metadata and its passages in reading order."""
    info, passages = service.document(document_id)
    summary = document_summary(info)
    has_file = original_file(settings, document_id, info) is not None
    return DocumentDetail(
        **summary.model_dump(),
        passages_in_order=[
            PassageOut(
                passage_id=p.id,
                position=p.meta.get("position", 0),
                page=p.meta.get("page"),
                page_end=p.meta.get("page_end"),
                section=p.meta.get("section"),
                text=p.content or "",
            )
            for p in passages
        ],
        file_url=f"/documents/{document_id}/file" if has_file else None,
    )


def source_file(corpus_dir: Path, file_name: str | None, source_path: str | None = None) -> Path | None:
    """The original file of a corpus document, only from inside the corpus folder.

    ``source_path`` (stored since ingestion records it) names the file exactly; otherwise the first file
    called ``file_name`` below the corpus folder, compared by name: a name is never a glob pattern
    (``*.txt``, ``[x].txt`` and ``a**b.txt`` are names like any other).
    """
    if not file_name or "/" in file_name or "\\" in file_name or file_name in {".", ".."}:
        return None
    root = corpus_dir.resolve()
    if source_path:
        stored = Path(source_path)
        if stored.name == file_name:
            resolved = stored.resolve()
            if resolved.is_file() and root in resolved.parents:
                return resolved
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        if file_name in files:
            resolved = (Path(folder) / file_name).resolve()
            if resolved.is_file() and root in resolved.parents:
                return resolved
    return None


def original_file(settings: Settings, document_id: str, info: dict[str, object]) -> Path | None:
    """A stored document's original: the copy kept in the originals folder, else (documents ingested
    before originals were kept) its file in the corpus folder."""
    kept = Originals(settings.originals_dir).find(document_id)
    if kept is not None:
        return kept
    file_name, source_path = info.get("file_name"), info.get("source_path")
    return source_file(
        settings.ingest.corpus_dir,
        file_name if isinstance(file_name, str) else None,
        source_path if isinstance(source_path, str) else None,
    )


# An HTML original is shown as it is, never run: no script, form or plug-in, nothing loaded from elsewhere.
# (Not for PDF: Chromium shows no PDF in a sandboxed document; PDFs get the site's own policy.)
HTML_ORIGINAL_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


@router.get("/documents/{document_id}/file", responses={404: {"model": ErrorResponse}})
def get_document_file(
    service: CatalogueDep, settings: SettingsDep, document_id: str = DOC_ID
) -> FileResponse:
    """The original file of a stored document (PDF, DOCX, HTML, text), with its content type."""
    info, _ = service.document(document_id)
    path = original_file(settings, document_id, info)
    if path is None:
        raise OriginalFileNotFoundError(document_id)
    media = media_type(path)
    headers = {"content-security-policy": HTML_ORIGINAL_POLICY} if media.startswith("text/html") else {}
    return FileResponse(
        path, media_type=media, filename=path.name, content_disposition_type="inline", headers=headers
    )
