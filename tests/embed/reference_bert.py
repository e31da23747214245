"""A plain-numpy float32 forward pass of all-MiniLM-L6-v2 from the original safetensors weights.

It is the reference the int8 ONNX embedder is checked against: the same computation as
sentence-transformers (BertModel, mean pooling over the attention mask, L2 normalisation), without
torch. Test-only code; slow but exact enough (erf via Abramowitz-Stegun 7.1.26, error < 2e-7).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
LAYERS, HEADS, EPS = 6, 12, 1e-12


def load_safetensors(path: Path) -> dict[str, F32]:
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    base = 8 + header_len
    out: dict[str, F32] = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        begin, end = meta["data_offsets"]
        out[name] = np.frombuffer(raw[base + begin : base + end], dtype=np.float32).reshape(meta["shape"])
    return out


def _erf(x: F32) -> F32:
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)


def _gelu(x: F32) -> F32:
    return (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)


def _layer_norm(x: F32, w: dict[str, F32], prefix: str) -> F32:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return ((x - mean) / np.sqrt(var + EPS) * w[f"{prefix}.weight"] + w[f"{prefix}.bias"]).astype(np.float32)


def _dense(x: F32, w: dict[str, F32], prefix: str) -> F32:
    return (x @ w[f"{prefix}.weight"].T + w[f"{prefix}.bias"]).astype(np.float32)


def embed_one(weights: dict[str, F32], ids: list[int]) -> F32:
    """Sentence embedding of one encoded input (ids with [CLS]/[SEP], already truncated)."""
    n = len(ids)
    x = (
        weights["embeddings.word_embeddings.weight"][ids]
        + weights["embeddings.position_embeddings.weight"][:n]
        + weights["embeddings.token_type_embeddings.weight"][0]
    )
    x = _layer_norm(x, weights, "embeddings.LayerNorm")
    head = x.shape[1] // HEADS
    for i in range(LAYERS):
        p = f"encoder.layer.{i}"
        q, k, v = (
            _dense(x, weights, f"{p}.attention.self.{name}").reshape(n, HEADS, head).transpose(1, 0, 2)
            for name in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / np.float32(np.sqrt(head))
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, -1)
        x = _layer_norm(
            x + _dense(context, weights, f"{p}.attention.output.dense"),
            weights,
            f"{p}.attention.output.LayerNorm",
        )
        hidden = _gelu(_dense(x, weights, f"{p}.intermediate.dense"))
        x = _layer_norm(x + _dense(hidden, weights, f"{p}.output.dense"), weights, f"{p}.output.LayerNorm")
    pooled = x.mean(0)  # one unpadded input: the attention mask is all ones
    return (pooled / np.linalg.norm(pooled)).astype(np.float32)
