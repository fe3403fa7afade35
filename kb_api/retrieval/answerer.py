"""Extractive answers: the units of the best passages that answer the question, each quoted exactly.

No generative model: the answer is made of source sentences, list items and table rows, so every word of it
can be checked against the cited document and page. Which units answer, and whether any does, is decided
by a learned scorer (``answer_model.py``) on general features (``answer_features.py``), fitted on the gold
set's ``dev`` half by ``kb train-answerer``. When the probability that the best candidates answer is below
the model's threshold, the answerer abstains and says what it looked for and which documents came closest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from haystack import Document, component

from ingest.embedder import PASSAGE_PREFIX, QUERY_PREFIX
from kb_api.retrieval.answer_features import (
    UNIT_FEATURES,
    Candidate,
    Question,
    analyse_question,
    candidates_of,
    entity_forms,
    leave_one_out,
    question_features,
    term_drops,
    unit_features,
)
from kb_api.retrieval.answer_kinds import CHECKABLE_KINDS
from kb_api.retrieval.answer_model import DEFAULT_MODEL, AnswerModel, default_model
from kb_core.domain import Citation, quote_page
from kb_core.errors import Language, render
from kb_core.lang import abbreviations
from kb_core.text.analysis import fold, lower_case_words
from kb_core.text.units import flat, unit_texts

__all__ = ["ExtractiveAnswerer", "key_entities", "lower_case_words", "missing_from", "text_with_context"]

_WORD = re.compile(r"[\w’'][\w’'.-]*")
_POSSESSIVE = re.compile(r"['’]s$")
_GENERIC_CAPITALISED = frozenset({"i", "english", "dutch", "nederlands", "engels"})
# What ends a sentence right after a word (a closing quote or bracket may come between): the next word opens one.
_SENTENCE_END = re.compile(r"[\s\"'”’)\]]*[.?!:]")
_ABBREVIATIONS = abbreviations()


def key_entities(question: str) -> list[str]:
    """Names and numbers the answer must be about: capitalised words that do not open a sentence, and figures.

    "Ik ben raadslid in Boekel. Wat doet Moviera?" names Boekel and Moviera, not "Wat": a word after ".", "?",
    "!" or ":" (a closing quote or bracket between) opens a sentence, as the question's first word does; an
    abbreviation ("dhr.", "o.a.") or an initial ("D.") ends none."""
    entities = []
    opens_sentence = True
    for match in _WORD.finditer(question):
        raw = match.group(0)
        word = _POSSESSIVE.sub("", raw).strip(".-")
        if word and (
            word[0].isdigit()
            or (not opens_sentence and word[0].isupper() and word.lower() not in _GENERIC_CAPITALISED)
        ):
            entities.append(word)
        opens_sentence = _ends_sentence(raw) or bool(_SENTENCE_END.match(question, match.end()))
    return entities


def _ends_sentence(token: str) -> bool:
    """Whether a token's own final full stop ends a sentence ("Boekel.") rather than an abbreviation."""
    if not token.endswith("."):
        return False
    stem_ = token[:-1]
    return "." not in stem_ and len(stem_) > 2 and fold(stem_) not in _ABBREVIATIONS


def missing_from(entities: list[str], known_terms: set[str]) -> list[str]:
    """The entities none of whose forms occur in ``known_terms``."""
    return [e for e in entities if not entity_forms(e) & known_terms]


def text_with_context(passage: Document) -> str:
    """A passage's text with the metadata that says what it is about (title, section, municipality, region)."""
    meta = passage.meta
    context = " ".join(str(meta.get(k) or "") for k in ("title", "section", "municipality", "region"))
    return f"{passage.content or ''} {context}"


@dataclass
class Scored:
    """The candidates of one question with their features and probabilities."""

    question: Question
    candidates: list[Candidate]
    features: np.ndarray
    probabilities: np.ndarray
    # The passages read, in the fused order the candidates' ranks refer to.
    passages: list[Document] = field(default_factory=list)
    # The candidates' unit vectors and e5 similarities to the question, for their term drops.
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    sims: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # Per candidate, how its similarity falls when a word of the question is left out (``term_drops``): worked
    # out by ``ExtractiveAnswerer.add_drops`` when a decision is needed (search re-ranks without them).
    drops: np.ndarray | None = None

    def answerable_probability(
        self, model: AnswerModel, keep: list[int] | None = None, *, narrowed: bool = False
    ) -> float:
        """P(the best of these candidates, or of the ``keep`` ones, answers the question); ``narrowed``:
        the candidates are those of part of the corpus (:meth:`AnswerModel.decision`)."""
        if self.drops is None:
            raise ValueError("the term drops are not worked out: ExtractiveAnswerer.add_drops first")
        idx = np.arange(len(self.candidates)) if keep is None else np.asarray(keep, dtype=int)
        row = question_features(self.question, self.probabilities[idx], self.features[idx], self.drops[idx])
        decider, _ = model.decision(narrowed)
        return float(decider.probability(row[None, :])[0])

    def answers(self, model: AnswerModel, keep: list[int] | None = None, *, narrowed: bool = False) -> bool:
        """Whether the answerability probability reaches its threshold (over the corpus or part of it)."""
        return self.answerable_probability(model, keep, narrowed=narrowed) >= model.decision(narrowed)[1]


