"""One ingestion run over a source: prepare → embed → write, as three overlapping stages.

- prepare (threads, bounded): read and hash each file; an unchanged file (same sha256 as its
  active document) is skipped without parsing; others are parsed and chunked, and embeddings
  already in the database are looked up by chunk hash.
- embed (one consumer): chunks of several documents are embedded together, so small files
  still fill the model's batches.
- write (one consumer, the only writer): each document commits in its own transaction with
  its segments, outbox entry, sync log, task item and task counters.
Files gone from a mirroring source are marked deleted at the end, after a complete listing.
"""

from __future__ import annotations

import asyncio
import mimetypes
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import structlog
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pam.embed.base import Embedder
from pam.errors import ParseError
from pam.ingest.chunker import Chunker
from pam.ingest.embedding_text import embedding_text, recipe_model_id
from pam.ingest.parsers.registry import ParserRegistry
from pam.ingest.prepare import PreparedDocument, is_skip, parse_and_chunk, read_item
from pam.ingest.progress import TaskProgress
from pam.ingest.sources.base import FetchError, Listing, SourceConnector, SourceItem
from pam.ingest.table_sink import TableSink
from pam.ingest.writer import existing_vectors, mark_deleted, refresh_metadata, write_document
from pam.store.models import Document, IngestionTask, Source, TaskItem
from pam.store.outage import is_outage, looks_like_full_disk
from pam.store.types import utcnow

