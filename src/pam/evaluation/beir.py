"""Reading a BEIR-format dataset: corpus.jsonl, queries.jsonl, qrels/<split>.tsv."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pam.errors import InvalidInput

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class BeirDataset:
    name: str
    corpus: dict[str, tuple[str, str]]  # doc id -> (title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]  # query id -> doc id -> relevance


def load(path: Path, split: str = "test") -> BeirDataset:
    corpus_file, queries_file, qrels_file = (
        path / "corpus.jsonl",
        path / "queries.jsonl",
        path / "qrels" / f"{split}.tsv",
    )
    for f in (corpus_file, queries_file, qrels_file):
        if not f.is_file():
            raise InvalidInput(f"not a BEIR dataset: {f.name} is missing")
    corpus = {}
    with corpus_file.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                corpus[str(row["_id"])] = (row.get("title") or "", row.get("text") or "")
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with qrels_file.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels[row["query-id"]][row["corpus-id"]] = int(row["score"])
    queries = {}
    with queries_file.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                if str(row["_id"]) in qrels:
                    queries[str(row["_id"])] = row["text"]
    return BeirDataset(path.name, corpus, queries, dict(qrels))


def file_name(doc_id: str) -> str:
    """One Markdown file per corpus document, named after its id (made safe and reversible enough)."""
    return f"{_UNSAFE.sub('_', doc_id)}.md"


def write_corpus(dataset: BeirDataset, folder: Path) -> dict[str, str]:
    """Write the corpus as files; return file name -> doc id. Unchanged files are left alone (re-runs skip them)."""
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for doc_id, (title, text) in dataset.corpus.items():
        name = file_name(doc_id)
        names[name] = doc_id
        body = f"# {title}\n\n{text}\n" if title else f"{text}\n"
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != body:
            target.write_text(body, encoding="utf-8")
    return names
