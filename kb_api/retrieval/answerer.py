"""Extractive answers: the sentences of the retrieved passages that answer the question, each quoted exactly.

No generative model: the answer is made of source sentences, so every word of it can be checked against
the cited document and page. When the best passage is not similar enough to the question, the answerer
abstains and says so, rather than quoting something loosely related.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from haystack import Document, component, default_to_dict

from kb_api.retrieval.answer_kinds import YEAR, figure_kind
from kb_api.retrieval.definitions import defined_term, defines
from kb_core.lang.glossary import dutch_terms
from kb_core.lang.regions import REGION_ALIASES, canonical_municipality, municipality_pattern
from kb_core.text.analysis import is_stopword, stem, terms, tokenize
from kb_core.text.lines import is_list_item
from kb_core.text.units import NAME_PARTICLES, Unit, split_units, title_case

# "Wie is de burgemeester …" asks for a person. Roles that another role or an organisation can answer
# ("Wie is de voorzitter?" - "onze burgemeester"; "de leden" - organisations) are left out.
_PERSON_QUESTION = re.compile(
    r"^(?:wie (?:is|was) (?:de|het)|who (?:is|was) the)\s+(?:[\w-]+\s+){0,2}?[\w-]*"
    r"(?:burgemeester|wethouder|secretaris|manager|directeur|co[öo]rdinator|functionaris|griffier|projectleider"
    r"|mayor|alderman|director|secretary|coordinator)\b",
    re.IGNORECASE,
)
_INITIALS = re.compile(r"(?:[^\W\d_]\.){1,4}")
_MUNICIPALITY_QUESTION = re.compile(
    r"^(?:(?:in|bij|van|voor|met|uit)\s+)?welke\s+(?:\w+\s+)?gemeenten?\b"
    r"|^(?:(?:in|for|of|with)\s+)?which\s+(?:\w+\s+)?municipalit(?:y|ies)\b",
    re.IGNORECASE,
)
_MUNICIPALITY = municipality_pattern()
_LOWER_WORD = re.compile(r"(?<![\w-])[a-zà-ÿ]{3,}(?![\w-])")
# A sentence that leans on the one before it ("Deze ontwikkeling is echter stil komen te liggen …", "Dit
# betekent …", "Het betreft …") belongs in the same quote: it often holds what the first one only announces.
_CONTINUES = re.compile(r"^(het betreft|het gaat om|dat zijn|namelijk|zij|deze|dit)\b", re.IGNORECASE)
_WORD = re.compile(r"[\w’'][\w’'.-]*")
_POSSESSIVE = re.compile(r"['’]s$")


def key_entities(question: str) -> list[str]:
    """Names and numbers the answer must be about: capitalised words after the first, and figures."""
    words = _WORD.findall(question)
    entities = []
    for i, word in enumerate(words):
        word = _POSSESSIVE.sub("", word).strip(".-")
        if not word:
            continue
        if word[0].isdigit() or (i > 0 and word[0].isupper() and word.lower() not in _GENERIC_CAPITALISED):
            entities.append(word)
    return entities


_GENERIC_CAPITALISED = frozenset({"i", "english", "dutch", "nederlands", "engels"})


def entity_forms(entity: str) -> set[str]:
    """Stems under which an entity (or its Dutch glossary form, e.g. October -> oktober) can occur."""
    forms = _stems(entity)
    for nl in dutch_terms(entity):
        forms |= _stems(nl)
    return forms


def missing_from(entities: list[str], known_terms: set[str]) -> list[str]:
    """The entities none of whose forms occur in ``known_terms``."""
    return [e for e in entities if not entity_forms(e) & known_terms]


def text_with_context(passage: Document) -> str:
    """A passage's text with the metadata that says what it is about (title, section, municipality, region)."""
    meta = passage.meta
    context = " ".join(str(meta.get(k) or "") for k in ("title", "section", "municipality", "region"))
    return f"{passage.content or ''} {context}"


def _local_idf(query_terms: set[str], unit_terms: list[set[str]]) -> dict[str, float]:
    """Weight of each query term by how few candidate sentences contain it: a term in every sentence
    (the plan's name, the region) tells them apart less than the term the question is really about."""
    n = len(unit_terms)
    return {t: math.log((n + 1) / (sum(1 for u in unit_terms if t in u) + 0.5)) for t in query_terms}


