"""Backups of the embedded deployment, taken while the server runs, and their restore.

A backup is a folder:

    manifest.json   what was copied, when, the schema revision and the database's index position
    pam.db          the SQLite database, through SQLite's online backup API: one consistent snapshot,
                    taken while writers go on (WAL mode: the copy reads, it blocks no one)
    tables/         each project's DuckDB file, copied through DuckDB (`COPY FROM DATABASE`) while
                    the file is open read-only, which keeps any writer out for that moment
    uploads/        the uploaded files (each written whole by rename, so each copy is whole)
    jwt_secret      the generated signing secret, when there is one (mode 600)

The search index is not copied: it is derived from the database (the outbox holds every change), so
`restore` leaves it out and the next start rebuilds it to exactly the snapshot's documents. Files are
copied after the database snapshot, so every upload the snapshot names is in the backup.

PostgreSQL deployments back up the database with pg_dump or PITR (docs/deploy.md); this refuses them.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from sqlalchemy.engine import make_url

from pam import __version__
from pam.errors import Conflict, InvalidInput, NotFound
from pam.services.auth.secret import SECRET_FILE
from pam.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "pam.db"
# DuckDB files a loader holds open read-write refuse a read-only open: wait for it this long.
TABLE_WAIT_S = 30.0


@dataclass(frozen=True, slots=True)
class BackupManifest:
    format: int
    pam_version: str
    created_at: str
    schema_revision: str | None
    outbox_seq: int  # the index position the snapshot reflects
    documents: int  # active documents in the snapshot
    tables: list[str]
    uploads: int
    secret: bool


def _sqlite_path(settings: Settings) -> Path:
    if not settings.is_sqlite:
        raise InvalidInput(
            "the database is PostgreSQL: back it up with pg_dump or point-in-time recovery "
            "(docs/deploy.md); `pam backup` covers the embedded SQLite deployment",
            code="not_embedded",
        )
    return Path(make_url(settings.resolved_database_url).database or "")


def create_backup(settings: Settings, target: Path) -> BackupManifest:
    """Write a consistent snapshot of `settings.data_dir` into the new folder `target`."""
    source = _sqlite_path(settings)
    if not source.exists():
        raise NotFound(f"no database at {source}: nothing to back up")
    if target.exists() and any(target.iterdir()):
        raise Conflict(f"{target} exists and is not empty: a backup goes into a new folder")
    target.mkdir(parents=True, exist_ok=True)
    staging = target / ".incomplete"
    staging.mkdir()
    _snapshot_database(source, staging / DATABASE)
    revision, seq, documents = _describe(staging / DATABASE)
    tables = _copy_tables(settings.data_dir / "tables", staging / "tables")
    uploads = _copy_tree(settings.data_dir / "uploads", staging / "uploads")
    secret = settings.data_dir / SECRET_FILE
    has_secret = secret.is_file()
    if has_secret:
        shutil.copy2(secret, staging / SECRET_FILE)
        os.chmod(staging / SECRET_FILE, 0o600)
    manifest = BackupManifest(
        format=FORMAT,
        pam_version=__version__,
        created_at=datetime.now(UTC).isoformat(),
        schema_revision=revision,
        outbox_seq=seq,
        documents=documents,
        tables=tables,
        uploads=uploads,
        secret=has_secret,
    )
    (staging / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    # Complete only once everything is in: a backup cut short has no manifest at the top.
    for entry in staging.iterdir():
        entry.rename(target / entry.name)
    staging.rmdir()
    return manifest


def restore_backup(settings: Settings, source: Path, *, force: bool = False) -> BackupManifest:
    """Put the backup in `source` into `settings.data_dir`; the server must be stopped.

    A data dir that already holds a database is moved aside (to `<data dir>.before-restore-<time>`)
    with `force`, and refused without it. The search index is rebuilt at the next start.
    """
    database = _sqlite_path(settings)
    manifest = read_manifest(source)
    data_dir = settings.data_dir
    if database.exists() or (data_dir.exists() and any(data_dir.iterdir())):
        if not force:
            raise Conflict(
                f"{data_dir} is not empty: stop the server, then restore with --force "
                "(the current data is moved aside, not deleted)"
            )
        aside = data_dir.with_name(f"{data_dir.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
        data_dir.rename(aside)
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / DATABASE, database)
    _copy_tree(source / "tables", data_dir / "tables")
    _copy_tree(source / "uploads", data_dir / "uploads")
    if manifest.secret:
        shutil.copy2(source / SECRET_FILE, data_dir / SECRET_FILE)
        os.chmod(data_dir / SECRET_FILE, 0o600)
    return manifest


def read_manifest(source: Path) -> BackupManifest:
    path = source / MANIFEST
    if not path.is_file() or not (source / DATABASE).is_file():
        raise NotFound(f"{source} is not a complete PAM backup (no {MANIFEST} or {DATABASE})")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise InvalidInput(f"backup format {data.get('format')!r} is not one this version reads ({FORMAT})")
    return BackupManifest(**data)


def _snapshot_database(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        # `pages=-1`: the whole database in one step, under one read transaction: one point in time.
        src.backup(dst, pages=-1)
        # The copy is a plain rollback-journal file: self-contained, no -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _describe(database: Path) -> tuple[str | None, int, int]:
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
        seq = con.execute("SELECT coalesce(max(seq), 0) FROM index_outbox").fetchone()[0]
        documents = con.execute("SELECT count(*) FROM documents WHERE status = 'active'").fetchone()[0]
    finally:
        con.close()
    return (revision[0] if revision else None), int(seq), int(documents)


def _copy_tables(source: Path, target: Path) -> list[str]:
    copied: list[str] = []
    if not source.is_dir():
        return copied
    target.mkdir(parents=True, exist_ok=True)
    for file in sorted(source.glob("*.duckdb")):
        _copy_duckdb(file, target / file.name)
        copied.append(file.name)
    return copied


def _copy_duckdb(source: Path, target: Path) -> None:
    deadline = time.monotonic() + TABLE_WAIT_S
    while True:
        try:
            con = duckdb.connect(config={"threads": 1, "autoinstall_known_extensions": False})
            try:
                con.execute(f"ATTACH '{_quoted(source)}' AS src (READ_ONLY)")
                con.execute(f"ATTACH '{_quoted(target)}' AS dst")
                con.execute("COPY FROM DATABASE src TO dst")
            finally:
                con.close()
            return
        except duckdb.IOException:
            # A loader has the file open read-write right now: it finishes within seconds.
            target.unlink(missing_ok=True)
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _copy_tree(source: Path, target: Path) -> int:
    if not source.is_dir():
        return 0
    count = 0
    for file in source.rglob("*"):
        if file.is_file() and not file.name.endswith(".part"):  # an upload still being written
            destination = target / file.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)
            count += 1
    return count
