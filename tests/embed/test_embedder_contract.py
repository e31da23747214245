"""The `Embedder` contract: every implementation passes every test here."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from pam.embed.base import Embedder
from pam.embed.fake import DeterministicEmbedder
from pam.embed.minilm import MiniLMEmbedder
from pam.embed.openai_compat import OpenAIEmbedder
from tests.fakes.embeddings_server import FakeEmbeddingServer

TEXTS = [
    "The nightly pipeline finished late because the upstream export was delayed.",
    "Daily active users count distinct accounts with at least one event in a UTC day.",
    "short",
    "",
    "Überprüfung der Datenqualität — naïve café résumé 数据 🚀",
]
LONG_TEXT = " ".join(f"word{i % 97} is followed by more text." for i in range(600))


AnyEmbedder = MiniLMEmbedder | DeterministicEmbedder | OpenAIEmbedder


@pytest.fixture(scope="module")
def embedding_server() -> Iterator[FakeEmbeddingServer]:
    with FakeEmbeddingServer(api_key="sk-contract") as server:
        yield server


def _build(name: str, server: FakeEmbeddingServer | None = None) -> AnyEmbedder:
    if name == "minilm":
        return MiniLMEmbedder(threads=1, batch_size=2)
    if name == "openai":
        assert server is not None
        # A small batch so the suite's batches span several requests.
        return OpenAIEmbedder(
            model="fake-embed-small", base_url=server.base_url, api_key="sk-contract", batch_size=2
        )
    return DeterministicEmbedder(dim=48, max_tokens=64)


@pytest.fixture(scope="module", params=["minilm", "deterministic", "openai"])
def embedder(request: pytest.FixtureRequest) -> Iterator[AnyEmbedder]:
    server = request.getfixturevalue("embedding_server") if request.param == "openai" else None
    yield _build(request.param, server)


def test_describes_itself(embedder: AnyEmbedder) -> None:
    as_protocol: Embedder = embedder  # mypy checks the structural match
    assert as_protocol is embedder
    assert isinstance(embedder.model_id, str) and embedder.model_id
    assert embedder.dim > 1
    assert embedder.max_tokens > 0


def test_vectors_have_shape_dtype_and_unit_norm(embedder: AnyEmbedder) -> None:
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), embedder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(vectors).all()


def test_query_vector_has_shape_dtype_and_unit_norm(embedder: AnyEmbedder) -> None:
    vector = embedder.embed_query("when is the pipeline late?")
    assert vector.shape == (embedder.dim,)
    assert vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_empty_list_gives_an_empty_matrix(embedder: AnyEmbedder) -> None:
    vectors = embedder.embed([])
    assert vectors.shape == (0, embedder.dim)
    assert vectors.dtype == np.float32


def test_is_deterministic_across_calls_and_instances(
    embedder: AnyEmbedder, request: pytest.FixtureRequest
) -> None:
    first = embedder.embed(TEXTS)
    np.testing.assert_array_equal(first, embedder.embed(TEXTS))
    name = request.node.callspec.params["embedder"]
    server = request.getfixturevalue("embedding_server") if name == "openai" else None
    np.testing.assert_allclose(first, _build(name, server).embed(TEXTS), atol=1e-6)


def test_batch_equals_one_at_a_time(embedder: AnyEmbedder) -> None:
    # The texts have very different lengths, so batching sorts and pads; order must come back.
    batch = embedder.embed([*TEXTS, LONG_TEXT])
    single = np.stack([embedder.embed_query(t) for t in [*TEXTS, LONG_TEXT]])
    np.testing.assert_allclose(batch, single, atol=1e-4)


def test_long_text_is_truncated_not_failing(embedder: AnyEmbedder) -> None:
    assert embedder.count_tokens(LONG_TEXT) > embedder.max_tokens
    # Only the first max_tokens tokens are read: two texts that differ after them embed the same.
    a, b = embedder.embed([LONG_TEXT + " apples and pears", LONG_TEXT + " engines and pistons"])
    assert float(a @ b) > 0.9999
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-5


def test_count_tokens_excludes_special_tokens_and_matches_batch(embedder: AnyEmbedder) -> None:
    assert embedder.count_tokens("") == 0
    assert embedder.count_tokens("pipeline") >= 1
    counts = [embedder.count_tokens(t) for t in TEXTS]
    batch = embedder.count_tokens_batch(TEXTS)
    assert batch == counts
    assert embedder.count_tokens_batch([]) == []


def test_similar_sentences_are_closer_than_unrelated_ones(embedder: AnyEmbedder) -> None:
    anchor, similar, unrelated = embedder.embed(
        [
            "The data pipeline was late this morning.",
            "This morning the data pipeline ran late.",
            "Bake the bread at two hundred degrees for forty minutes.",
        ]
    )
    assert float(anchor @ similar) > float(anchor @ unrelated) + 0.2


def test_hostile_text_embeds(embedder: AnyEmbedder) -> None:
    hostile = ["lone \ud800 surrogate", "nul \x00 byte", "\u200b\u200b\u200b", "\n\t \r", "a" * 100_000]
    vectors = embedder.embed(hostile)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.count_tokens("lone \ud800 surrogate") >= 2


def test_misuse_is_a_type_error(embedder: AnyEmbedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("a single string is not a list of texts")
    with pytest.raises(TypeError):
        embedder.embed(["fine", 42])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        embedder.embed_query(None)  # type: ignore[arg-type]
