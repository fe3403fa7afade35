"""Candidate answer units and their features, for the learned answer scorer.

A candidate is a sentence, list item or table row of one of the best passages (``kb_core.text.units``),
with what it needs to be understood: the line that introduces a list item, the header row of a table
row. Its features are general, measurable properties — how similar it is to the question (e5), how much of
the question's content it covers (IDF-weighted Dutch stems, glossary for English), where its passage
ranked, whether it holds the kind of answer asked for (an amount, a date, a person …), whether the names
and years of the question occur in it and in its document, whether it names only other municipalities or
regions than the question, its length and kind. The decision whether any candidate answers also reads how
the e5 similarity of the best candidates falls when one word of the question is left out (:func:`term_drops`).
None names a word of any particular question; the weights come from ``kb train-answerer`` on the gold set's
``dev`` half.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from haystack import Document

from kb_api.retrieval.answer_kinds import CHECKABLE_KINDS, QUESTION_OPENING, YEAR, asked_kinds, holds_kind
from kb_api.retrieval.definitions import defined_term, defines
from kb_core.lang.glossary import dutch_terms
from kb_core.lang.regions import Places, places_named
from kb_core.text.analysis import is_stopword, stem, terms, tokenize
from kb_core.text.units import Quotable, Unit, quotable_units, unit_id

UNIT_FEATURES: tuple[str, ...] = (
    "sim_unit",
    "sim_unit_gap",
    "sim_context",
    "sim_passage",
    "sim_passage_gap",
    "rank_log",
    "fused_rel",
    "coverage_unit",
    "coverage_context",
    "coverage_gap",
    "focus_in_context",
    "entities_in_unit",
    "entity_missing_in_document",
    "names_other_place",
    "year_missing_in_context",
    "asks_kind",
    "kind_match",
    "kind_mismatch",
    "defines_term",
    "is_table",
    "is_list",
    "is_window",
    "prev_sim",
    "prev_coverage",
    "next_sim",
    "has_lead",
    "ends_with_colon",
    "words_log",
    "position",
    "english",
    "english_sim_unit",
)
QUESTION_FEATURES: tuple[str, ...] = (
    "p_best",
    "p_second",
    "p_gap",
    "p_top3",
    "best_sim_passage",
    "best_sim_unit",
    "best_coverage",
    "best_kind_mismatch",
    "best_entity_missing",
    "best_year_missing",
    "best_focus_missing",
    "focus_missing_everywhere",
    "entity_missing_in_corpus",
    "unknown_terms",
    "best_uncovered",
    "uncovered_everywhere",
    "asks_kind",
    "english",
    "best_term_drop_min",
    "best_term_drop_mean",
    "max_term_drop_min",
    "max_term_drop_mean",
)


@dataclass
class Question:
    """What the scorer needs to know of a question."""

    text: str
    language: str
    terms: set[str]
    entities: list[set[str]]
    years: set[str]
    kinds: set[str]
    defined_term: str | None
    missing_entities: list[str] = field(default_factory=list)
    # Share of the question's content terms that no stored document uses ("zwembad" in a ViA corpus), and how many.
    unknown_terms: float = 0.0
    unknown_count: int = 0
    focus: str | None = None
    # The municipalities and regions it names: a unit that names only others answers about somewhere else.
    places: Places = field(default_factory=Places)


@dataclass
class Candidate:
    """One answer unit of a passage, with its lead-in or table header and where its quote ends."""

    unit: Unit
    passage: Document
    rank: int
    lead: str | None
    quote_end: int
    index: int  # its place among the passage's quotable units (the stored unit vectors are keyed by it)
    window: bool = False

    @property
    def quotable(self) -> Quotable:
        """The unit as ``kb_core.text.units`` sees it (what ingestion embedded)."""
        return Quotable(self.unit, self.quote_end, self.lead, self.window)

    @property
    def unit_id(self) -> str:
        """The id of this unit's stored vector: ``<passage id>:<index>`` (``…+`` for lead-in and unit)."""
        return unit_id(self.passage.id, self.index)

    @property
    def quote(self) -> str:
        """The exact source text the answer quotes (the unit and what it runs on into)."""
        return (self.passage.content or "")[self.unit.start : self.quote_end]

    @property
    def context(self) -> str:
        """The unit with its lead-in and its passage's section and title."""
        meta = self.passage.meta
        return " ".join(str(x) for x in (meta.get("title"), meta.get("section"), self.lead, self.quote) if x)


