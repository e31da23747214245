"""`OpenAIEmbedder` on the wire: what it sends, what it accepts, and how it fails (a fake server, the real SDK)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import numpy as np
import pytest

from pam.embed.openai_compat import OpenAIEmbedder
from pam.errors import Unavailable
from tests.fakes.embeddings_server import FakeEmbeddingServer

KEY = "sk-test-embeddings"


@pytest.fixture
def server() -> Iterator[FakeEmbeddingServer]:
    with FakeEmbeddingServer(api_key=KEY) as fake:
        yield fake


def _embedder(server: FakeEmbeddingServer, **options: object) -> OpenAIEmbedder:
    return OpenAIEmbedder(
        model=str(options.pop("model", "fake-embed-small")),
        base_url=server.base_url,
        api_key=str(options.pop("api_key", KEY)),
        max_retries=int(options.pop("max_retries", 2)),  # type: ignore[call-overload]
        **options,  # type: ignore[arg-type]
    )


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_sends_the_documented_request_and_normalises_the_answer(server: FakeEmbeddingServer) -> None:
    texts = ["Daily active users are counted in UTC.", "The pipeline was late."]
    vectors = _embedder(server).embed(texts)
    request = server.requests[-1]
    assert request.path == "/v1/embeddings"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["model"] == "fake-embed-small" and request.body["input"] == texts
    # The SDK asks for base64 (a quarter of the JSON size) and decodes it.
    assert request.body["encoding_format"] == "base64"
    np.testing.assert_allclose(vectors, _unit(server.vectors("fake-embed-small", texts)), atol=1e-6)


def test_float_lists_from_servers_that_ignore_base64_are_read(server: FakeEmbeddingServer) -> None:
    server.always_float = True
    vectors = _embedder(server).embed(["a float answer"])
    np.testing.assert_allclose(
        vectors, _unit(server.vectors("fake-embed-small", ["a float answer"])), atol=1e-6
    )


def test_dimensions_are_requested_and_name_the_vector_space(server: FakeEmbeddingServer) -> None:
    embedder = _embedder(server, model="fake-embed-large", dimensions=32)
    assert embedder.model_id == "fake-embed-large@32" and embedder.dim == 32
    assert embedder.embed(["x"]).shape == (1, 32)
    assert server.requests[-1].body["dimensions"] == 32


def test_dimension_is_probed_once_when_not_configured(server: FakeEmbeddingServer) -> None:
    embedder = _embedder(server, model="fake-embed-large")
    assert embedder.dim == 96 and embedder.dim == 96
    assert len(server.requests) == 1


def test_batches_split_into_requests_and_come_back_in_order(server: FakeEmbeddingServer) -> None:
    texts = [f"text number {i} about topic {i % 3}" for i in range(7)]
    vectors = _embedder(server, batch_size=3).embed(texts)
    assert [len(r.body["input"]) for r in server.requests] == [3, 3, 1]
    np.testing.assert_allclose(vectors, _unit(server.vectors("fake-embed-small", texts)), atol=1e-6)


def test_empty_texts_are_not_sent_and_get_a_unit_vector(server: FakeEmbeddingServer) -> None:
    vectors = _embedder(server).embed(["", "  \n", "real words"])
    assert server.requests[-1].body["input"] == ["real words"]
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert _embedder(server).embed(["", " "]).shape[0] == 2


def test_a_rate_limit_is_retried(server: FakeEmbeddingServer) -> None:
    server.fail_next(429, times=2)
    assert _embedder(server).embed(["retried"]).shape == (1, 48)
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("setup", "options"),
    [
        (lambda s: s.fail_next(500, times=10), {}),
        (lambda s: None, {"api_key": "sk-wrong"}),
        (lambda s: None, {"model": "no-such-model"}),
    ],
    ids=["server-error", "wrong-key", "unknown-model"],
)
def test_failures_are_unavailable_without_secrets(
    server: FakeEmbeddingServer, setup: object, options: dict[str, object]
) -> None:
    setup(server)  # type: ignore[operator]
    with pytest.raises(Unavailable) as caught:
        _embedder(server, max_retries=1, **options).embed(["fails"])
    assert "sk-" not in caught.value.message


def test_an_unreachable_server_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    embedder = OpenAIEmbedder(model="m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=2)
    with pytest.raises(Unavailable):
        embedder.embed(["nobody listens"])


def test_a_server_changing_dimension_mid_way_is_refused(server: FakeEmbeddingServer) -> None:
    embedder = _embedder(server, model="fake-embed-small")
    assert embedder.dim == 48
    server.models["fake-embed-small"] = 24
    with pytest.raises(Unavailable):
        embedder.embed(["now shorter"])
