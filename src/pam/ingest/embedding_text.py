"""What the model reads for a chunk: its section path as a short header, then its content.

A passage embedded alone loses what it is about ("It is computed daily in UTC" — what is?). The
header puts the document title and headings in front of it. The chunker keeps every chunk
`HEADER_TOKENS` under the model's limit and the header is cut to `HEADER_TOKENS` (keeping the
nearest headings), so header and content together fit and nothing is silently cut. The recipe is
part of the stored model id, so embeddings made another way are never reused for these.
"""

from __future__ import annotations

from collections.abc import Callable

HEADER_TOKENS = 40
RECIPE = "section-header-v1"


def header(section_path: str, count_tokens: Callable[[str], int]) -> str:
    words = section_path.split()
    while words and count_tokens(" ".join(words)) > HEADER_TOKENS:
        words = words[max(1, len(words) // 8) :]
    return " ".join(words)


def embedding_text(section_path: str, content: str, count_tokens: Callable[[str], int]) -> str:
    head = header(section_path, count_tokens) if section_path else ""
    return f"{head}\n{content}" if head else content


def recipe_model_id(model_id: str) -> str:
    return f"{model_id}/{RECIPE}"
