"""The gold question set: loading, and judging relevance by answer-bearing text (not by chunk ids)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

from kb_core.text.analysis import tokenize

DEFAULT_GOLD = Path(__file__).resolve().parent / "gold" / "questions.jsonl"


@dataclass(frozen=True)
class Judgement:
    """A document that answers a question, with the answer-bearing spans quoted from it."""

    document_id: str
    spans: tuple[str, ...]


@dataclass(frozen=True)
class GoldQuestion:
    """One evaluation question."""

    id: str
    question: str
    lang: str
    kind: str
    answerable: bool
    relevant: tuple[Judgement, ...] = ()
    regions: tuple[str, ...] = field(default_factory=tuple)
    split: str = "dev"


class GoldFormatError(ValueError):
    """A gold file line that does not follow the documented format (eval/README.md)."""


def load_gold(path: Path = DEFAULT_GOLD) -> list[GoldQuestion]:
    """Read a JSONL gold file; raises GoldFormatError naming the line for anything malformed."""
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
            questions.append(
                GoldQuestion(
                    id=str(q["id"]),
                    question=q["question"],
                    lang=q.get("lang", "nl"),
                    kind=q.get("kind", "other"),
                    answerable=bool(q.get("answerable", True)),
                    relevant=tuple(
                        Judgement(r["document_id"], tuple(r.get("spans", []))) for r in q.get("relevant", [])
                    ),
                    regions=tuple(q.get("regions") or ()),
                    split=q.get("split", "dev"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise GoldFormatError(f"{path}:{n}: {exc}") from exc
    return questions


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(tokenize(text))


def normalise(text: str) -> str:
    """Whitespace-collapsed, accent-folded, lower-case word sequence (how spans and passages are compared)."""
    return " ".join(_tokens(text))


def span_in(span: str, text: str, *, min_share: float = 0.6) -> bool:
    """True when ``text`` holds the span, or a contiguous run of at least ``min_share`` of its words.

    The partial match lets a span that a passage boundary happens to cut still count for the passage that
    holds most of it (so relevance survives changes to splitting).
    """
    s, t = _tokens(span), _tokens(text)
    if not s or not t:
        return False
    if " ".join(s) in " ".join(t):
        return True
    match = SequenceMatcher(None, s, t, autojunk=False).find_longest_match(0, len(s), 0, len(t))
    return match.size >= max(4, min_share * len(s)) if len(s) >= 4 else False


def answers(judgements: tuple[Judgement, ...], document_id: str, text: str) -> bool:
    """Whether a passage of ``document_id`` with ``text`` bears an answer according to the judgements."""
    return any(j.document_id == document_id and any(span_in(s, text) for s in j.spans) for j in judgements)


def whole_span_in(span: str, text: str) -> bool:
    """Strict containment after normalisation (for checking that gold spans are quoted exactly)."""
    return normalise(span) in normalise(text)


def answered_within(q: GoldQuestion, region: str, region_of: Mapping[str, str | None]) -> bool:
    """Whether ``q`` is answered within ``region``: it is answerable and a document that answers it
    (``region_of``: document id → region) is of that region."""
    return q.answerable and any(region_of.get(j.document_id) == region for j in q.relevant)