def _entity_bonuses(entities: list[set[str]], unit_stems: list[set[str]]) -> list[float]:
    """Per sentence, the sum over the question's entities (each a set of stems) that it names of the share of
    sentences that do not name it: like a query term, an entity named in most candidates ("ViA") tells them
    apart less than one named in a single sentence (a year, a person)."""
    bonuses = [0.0] * len(unit_stems)
    for forms in entities:
        holders = [i for i, found in enumerate(unit_stems) if forms & found]
        for i in holders:
            bonuses[i] += 1 - len(holders) / len(unit_stems)
    return bonuses


def _answer_kind(
    question: str, passages: list[Document] | None = None, common_words: frozenset[str] = frozenset()
) -> Callable[[str, str], bool] | None:
    """A test that a quote (with the municipality of its document) holds the kind of answer the question asks
    for, or None when any will do. ``passages`` (the candidates) and ``common_words`` (the corpus) give the
    words written in lower case, which tell ordinary capitalised words ("Samen Veilig") from names."""
    # No share kind here: it would make "Welk deel van de Kampsingel …" (a street) abstain. Passage ranking
    # uses it, as a boost that cannot refuse an answer.
    figure = figure_kind(question, shares=False)
    if figure is not None:
        return lambda text, place: figure(text)
    asked = _municipalities(question)
    if _PERSON_QUESTION.search(question):
        # "Wie is de burgemeester van Zevenaar?": a name, in a sentence or a document about the place asked about.
        common_words = lower_case_words(doc.content or "" for doc in passages or []) | common_words
        return lambda text, place: (
            _names_a_person(text, common_words) and asked <= _municipalities(f"{text} {place}")
        )
    if _MUNICIPALITY_QUESTION.search(question):
        return lambda text, place: bool(_municipalities(text) - asked)
    return None


def _stems(text: str) -> set[str]:
    """The stems of all words of ``text``, function words included (names and figures are matched on these)."""
    return {stem(t) for t in tokenize(text)}


def _municipalities(text: str) -> set[str]:
    """The known municipalities named in ``text``, in their canonical spelling ("Den Bosch" -> "'s-Hertogenbosch")."""
    return {canonical_municipality(m) or m for m in _MUNICIPALITY.findall(text)}


