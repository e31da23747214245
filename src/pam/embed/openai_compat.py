"""`OpenAIEmbedder`: any OpenAI-compatible embeddings endpoint (OpenAI, Ollama, vLLM, a TEI server).

It speaks `POST {base_url}/embeddings` through the official `openai` SDK, which asks for base64
vectors and decodes them (servers that only send float lists are read too), and retries 429s and
5xx with backoff. What the `Embedder` protocol promises that a remote model does not:

- unit vectors: the answer is L2-normalised here (not every server normalises);
- `count_tokens`/`max_tokens`: the remote tokenizer is unknown, so tokens are counted with the
  packaged WordPiece tokenizer and inputs are cut to `max_tokens` of them before they are sent. The
  chunker then cuts documents exactly as it does for the default model, so a model change re-embeds
  the same chunks instead of re-chunking every document;
- empty (or whitespace-only) texts are refused by OpenAI: they get a fixed unit vector instead.

`model_id` names the vector space: the served model name, plus the requested `dimensions` when set
(the same model truncated to 256 dimensions is another space).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import openai

from pam.embed.base import Vectors
from pam.embed.minilm_tokenizer import MiniLMTokenizer
from pam.errors import InvalidInput, Unavailable

# OpenAI takes up to 2,048 inputs per request; TEI's default client batch is 32.
DEFAULT_BATCH = 32
NO_KEY = "unused"  # Ollama, vLLM and TEI take no key, but the SDK refuses to start without one


class OpenAIEmbedder:
    """Implements `pam.embed.base.Embedder` over an OpenAI-compatible `/embeddings` endpoint."""

    token_counts_add_up = True  # counted with WordPiece, which never spans whitespace

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        dimensions: int | None = None,
        max_tokens: int = 254,
        batch_size: int = DEFAULT_BATCH,
        timeout: float = 30.0,
        max_retries: int = 3,
        tokenizer: MiniLMTokenizer | None = None,
    ) -> None:
        if not model.strip():
            raise InvalidInput("an embedding model name is required", code="config")
        if dimensions is not None and dimensions < 2:
            raise InvalidInput("embedding dimensions must be at least 2", code="config")
        if max_tokens < 1 or batch_size < 1:
            raise InvalidInput("max_tokens and batch_size must be positive", code="config")
        self.model = model
        self.dimensions = dimensions
        self.model_id = model if dimensions is None else f"{model}@{dimensions}"
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self._tokens = tokenizer or MiniLMTokenizer(max_seq_length=max_tokens + 2)
        self._client = openai.OpenAI(
            api_key=api_key or NO_KEY, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        self._dim: int | None = dimensions

    @property
    def dim(self) -> int:
        """The vectors' length: asked of the server once (one short request) unless configured."""
        if self._dim is None:
            self._dim = int(self._request(["dimension probe"]).shape[1])
        return self._dim

    def count_tokens(self, text: str) -> int:
        return self._tokens.count_tokens(text)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        return self._tokens.count_tokens_batch(texts)

    def embed_query(self, text: str) -> Vectors:
        if not isinstance(text, str):
            raise TypeError("embed_query takes one text")
        return self.embed([text]).reshape(-1)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if isinstance(texts, str):
            raise TypeError("embed takes a sequence of texts; use embed_query for one text")
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        cut = self._tokens.truncate_batch(texts, self.max_tokens)
        sendable = [i for i, t in enumerate(cut) if t.strip()]
        rows: list[Vectors] = []
        for start in range(0, len(sendable), self.batch_size):
            part = sendable[start : start + self.batch_size]
            rows.append(self._request([cut[i] for i in part]))
        dim = rows[0].shape[1] if rows else self.dim
        out = np.zeros((len(texts), dim), dtype=np.float32)
        out[:, 0] = 1.0  # texts with nothing to embed: a fixed unit vector keeps the contract
        if rows:
            out[sendable] = np.concatenate(rows)
        return out

    def _request(self, texts: list[str]) -> Vectors:
        dimensions = openai.omit if self.dimensions is None else self.dimensions
        try:
            response = self._client.embeddings.create(model=self.model, input=texts, dimensions=dimensions)
        except openai.APIStatusError as exc:
            raise Unavailable(f"the embedding service answered {exc.status_code}") from exc
        except openai.APIError as exc:  # connection, timeout, an unreadable body
            raise Unavailable("the embedding service could not be reached") from exc
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(texts) or [d.index for d in data] != list(range(len(texts))):
            raise Unavailable("the embedding service answered with the wrong number of vectors")
        try:
            matrix = np.asarray([d.embedding for d in data], dtype=np.float32)
        except ValueError as exc:  # ragged rows
            raise Unavailable("the embedding service answered vectors of different lengths") from exc
        if matrix.ndim != 2 or matrix.shape[1] < 2 or not np.isfinite(matrix).all():
            raise Unavailable("the embedding service answered unusable vectors")
        if self._dim is not None and matrix.shape[1] != self._dim:
            raise Unavailable(
                f"the embedding service answered {matrix.shape[1]}-dimensional vectors, not {self._dim}"
            )
        self._dim = int(matrix.shape[1])
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        if not (norms > 0).all():
            raise Unavailable("the embedding service answered a zero vector")
        unit: Vectors = (matrix / norms).astype(np.float32)
        return unit

    def close(self) -> None:
        self._client.close()
