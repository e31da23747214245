"""The `Embedder` protocol: texts in, L2-normalised float32 vectors out.

`max_tokens` is the model's own input limit in its own tokens; the chunker sizes chunks
with `count_tokens` so nothing is silently cut by the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    model_id: str
    max_tokens: int

    @property
    def dim(self) -> int:
        """The vectors' length."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model would see for `text`, special tokens excluded."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Shape (len(texts), dim), each row L2-normalised; batched internally."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Shape (dim,), L2-normalised."""
        ...