def _names_a_person(text: str, common_words: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` holds something shaped like a person's name: initials and a surname ("F.T. de Jonge",
    "K. van der Meer"), or two capitalised words ("Caroline van den Elsen") not all of which are ordinary words
    that ``common_words`` (the passages) also use in lower case ("de Werkgroep Huiselijk Geweld"). Leading
    function words and ordinary words ("Het", "Burgemeester Caroline …") are not part of the name."""
    for run in _capitalised_runs(text):
        while (
            run
            and not _INITIALS.fullmatch(run[0])
            and (is_stopword(run[0].lower()) or run[0].lower() in common_words)
        ):
            run = run[1:]
        initials = [w for w in run if _INITIALS.fullmatch(w)]
        words = [w for w in run if w[0].isupper() and not _INITIALS.fullmatch(w)]
        if initials and words:
            return True
        if len(words) >= 2 and not all(w.lower() in common_words for w in words):
            return True
    return False


def _capitalised_runs(text: str) -> list[list[str]]:
    """Runs of capitalised words and initials, with name particles ("van den") inside a run."""
    runs: list[list[str]] = [[]]
    for raw in text.split():
        word = raw.strip(",;:()[]“”\"'‘’")
        starts_name = bool(word) and (title_case(word) or _INITIALS.fullmatch(word) is not None)
        if starts_name or (word in NAME_PARTICLES and runs[-1]):
            runs[-1].append(word)
        else:
            runs.append([])
        if raw != word and not raw.endswith("."):
            runs.append([])  # punctuation after a word ends the run
    return [run for run in runs if run]


def lower_case_words(texts: Iterable[str]) -> frozenset[str]:
    """The words written in lower case somewhere in ``texts``: ordinary words, not names."""
    return frozenset(w for text in texts for w in _LOWER_WORD.findall(text))


def _region_terms(regions: list[str]) -> set[str]:
    """The terms of every name under which the ``regions`` are known ("Noordoost-Brabant", "NOB", …)."""
    return {t for alias, region in REGION_ALIASES.items() if region in regions for t in terms(alias)}


def _covers(first: Unit, end: int, other: Unit) -> bool:
    """Whether the quote of ``first`` (ending at ``end``) already holds ``other``."""
    return first.passage_rank == other.passage_rank and first.start <= other.start < end


def _no_answer(language: str) -> str:
    if language == "en":
        return "The knowledge base contains no passage that answers this question."
    return "De kennisbank bevat geen passage die deze vraag beantwoordt."


@component
class ExtractiveAnswerer:
    """Builds an answer from the best sentences of the top passages, or abstains.

    Sentences are scored by their dense similarity to the question (the same e5 model, through the
    query pipeline's warmed text embedder), plus ``coverage_weight`` times the share of the question's terms
    they contain (each term weighted by how few candidate sentences hold it), minus ``rank_penalty`` per rank
    of their passage, plus up to ``entity_bonus`` for each name or figure of the question they mention (less
    the more candidate sentences mention it), plus ``definition_bonus`` when the question asks what a term
    means and the sentence defines it.
    """

    def __init__(
        self,
        *,
        embedder: Any,
        min_similarity: float = 0.80,
        min_similarity_english: float = 0.77,
        passages: int = 4,
        max_sentences: int = 3,
        margin: float = 0.1,
        coverage_weight: float = 0.15,
        rank_penalty: float = 0.02,
        entity_bonus: float = 0.05,
        definition_bonus: float = 0.1,
        cache_size: int = 50_000,
    ) -> None:
        if max_sentences < 1 or passages < 1 or margin < 0:
            raise ValueError("max_sentences and passages must be at least 1, margin at least 0")
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.min_similarity_english = min_similarity_english
        self.passages = passages
        self.max_sentences = max_sentences
        self.margin = margin
        self.coverage_weight = coverage_weight
        self.rank_penalty = rank_penalty
        self.entity_bonus = entity_bonus
        self.definition_bonus = definition_bonus
        self.cache_size = cache_size
        self._cache: dict[str, np.ndarray] = {}

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component."""
        return default_to_dict(
            self,
            embedder=self.embedder.to_dict(),
            min_similarity=self.min_similarity,
            min_similarity_english=self.min_similarity_english,
            passages=self.passages,
            max_sentences=self.max_sentences,
            margin=self.margin,
            coverage_weight=self.coverage_weight,
            rank_penalty=self.rank_penalty,
            entity_bonus=self.entity_bonus,
            definition_bonus=self.definition_bonus,
        )

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings, cached: the same passages come back for related questions."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            backend = self.embedder.embedding_backend
            if backend is None:
                self.embedder.warm_up()
                backend = self.embedder.embedding_backend
            vectors = backend.embed(
                ["passage: " + t for t in missing], batch_size=32, normalize_embeddings=True
            )
            if len(self._cache) + len(missing) > self.cache_size:
                self._cache.clear()
            self._cache.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
        return np.stack([self._cache[t] for t in texts])

    @component.output_types(answer=str, answerable=bool, citations=list[dict[str, Any]])
    def run(
        self,
        query: str,
        documents: list[Document],
        query_embedding: list[float],
        language: str = "nl",
        missing_entities: list[str] | None = None,
        query_terms: list[str] | None = None,
        regions: list[str] | None = None,
        common_words: frozenset[str] | None = None,
    ) -> dict[str, Any]:
        """Answer ``query`` from ``documents`` (ranked passages) or abstain.

        ``query_terms``: the terms matched against sentences, when they differ from the query's own (for an
        English question: its words plus their Dutch glossary terms); by default the terms of ``query``. ``regions``: the regions a
        comparison question is about; the answer then quotes each of them when the passages allow.
        ``common_words``: the words the corpus writes in lower case, so that a title ("Samen Veilig") is not
        taken for a person's name; by default those of ``documents`` only.

        Abstains when the question names something the corpus never mentions (``missing_entities``), when
        the best passage is not similar enough, when the chosen sentences' passages do not mention the
        names and figures the question is about, or when no sentence near the best holds the kind of answer
        asked for: an amount for "hoeveel" (of the year asked about, when it names one), a sum of money for
        a budget or contribution, a person's name (of the place asked about) for "wie is de burgemeester",
        a municipality for "welke gemeenten". A comparison may add a quote per region beyond
        ``max_sentences``.
        """
        if missing_entities:
            return self._abstain(language, missing_entities)
        top = documents[: self.passages]
        for region in regions or []:
            if not any(d.meta.get("region") == region for d in top):
                top += [d for d in documents if d.meta.get("region") == region][:1]
        best = max((d.meta.get("dense_score", 0.0) for d in top), default=0.0)
        all_units = [u for rank, doc in enumerate(top) for u in split_units(doc.content or "", rank)]
        units = [u for u in all_units if u.scorable]
        # Cross-lingual similarities (English question, Dutch text) run lower than Dutch-Dutch ones.
        floor = self.min_similarity_english if language == "en" else self.min_similarity
        if not top or best < floor or not units:
            return self._abstain(language)
        sims = self._embed([u.text for u in units]) @ np.asarray(query_embedding, dtype=np.float32)
        unit_terms = [set(terms(u.text)) for u in units]
        # In a comparison the regions say where to look; each gets its own quote below, so their names
        # should not make a sentence look like an answer.
        region_terms = _region_terms(regions or [])
        weights = _local_idf(
            set(query_terms if query_terms is not None else terms(query)) - region_terms, unit_terms
        )
        total = sum(weights.values())
        scores = []
        for unit, sim, found in zip(units, sims, unit_terms, strict=True):
            coverage = sum(w for t, w in weights.items() if t in found) / total if total else 0.0
            scores.append(
                float(sim) + self.coverage_weight * coverage - self.rank_penalty * unit.passage_rank
            )
        entities = key_entities(query)
        entity_forms_list = [f for f in (entity_forms(e) for e in entities) if not f <= region_terms]
        # The sentence that names the entity asked about (a table row for Vught, a person) comes first.
        bonuses = _entity_bonuses(entity_forms_list, [_stems(u.text) for u in units])
        scores = [score + self.entity_bonus * bonus for score, bonus in zip(scores, bonuses, strict=True)]
        term = defined_term(query)
        if term is not None:
            # "Wat wordt bedoeld met integraliteit?": the sentence that says what it means, not one that uses it.
            scores = [
                s + self.definition_bonus * defines(u.text, term) for s, u in zip(scores, units, strict=True)
            ]
        order = sorted(range(len(units)), key=lambda i: -scores[i])
        answer_kind = _answer_kind(query, top, common_words or frozenset())
        if answer_kind is not None:
            # The question says what kind of thing answers it: a figure ("hoeveel"), a sum of money ("wat is de
            # bijdrage"), a person's name ("wie is de burgemeester"), a municipality ("welke gemeenten").
            # A year asked about must be that figure's year: in the sentence, its lead-in or its section.
            years = set(YEAR.findall(query))
            fitting = [
                i
                for i in order
                if answer_kind(
                    self._quote_text(units[i], all_units, top),
                    top[units[i].passage_rank].meta.get("municipality") or "",
                )
                and years <= set(YEAR.findall(self._context(units[i], all_units, top)))
            ]
            if not fitting or scores[fitting[0]] < max(scores) - 0.06:
                return self._abstain(language)
            order = fitting
        chosen = self._choose(order, scores, units, all_units)
        if regions:
            self._add_each_region(chosen, order, units, all_units, top, regions)
        chosen.sort(key=lambda p: (units[p[0]].passage_rank, units[p[0]].start))  # reading order
        if entities and not self._mentions(entities, {units[i].passage_rank for i, _ in chosen}, top):
            return self._abstain(language)
        citations = []
        parts = []
        for n, (i, end) in enumerate(chosen, start=1):
            unit = units[i]
            doc = top[unit.passage_rank]
            quote = (doc.content or "")[unit.start : end]
            meta = doc.meta
            citations.append(
                {
                    "number": n,
                    "document_id": meta.get("document_id"),
                    "passage_id": doc.id,
                    "title": meta.get("title"),
                    "municipality": meta.get("municipality"),
                    "region": meta.get("region"),
                    "date": meta.get("date"),
                    "page": meta.get("page"),
                    "quote": quote,
                    "also_in": meta.get("also_in", []),
                }
            )
            parts.append(f"“{quote}” [{n}]")
        return {"answer": " ".join(parts), "answerable": True, "citations": citations}

    def _choose(
        self, order: list[int], scores: list[float], units: list[Unit], all_units: list[Unit]
    ) -> list[tuple[int, int]]:
        """Up to ``max_sentences`` units within ``margin`` of the best, each with the end of its quote; a unit
        already inside another's quote is not quoted twice."""
        picked: list[tuple[int, int]] = []
        for i in order:
            if len(picked) == self.max_sentences or scores[i] < scores[order[0]] - self.margin:
                break
            unit = units[i]
            if any(_covers(units[j], end, unit) for j, end in picked):
                continue
            end = self._quote_end(unit, all_units)
            picked = [(j, e) for j, e in picked if not _covers(unit, end, units[j])]
            picked.append((i, end))
        return picked

    def _add_each_region(
        self,
        chosen: list[tuple[int, int]],
        order: list[int],
        units: list[Unit],
        all_units: list[Unit],
        top: list[Document],
        regions: list[str],
    ) -> None:
        """Add to ``chosen``, for each region no chosen quote comes from, that region's best sentence."""
        for region in regions:
            if any(top[units[i].passage_rank].meta.get("region") == region for i, _ in chosen):
                continue
            for i in order:
                unit = units[i]
                if top[unit.passage_rank].meta.get("region") == region and not any(
                    _covers(units[j], end, unit) for j, end in chosen
                ):
                    chosen.append((i, self._quote_end(unit, all_units)))
                    break

    def _quote_text(self, unit: Unit, units: list[Unit], top: list[Document]) -> str:
        """What would be quoted for ``unit``: the unit and what its quote runs on into (a list it introduces)."""
        return (top[unit.passage_rank].content or "")[unit.start : self._quote_end(unit, units)]

    @staticmethod
    def _context(unit: Unit, units: list[Unit], top: list[Document]) -> str:
        """The unit with its lead-in (the unit before it or, for a list item, the line introducing the list,
        such as 'Cijfers 2023:') and its passage's section."""
        before = [u for u in units if u.passage_rank == unit.passage_rank and u.end <= unit.start]
        # The lead-in of a list item is the line that introduces the list, past the items before it.
        while len(before) > 1 and is_list_item(before[-1].text):
            before.pop()
        lead_in = before[-1].text if before else ""
        section = str(top[unit.passage_rank].meta.get("section") or "")
        return f"{section} {lead_in} {unit.text}"

    @staticmethod
    def _quote_end(unit: Unit, units: list[Unit], max_words: int = 90) -> int:
        """Where the quote of ``unit`` ends: extended while the unit only introduces what follows. A sentence
        ending in ':' or ending the line before a list takes the list, and a next sentence that refers back
        to it ('Het betreft …', 'Deze bestaat uit:', 'Dit betekent …', 'Deze ontwikkeling …') is added."""
        following = sorted((u for u in units if u.passage_rank == unit.passage_rank and u.start >= unit.end),
                           key=lambda u: u.start)  # fmt: skip
        end, last, words = unit.end, unit, len(unit.text.split())
        in_list = False
        for nxt in following:
            if nxt.label:
                break
            is_item = is_list_item(nxt.text)
            intro = last.text.endswith(":") or (
                is_item and nxt.line > last.line and not is_list_item(last.text)
            )
            if not (intro or _CONTINUES.match(nxt.text) or (in_list and is_item)):
                break
            if words + len(nxt.text.split()) > max_words:
                break
            in_list = in_list or intro
            end, last, words = nxt.end, nxt, words + len(nxt.text.split())
        return end

    @staticmethod
    def _mentions(entities: list[str], chosen: set[int], top: list[Document]) -> bool:
        """Whether every entity occurs in the chosen passages (``chosen``: their ranks in ``top``; text, title,
        section, municipality, region). A name found in at least half of three or more ``top`` passages
        ("ViA") is the subject of them all, not a constraint on the answer, and is not required; a
        municipality or a figure always is."""
        stems = [_stems(text_with_context(doc)) for doc in top]
        seen = set().union(*(stems[rank] for rank in chosen))
        for entity in entities:
            forms = entity_forms(entity)
            if forms & seen:
                continue
            constraint = entity[0].isdigit() or bool(_municipalities(entity)) or len(top) < 3
            if constraint or sum(1 for found in stems if forms & found) < len(top) / 2:
                return False
        return True

    @staticmethod
    def _abstain(language: str, missing: list[str] | None = None) -> dict[str, Any]:
        message = _no_answer(language)
        if missing:
            names = ", ".join(f"'{m}'" for m in missing)
            message += (
                f" The documents do not mention {names}."
                if language == "en"
                else f" De documenten noemen {names} nergens."
            )
        return {"answer": message, "answerable": False, "citations": []}
