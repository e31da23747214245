"""The vector matrix on disk, so a restart loads it (graph included) instead of rebuilding it.

A snapshot is a directory: `state.json` (format, embedding model, dimension, the outbox seq it reflects,
interned values), `arrays.npz` (vectors, liveness, code columns) and `graph-NNNN.faiss` (the HNSW graph shards, when
there is one). It is written beside the live one and swapped in by renames, so a crash while saving leaves
the previous snapshot whole. A snapshot only has to be *some* past state: the index replays the outbox from
its seq, and replay is idempotent.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pam.search.vector_graph import HnswGraph, HnswSettings
from pam.search.vector_matrix import VectorMatrix

FORMAT = 2  # 2: the graph over every row in shards (graph-NNNN.faiss)


@dataclass(frozen=True, slots=True)
class Saved:
    matrix: VectorMatrix
    model: str
    seq: int


def save(path: Path, matrix: VectorMatrix, model: str, seq: int) -> None:
    """Write a snapshot of `matrix` as of now; `seq` must be the outbox seq it reflects (or an earlier one)."""
    fresh = path.with_name(path.name + ".new")
    old = path.with_name(path.name + ".old")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    snap = matrix.snapshot()
    np.savez(
        fresh / "arrays.npz",
        vectors=snap["vectors"],
        live=snap["live"],
        updated=snap["updated"],
        ids=np.asarray(snap["ids"], dtype="U36"),
        **{f"column_{name}": column for name, column in snap["columns"].items()},
    )
    for k, shard in enumerate(snap["graph"] or []):
        (fresh / f"graph-{k:04d}.faiss").write_bytes(shard.tobytes())
    for code, (project_graph, rows) in snap["project_graphs"].items():
        (fresh / f"project-{code}.faiss").write_bytes(project_graph.tobytes())
        np.save(fresh / f"project-{code}.rows.npy", rows)
    state = {"format": FORMAT, "model": model, "dim": matrix.dim, "seq": seq, "codes": snap["codes"]}
    (fresh / "state.json").write_text(json.dumps(state), encoding="utf-8")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    fresh.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def load(path: Path, model: str, dim: int, ann: HnswSettings | None) -> Saved | None:
    """The snapshot at `path` if it holds `model`'s `dim`-long vectors in this format; else None."""
    try:
        state: dict[str, Any] = json.loads((path / "state.json").read_text(encoding="utf-8"))
        if state.get("format") != FORMAT or state.get("model") != model or state.get("dim") != dim:
            return None
        with np.load(path / "arrays.npz") as arrays:
            saved = {
                "vectors": arrays["vectors"],
                "live": arrays["live"],
                "updated": arrays["updated"],
                "ids": [str(i) for i in arrays["ids"]],
                "columns": {
                    k.removeprefix("column_"): arrays[k] for k in arrays.files if k.startswith("column_")
                },
            }
        shard_files = sorted(path.glob("graph-*.faiss"))
        saved["graph"] = (
            [HnswGraph.load(f, ann) for f in shard_files] if ann is not None and shard_files else None
        )
        saved["project_graphs"] = {}
        if ann is not None:
            for project_file in path.glob("project-*.faiss"):
                code = int(project_file.stem.removeprefix("project-"))
                rows = np.load(path / f"project-{code}.rows.npy")
                saved["project_graphs"][code] = (HnswGraph.load(project_file, ann), rows)
        saved["codes"] = state["codes"]
        return Saved(VectorMatrix.restore(dim, ann, saved), model, int(state["seq"]))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        # Missing, partial or from another version: the database has everything, start from it.
        return None
