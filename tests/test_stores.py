"""The passage stores on their real engines: qdrant-edge in a temporary folder, and qdrant-client's
in-process mode standing in for a Qdrant server (same API as a server)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from haystack import Document
from haystack.dataclasses import SparseEmbedding
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from qdrant_client import QdrantClient

from ingest.stores import (
    DocumentRecord,
    PassageRecord,
    PassageStore,
    StoredPassage,
    StoreFilter,
    StoreUnavailableError,
    UnitRecord,
    build_catalogue,
    is_old_local_store,
    migrate_local_store,
    open_passage_store,
    point_id,
)
from ingest.stores.base import PASSAGES, QdrantStoreBase
from ingest.stores.edge import EdgePassageStore
from ingest.stores.server import ServerPassageStore

DIM = 384
NOB, AA = "Noordoost-Brabant", "Arnhem-Achterhoek"
MUNICIPALITIES = {NOB: ["Boekel", "Oss", "Vught", "Bernheze"], AA: ["Zevenaar", "Arnhem", "Duiven"]}
VOCABULARY = 600


class Corpus:
    """A small, seeded, clustered corpus: documents over both regions, several municipalities and dates."""

    def __init__(self, seed: int = 7, documents: int = 24) -> None:
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.topics = _unit(rng.normal(size=(12, DIM)))
        # Zipf-like term frequencies, so some terms are common and IDF matters.
        self.term_p = 1.0 / np.arange(1, VOCABULARY + 1)
        self.term_p /= self.term_p.sum()
        self.docs: list[tuple[DocumentRecord, list[PassageRecord]]] = []
        for d in range(documents):
            region = (NOB, AA)[d % 2]
            municipality = MUNICIPALITIES[region][d % len(MUNICIPALITIES[region])]
            year = 2019 + d % 7
            date = f"{year}-{1 + d % 12:02d}-{1 + d % 27:02d}"
            doc_id = f"doc-{d:02d}"
            meta = {
                "document_id": doc_id,
                "title": f"Beleidsplan {municipality} {year}",
                "municipality": municipality,
                "region": region,
                "doc_type": ("raadsinformatiebrief", "koersplan", "regiovisie")[d % 3],
                "date": date,
                "date_int": int(date.replace("-", "")),
                "year": year,
            }
            n = 6 + d % 9
            passages = [self.passage(doc_id, i, meta) for i in range(n)]
            record = DocumentRecord(
                document_id=doc_id,
                meta=dict(meta),
                passage_count=n,
                unit_count=0,
                vocabulary=[f"term{d}", "veilig"],
                lower_words=["en", "de"],
            )
            self.docs.append((record, passages))

    def passage(self, doc_id: str, position: int, doc_meta: dict[str, Any]) -> PassageRecord:
        rng = self.rng
        topic = self.topics[rng.integers(len(self.topics))]
        dense = _unit(topic + rng.normal(scale=0.06, size=DIM))
        terms = sorted(set(rng.choice(VOCABULARY, size=12, p=self.term_p).tolist()))
        meta = {**doc_meta, "position": position, "page": 1 + position // 3, "section": f"H{position // 4}"}
        return PassageRecord(
            id=f"{doc_id}#{position:04d}",
            content=f"Passage {position} van {doc_id}: " + " ".join(f"w{t}" for t in terms),
            meta=meta,
            dense=dense.tolist(),
            sparse_indices=terms,
            sparse_values=rng.uniform(0.3, 2.0, size=len(terms)).round(6).tolist(),
        )

    def query(self) -> tuple[list[float], list[int], list[float]]:
        rng = self.rng
        topic = self.topics[rng.integers(len(self.topics))]
        dense = _unit(topic + rng.normal(scale=0.08, size=DIM))
        terms = sorted(set(rng.choice(VOCABULARY, size=3, p=self.term_p).tolist()))
        return dense.tolist(), terms, [1.0] * len(terms)

    def write(self, store: PassageStore) -> None:
        for record, passages in self.docs:
            store.write_document(record, passages)

    @property
    def passage_count(self) -> int:
        return sum(len(p) for _, p in self.docs)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def make_units(passage: PassageRecord, n: int, rng: np.random.Generator) -> list[UnitRecord]:
    return [
        UnitRecord(
            id=f"{passage.id}:{k}",
            passage_id=passage.id,
            document_id=passage.meta["document_id"],
            dense=_unit(rng.normal(size=DIM)).tolist(),
            payload={"start": 10 * k, "end": 10 * k + 9, "kind": "sentence", "text": f"zin {k}"},
        )
        for k in range(n)
    ]


Factory = Callable[[], QdrantStoreBase]


@pytest.fixture(params=["embedded", "server"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """Opens (and reopens) one store of each implementation; closes whatever was opened."""
    opened: list[QdrantStoreBase] = []

    def open_store() -> QdrantStoreBase:
        if request.param == "embedded":
            store: QdrantStoreBase = EdgePassageStore(tmp_path / "store")
        else:
            store = ServerPassageStore(path=str(tmp_path / "server"))
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: Factory) -> QdrantStoreBase:
    return store_factory()


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus()


class TestWriting:
    def test_implements_the_protocol(self, store: QdrantStoreBase) -> None:
        assert isinstance(store, PassageStore)
        assert store.kind in ("qdrant-embedded", "qdrant-server")

    def test_write_count_and_catalogue(self, store: QdrantStoreBase, corpus: Corpus) -> None:
        corpus.write(store)
        assert store.count() == corpus.passage_count
        assert store.document_count() == len(corpus.docs)
        docs = store.documents()
        assert sorted(docs) == [r.document_id for r, _ in corpus.docs]
        record, _ = corpus.docs[3]
        assert docs[record.document_id] == record
        assert store.inconsistent_documents() == []

    def test_replace_deletes_the_old_passages_by_id(self, store: QdrantStoreBase, corpus: Corpus) -> None:
        corpus.write(store)
        record, passages = corpus.docs[5]
        shorter = passages[:3]
        shorter[0] = PassageRecord(**{**shorter[0].__dict__, "content": "Nieuwe tekst"})
        new_record = DocumentRecord(
            **{**record.__dict__, "passage_count": 3, "meta": {**record.meta, "title": "v2"}}
        )
        store.write_document(new_record, shorter)
        assert store.count() == corpus.passage_count - (len(passages) - 3)
        got = store.document_passages(record.document_id)
        assert [p.id for p in got] == [p.id for p in shorter]
        assert got[0].content == "Nieuwe tekst"
        assert store.documents()[record.document_id].meta["title"] == "v2"
        assert store.passages_by_id([passages[-1].id]) == []

    def test_delete_document(self, store: QdrantStoreBase, corpus: Corpus) -> None:
        corpus.write(store)
        record, passages = corpus.docs[0]
        assert store.delete_document(record.document_id) == len(passages)
        assert store.delete_document(record.document_id) == 0
        assert store.delete_document("never-stored") == 0
        assert record.document_id not in store.documents()
        assert store.count() == corpus.passage_count - len(passages)
        assert store.count(StoreFilter(keywords={"document_id": [record.document_id]})) == 0

    def test_record_must_match_the_passages(self, store: QdrantStoreBase, corpus: Corpus) -> None:
        record, passages = corpus.docs[1]
        with pytest.raises(ValueError, match="counts"):
            store.write_document(record, passages[:-1])
        other, _ = corpus.docs[2]
        with pytest.raises(ValueError, match="belongs to"):
            store.write_document(
                DocumentRecord(**{**other.__dict__, "passage_count": len(passages)}), passages
            )
        with pytest.raises(ValueError, match="dimensions"):
            bad = PassageRecord(**{**passages[0].__dict__, "dense": [0.1] * 8})
            store.write_document(DocumentRecord(**{**record.__dict__, "passage_count": 1}), [bad])
        assert store.count() == 0

    def test_a_crash_mid_write_is_detectable_and_repaired(
        self, store: QdrantStoreBase, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        corpus.write(store)
        record, passages = corpus.docs[4]
        renamed = [
            PassageRecord(**{**p.__dict__, "id": f"{record.document_id}#x{i}"})
            for i, p in enumerate(passages)
        ]
        real_upsert = store._upsert
        calls = {"n": 0}

        def failing_upsert(kind: str, points: Any) -> None:
            if kind == PASSAGES:
                calls["n"] += 1
                if calls["n"] == 1:
                    real_upsert(kind, list(points)[:2])  # half of the batch arrives, then the engine fails
                    raise StoreUnavailableError("disk full")
            real_upsert(kind, points)

        monkeypatch.setattr(store, "_upsert", failing_upsert)
        with pytest.raises(StoreUnavailableError):
            store.write_document(record, renamed)
        assert store.inconsistent_documents() == [record.document_id]
        assert store.documents()[record.document_id] == record  # the catalogue still shows the old version
        monkeypatch.undo()
        store.write_document(record, passages)  # the next write removes what the crash left behind
        assert store.inconsistent_documents() == []
        assert store.count() == corpus.passage_count
        assert store.passages_by_id([renamed[0].id]) == []

    def test_reopen_after_close_keeps_data(self, store_factory: Factory, corpus: Corpus) -> None:
        first = store_factory()
        corpus.write(first)
        first.close()
        first.close()  # idempotent
        with pytest.raises(StoreUnavailableError, match="closed"):
            first.count()
        second = store_factory()
        assert second.count() == corpus.passage_count
        assert len(second.documents()) == len(corpus.docs)
        assert second.facet("region") == {NOB: _count_region(corpus, NOB), AA: _count_region(corpus, AA)}


def _count_region(corpus: Corpus, region: str) -> int:
    return sum(len(p) for r, p in corpus.docs if r.meta["region"] == region)


class TestReading:
    @pytest.fixture
    def filled(self, store: QdrantStoreBase, corpus: Corpus) -> QdrantStoreBase:
        corpus.write(store)
        return store

    def test_counts_and_facets_with_filters(self, filled: QdrantStoreBase, corpus: Corpus) -> None:
        def expected(pred: Callable[[dict[str, Any]], bool], field: str) -> dict[str, int]:
            out: dict[str, int] = {}
            for _, passages in corpus.docs:
                for p in passages:
                    if pred(p.meta):
                        out[str(p.meta[field])] = out.get(str(p.meta[field]), 0) + 1
            return out

        flt = StoreFilter(keywords={"region": [NOB]}, ranges={"date_int": (20210101, 20241231)})
        in_range = lambda m: m["region"] == NOB and 20210101 <= m["date_int"] <= 20241231  # noqa: E731
        assert filled.count(flt) == sum(expected(in_range, "region").values()) > 0
        assert filled.facet("municipality", flt) == expected(in_range, "municipality")
        assert filled.facet("year") == expected(lambda m: True, "year")
        facet = filled.facet("document_id", limit=3)
        assert len(facet) == 3 and list(facet.values()) == sorted(facet.values(), reverse=True)
        two = StoreFilter(keywords={"municipality": ["Oss", "Zevenaar"]}, ranges={"year": (2022, None)})
        pred = lambda m: m["municipality"] in ("Oss", "Zevenaar") and m["year"] >= 2022  # noqa: E731
        assert filled.count(two) == sum(expected(pred, "year").values())
        assert filled.count(StoreFilter()) == corpus.passage_count
        with pytest.raises(ValueError, match="no keyword index"):
            filled.count(StoreFilter(keywords={"title": ["x"]}))

    def test_document_passages_in_order(self, filled: QdrantStoreBase, corpus: Corpus) -> None:
        record, passages = corpus.docs[7]
        got = filled.document_passages(record.document_id)
        assert [p.id for p in got] == [p.id for p in passages]
        assert got[2].content == passages[2].content
        assert got[2].meta == passages[2].meta
        assert filled.document_passages("nope") == []

    def test_passages_by_id_in_the_order_asked(self, filled: QdrantStoreBase, corpus: Corpus) -> None:
        ids = [corpus.docs[3][1][2].id, "missing#0001", corpus.docs[0][1][0].id]
        assert [p.id for p in filled.passages_by_id(ids)] == [ids[0], ids[2]]

    def test_hybrid_with_filters(self, filled: QdrantStoreBase, corpus: Corpus) -> None:
        dense, idx, vals = Corpus(seed=99).query()
        flt = StoreFilter(keywords={"region": [AA]}, ranges={"date_int": (20220101, None)})
        hits = filled.hybrid(dense, idx, vals, weights=(1.0, 0.8), flt=flt, limit=10)
        assert len(hits) == 10
        assert all(h.meta["region"] == AA and h.meta["date_int"] >= 20220101 for h in hits)
        scores = [h.score or 0.0 for h in hits]
        assert scores == sorted(scores, reverse=True)
        vectors = {p.id: p.dense for _, ps in corpus.docs for p in ps}
        for h in hits:
            assert h.dense_score == pytest.approx(float(np.dot(dense, vectors[h.id])), abs=1e-4)
        several = StoreFilter(keywords={"municipality": ["Oss", "Arnhem"]})
        assert {h.meta["municipality"] for h in filled.hybrid(dense, idx, vals, flt=several, limit=20)} <= {
            "Oss",
            "Arnhem",
        }

    def test_hybrid_without_sparse_terms_is_dense_only(self, filled: QdrantStoreBase) -> None:
        dense, _, _ = Corpus(seed=5).query()
        hybrid = filled.hybrid(dense, [], [], weights=(1.0, 1.0), limit=5)
        plain = filled.dense(dense, limit=5)
        assert [h.id for h in hybrid] == [p.id for p in plain]
        assert hybrid[0].score == pytest.approx(1 / 60)  # still an RRF score: rank 1 of the one leg

    def test_dense_and_sparse_queries(self, filled: QdrantStoreBase, corpus: Corpus) -> None:
        _, passages = corpus.docs[2]
        target = passages[1]
        top = filled.dense(target.dense, limit=3)
        assert top[0].id == target.id
        assert top[0].score == pytest.approx(1.0, abs=1e-4) and top[0].dense_score == pytest.approx(
            1.0, abs=1e-4
        )
        rare = max(target.sparse_indices)  # the rarest of its terms under the Zipf weights
        hits = filled.sparse([rare], [1.0], limit=50)
        holders = {p.id for _, ps in corpus.docs for p in ps if rare in p.sparse_indices}
        assert {h.id for h in hits} == holders
        assert filled.sparse([], [], limit=5) == []
        only_nob = filled.sparse([rare], [1.0], flt=StoreFilter(keywords={"region": [NOB]}))
        assert all(h.meta["region"] == NOB for h in only_nob)

    def test_idf_weighs_rare_terms_higher(self, filled: QdrantStoreBase, corpus: Corpus) -> None:
        common = 0  # the most frequent term
        rare = max(i for _, ps in corpus.docs for p in ps for i in p.sparse_indices)
        both = [
            p for _, ps in corpus.docs for p in ps if common in p.sparse_indices and rare in p.sparse_indices
        ]
        if not both:
            pytest.skip("no passage holds both terms")
        p = both[0]
        value = dict(zip(p.sparse_indices, p.sparse_values, strict=True))
        score_common = next(h.score or 0.0 for h in filled.sparse([common], [1.0], limit=500) if h.id == p.id)
        score_rare = next(h.score or 0.0 for h in filled.sparse([rare], [1.0], limit=500) if h.id == p.id)
        assert score_rare / value[rare] > score_common / value[common]

    def test_unit_vectors_by_id(self, store: QdrantStoreBase, corpus: Corpus) -> None:
        rng = np.random.default_rng(3)
        record, passages = corpus.docs[6]
        units = [u for p in passages for u in make_units(p, 3, rng)]
        store.write_document(DocumentRecord(**{**record.__dict__, "unit_count": len(units)}), passages, units)
        asked = [units[4].id, "x#0000:0", units[0].id]
        got = store.unit_vectors(asked)
        assert list(got) == [units[4].id, units[0].id]
        vector, payload = got[units[4].id]
        assert np.allclose(vector, units[4].dense, atol=1e-5)
        assert payload == units[4].payload
        # Replacing the document with fewer units removes the others.
        store.write_document(DocumentRecord(**{**record.__dict__, "unit_count": 1}), passages, units[:1])
        assert list(store.unit_vectors([u.id for u in units])) == [units[0].id]
        assert store.documents()[record.document_id].unit_count == 1
        store.delete_document(record.document_id)
        assert store.unit_vectors([units[0].id]) == {}

    def test_concurrent_readers_and_a_writer(self, filled: QdrantStoreBase, corpus: Corpus) -> None:
        errors: list[BaseException] = []
        queries = [Corpus(seed=s).query() for s in range(5)]

        def read() -> None:
            try:
                for dense, idx, vals in queries * 4:
                    filled.hybrid(dense, idx, vals, limit=5)
                    filled.count(StoreFilter(keywords={"region": [NOB]}))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=read) for _ in range(3)]
        for t in threads:
            t.start()
        for record, passages in corpus.docs[:6]:
            filled.write_document(record, passages)
        for t in threads:
            t.join()
        assert errors == []
        assert filled.count() == corpus.passage_count


def test_both_implementations_return_the_same_top_10(tmp_path: Path, corpus: Corpus) -> None:
    embedded = EdgePassageStore(tmp_path / "edge")
    server = ServerPassageStore(location=":memory:")
    try:
        corpus.write(embedded)
        corpus.write(server)
        rng_queries = Corpus(seed=123)
        filters = [
            None,
            StoreFilter(keywords={"region": [NOB]}),
            StoreFilter(ranges={"date_int": (20220101, None)}),
        ]
        for n in range(12):
            dense, idx, vals = rng_queries.query()
            flt = filters[n % 3]
            weights = (1.0, 0.6) if n % 2 else (0.7, 1.0)
            a = embedded.hybrid(dense, idx, vals, weights=weights, flt=flt, limit=10)
            b = server.hybrid(dense, idx, vals, weights=weights, flt=flt, limit=10)
            assert [h.id for h in a] == [h.id for h in b]
            assert [h.score for h in a] == pytest.approx([h.score for h in b], rel=1e-5)
            assert [h.dense_score for h in a] == pytest.approx([h.dense_score for h in b], abs=1e-5)
            assert [h.id for h in embedded.dense(dense, flt=flt)] == [
                h.id for h in server.dense(dense, flt=flt)
            ]
            sa, sb = embedded.sparse(idx, vals, flt=flt), server.sparse(idx, vals, flt=flt)
            assert [h.score for h in sa] == pytest.approx([h.score for h in sb], rel=1e-4)
        assert embedded.facet("municipality") == server.facet("municipality")
        assert embedded.documents() == server.documents()
    finally:
        embedded.close()
        server.close()


class TestEmbeddedFolder:
    def test_second_open_of_a_folder_fails_clearly(self, tmp_path: Path) -> None:
        first = EdgePassageStore(tmp_path / "s")
        try:
            with pytest.raises(StoreUnavailableError, match="another process"):
                EdgePassageStore(tmp_path / "s")
        finally:
            first.close()
        EdgePassageStore(tmp_path / "s").close()  # free again after close

    def test_other_dimension_or_foreign_folder_is_refused(self, tmp_path: Path) -> None:
        EdgePassageStore(tmp_path / "s", dim=DIM).close()
        with pytest.raises(StoreUnavailableError, match="384-d"):
            EdgePassageStore(tmp_path / "s", dim=512)
        (tmp_path / "foreign").mkdir()
        (tmp_path / "foreign" / "notes.txt").write_text("mine")
        with pytest.raises(StoreUnavailableError, match="not empty"):
            EdgePassageStore(tmp_path / "foreign")

    def test_optimize_keeps_results(self, tmp_path: Path, corpus: Corpus) -> None:
        store = EdgePassageStore(tmp_path / "s")
        try:
            corpus.write(store)
            dense, idx, vals = Corpus(seed=11).query()
            before = [h.id for h in store.hybrid(dense, idx, vals)]
            store.optimize()
            assert [h.id for h in store.hybrid(dense, idx, vals)] == before
            assert store.segment_info()["passages"]["points"] == corpus.passage_count
        finally:
            store.close()


# --- migration of a store written by today's ingest/store.py ---------------------------------------


def build_old_store(path: Path, corpus: Corpus) -> list[Document]:
    """An old-format store as today's code writes it: qdrant-haystack's QdrantDocumentStore in local mode."""
    store = QdrantDocumentStore(
        path=str(path),
        index="via_passages",
        embedding_dim=DIM,
        use_sparse_embeddings=True,
        sparse_idf=True,
        similarity="cosine",
        recreate_index=False,
        progress_bar=False,
        payload_fields_to_index=[{"field_name": "meta.region", "field_schema": "keyword"}],
    )
    documents = [
        Document(
            id=p.id,
            content=p.content,
            meta={**p.meta, "file_name": f"{record.document_id}.pdf", "file_hash": "ab" * 8, "page_count": 4},
            embedding=list(p.dense),
            sparse_embedding=SparseEmbedding(indices=list(p.sparse_indices), values=list(p.sparse_values)),
        )
        for record, passages in corpus.docs
        for p in passages
    ]
    store.write_documents(documents)
    store._client.close()  # type: ignore[union-attr]
    return documents


class TestMigration:
    def test_old_store_is_migrated_on_first_open(
        self, tmp_path: Path, corpus: Corpus, caplog: pytest.LogCaptureFixture
    ) -> None:
        path = tmp_path / "qdrant"
        old_docs = build_old_store(path, corpus)
        assert is_old_local_store(path)
        seen: list[str] = []

        def analyse(passages: Sequence[StoredPassage]) -> tuple[list[str], list[str]]:
            seen.append(passages[0].meta["document_id"])
            assert [p.meta["position"] for p in passages] == list(range(len(passages)))
            words = {w for p in passages for w in p.content.split()}
            return sorted(w.lower() for w in words), sorted(w for w in words if w.islower())

        with caplog.at_level("WARNING"):
            store = open_passage_store(path, analyse=analyse)
        try:
            assert "migrat" in caplog.text and "old-localmode" in caplog.text
            assert store.kind == "qdrant-embedded"
            assert store.count() == len(old_docs)
            assert sorted(seen) == sorted(r.document_id for r, _ in corpus.docs)
            docs = store.documents()
            record, passages = corpus.docs[9]
            migrated = docs[record.document_id]
            assert migrated.passage_count == len(passages)
            assert migrated.meta["title"] == record.meta["title"]
            assert migrated.meta["file_hash"] == "ab" * 8 and "position" not in migrated.meta
            assert "van" in migrated.vocabulary
            # Same vectors (no re-embedding) and the same point ids as qdrant-haystack gave them.
            top = store.dense(passages[3].dense, limit=1)[0]
            assert top.id == passages[3].id and top.dense_score == pytest.approx(1.0, abs=1e-5)
            assert top.meta["page_count"] == 4
            sparse_hit = store.sparse(
                passages[3].sparse_indices, [1.0] * len(passages[3].sparse_indices), limit=1
            )
            assert sparse_hit[0].id == passages[3].id
            from haystack_integrations.document_stores.qdrant.converters import convert_id

            assert point_id(passages[3].id).replace("-", "") == convert_id(passages[3].id)
            # The migrated store is a normal store: replacing a document removes its old passages by id.
            store.write_document(DocumentRecord(**{**record.__dict__, "passage_count": 2}), passages[:2])
            assert store.count() == len(old_docs) - (len(passages) - 2)
            assert store.inconsistent_documents() == []
        finally:
            store.close()
        # Nothing lost: the old folder is kept, readable, beside the new store.
        backup = tmp_path / "qdrant.old-localmode"
        assert is_old_local_store(backup) and not is_old_local_store(path)
        old = QdrantClient(path=str(backup))
        try:
            assert old.count("via_passages").count == len(old_docs)
        finally:
            old.close()
        reopened = open_passage_store(path)  # no second migration
        try:
            assert reopened.count() == len(old_docs) - (len(passages) - 2)
        finally:
            reopened.close()

    def test_migration_can_be_refused_and_run_on_its_own(self, tmp_path: Path, corpus: Corpus) -> None:
        path = tmp_path / "qdrant"
        old_docs = build_old_store(path, corpus)
        with pytest.raises(StoreUnavailableError, match="kb migrate"):
            open_passage_store(path, migrate=False)
        (tmp_path / "qdrant.migrating").mkdir()  # left by an interrupted run
        report = migrate_local_store(path)
        assert report.passages == len(old_docs) and report.documents == len(corpus.docs)
        assert report.backup == str(tmp_path / "qdrant.old-localmode")
        assert "no re-embedding" in report.summary()
        assert not (tmp_path / "qdrant.migrating").exists()
        store = EdgePassageStore(path)
        try:
            assert store.count() == len(old_docs)
            assert store.documents()[corpus.docs[0][0].document_id].vocabulary == []
        finally:
            store.close()

    def test_a_migration_stopped_between_the_renames_is_completed(
        self, tmp_path: Path, corpus: Corpus
    ) -> None:
        path = tmp_path / "qdrant"
        old_docs = build_old_store(path, corpus)
        migrate_local_store(path)
        path.rename(tmp_path / "qdrant.migrating")  # as if the process died before the second rename
        store = open_passage_store(path)
        try:
            assert store.count() == len(old_docs)
        finally:
            store.close()
        assert not (tmp_path / "qdrant.migrating").exists()

    def test_a_busy_old_store_is_left_alone(self, tmp_path: Path, corpus: Corpus) -> None:
        path = tmp_path / "qdrant"
        build_old_store(path, corpus)
        holder = QdrantClient(path=str(path))  # e.g. a running 'kb serve' of the old version
        try:
            with pytest.raises(StoreUnavailableError, match="another process"):
                open_passage_store(path)
        finally:
            holder.close()
        assert is_old_local_store(path) and not (tmp_path / "qdrant.old-localmode").exists()

    def test_server_collection_of_today_gets_its_catalogue(self, tmp_path: Path, corpus: Corpus) -> None:
        path = tmp_path / "server"
        old_docs = build_old_store(path, corpus)  # the same layout today's code writes on a server
        store = ServerPassageStore(path=str(path))
        try:
            assert store.existed and not store.catalogue_existed
            assert store.count() == len(old_docs) and store.documents() == {}
            report = build_catalogue(store)
            assert report.documents == len(corpus.docs)
            record, passages = corpus.docs[1]
            assert store.documents()[record.document_id].passage_count == len(passages)
            assert store.delete_document(record.document_id) == len(passages)
            assert build_catalogue(store).documents == 0
        finally:
            store.close()


class TestMigrateCommand:
    """``kb migrate``: migrates the store the settings name, refuses a folder that holds no old store."""

    @pytest.fixture
    def env(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
        from kb_core.settings import get_settings

        path = tmp_path / "qdrant"
        monkeypatch.setenv("KB_QDRANT_PATH", str(path))
        monkeypatch.delenv("QDRANT_URL", raising=False)
        monkeypatch.delenv("KB_QDRANT_URL", raising=False)
        get_settings.cache_clear()
        yield path
        get_settings.cache_clear()

    def test_migrates_the_old_store(self, env: Path, corpus: Corpus) -> None:
        from typer.testing import CliRunner

        from kb_api.cli import app

        old_docs = build_old_store(env, corpus)
        result = CliRunner().invoke(app, ["migrate"])
        assert result.exit_code == 0, result.output
        assert f"migrated {len(old_docs)} passages of {len(corpus.docs)} documents" in result.output
        assert not is_old_local_store(env) and is_old_local_store(env.with_name("qdrant.old-localmode"))
        with EdgePassageStore(env) as store:
            assert store.count() == len(old_docs)
            assert all(r.vocabulary for r in store.documents().values())  # analysed as ingestion would

    def test_refuses_a_folder_without_an_old_store(self, env: Path) -> None:
        from typer.testing import CliRunner

        from kb_api.cli import app

        env.mkdir()
        (env / "notes.txt").write_text("mine", encoding="utf-8")
        result = CliRunner().invoke(app, ["migrate"])
        assert result.exit_code == 2
        assert "no store of the old local mode" in " ".join(result.output.split())
        assert (env / "notes.txt").read_text(encoding="utf-8") == "mine" and not (env / "store.json").exists()
