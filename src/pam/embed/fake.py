"""`DeterministicEmbedder`: a TEST DOUBLE for the `Embedder` protocol. Never use it in production.

Vectors are feature-hashed bags of tokens (words and punctuation marks, lower-cased), so texts that
share words get similar vectors and the same text always gets the same vector, in any process
(blake2b, not Python's salted `hash`). It honours the protocol exactly (unit norm, float32,
truncation at `max_tokens`) and runs in microseconds, which makes it the right embedder for unit
tests where the model's semantics are not the point.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence

import numpy as np

from pam.embed.base import Vectors

# Splits like BERT's pre-tokenizer (runs of word characters, single punctuation marks), so counts
# add up when texts are joined with whitespace, as with the real model.
_TOKEN = re.compile(r"\w+|[^\w\s]")


class DeterministicEmbedder:
    """Test double: hash-of-token-bag vectors; `count_tokens` counts words and punctuation marks."""

    token_counts_add_up = True  # no token spans whitespace: see `StructureChunker.counts_add_up`

    def __init__(self, dim: int = 64, *, max_tokens: int = 254, model_id: str = "test/deterministic") -> None:
        if dim < 2:
            raise ValueError("dim must be at least 2")
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        self.dim = dim
        self.max_tokens = max_tokens
        self.model_id = model_id

    def count_tokens(self, text: str) -> int:
        return len(_TOKEN.findall(text))

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        if isinstance(texts, str):
            raise TypeError("count_tokens_batch takes a sequence of texts")
        return [self.count_tokens(t) for t in texts]

    def embed_query(self, text: str) -> Vectors:
        if not isinstance(text, str):
            raise TypeError("embed_query takes one text")
        return self.embed([text]).reshape(self.dim)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if isinstance(texts, str):
            raise TypeError("embed takes a sequence of texts; use embed_query for one text")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
            out[row] = self._vector(text)
        return out

    def _vector(self, text: str) -> Vectors:
        vec = np.zeros(self.dim, dtype=np.float32)
        # Like the real model, only the first `max_tokens` tokens count; the rest is silently cut.
        for match in itertools.islice(_TOKEN.finditer(text.lower()), self.max_tokens):
            digest = hashlib.blake2b(match.group().encode("utf-8", "replace"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            vec[value % self.dim] += 1.0 if (value >> 63) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            # No tokens (or a perfect cancellation): a fixed unit vector keeps the unit-norm contract.
            vec[:] = 0.0
            vec[0] = 1.0
            return vec
        return vec / np.float32(norm)