def entity_forms(entity: str) -> set[str]:
    """Stems under which an entity (or its Dutch glossary form, e.g. October -> oktober) can occur."""
    forms = {stem(t) for t in tokenize(entity)}
    for nl in dutch_terms(entity):
        forms |= {stem(t) for t in tokenize(nl)}
    return forms


def analyse_question(
    query: str,
    language: str,
    query_terms: Sequence[str] | None,
    key_entities: list[str],
    missing: list[str],
    known_terms: set[str] | None = None,
) -> Question:
    """The question's content terms, entities, years and the kinds of answer it asks for; ``known_terms``:
    the corpus vocabulary (stems), to tell how much of the question the corpus has words for."""
    content = set(query_terms) if query_terms is not None else set(terms(query))
    own = set(terms(query))
    unknown_count = len(own - known_terms) if known_terms else 0
    unknown = unknown_count / len(own) if own else 0.0
    return Question(
        text=query,
        language=language,
        terms=content,
        entities=[entity_forms(e) for e in key_entities],
        years=set(YEAR.findall(query)),
        kinds=asked_kinds(query),
        defined_term=defined_term(query),
        missing_entities=missing,
        unknown_terms=unknown,
        unknown_count=unknown_count,
        focus=focus_term(query) if language == "nl" else None,
        places=places_named(query),
    )


def candidates_of(documents: Sequence[Document]) -> list[Candidate]:
    """Every quotable unit of ``documents`` (in rank order), with its lead-in and the end of its quote."""
    return [
        Candidate(q.unit, doc, rank, q.lead, q.end, index, q.window)
        for rank, doc in enumerate(documents)
        for index, q in enumerate(quotable_units(doc.content or "", rank, doc.meta.get("table_header")))
    ]


# The same passages come back for many questions: their units' terms are worked out once.
@lru_cache(maxsize=65536)
def term_set(text: str) -> frozenset[str]:
    """The content-word stems of ``text`` (``kb_core.text.analysis.terms``), as a set."""
    return frozenset(terms(text))


@lru_cache(maxsize=16384)
def stem_set(text: str) -> frozenset[str]:
    """The stems of every word of ``text``, function words included (names such as "Den Bosch")."""
    return frozenset(stem(t) for t in tokenize(text))


def _local_idf(question_terms: set[str], unit_terms: Sequence[AbstractSet[str]]) -> dict[str, float]:
    """Weight of each question term by how few candidates contain it: a term in every candidate (the plan's
    name, the region) tells them apart less than the term the question is really about."""
    n = len(unit_terms)
    return {t: math.log((n + 1) / (sum(1 for u in unit_terms if t in u) + 0.5)) for t in question_terms}


def term_match(term: str, found: AbstractSet[str]) -> float:
    """1 when ``found`` holds the term, 0.7 when it holds a compound of it or a part of it ("opvang" and
    "crisisopvang", "opvangplaats"), else 0: Dutch writes compounds as one word."""
    if term in found:
        return 1.0
    if len(term) >= 4 and not term.isdigit():
        for other in found:
            if len(other) >= 4 and not other.isdigit() and (term in other or other in term):
                return 0.7
    return 0.0


def _coverage(weights: dict[str, float], found: AbstractSet[str]) -> float:
    total = sum(weights.values())
    return sum(w * term_match(t, found) for t, w in weights.items()) / total if total else 0.0


# Question words a finite verb follows (Dutch word order: "Wat kost het zwembad …", "Wie voert … uit"): the
# verb says little about what is asked, the noun after it does.
_VERB_FOLLOWS = frozenset({"wie", "wat", "wanneer", "waar", "waarom", "waarmee", "waarvoor"})


def focus_term(question: str) -> str | None:
    """The first content word after the question word, as a stem: what is asked about ("Hoeveel
    opvangplaatsen …" -> opvangplaats, "Welke app …" -> app), past the verb that follows "wat/wie/wanneer …"
    ("Wat kost het zwembad …" -> zwembad); None when the question has no question word. English questions get
    none (focus words through the glossary were measured and not kept: eval/README.md)."""
    text = " ".join(question.split())
    match = QUESTION_OPENING.match(text)
    if match is None:
        return None
    words = [w for w in tokenize(text[match.end() :]) if len(w) > 1 or w.isdigit()]
    if len(words) > 1 and match.group("word").lower() in _VERB_FOLLOWS and not is_stopword(words[0]):
        words = words[1:]
    content = [w for w in words if not is_stopword(w)]
    return stem(content[0]) if content else None


