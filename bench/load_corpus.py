"""The load benchmark's data: a folder of SciFact documents (Markdown, plus a few CSV files) and its queries."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from pam.evaluation.beir import file_name

CSV_FILES = 4
CSV_ROWS = 50


@dataclass(frozen=True, slots=True)
class Corpus:
    folder: Path
    markdown_files: int
    csv_files: int
    bytes: int

    @property
    def files(self) -> int:
        return self.markdown_files + self.csv_files


def _documents(scifact: Path, limit: int) -> list[tuple[str, str, str]]:
    docs = []
    with (scifact / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            docs.append((str(row["_id"]), row.get("title") or "", row.get("text") or ""))
            if len(docs) == limit:
                break
    return docs


def write_folder(scifact: Path, folder: Path, files: int) -> Corpus:
    """`files` Markdown files (one SciFact document each, its title as the heading) and a few CSV files."""
    folder.mkdir(parents=True)
    docs = _documents(scifact, files)
    size = 0
    for doc_id, title, text in docs:
        body = f"# {title}\n\n{text}\n" if title else f"{text}\n"
        (folder / file_name(doc_id)).write_text(body, encoding="utf-8")
        size += len(body.encode())
    tables = folder / "tables"
    tables.mkdir()
    for n in range(CSV_FILES):
        path = tables / f"papers_{n + 1}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["doc_id", "title", "words", "opening"])
            for doc_id, title, text in docs[n * CSV_ROWS : (n + 1) * CSV_ROWS]:
                out.writerow([doc_id, title, len(text.split()), text.split(". ")[0][:200]])
        size += path.stat().st_size
    return Corpus(folder, len(docs), CSV_FILES, size)


def read_queries(scifact: Path) -> list[str]:
    """Every SciFact claim (all splits): more distinct queries than a run sends, so few are cache hits."""
    queries = []
    with (scifact / "queries.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                text = str(json.loads(line)["text"]).strip()
                if text:
                    queries.append(text)
    return queries
