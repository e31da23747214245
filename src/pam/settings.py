"""Settings, read from the environment (``PAM_`` prefix) and ``.env``.

A `Settings` object is built by whoever starts a process (the CLI, a test) and passed
explicitly to everything that needs it. Nothing in `pam` reads settings at import time,
so a changed environment is honoured by the next ``Settings()`` with no reset call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

LogFormat = Literal["json", "console"]
LLMProviderName = Literal["extractive", "anthropic", "openai"]
AuthMode = Literal["none", "required"]
SearchMode = Literal["hybrid", "keyword", "vector"]
IndexChoice = Literal["auto", "embedded", "postgres"]
QueueChoice = Literal["auto", "local", "redis"]
EmbedProvider = Literal["minilm", "openai"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAM_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default: a SQLite file in the data dir"
    )
    redis_url: SecretStr | None = Field(
        default=None, description="redis://... : shared result cache, rate limits and the ingestion queue"
    )
    # Connections each process keeps open to the database, and extra ones it may open under load.
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    # `embedded`: tantivy + in-memory vectors beside each server (with PostgreSQL: a replica per server, fed
    # from the outbox); `postgres`: PostgreSQL's own index (tsvector BM25 + pgvector). `auto`: embedded.
    search_index: IndexChoice = "auto"
    index_dir: Path | None = Field(
        default=None, description="where this server keeps its search index; default: <data dir>/index"
    )
    # `auto`: the Redis queue (run `pam worker`) when PAM_REDIS_URL is set, else tasks run in the server.
    task_queue: QueueChoice = "auto"
    worker_concurrency: int = Field(
        default=1, ge=1, le=16, description="ingestion jobs one `pam worker` runs at once"
    )
    # A queued job whose worker stops heartbeating for this long goes back on the queue.
    worker_heartbeat_s: int = Field(default=20, ge=3, le=600)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Addresses of proxies whose X-Forwarded-For/-Proto are believed ("*": any, when only a proxy can reach
    # the server). Unset: the peer address is the client's, and forwarded headers are ignored.
    trusted_proxies: str | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: LogFormat = "json"
    web_dir: Path = Field(default=Path("web/dist"), description="the built web UI, served at / when present")

    # Ingestion
    ingest_roots: Annotated[list[Path], NoDecode] = Field(default_factory=lambda: [Path(".")])
    seed_dir: Path | None = Field(
        default=None, description="folder ingested into the default project on first start"
    )
    max_file_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    ingest_concurrency: int = Field(default=2, ge=1, le=16)
    parse_timeout_s: float = Field(default=60.0, gt=0)
    embed_batch_size: int = Field(default=16, ge=1, le=512)
    # onnxruntime threads per model run, and how many runs go in parallel (default: one per core).
    embed_threads: int | None = Field(default=None, ge=1)
    embed_workers: int | None = Field(default=None, ge=1, le=64)
    # The embedding model: the packaged MiniLM (offline), or any OpenAI-compatible /embeddings endpoint
    # (OpenAI, Ollama, vLLM, TEI). Changing it re-embeds everything in the background; the old vectors
    # serve until the new ones are complete.
    embed_provider: EmbedProvider = "minilm"
    embed_model: str | None = Field(default=None, description="model name for PAM_EMBED_PROVIDER=openai")
    embed_base_url: str | None = Field(default=None, description="e.g. http://localhost:11434/v1 (Ollama)")
    embed_api_key: SecretStr | None = None
    embed_dimensions: int | None = Field(default=None, ge=2, le=16_000, description="ask for shorter vectors")
    # Chunks are sized in tokens of the packaged tokenizer for every model, so a model change keeps them.
    embed_max_tokens: int = Field(default=254, ge=16, le=8192)
    embed_timeout_s: float = Field(default=30.0, gt=0)

    # Retrieval
    rrf_k: int = Field(default=60, ge=1)
    search_candidates: int = Field(default=100, ge=10, le=2000)
    search_cache_size: int = Field(default=1024, ge=0)

    # Answers
    llm_provider: LLMProviderName | None = None
    llm_model: str | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0)
    agent_max_steps: int = Field(default=6, ge=1, le=50)

    # Access
    auth: AuthMode = "none"
    auth_allow_open: bool = False
    jwt_secret: SecretStr | None = None
    access_token_minutes: int = Field(default=30, ge=1)
    # Rate limits per user (0 = unlimited). Login counts per client address and per email, before hashing.
    rate_limit_login: int = Field(default=10, ge=0)
    rate_limit_login_window_s: float = Field(default=300.0, gt=0)
    rate_limit_chat_per_minute: int = Field(default=30, ge=0)
    rate_limit_search_per_minute: int = Field(default=120, ge=0)
    rate_limit_ingest_per_minute: int = Field(default=30, ge=0)

    @field_validator("ingest_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: object) -> object:
        # PAM_INGEST_ROOTS=/srv/docs,/mnt/share reads more naturally than a JSON list.
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'pam.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.resolved_database_url).get_backend_name() == "sqlite"

    @property
    def effective_search_index(self) -> Literal["embedded", "postgres"]:
        # The embedded index answers hybrid queries in milliseconds where PostgreSQL's takes 100-200 ms
        # (bench/results/postgres.md), so it is the default with PostgreSQL too, as one replica per server.
        return "embedded" if self.search_index == "auto" else self.search_index

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir if self.index_dir is not None else self.data_dir / "index"

    @property
    def effective_task_queue(self) -> Literal["local", "redis"]:
        if self.task_queue != "auto":
            return self.task_queue
        # Workers share the database: a SQLite file keeps its tasks in its own server process.
        return "redis" if self.redis_url is not None and not self.is_sqlite else "local"

    @property
    def effective_llm_provider(self) -> LLMProviderName:
        return self.llm_provider or "extractive"

    def masked(self) -> dict[str, object]:
        """The effective settings for display, with every secret masked."""
        shown: dict[str, object] = {}
        for name, value in self.model_dump().items():
            if isinstance(getattr(self, name), SecretStr):
                shown[name] = "********" if getattr(self, name).get_secret_value() else ""
            elif isinstance(value, Path):
                shown[name] = str(value)
            elif isinstance(value, list):
                shown[name] = [str(v) for v in value]
            else:
                shown[name] = value
        shown["database_url"] = make_url(self.resolved_database_url).render_as_string(hide_password=True)
        shown["llm_provider"] = self.effective_llm_provider
        return shown