def unit_features(
    question: Question,
    candidates: Sequence[Candidate],
    sims: np.ndarray,
    context_sims: np.ndarray,
    common_words: frozenset[str] = frozenset(),
) -> np.ndarray:
    """One row of ``UNIT_FEATURES`` per candidate. ``sims``: e5 similarity of question and unit;
    ``context_sims``: of question and unit with its lead-in."""
    if not candidates:
        return np.zeros((0, len(UNIT_FEATURES)), dtype=np.float32)
    quote_terms = [term_set(c.quote) for c in candidates]
    context_terms = [term_set(c.context) for c in candidates]
    weights = _local_idf(question.terms, quote_terms)
    coverage = [_coverage(weights, found) for found in quote_terms]
    dense = [float(c.passage.meta.get("dense_score") or 0.0) for c in candidates]
    top_score = max(float(c.passage.score or 0.0) for c in candidates) or 1.0
    document_stems: dict[int, frozenset[str]] = {}
    english = 1.0 if question.language == "en" else 0.0
    kinds = question.kinds & CHECKABLE_KINDS
    units_per_passage = Counter(c.rank for c in candidates)
    seen_of_passage: Counter[int] = Counter()
    by_passage: dict[int, list[int]] = {}
    for j, c in enumerate(candidates):
        by_passage.setdefault(id(c.passage), []).append(j)
    rows = []
    for i, c in enumerate(candidates):
        stems_unit = stem_set(f"{c.lead or ''} {c.quote}")
        if c.rank not in document_stems:
            meta = c.passage.meta
            context = " ".join(str(meta.get(k) or "") for k in ("title", "section", "municipality", "region"))
            document_stems[c.rank] = stem_set(f"{c.passage.content} {context}")
        in_unit = [bool(forms & stems_unit) for forms in question.entities]
        in_doc = [bool(forms & document_stems[c.rank]) for forms in question.entities]
        context_years = set(YEAR.findall(c.context))
        match = bool(kinds) and any(holds_kind(k, f"{c.lead or ''} {c.quote}", common_words) for k in kinds)
        index = seen_of_passage[c.rank]
        seen_of_passage[c.rank] += 1
        rows.append(
            [
                float(sims[i]),
                float(sims[i] - sims.max()),
                float(context_sims[i]),
                dense[i],
                dense[i] - max(dense),
                math.log1p(c.rank),
                float(c.passage.score or 0.0) / top_score,
                coverage[i],
                _coverage(weights, context_terms[i]),
                coverage[i] - max(coverage),
                term_match(question.focus, context_terms[i]) if question.focus else 1.0,
                sum(in_unit) / len(in_unit) if in_unit else 1.0,
                0.0 if all(in_doc) else 1.0,
                1.0 if question.places.contradicted_by(places_named(f"{c.lead or ''} {c.quote}")) else 0.0,
                1.0 if question.years and not question.years <= context_years else 0.0,
                1.0 if kinds else 0.0,
                1.0 if match else 0.0,
                1.0 if kinds and not match else 0.0,
                1.0 if question.defined_term and defines(c.quote, question.defined_term) else 0.0,
                1.0 if c.unit.kind == "table" else 0.0,
                1.0 if c.unit.kind == "list" else 0.0,
                1.0 if c.window else 0.0,
                *_neighbours(i, candidates, by_passage[id(c.passage)], sims, coverage),
                1.0 if c.lead else 0.0,
                1.0 if c.unit.text.endswith(":") else 0.0,
                math.log1p(len(c.quote.split())),
                index / units_per_passage[c.rank],
                english,
                english * float(sims[i]),
            ]
        )
    return np.asarray(rows, dtype=np.float32)