log = structlog.get_logger("pam.ingest")
FLUSH_EVERY_S = 0.5
_DONE = object()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the writer must record for one item.

    Skipped without a reason: unchanged since it was last ingested. Skipped with a reason
    (`error_code`, `error`): a file we do not read. Neither prepared nor skipped: failed.
    """

    item: SourceItem
    prepared: PreparedDocument | None = None
    skipped: bool = False
    # Same content under a new version, title or location (a rename): the row is updated, nothing re-embedded.
    refresh: bool = False
    error_code: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Known:
    """What the database has for one item of the source."""

    content_hash: str
    status: str
    version: str | None


@dataclass
class PipelineDeps:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    embedder: Embedder
    parsers: ParserRegistry
    chunker: Chunker
    parse_timeout_s: float
    embed_batch_size: int
    on_commit: Callable[[], None]  # wakes the index catch-up
    tables: TableSink | None = None  # data files also become queryable tables
    # (stored model id, embedder) to embed new chunks with now: the active model's while a model
    # change is being built (`EmbeddingModels.for_writes`). None: always `embedder`.
    embedder_for_writes: Callable[[], tuple[str, Embedder]] | None = None

    @property
    def model_id(self) -> str:
        """Stored beside each embedding: the model and how its input was built."""
        return recipe_model_id(self.embedder.model_id)

    def writes_with(self) -> tuple[str, Embedder]:
        if self.embedder_for_writes is not None:
            return self.embedder_for_writes()
        return self.model_id, self.embedder


class IngestRun:
    def __init__(
        self,
        deps: PipelineDeps,
        task_id: uuid.UUID,
        source: Source,
        connector: SourceConnector,
        cancelled: asyncio.Event,
        triggered_by: str,
        *,
        force: bool = False,
        cursor: str | None = None,
    ) -> None:
        self.deps = deps
        self.task_id = task_id
        self.source = source
        self.connector = connector
        self.cancelled = cancelled
        self.triggered_by = triggered_by
        self.force = force  # re-process even unchanged files (re-index)
        self.cursor = cursor  # where the connector's listing starts (None: a full listing)
        self.progress = TaskProgress(task_id)
        self._last_flush = 0.0
        # After `run`: the cursor to save, and whether an item failed in a way worth fetching again.
        self.next_cursor: str | None = None
        self.fetch_failures = 0

    async def run(self) -> None:
        listing = await asyncio.to_thread(self.connector.listing, self.cursor)
        items = _unique(listing.items)
        known = await self._known_documents()
        await self._register_items(items)
        prepared_q: asyncio.Queue[Any] = asyncio.Queue(maxsize=256)
        written_q: asyncio.Queue[Any] = asyncio.Queue(maxsize=64)
        stages = [
            asyncio.create_task(self._prepare_all(items, known, prepared_q)),
            asyncio.create_task(self._embed_all(prepared_q, written_q)),
            asyncio.create_task(self._write_all(written_q)),
        ]
        try:
            await asyncio.gather(*stages)
        finally:
            for stage in stages:
                stage.cancel()
        if self.connector.mirrors and not self.cancelled.is_set():
            await self._delete_vanished(listing, {i.source_id for i in items}, known)
        await self._flush(force=True)
        self.next_cursor = listing.cursor

    # -- setup -----------------------------------------------------------------------------------

    async def _known_documents(self) -> dict[str, Known]:
        async with self.deps.sessions() as s:
            rows = await s.execute(
                select(
                    Document.source_id, Document.content_hash, Document.status, Document.source_version
                ).where(Document.registered_source_id == self.source.id)
            )
            return {sid: Known(h, status, version) for sid, h, status, version in rows}

    async def _register_items(self, items: list[SourceItem]) -> None:
        rows = []
        for item in items:
            item_id = uuid.uuid4()
            rows.append(
                {
                    "id": item_id,
                    "task_id": self.task_id,
                    "path": item.source_id,
                    "stage": "queued",
                    "segments": 0,
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
            )
            self.progress.items.setdefault(item.source_id, _state(item_id))
        async with self.deps.sessions.begin() as s:
            # A resumed task keeps the items it already has.
            await s.execute(delete(TaskItem).where(TaskItem.task_id == self.task_id))
            for start in range(0, len(rows), 500):
                await s.execute(insert(TaskItem), rows[start : start + 500])
            self.progress.counters["total"] = len(items)
            await s.execute(
                update(IngestionTask).where(IngestionTask.id == self.task_id).values(total=len(items))
            )

    # -- stage 1: prepare --------------------------------------------------------------------------

    async def _prepare_all(
        self, items: list[SourceItem], known: dict[str, Known], out: asyncio.Queue[Any]
    ) -> None:
        slots = asyncio.Semaphore(2)

        async def one(item: SourceItem) -> None:
            async with slots:
                if self.cancelled.is_set():
                    return
                await out.put(await self._prepare(item, known.get(item.source_id)))

        try:
            await asyncio.gather(*(one(item) for item in items))
        finally:
            await out.put(_DONE)

    async def _prepare(self, item: SourceItem, known: Known | None) -> Outcome:
        unchanged = not self.force and known is not None and known.status == "active"
        if unchanged and known is not None and item.version is not None and item.version == known.version:
            # The source says it has not changed: not even fetched.
            return Outcome(item, skipped=True)
        self.progress.stage(item.source_id, "parsing")
        try:
            data, content_hash = await asyncio.to_thread(read_item, self.connector, item)
            if unchanged and known is not None and known.content_hash == content_hash:
                return Outcome(item, skipped=True, refresh=item.version != known.version or bool(item.title))
            prepared = await asyncio.wait_for(
                asyncio.to_thread(
                    parse_and_chunk,
                    item,
                    data,
                    content_hash,
                    self.deps.parsers,
                    self.deps.chunker,
                    keep_bytes=self.deps.tables is not None and self.deps.tables.wants(item.name),
                ),
                timeout=self.deps.parse_timeout_s,
            )
        except ParseError as exc:
            return Outcome(item, skipped=is_skip(exc), error_code=exc.code, error=exc.message)
        except FetchError as exc:
            return Outcome(item, error_code=exc.code, error=exc.message)
        except TimeoutError:
            return Outcome(item, error_code="timeout", error="parsing took longer than the time limit")
        except Exception as exc:  # a parser bug must cost one file, not the task
            log.exception("parse_failed", path=item.source_id, error_type=type(exc).__name__)
            return Outcome(item, error_code="corrupt", error="the file could not be parsed")
        hashes = [c.content_hash for c in prepared.chunks]
        model, _ = self.deps.writes_with()
        async with self.deps.sessions() as s:
            prepared.vectors = await existing_vectors(s, hashes, model, None)
        prepared.embedding_model = model
        return Outcome(item, prepared=prepared)

    # -- stage 2: embed ----------------------------------------------------------------------------

    async def _embed_all(self, inbox: asyncio.Queue[Any], out: asyncio.Queue[Any]) -> None:
        # A few model batches per parallel model run: enough to keep every run busy, small enough
        # that progress, the index and a cancel request move every few seconds, not once a minute.
        batch_chunks = self.deps.embed_batch_size * 8
        finished = False
        try:
            while not finished:
                pending: list[Outcome] = []
                wanted = 0
                # Take what is ready (at least one), up to a few model batches of new chunks.
                got = await inbox.get()
                while True:
                    if got is _DONE:
                        finished = True
                        break
                    pending.append(got)
                    if got.prepared is not None:
                        wanted += len(got.prepared.missing_vectors())
                    if wanted >= batch_chunks or inbox.empty():
                        break
                    got = await inbox.get()
                await self._embed(pending)
                for outcome in pending:
                    await out.put(outcome)
        finally:
            await out.put(_DONE)

    async def _embed(self, outcomes: list[Outcome]) -> None:
        # One model for the whole batch, recorded with the vectors: a document whose reused vectors
        # are of another model (the active one changed since it was prepared) is embedded again whole.
        model, embedder = self.deps.writes_with()
        work: list[tuple[PreparedDocument, str, str]] = []
        for outcome in outcomes:
            if outcome.prepared is None:
                continue
            if outcome.prepared.embedding_model != model:
                outcome.prepared.vectors.clear()
                outcome.prepared.embedding_model = model
            self.progress.stage(outcome.item.source_id, "embedding")
            work.extend(
                (
                    outcome.prepared,
                    c.content_hash,
                    embedding_text(c.section_path, c.content, embedder.count_tokens),
                )
                for c in outcome.prepared.missing_vectors()
            )
        if not work:
            return
        vectors = await asyncio.to_thread(embedder.embed, [text for _, _, text in work])
        for (prepared, content_hash, _), vector in zip(work, vectors, strict=True):
            prepared.vectors[content_hash] = np.asarray(vector, dtype="<f4").tobytes()
            prepared.embedded += 1

    # -- stage 3: write ----------------------------------------------------------------------------

    async def _write_all(self, inbox: asyncio.Queue[Any]) -> None:
        while (outcome := await inbox.get()) is not _DONE:
            if self.cancelled.is_set():
                continue
            await self._write(outcome)
            await self._flush()

    async def _write(self, outcome: Outcome) -> None:
        item = outcome.item
        state = self.progress.items[item.source_id]
        self.progress.stage(item.source_id, "indexing")
        values: dict[str, Any] = {"updated_at": utcnow()}
        segments = 0
        counted = dict(self.progress.counters)  # restored if the transaction rolls back
        try:
            async with self.deps.sessions.begin() as s:
                if outcome.prepared is not None:
                    result = await write_document(
                        s,
                        source=self.source,
                        prepared=outcome.prepared,
                        uri=self.connector.uri(item),
                        model_id=outcome.prepared.embedding_model or self.deps.model_id,
                        task_id=self.task_id,
                        triggered_by=self.triggered_by,
                    )
                    segments = len(outcome.prepared.chunks)
                    values |= {"stage": "done", "document_id": result.document_id, "segments": segments}
                    self.progress.add(
                        succeeded=1,
                        segments_created=result.added,
                        segments_embedded=outcome.prepared.embedded,
                    )
                elif outcome.skipped:
                    values |= {"stage": "skipped", "error_code": outcome.error_code, "error": outcome.error}
                    self.progress.add(skipped=1)
                    if outcome.refresh:
                        await refresh_metadata(s, self.source, item, self.connector.uri(item))
                    if outcome.error:  # an indexed file that is now empty keeps its last text, flagged
                        await _mark_document_error(s, self.source.id, item.source_id, outcome.error)
                else:
                    values |= {"stage": "failed", "error_code": outcome.error_code, "error": outcome.error}
                    self.progress.add(failed=1)
                    if outcome.error_code == FetchError.code:
                        self.fetch_failures += 1
                    await _mark_document_error(s, self.source.id, item.source_id, outcome.error or "")
                self.progress.add(processed=1)
                await s.execute(update(TaskItem).where(TaskItem.id == state.item_id).values(**values))
                await s.execute(
                    update(IngestionTask)
                    .where(IngestionTask.id == self.task_id)
                    .values(**self.progress.counters, heartbeat_at=utcnow(), updated_at=utcnow())
                )
        except Exception as exc:
            # The transaction rolled back: nothing of this document was written.
            self.progress.counters.update(counted)
            if looks_like_full_disk(exc) or await is_outage(exc, self.deps.engine):
                # Not this document's fault: the run stops here and is resumed when the database
                # (or space on its disk) returns.
                raise
            log.exception("write_failed", path=item.source_id)
            self.progress.add(failed=1, processed=1)
            async with self.deps.sessions.begin() as s:
                await s.execute(
                    update(TaskItem)
                    .where(TaskItem.id == state.item_id)
                    .values(
                        stage="failed", error_code="write_failed", error="the document could not be stored"
                    )
                )
        state.stage = str(values.get("stage", "failed"))
        state.dirty = False
        if outcome.prepared is not None:
            self.deps.on_commit()
            if self.deps.tables is not None and state.stage == "done" and outcome.prepared.data is not None:
                # After the commit: the database stays authoritative; a table that fails to load is logged.
                await self.deps.tables.document_written(
                    self.source.project_id, values["document_id"], item.name, outcome.prepared.data
                )

    async def _delete_vanished(self, listing: Listing, listed: set[str], known: dict[str, Known]) -> None:
        gone = [
            sid
            for sid, k in known.items()
            if sid not in listed
            and k.status != "deleted"
            and self.connector.covers(sid)
            and (sid in listing.deleted or (listing.present is not None and sid not in listing.present))
        ]
        dropped: list[tuple[uuid.UUID, uuid.UUID, str]] = []
        for start in range(0, len(gone), 200):
            async with self.deps.sessions.begin() as s:
                docs = await s.scalars(
                    select(Document).where(
                        Document.registered_source_id == self.source.id,
                        Document.source_id.in_(gone[start : start + 200]),
                    )
                )
                now = utcnow()
                for doc in docs:
                    await mark_deleted(s, doc, task_id=self.task_id, triggered_by=self.triggered_by, when=now)
                    self.progress.add(deleted=1)
                    dropped.append((doc.project_id, doc.id, _file_name(doc)))
                await s.execute(
                    update(IngestionTask)
                    .where(IngestionTask.id == self.task_id)
                    .values(**self.progress.counters, heartbeat_at=now)
                )
        if gone:
            self.deps.on_commit()
        if self.deps.tables is not None:
            for project_id, document_id, name in dropped:
                await self.deps.tables.document_deleted(project_id, document_id, name)

    async def _flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < FLUSH_EVERY_S:
            return
        self._last_flush = now
        dirty = self.progress.take_dirty()
        async with self.deps.sessions.begin() as s:
            for item_id, stage in dirty:
                await s.execute(update(TaskItem).where(TaskItem.id == item_id).values(stage=stage))
            task = await s.get(IngestionTask, self.task_id)
            if task is not None:
                task.heartbeat_at = utcnow()
                for name, value in self.progress.counters.items():
                    setattr(task, name, value)
                if task.cancel_requested:
                    self.cancelled.set()


def _file_name(doc: Document) -> str:
    """A file name for the document's type: its id for files, else one made from its MIME type (a Drive
    spreadsheet's id has no extension, yet its tables must go with it)."""
    if PurePosixPath(doc.source_id).suffix:
        return doc.source_id
    return f"{doc.source_id}{mimetypes.guess_extension(doc.mime_type) or ''}"


def _unique(items: list[SourceItem]) -> list[SourceItem]:
    """One item per id (a feed may report one item twice): the last report wins."""
    return list({item.source_id: item for item in items}.values())


def _state(item_id: uuid.UUID) -> Any:
    from pam.ingest.progress import ItemState

    return ItemState(item_id)


async def _mark_document_error(
    session: AsyncSession, source_id: uuid.UUID, item_source_id: str, error: str
) -> None:
    """An existing document whose new version cannot be read keeps its last good segments, flagged."""
    await session.execute(
        update(Document)
        .where(
            Document.registered_source_id == source_id,
            Document.source_id == item_source_id,
            Document.status == "active",
        )
        .values(error=error, updated_at=utcnow())
    )
