"""Small helpers shared by the tests: real PDFs and awkward files (reportlab/pypdf), and answers from passages
written in the test."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import reportlab
from haystack import Document
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from kb_api.retrieval.answerer import ExtractiveAnswerer

FONT_NAME = "VeraTest"
REPO_ROOT = Path(__file__).resolve().parent.parent
FONT_PATH = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")
FONT_SIZE = 9
LEADING = 12


def _register_font() -> None:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, FONT_PATH))


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """Write a real A4 PDF with a text layer: one list of lines per page, each line drawn as it is.

    An empty string leaves a blank line (a paragraph gap).
    """
    _register_font()
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    _, height = A4
    for lines in pages:
        c.setFont(FONT_NAME, FONT_SIZE)
        y = height - 60
        for line in lines:
            if line:
                c.drawString(50, y, line)
            y -= LEADING
        c.showPage()
    c.save()
    return path


def make_image_only_pdf(path: Path, n_pages: int = 2) -> Path:
    """A PDF whose pages carry only drawn shapes (like a scan): no text layer at all."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    for i in range(n_pages):
        c.setFillColorRGB(0.2, 0.3 + 0.1 * i, 0.5)
        c.rect(80, 300, 400, 300, fill=1, stroke=1)
        c.line(80, 200, 480, 250)
        c.showPage()
    c.save()
    return path


SCAN_DPI = 200
SCAN_FONT_PX = 40  # about 14 pt at 200 dpi: body text as a scanner sees it


def scanned_page_image(lines: list[str]) -> Any:
    """A white A4 page image at ``SCAN_DPI`` with ``lines`` drawn on it in black (Vera): a scan, no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = round(A4[0] / 72 * SCAN_DPI), round(A4[1] / 72 * SCAN_DPI)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_PATH, SCAN_FONT_PX)
    y = 160
    for line in lines:
        if line:
            draw.text((140, y), line, fill=0, font=font)
        y += round(SCAN_FONT_PX * 1.5)
    return image


def make_scanned_pdf(path: Path, pages: list[list[str]], *, text_pages: frozenset[int] = frozenset()) -> Path:
    """A PDF whose pages are images of the given lines (as a scanner makes them), except the pages whose
    index is in ``text_pages``, which get a real text layer (as ``make_pdf`` draws them)."""
    from reportlab.lib.utils import ImageReader

    _register_font()
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    width, height = A4
    for index, lines in enumerate(pages):
        if index in text_pages:
            c.setFont(FONT_NAME, FONT_SIZE)
            y = height - 60
            for line in lines:
                if line:
                    c.drawString(50, y, line)
                y -= LEADING
        else:
            c.drawImage(ImageReader(scanned_page_image(lines)), 0, 0, width=width, height=height)
        c.showPage()
    c.save()
    return path


def make_encrypted_pdf(source: Path, target: Path, password: str = "geheim") -> Path:
    """Copy ``source`` into ``target`` encrypted with a user password (pypdf)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    with target.open("wb") as fh:
        writer.write(fh)
    return target


def squash(text: str) -> str:
    """Whitespace folded to single spaces (for comparing text across line wraps)."""
    return re.sub(r"\s+", " ", text).strip()


def ask_passages(
    embedder: Any,
    question: str,
    passages: list[str],
    *,
    common_words: frozenset[str] | None = None,
    model_path: Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """The answerer's result for ``question`` over ``passages`` (ranked in the given order: fused scores and
    passage similarities as the retriever would give them); ``model_path``: another scorer than the shipped one;
    ``options`` go to :meth:`ExtractiveAnswerer.run`."""
    answerer = ExtractiveAnswerer(embedder=embedder, model_path=model_path)
    query_embedding = embedder.run(text=question)["embedding"]
    vectors = answerer.embed(passages) if passages else None
    documents = [
        Document(
            id=f"doc#{i:04d}",
            content=text,
            meta={"document_id": "doc", "title": "Notitie", "page": 1,
                  "dense_score": float(vectors[i] @ query_embedding) if vectors is not None else 0.0},
            score=1 / (61 + i),
        )
        for i, text in enumerate(passages)
    ]  # fmt: skip
    return answerer.run(
        query=question,
        documents=documents,
        query_embedding=query_embedding,
        common_words=common_words,
        **options,
    )


def set_record_meta(store: Any, document_id: str, **changes: Any) -> None:
    """Change fields of a stored document's record (the catalogue entry), as an older ingestion left it."""
    from ingest.stores.base import DOCUMENTS, point_id

    [hit] = store._retrieve(DOCUMENTS, [point_id(document_id)])
    payload = dict(hit.payload)
    meta = {**payload["meta"], **changes}
    payload["meta"] = {k: v for k, v in meta.items() if v is not None}
    store._upsert(DOCUMENTS, [(point_id(document_id), {}, payload)])
