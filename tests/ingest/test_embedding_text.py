from __future__ import annotations

from pam.embed.fake import DeterministicEmbedder
from pam.ingest.embedding_text import HEADER_TOKENS, embedding_text

EMBEDDER = DeterministicEmbedder()


def test_section_path_is_put_in_front_of_the_content() -> None:
    assert embedding_text("DAU > Exclusions", "Internal accounts are excluded.", EMBEDDER.count_tokens) == (
        "DAU > Exclusions\nInternal accounts are excluded."
    )


def test_content_without_section_is_embedded_alone() -> None:
    assert embedding_text("", "Plain text.", EMBEDDER.count_tokens) == "Plain text."


def test_a_long_header_keeps_its_nearest_headings_within_budget() -> None:
    path = " > ".join(f"Heading number {i}" for i in range(40))
    text = embedding_text(path, "Body.", EMBEDDER.count_tokens)
    head = text.split("\n")[0]
    assert EMBEDDER.count_tokens(head) <= HEADER_TOKENS
    assert head.endswith("Heading number 39")