@component
class ExtractiveAnswerer:
    """Quotes the units of the best ``passages`` that the learned scorer finds most likely to answer, or
    abstains when the answerability model says none does (see the module docstring)."""

    def __init__(
        self,
        *,
        embedder: Any,
        model_path: Path | None = None,
        passages: int = 15,
        max_quotes: int = 3,
        cache_size: int = 50_000,
        max_unknown_share: float = 0.5,
        vector_lookup: Callable[[list[str]], dict[str, Any]] | None = None,
    ) -> None:
        if passages < 1 or max_quotes < 1:
            raise ValueError("passages and max_quotes must be at least 1")
        self.embedder = embedder
        self.model_path = model_path
        self.passages = passages
        self.max_quotes = max_quotes
        self.cache_size = cache_size
        self.max_unknown_share = max_unknown_share
        self.vector_lookup = vector_lookup
        self._cache: dict[str, np.ndarray] = {}

    @property
    def model(self) -> AnswerModel:
        """The scorer (the shipped one unless ``model_path`` names another)."""
        return default_model(str(self.model_path or DEFAULT_MODEL))

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component (the embedder by its own serialisation)."""
        from haystack import default_to_dict

        return default_to_dict(
            self,
            embedder=self.embedder.to_dict(),
            model_path=str(self.model_path) if self.model_path else None,
            passages=self.passages,
            max_quotes=self.max_quotes,
            cache_size=self.cache_size,
            max_unknown_share=self.max_unknown_share,
        )

    def vectors(self, keys: list[str], texts: list[str]) -> np.ndarray:
        """Unit vectors: those stored at ingestion (``vector_lookup`` by unit id), else embedded now."""
        found = self.vector_lookup(keys) if self.vector_lookup is not None else {}
        missing = [i for i, key in enumerate(keys) if key not in found]
        embedded = self.embed([texts[i] for i in missing]) if missing else None
        rows = [found.get(key) for key in keys]
        for j, i in enumerate(missing):
            assert embedded is not None
            rows[i] = embedded[j]
        return np.stack([np.asarray(r, dtype=np.float32) for r in rows])

    def embed(self, texts: list[str], prompt: str = PASSAGE_PREFIX) -> np.ndarray:
        """Embeddings with the e5 ``prompt`` ("passage: " for units, "query: " for questions), cached: the same
        passages come back for related questions."""
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        texts = [prompt + t for t in texts]
        # Read into a local dict first: another request thread may clear the shared cache meanwhile.
        found = {t: v for t in dict.fromkeys(texts) if (v := self._cache.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            backend = self.embedder.embedding_backend
            if backend is None:
                self.embedder.warm_up()
                backend = self.embedder.embedding_backend
            vectors = backend.embed(missing, batch_size=32, normalize_embeddings=True)
            fresh = dict(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
            found.update(fresh)
            if len(self._cache) + len(missing) > self.cache_size:
                self._cache.clear()
            self._cache.update(fresh)
        return np.stack([found[t] for t in texts])

    def prepare(
        self,
        query: str,
        documents: list[Document],
        query_embedding: list[float],
        *,
        language: str = "nl",
        missing_entities: list[str] | None = None,
        query_terms: list[str] | None = None,
        common_words: frozenset[str] | None = None,
        known_terms: set[str] | None = None,
    ) -> Scored:
        """Candidates of the best passages with their features (probabilities not yet filled in)."""
        question = analyse_question(
            query, language, query_terms, key_entities(query), missing_entities or [], known_terms
        )
        read = list(documents[: self.passages])
        candidates = candidates_of(read)
        if not candidates or not query_embedding:
            empty = np.zeros((0, len(UNIT_FEATURES)), dtype=np.float32)
            return Scored(question, [], empty, np.zeros(0), read)
        q = np.asarray(query_embedding, dtype=np.float32)
        texts = [unit_texts(c.passage.content or "", c.quotable) for c in candidates]
        keys = [c.unit_id for c in candidates]
        unit_vectors = self.vectors(keys, [quote for quote, _ in texts])
        sims = unit_vectors @ q
        context_sims = sims.copy()
        with_lead = [i for i, (_, lead) in enumerate(texts) if lead]
        if with_lead:
            lead_keys = [f"{keys[i]}+" for i in with_lead]
            context_sims[with_lead] = self.vectors(lead_keys, [str(texts[i][1]) for i in with_lead]) @ q
        words = (
            common_words if common_words is not None else lower_case_words(d.content or "" for d in documents)
        )
        features = unit_features(question, candidates, sims, context_sims, words)
        return Scored(question, candidates, features, np.zeros(len(candidates)), read, unit_vectors, sims)

    def add_drops(self, scored: Scored) -> Scored:
        """Work out ``scored.drops`` (once): the question embedded without each of its content words, and how
        each candidate's similarity falls (``term_drops``). The answer decision reads them; re-ranking does not,
        so a search does not pay for them."""
        if scored.drops is not None:
            return scored
        if not scored.candidates:  # nothing to compare: no variant need be embedded
            scored.drops = np.zeros((0, 2), dtype=np.float32)
            return scored
        variants = leave_one_out(" ".join(scored.question.text.split()))
        scored.drops = term_drops(scored.sims, scored.vectors, self.embed(variants, QUERY_PREFIX))
        return scored

    def score(
        self, query: str, documents: list[Document], query_embedding: list[float], **kwargs: Any
    ) -> Scored:
        """:meth:`prepare`, with the scorer's probability for every candidate."""
        scored = self.prepare(query, documents, query_embedding, **kwargs)
        scored.probabilities = self.model.unit.probability(scored.features)
        return scored

    @component.output_types(answer=str, answerable=bool, citations=list[dict[str, Any]], notes=list[str])
    def run(
        self,
        query: str,
        documents: list[Document],
        query_embedding: list[float],
        language: str = "nl",
        missing_entities: list[str] | None = None,
        query_terms: list[str] | None = None,
        regions: list[str] | None = None,
        scored: Scored | None = None,
        common_words: frozenset[str] | None = None,
        known_terms: set[str] | None = None,
        narrowed: bool = False,
        matching: list[str] | None = None,
    ) -> dict[str, Any]:
        """Answer ``query`` from ``documents`` (ranked passages) or abstain.

        ``query_terms``: the lexical terms of the question (for an English one: with its Dutch glossary
        terms). ``missing_entities``: names of the question the corpus never mentions. ``regions``: for a
        comparison, each region gets its own decision and quotes, or a note that none of its passages
        answers. ``scored``: these documents' candidates as :meth:`score` gave them (the search pipeline's
        re-ranker scored them already), scored here when absent. ``common_words``: the words the corpus
        writes in lower case (to tell names from titles). ``known_terms``: the corpus vocabulary (stems).
        ``narrowed``: the documents are part of the corpus (a region, municipality or document type filter);
        the decision is then the region model's, as it is for each region of a comparison. ``matching``: the
        ids of the passages the search lists as matches; a refusal names only their documents as closest.
        """
        lang: Language = "en" if language == "en" else "nl"
        if missing_entities:
            # A name or year the corpus never mentions: nothing can answer (ablation in eval/README.md).
            question = analyse_question(query, language, query_terms, key_entities(query), missing_entities)
            empty = Scored(question, [], np.zeros((0, len(UNIT_FEATURES)), dtype=np.float32), np.zeros(0))
            return self._refusal(empty, lang)
        if scored is None:
            scored = self.score(
                query,
                documents,
                query_embedding,
                language=language,
                query_terms=query_terms,
                common_words=common_words,
                known_terms=known_terms,
            )
        q = scored.question
        if (
            q.language == "nl"
            and q.unknown_terms >= self.max_unknown_share
            and (q.unknown_count > 1 or q.unknown_terms == 1)
        ):
            # Half the question's words, more than one of them, appear in no document: a topic the corpus lacks
            # (eval/README.md). One unknown word of two is often a verb a small corpus happens not to use.
            return self._refusal(scored, lang, matching=matching)
        self.add_drops(scored)
        model = self.model
        groups: list[tuple[str | None, list[int]]] = [(None, list(range(len(scored.candidates))))]
        if regions:
            groups = [
                (
                    region,
                    [i for i, c in enumerate(scored.candidates) if c.passage.meta.get("region") == region],
                )
                for region in regions
            ]
        chosen: list[int] = []
        notes: list[str] = []
        for region, members in groups:
            if members and scored.answers(model, members, narrowed=narrowed or region is not None):
                chosen += self._choose(scored, members)
            elif region is not None:
                notes.append(render("no_answer_region", {"region": region}, lang))
        if not chosen:
            return self._refusal(scored, lang, notes, matching)
        citations = [self._citation(n, scored.candidates[i]) for n, i in enumerate(chosen, start=1)]
        answer = " ".join(f"“{c['quote']}” [{c['number']}]" for c in citations)
        if notes:
            answer += " " + " ".join(notes)
        return {"answer": answer, "answerable": True, "citations": citations, "notes": notes}

    def _choose(self, scored: Scored, members: list[int]) -> list[int]:
        """The best candidate and up to ``max_quotes - 1`` more whose probability is at least ``quote_ratio``
        of the best, none inside another's quote."""
        order = sorted(members, key=lambda i: -scored.probabilities[i])
        best = scored.probabilities[order[0]]
        picked: list[int] = []
        for i in order:
            if len(picked) == self.max_quotes or scored.probabilities[i] < self.model.quote_ratio * best:
                break
            c = scored.candidates[i]
            if any(_overlaps(scored.candidates[j], c) for j in picked):
                continue
            picked.append(i)
        return picked

    @staticmethod
    def _citation(number: int, c: Candidate) -> dict[str, Any]:
        meta = c.passage.meta
        quote = c.quote
        first_char = c.unit.start + len(quote) - len(quote.lstrip())
        return Citation(
            number=number,
            document_id=str(meta.get("document_id")),
            passage_id=str(c.passage.id),
            title=meta.get("title"),
            municipality=meta.get("municipality"),
            region=meta.get("region"),
            date=meta.get("date"),
            page=quote_page(meta, first_char),
            quote=flat(quote),
            context=flat(c.lead) if c.lead else None,
            start=c.unit.start,
            end=c.quote_end,
            also_in=list(meta.get("also_in", [])),
            ocr=bool(meta.get("ocr")),
        ).to_dict()

    @classmethod
    def _refusal(
        cls,
        scored: Scored,
        language: Language,
        notes: list[str] | None = None,
        matching: list[str] | None = None,
    ) -> dict[str, Any]:
        """The component's output when nothing answers: the abstention message, no citations."""
        return {
            "answer": cls._abstention(scored, language, matching),
            "answerable": False,
            "citations": [],
            "notes": notes or [],
        }

    @staticmethod
    def _abstention(scored: Scored, language: Language, matching: list[str] | None = None) -> str:
        """Says that nothing answers, what was looked for, and which documents came closest (of the passages
        in ``matching``, when given: those the search lists)."""
        q = scored.question
        message = render("no_answer", language=language)
        if q.missing_entities:
            names = ", ".join(f"'{m}'" for m in q.missing_entities)
            return f"{message} {render('not_mentioned', {'names': names}, language)}"
        looked_for = [
            render(f"kind_{k}", language=language) for k in sorted(q.kinds) if f"kind_{k}" in _KINDS
        ]
        if looked_for:
            message += " " + render("looked_for", {"what": ", ".join(looked_for)}, language)
        closest = _closest_documents(scored, set(matching) if matching is not None else None)
        if closest:
            # Titles are quoted and joined by "en": a title may hold a ";" itself.
            documents = f" {render('and', language=language)} ".join(closest)
            message += " " + render(
                "closest" if len(closest) > 1 else "closest_one", {"documents": documents}, language
            )
        return message


_KINDS = {f"kind_{k}" for k in CHECKABLE_KINDS}


def _overlaps(a: Candidate, b: Candidate) -> bool:
    """Whether two candidates' quotes overlap in the same passage."""
    return a.passage.id == b.passage.id and a.unit.start < b.quote_end and b.unit.start < a.quote_end


def _closest_documents(scored: Scored, matching: set[str] | None = None, limit: int = 2) -> list[str]:
    """Title and page of the documents of the most probable candidates (only of the passages in ``matching``,
    when given)."""
    seen: dict[str, str] = {}
    for i in np.argsort(-scored.probabilities):
        passage = scored.candidates[int(i)].passage
        if matching is not None and passage.id not in matching:
            continue
        meta = passage.meta
        doc = str(meta.get("document_id"))
        if doc not in seen:
            seen[doc] = f"“{meta.get('title') or doc}” (p. {meta.get('page')})"
        if len(seen) == limit:
            break
    return list(seen.values())
