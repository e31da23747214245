"""Embedding candidate answer units with the packaged model, within the time budget of a first token.

Each unit is embedded on its own (under its nearest heading), so it is judged by its meaning and not
only by its passage's. The model's cost grows with the longest text of a batch, so each text is cut
to about 30 model tokens (a long unit keeps the stretch with most of the question's terms), texts of
similar length are batched together, two batches run side by side, and vectors are cached: popular
passages are asked about again and again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np
import numpy.typing as npt

from pam.answer.text_terms import TermAnalyzer

EMBED_CHARS = 110
EMBED_TOKENS = 32
EMBED_BATCH = 6
EMBED_THREADS = 2
HEADING_CHARS = 40
UNIT_CACHE = 8_192


class SentenceEncoder(Protocol):
    """What the extractive answerer needs of an embedder (the packaged MiniLM is one)."""

    def count_tokens(self, text: str) -> int: ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...

    def embed_query(self, text: str) -> npt.NDArray[np.float32]: ...


class UnitEmbedder:
    def __init__(self, encoder: SentenceEncoder, analyzer: TermAnalyzer) -> None:
        self._encoder = encoder
        self._analyzer = analyzer
        # Unit text -> vector, oldest first.
        self._cache: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=EMBED_THREADS, thread_name_prefix="unit-embed")

    def text_for(self, heading: str, shown: str, terms: frozenset[str]) -> str:
        """What is embedded for a unit: its heading and its most telling stretch, token-bounded."""
        heading = heading[:HEADING_CHARS]
        words = shown.split()
        if len(shown) > EMBED_CHARS:
            hits = [bool(self._analyzer.term_set(w) & terms) for w in words]
            width = max(1, EMBED_CHARS // 7)
            start = max(range(max(1, len(words) - width + 1)), key=lambda i: (sum(hits[i : i + width]), -i))
            words = words[start : start + width]
        text = f"{heading}: {' '.join(words)}" if heading else " ".join(words)
        # Identifiers cost many tokens per character: cut to the token budget itself.
        while len(words) > 3 and self._encoder.count_tokens(text) > EMBED_TOKENS:
            words = words[: len(words) * 3 // 4]
            text = f"{heading}: {' '.join(words)}" if heading else " ".join(words)
        return text

    def similarities(self, questions: Sequence[str], texts: Sequence[str]) -> list[list[float]]:
        """Per question: the cosine of each text (blocking: run it in a worker thread)."""
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = sorted((t for t in dict.fromkeys(texts) if t not in known), key=len)
        # The questions, short too, ride with the shortest units.
        batches = [list(questions) + missing[:EMBED_BATCH]]
        batches += [missing[i : i + EMBED_BATCH] for i in range(EMBED_BATCH, len(missing), EMBED_BATCH)]
        # One model call is single-threaded: two batches side by side halve the wait on two cores.
        results = list(self._pool.map(self._encoder.embed, batches))
        asked = results[0][: len(questions)]
        vectors = [v for r in results for v in r][len(questions) :]
        known.update(zip(missing, vectors, strict=True))
        with self._lock:
            self._cache.update((t, known[t]) for t in missing)
            while len(self._cache) > UNIT_CACHE:
                self._cache.pop(next(iter(self._cache)))
        units = np.stack([known[t] for t in texts])
        return [[float(v) for v in units @ asked[i]] for i in range(len(questions))]
