"""The corpora the answer benchmark asks questions about, and how each is put in place.

- `handbook`: the sample handbook in examples/ (the answerer was developed against it).
- `postgres`: part of the PostgreSQL 15 manual (tutorial, data definition, data types, indexes,
  performance tips, server configuration, client authentication, maintenance, backup, WAL,
  replication, the pg_* client applications), from Debian's `postgresql-doc-15` package under the
  PostgreSQL licence. The set-up downloads the package with `apt-get download` and unpacks it with
  `dpkg-deb -x` into bench/.cache (never committed). The answerer was not tuned on it: its questions
  were written before the answerer first ran on it.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT

CACHE = ROOT / "bench" / ".cache"
PG_PACKAGE = "postgresql-doc-15"
PG_HTML = Path("usr/share/doc/postgresql-doc-15/html")
# Chapters a team running PostgreSQL would keep in its knowledge base (about 160 pages, 180k words);
# the SQL command reference and the function tables are left out to keep ingestion a few minutes.
PG_PAGES = (
    "tutorial*.html",
    "ddl*.html",
    "datatype*.html",
    "indexes*.html",
    "performance-tips.html",
    "using-explain.html",
    "populate.html",
    "runtime-config*.html",
    "client-authentication.html",
    "auth-*.html",
    "routine*.html",
    "backup*.html",
    "mvcc*.html",
    "wal*.html",
    "high-availability.html",
    "warm-standby*.html",
    "hot-standby.html",
    "logical-replication*.html",
    "app-pg*.html",
)


@dataclass(frozen=True, slots=True)
class Corpus:
    name: str
    title: str
    questions: Path
    prepare: Callable[[], Path]  # returns the folder to ingest


def handbook() -> Path:
    return ROOT / "examples" / "handbook"


def postgres_manual() -> Path:
    corpus = CACHE / "pg-manual-15"
    if (corpus / ".complete").is_file():
        return corpus
    debs = CACHE / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{PG_PACKAGE}_*.deb"))
    if not found:
        if shutil.which("apt-get") is None:
            raise SystemExit(f"apt-get is needed to fetch {PG_PACKAGE} (a Debian package)")
        subprocess.run(["apt-get", "download", PG_PACKAGE], cwd=debs, check=True)
        found = sorted(debs.glob(f"{PG_PACKAGE}_*.deb"))
    unpacked = CACHE / PG_PACKAGE
    shutil.rmtree(unpacked, ignore_errors=True)
    subprocess.run(["dpkg-deb", "-x", str(found[-1]), str(unpacked)], check=True)
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    for page in sorted((unpacked / PG_HTML).iterdir()):
        if any(fnmatch.fnmatch(page.name, pattern) for pattern in PG_PAGES):
            shutil.copy2(page, corpus / page.name)
    (corpus / ".complete").write_text(found[-1].name + "\n", encoding="utf-8")
    return corpus


CORPORA = {
    "handbook": Corpus(
        "handbook", "the sample handbook", ROOT / "examples" / "handbook_questions.jsonl", handbook
    ),
    "postgres": Corpus(
        "postgres",
        "the PostgreSQL 15 manual (part; Debian postgresql-doc-15)",
        ROOT / "bench" / "questions" / "postgres_manual.jsonl",
        postgres_manual,
    ),
}