def _neighbours(
    i: int, candidates: Sequence[Candidate], same_passage: list[int], sims: np.ndarray, coverage: list[float]
) -> list[float]:
    """Similarity and coverage of the single unit just before candidate ``i`` in its passage, and similarity of
    the one just after it (0 where there is none): an answer often follows the sentence that matches.
    ``same_passage``: the indices of the candidates of ``i``'s passage."""
    c = candidates[i]
    prev_i = next_i = None
    for j in same_passage:
        other = candidates[j]
        if other.window:
            continue
        if other.quote_end <= c.unit.start and (
            prev_i is None or other.unit.start > candidates[prev_i].unit.start
        ):
            prev_i = j
        if other.unit.start >= c.quote_end and (
            next_i is None or other.unit.start < candidates[next_i].unit.start
        ):
            next_i = j
    return [
        float(sims[prev_i]) if prev_i is not None else 0.0,
        coverage[prev_i] if prev_i is not None else 0.0,
        float(sims[next_i]) if next_i is not None else 0.0,
    ]


def leave_one_out(question: str) -> list[str]:
    """The question once without each of its content words, for :func:`term_drops`: every word that holds the
    stem leaves, with the punctuation on it ("… bij Veilig"). A word of two stems (a hyphenated name) leaves once
    per stem, so it counts twice in the mean drop: leaving it out once, and keeping the punctuation, measured no
    better on dev (eval/README.md, eighteenth session). A question that no word can leave (one content word, or
    none) is compared with the empty question, so that every question is compared with something."""
    words = question.split()
    variants = []
    for term in dict.fromkeys(terms(question)):
        kept = [w for w in words if term not in {stem(t) for t in tokenize(w)}]
        if kept:
            variants.append(" ".join(kept))
    return variants or [""]


def term_drops(sims: np.ndarray, unit_vectors: np.ndarray, variant_vectors: np.ndarray) -> np.ndarray:
    """Per candidate, the least and the mean fall of its e5 similarity to the question when one content word of
    the question is left out (``variant_vectors``: the embeddings of :func:`leave_one_out`'s variants;
    ``sims``: of the whole question). A unit that answers is close to the question because of what it asks:
    leaving out any of its words makes it less similar. A unit on the right subject that lacks the fact asked
    for is as close, or closer, without the word that names the fact. Zeros when there is no candidate (or no
    variant: :func:`leave_one_out` always gives one)."""
    if len(variant_vectors) == 0 or len(sims) == 0:
        return np.zeros((len(sims), 2), dtype=np.float32)
    drops = sims[None, :] - variant_vectors @ unit_vectors.T
    return np.stack([drops.min(axis=0), drops.mean(axis=0)], axis=1).astype(np.float32)


def question_features(
    question: Question, probabilities: np.ndarray, features: np.ndarray, drops: np.ndarray
) -> np.ndarray:
    """One row of ``QUESTION_FEATURES``: how good the best candidates are, and what the question asks.
    ``drops``: the candidates' :func:`term_drops`."""
    column = {name: i for i, name in enumerate(UNIT_FEATURES)}
    english = 1.0 if question.language == "en" else 0.0
    missing = 1.0 if question.missing_entities else 0.0
    asks = 1.0 if question.kinds & CHECKABLE_KINDS else 0.0
    unknown = question.unknown_terms
    if len(probabilities) == 0:
        return np.asarray(
            [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, missing, unknown, 1, 1, asks, english, 0, 0, 0, 0],
            dtype=np.float32,
        )
    order = np.argsort(-probabilities)
    best = features[order[0]]
    p = probabilities[order]
    return np.asarray(
        [
            p[0],
            p[1] if len(p) > 1 else 0.0,
            p[0] - (p[1] if len(p) > 1 else 0.0),
            float(p[:3].mean()),
            float(features[:, column["sim_passage"]].max()),
            float(best[column["sim_unit"]]),
            float(best[column["coverage_unit"]]),
            float(best[column["kind_mismatch"]]),
            float(best[column["entity_missing_in_document"]]),
            float(best[column["year_missing_in_context"]]),
            1.0 - float(best[column["focus_in_context"]]),
            1.0 - float(features[:, column["focus_in_context"]].max()),
            missing,
            unknown,
            1.0 - float(best[column["coverage_context"]]),
            1.0 - float(features[:, column["coverage_context"]].max()),
            asks,
            english,
            float(drops[order[0], 0]),
            float(drops[order[0], 1]),
            float(drops[:, 0].max()),
            float(drops[:, 1].max()),
        ],
        dtype=np.float32,
    )
