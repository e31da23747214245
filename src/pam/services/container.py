"""`Services`: everything a process needs, built once from explicit settings and closed once.

The API builds it in the lifespan and keeps it on `app.state.services`; the CLI builds the
same object from the same `Settings`. Nothing here is global, so two containers with
different settings live side by side in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from dataclasses import dataclass, field, replace

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pam.answer.llm import LLM
from pam.answer.metered_llm import MeteredLLM
from pam.connectors.build import RemoteConnectors
from pam.connectors.credentials import CredentialBox
from pam.data.catalog import DataCatalog
from pam.data.sync import CatalogSink
from pam.embed.base import Embedder
from pam.embed.minilm import MODEL_ID as MINILM_MODEL_ID
from pam.errors import InvalidInput
from pam.formats.limits import ParseLimits
from pam.health import ComponentStatus, probe
from pam.ingest.chunker import StructureChunker
from pam.ingest.dispatch import LocalDispatch, TaskDispatch
from pam.ingest.embedding_text import HEADER_TOKENS, recipe_model_id
from pam.ingest.parsers.registry import ParserRegistry, default_parsers
from pam.ingest.pipeline import PipelineDeps
from pam.ingest.tasks import TaskRunner
from pam.metrics import Metrics
from pam.redis_state import RedisState
from pam.search.build import open_index
from pam.search.index import SearchIndex
from pam.search.service import SearchService
from pam.services.answering import build_answerer, build_llm
from pam.services.auth import AuthServices
from pam.services.auth.admin import ApiKeys, ProjectAdmin, UserAdmin
from pam.services.auth.ratelimit import limits_from
from pam.services.auth.redis_ratelimit import RedisRateLimiter
from pam.services.chat import ChatService
from pam.services.conversations import ConversationService
from pam.services.documents import DocumentService, OriginalsConfig
from pam.services.embedders import build_embedder, configured_spec
from pam.services.embedding_models import EmbeddingModels
from pam.services.glossary import GlossaryService
from pam.services.glossary_expansion import GlossaryExpander
from pam.services.ingestion import IngestionService
from pam.services.metrics import MetricsService
from pam.services.projects import ensure_default_project
from pam.services.scheduler import SourceScheduler
from pam.services.search_scope import KnowledgeSearch
from pam.services.sources import SourceService
from pam.services.stats import StatsService
from pam.services.tables import TableService
from pam.settings import Settings
from pam.store.db import create_engine, create_session_factory
from pam.store.migrate import ensure_schema

log = structlog.get_logger("pam.services")
FOLLOW_INTERVAL_S = 2.0
MIN_SYNC_GAP_S = 1.0
# With PostgreSQL, other processes write (workers, other servers) and each server's replica must show
# their documents within 2 s (p95): poll the outbox often; an idle poll is two indexed one-row reads.
SHARED_FOLLOW_INTERVAL_S = 0.25
SHARED_MIN_SYNC_GAP_S = 0.25


@dataclass
class Services:
    """The process's parts (first group) and its use cases (second group), which own their transactions."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    embedder: Embedder  # the configured model
    embeddings: EmbeddingModels  # which model serves queries and writes; re-embedding after a change
    parsers: ParserRegistry
    index: SearchIndex
    runner: TaskRunner  # executes tasks: here (the embedded default) or in `pam worker`
    tasks: TaskDispatch  # where new tasks go: `runner`, or the Redis queue workers take from
    llm: LLM | None
    auth: AuthServices
    data: DataCatalog

    search: KnowledgeSearch
    chat: ChatService
    conversations: ConversationService
    documents: DocumentService
    ingestion: IngestionService
    tables: TableService
    users: UserAdmin
    projects: ProjectAdmin
    keys: ApiKeys
    stats: StatsService
    glossary: GlossaryService
    metrics: MetricsService  # this process's registry (no globals) and the /metrics use case
    sources: SourceService
    scheduler: SourceScheduler
    redis: RedisState | None = None
    _index_dirty: asyncio.Event = field(default_factory=asyncio.Event)
    _background: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def start(
        cls, settings: Settings, *, run_tasks: bool = True, serves_search: bool = True
    ) -> Services:
        """Build everything. `run_tasks=False` (one-shot CLI commands, workers) leaves interrupted tasks
        alone; `serves_search=False` (`pam worker`) keeps no search replica."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        llm = build_llm(settings)  # first: a misconfigured provider fails before anything is opened
        instruments = Metrics()
        if llm is not None:
            llm = MeteredLLM(llm, instruments)
        url = settings.resolved_database_url
        engine = create_engine(url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
        redis = RedisState.open(settings)  # None without PAM_REDIS_URL; connects lazily, never fails here
        try:
            # The embedded database is ours alone: bring it to head. A shared PostgreSQL is
            # upgraded by `pam db upgrade` from one place, never by N replicas at start-up.
            await ensure_schema(engine, url, auto_upgrade=settings.is_sqlite)
            sessions = create_session_factory(engine)
            # Rate limits shared by every server when there is a Redis (a weak secret fails before the model loads).
            limiter = RedisRateLimiter(redis.guard, limits_from(settings)) if redis is not None else None
            auth = await AuthServices.start(settings, sessions, limiter=limiter)
            async with sessions.begin() as session:
                await ensure_default_project(session)
            spec = configured_spec(settings)
            embedder = await asyncio.to_thread(build_embedder, settings, spec)
            embeddings = EmbeddingModels(
                engine,
                sessions,
                embedder,
                spec,
                functools.partial(build_embedder, settings),
                known_specs={recipe_model_id(MINILM_MODEL_ID): {"provider": "minilm"}},
            )
            await embeddings.start()
            index = await open_index(
                settings, sessions, embeddings.active_dim, serves_search=serves_search, background=run_tasks
            )
        except BaseException:
            if redis is not None:
                await redis.close()
            await engine.dispose()
            raise
        data = DataCatalog.in_data_dir(settings.data_dir)
        parsers = default_parsers(
            ParseLimits(max_bytes=settings.max_file_bytes, max_seconds=settings.parse_timeout_s)
        )
        engine_search = SearchService(
            index,
            embeddings.for_model,
            sessions,
            rrf_k=settings.rrf_k,
            candidates=settings.search_candidates,
            cache_size=settings.search_cache_size,
            # One result cache for every server: keys hold the index generation, which they share.
            cache=redis.search_cache() if redis is not None and settings.search_cache_size > 0 else None,
            # The glossary's aliases, added to a query before both engines and the cache key see it.
            expander=GlossaryExpander(sessions),
        )
        index_dirty = asyncio.Event()
        tables_sink = CatalogSink(data)
        box = CredentialBox.from_settings(settings)
        runner = TaskRunner(
            PipelineDeps(
                engine=engine,
                sessions=sessions,
                embedder=embedder,
                parsers=parsers,
                chunker=StructureChunker.for_embedder(embedder, reserve_tokens=HEADER_TOKENS),
                parse_timeout_s=settings.parse_timeout_s,
                embed_batch_size=settings.embed_batch_size,
                on_commit=index_dirty.set,
                tables=tables_sink,
                embedder_for_writes=embeddings.for_writes,
            ),
            concurrency=settings.ingest_concurrency,
            ingest_roots=settings.ingest_roots,
            uploads_dir=settings.data_dir / "uploads",
            max_file_bytes=settings.max_file_bytes,
            connectors=RemoteConnectors(settings, box),
            settle=(lambda: index.sync()) if serves_search else None,
        )
        tasks = _dispatch(settings, runner)

        async def sync_index() -> int:
            return await index.sync()

        knowledge = KnowledgeSearch(engine_search, sessions)
        tables = TableService(data)
        services = cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            embedder=embedder,
            embeddings=embeddings,
            parsers=parsers,
            index=index,
            runner=runner,
            tasks=tasks,
            llm=llm,
            auth=auth,
            data=data,
            search=knowledge,
            chat=ChatService(build_answerer(settings, llm, embedder), knowledge, sessions, tables),
            conversations=ConversationService(sessions),
            documents=DocumentService(
                sessions,
                tasks=tasks,
                sync_index=sync_index,
                tables=tables_sink,
                originals=OriginalsConfig(
                    settings.data_dir / "uploads", settings.ingest_roots, settings.max_file_bytes
                ),
            ),
            ingestion=IngestionService(
                sessions,
                tasks,
                ingest_roots=settings.ingest_roots,
                uploads_dir=settings.data_dir / "uploads",
                max_file_bytes=settings.max_file_bytes,
            ),
            tables=tables,
            users=UserAdmin(sessions, auth.passwords),
            projects=ProjectAdmin(sessions),
            keys=ApiKeys(sessions),
            stats=StatsService(sessions, index, engine_search),
            glossary=GlossaryService(sessions),
            metrics=MetricsService(instruments, sessions, index, tasks),
            sources=SourceService(
                sessions,
                tasks,
                box,
                ingest_roots=settings.ingest_roots,
                connectors_dir=settings.data_dir / "connectors",
                sync_index=sync_index,
                tables=tables_sink,
            ),
            scheduler=SourceScheduler(
                sessions,
                tasks,
                tick_s=settings.scheduler_tick_s,
                min_interval_s=settings.schedule_min_interval_s,
            ),
            redis=redis,
            _index_dirty=index_dirty,
        )
        services._background.append(asyncio.create_task(services._follow_index(), name="index-follower"))
        if run_tasks:
            # A model change re-embeds in the background (one process at a time); old vectors serve meanwhile.
            services._background.append(asyncio.create_task(embeddings.run(), name="re-embedding"))
        if run_tasks and isinstance(services.tasks, LocalDispatch):
            await services.runner.resume_interrupted()
        return services

    def start_scheduler(self) -> None:
        """Start scheduled syncs from this process (servers and workers; PAM_SCHEDULER=false opts out)."""
        if self.settings.scheduler:
            self._background.append(asyncio.create_task(self.scheduler.run_forever(), name="scheduler"))

    async def _follow_index(self) -> None:
        """Keep the index caught up: soon after our own commits, and every few seconds for other processes'.

        During an ingestion documents commit many times a second; applying them in groups (at most
        one index commit per `MIN_SYNC_GAP_S`) keeps tantivy's commits and merges off the cores the
        embedder needs. Search stays consistent either way: it only sees what the index applied.
        """
        shared = not self.settings.is_sqlite
        interval = SHARED_FOLLOW_INTERVAL_S if shared else FOLLOW_INTERVAL_S
        gap = SHARED_MIN_SYNC_GAP_S if shared else MIN_SYNC_GAP_S
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
            # arrives just as the event is set, and close() then waited for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._index_dirty.wait()
            self._index_dirty.clear()
            try:
                await self.embeddings.refresh()
                await self.index.sync()
            except Exception:
                log.exception("index_sync_failed")
            await asyncio.sleep(gap)

    async def sync_index(self) -> int:
        return await self.index.sync()

    async def health(self) -> dict[str, ComponentStatus]:
        async def database() -> None:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        async def embedder() -> None:
            _, active = self.embeddings.for_writes()
            await asyncio.to_thread(active.embed_query, "health")

        components = {
            "database": await probe(database, required=True, failure="database unreachable"),
            "index": await self.index.health(),
            "embedder": await self._embedder_health(
                await probe(embedder, required=True, failure="embedding model unavailable")
            ),
        }
        if self.redis is not None:
            components["redis"] = await self.redis.health()
        if (queue := await self.tasks.health()) is not None:
            components["queue"] = queue
        return components

    async def _embedder_health(self, probed: ComponentStatus) -> ComponentStatus:
        """The probe, with what a model change is doing (progress, or why it waits)."""
        status = await self.embeddings.status()
        if status.building is None and status.serving:
            return replace(probed, detail=status.active_model)
        detail = f"serving {status.active_model}"
        if status.building is not None:
            b = status.building
            detail += f"; re-embedding for {b.model}: {b.done}/{b.total}"
            if b.error:
                detail += f" (retrying: {b.error})"
        if not status.serving:
            detail += "; vector search paused (no embedder for the active model here)"
        degraded = probed.status == "ok" and not status.serving
        return replace(probed, status="degraded" if degraded else probed.status, detail=detail)

    async def close(self) -> None:
        await self.tasks.close()
        await self.runner.close()
        for job in self._background:
            job.cancel()
        for job in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await job
        await self.index.close()
        if self.llm is not None:
            await self.llm.aclose()
        await self.auth.close()
        if self.redis is not None:
            await self.redis.close()
        await self.engine.dispose()


def _dispatch(settings: Settings, runner: TaskRunner) -> TaskDispatch:
    if settings.effective_task_queue == "local":
        return LocalDispatch(runner)
    if settings.is_sqlite or settings.redis_url is None:
        raise InvalidInput(
            "PAM_TASK_QUEUE=redis needs PAM_REDIS_URL and a PostgreSQL PAM_DATABASE_URL shared with the workers",
            code="config",
        )
    from pam.ingest.redis_queue import RedisDispatch, open_queue

    queue = open_queue(settings.redis_url.get_secret_value())
    return RedisDispatch(queue, runner.sessions, heartbeat_s=settings.worker_heartbeat_s)
