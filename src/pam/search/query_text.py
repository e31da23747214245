"""Normalising user query text: the same question, however typed, is one cache key."""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_CHARS = 10_000
_SPACE = re.compile(r"\s+")


def normalize_query(raw: str) -> str:
    """NFKC, control characters dropped, whitespace collapsed. Case is kept (it can matter to an LLM)."""
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _SPACE.sub(" ", text).strip()
