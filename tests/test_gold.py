"""The gold set is well-formed and every answer-bearing span is quoted exactly from the document it names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.gold import DEFAULT_GOLD, load_gold, span_in, whole_span_in
from ingest.cleaning import clean_text
from ingest.readers import read_source

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["documents"]
TEXTS = {e["document_id"]: (CORPUS / e["text_file"]).read_text(encoding="utf-8") for e in MANIFEST}
QUESTIONS = load_gold(DEFAULT_GOLD)


def test_gold_set_has_the_required_mix() -> None:
    answerable = [q for q in QUESTIONS if q.answerable]
    assert len(QUESTIONS) >= 80
    assert sum(q.lang == "en" for q in QUESTIONS) >= 20
    assert sum(q.kind == "comparison" for q in QUESTIONS) >= 10
    assert sum(not q.answerable for q in QUESTIONS) >= 10
    assert sum(q.lang == "nl" for q in QUESTIONS) > len(QUESTIONS) / 2
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)
    assert all(q.relevant for q in answerable)
    assert all(not q.relevant for q in QUESTIONS if not q.answerable)


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.answerable], ids=lambda q: q.id)
def test_every_span_occurs_in_the_document_it_names(question) -> None:  # type: ignore[no-untyped-def]
    for judgement in question.relevant:
        assert judgement.document_id in TEXTS, f"unknown document {judgement.document_id}"
        for span in judgement.spans:
            assert whole_span_in(span, TEXTS[judgement.document_id]), f"{question.id}: {span!r}"


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.kind == "comparison"], ids=lambda q: q.id)
def test_comparison_questions_cite_both_regions(question) -> None:  # type: ignore[no-untyped-def]
    regions = {e["document_id"]: e["region"] for e in MANIFEST}
    assert set(question.regions) <= {regions[j.document_id] for j in question.relevant}


def test_spans_survive_the_pdf_path() -> None:
    """Judging works on the ingested PDF text too (cleaning must not destroy answer-bearing text)."""
    pdf_texts = {
        e["document_id"]: clean_text(read_source(CORPUS / e["file"]).content or "") for e in MANIFEST
    }
    missing = [
        (q.id, span)
        for q in QUESTIONS
        for j in q.relevant
        for span in j.spans
        if not span_in(span, pdf_texts[j.document_id].replace("\f", "\n"))
    ]
    assert not missing, missing


def test_span_matching_is_by_text_not_by_chunk() -> None:
    text = "De gemeente Boekel levert 18 uur personele inzet aan de werkgroep."
    assert span_in("Boekel levert 18 uur personele inzet", text)
    assert span_in("boekel   levert 18 uur\npersonele inzet", text)
    assert not span_in("Oss levert 24 uur personele inzet aan de werkgroep", "Boekel levert 18 uur")
    # a span cut by a passage boundary still counts for the passage holding most of it
    assert span_in("levert 18 uur personele inzet aan de werkgroep en meer woorden", text)
    assert not span_in("aan de werkgroep", "iets anders")
