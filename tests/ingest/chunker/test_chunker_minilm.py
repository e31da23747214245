"""With the real MiniLM tokenizer: no chunk is ever cut by the model (<= 256 positions with [CLS]/[SEP])."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from pam.embed.minilm import MiniLMEmbedder
from pam.embed.minilm_tokenizer import MiniLMTokenizer
from pam.ingest.chunker import StructureChunker, extracted_text
from pam.ingest.parsers.base import Block, ParsedDocument

_WORDS = (
    "pipeline latency p95 dashboard Überprüfung naïve café 数据仓库 retention cohort DAU/WAU "
    "https://example.com/runbooks/pipeline-late?x=1 2026-01-22T03:00:00Z 0.0042 e.g. i.e. "
    "(see ADR-007) user_id=42; SELECT count(*) FROM events WHERE ts > now() - interval '1 day' "
    "antidisestablishmentarianism supercalifragilisticexpialidocious 🚀 — “quoted” 'single' "
    "incident postmortem on-call escalation backfill idempotent upsert partition watermark"
)
VOCAB = _WORDS.split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCAB) for _ in range(rng.randrange(4, 60))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + rng.choice([".", "!", "?", "."])


def long_document(seed: int) -> ParsedDocument:
    rng = random.Random(seed)
    blocks: list[Block] = []
    for section in range(12):
        blocks.append(Block("heading", f"Section {section} {rng.choice(VOCAB)}", rng.randrange(1, 4)))
        for _ in range(rng.randrange(1, 8)):
            blocks.append(
                Block("text", " ".join(sentence(rng) for _ in range(rng.randrange(1, 14))), page=section)
            )
        if section % 3 == 0:
            rows = "\n".join(
                "| " + " | ".join(rng.choice(VOCAB) for _ in range(5)) + " |"
                for _ in range(rng.randrange(5, 80))
            )
            blocks.append(Block("table", "| a | b | c | d | e |\n|---|---|---|---|---|\n" + rows))
        if section % 4 == 1:
            code = "\n".join("    " + " ".join(rng.choice(VOCAB) for _ in range(12)) for _ in range(60))
            blocks.append(Block("code", code))
    # One run-on "sentence" far longer than the model limit, with no punctuation to split at.
    blocks.append(Block("text", " ".join(rng.choice(VOCAB).strip(".!?") for _ in range(3000))))
    return ParsedDocument(title="long", blocks=blocks, mime_type="text/markdown")


@pytest.fixture(scope="module")
def tokenizer() -> Iterator[MiniLMTokenizer]:
    yield MiniLMTokenizer()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_chunk_exceeds_the_model_limit_on_a_long_document(tokenizer: MiniLMTokenizer, seed: int) -> None:
    document = long_document(seed)
    text = extracted_text(document.blocks)
    assert tokenizer.count_tokens(text) > 20 * tokenizer.max_tokens
    chunker = StructureChunker(
        tokenizer.count_tokens,
        tokenizer.max_tokens,
        count_tokens_batch=tokenizer.count_tokens_batch,
        counts_add_up=True,  # the production setting: no second tokenisation pass
    )
    chunks = chunker.chunk(document)
    assert {c.segment_type for c in chunks} == {"text", "table", "code"}
    recounted = tokenizer.count_tokens_batch([c.content for c in chunks])
    # The summed counts the chunker relied on are the real counts, so WordPiece really is additive.
    assert [c.token_count for c in chunks] == recounted
    assert max(recounted) <= 254
    encoded = tokenizer.encode_batch([c.content for c in chunks])
    assert max(len(e.ids) for e in encoded) <= 256
    # Truncation never bites: each encoding ends with the real [SEP] after the whole content.
    assert all(len(e.ids) == n + 2 for e, n in zip(encoded, recounted, strict=True))


def test_for_embedder_wires_the_models_counter() -> None:
    embedder = MiniLMEmbedder(threads=1)
    chunker = StructureChunker.for_embedder(embedder)
    assert (chunker.max_tokens, chunker.target_tokens, chunker.overlap_tokens) == (254, 200, 30)
    assert chunker.counts_add_up
    chunks = chunker.chunk(long_document(4))
    assert all(embedder.count_tokens(c.content) == c.token_count <= 254 for c in chunks)
    text_tokens = [c.token_count for c in chunks if c.segment_type == "text"]
    assert sum(text_tokens) / len(text_tokens) > 100  # chunks are filled towards the target, not scraps


def test_counts_stay_exact_on_hostile_separators(tokenizer: MiniLMTokenizer) -> None:
    """Characters Python calls whitespace but the tokenizer deletes must not become cut points."""
    rng = random.Random(5)
    odd = [
        "\x0b",
        "\x0c",
        "\x1c",
        "\x1d",
        "\x1e",
        "\x1f",
        "\x85",
        "\u2028",
        "\u00a0",
        "\u200b",
        "\x00",
        "\u3000",
        " ",
        "\t",
    ]
    body = "".join(rng.choice(VOCAB) + rng.choice(odd) for _ in range(4000))
    document = ParsedDocument(
        "odd", [Block("text", body), Block("code", body.replace("\u2028", "\n"))], "text/plain"
    )
    chunker = StructureChunker(
        tokenizer.count_tokens,
        tokenizer.max_tokens,
        count_tokens_batch=tokenizer.count_tokens_batch,
        counts_add_up=True,
    )
    chunks = chunker.chunk(document)
    assert len(chunks) > 10
    assert [c.token_count for c in chunks] == tokenizer.count_tokens_batch([c.content for c in chunks])
    assert max(c.token_count for c in chunks) <= 254
