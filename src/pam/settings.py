"""Settings, read from the environment (``PAM_`` prefix) and ``.env``.

A `Settings` object is built by whoever starts a process (the CLI, a test) and passed
explicitly to everything that needs it. Nothing in `pam` reads settings at import time,
so a changed environment is honoured by the next ``Settings()`` with no reset call.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

LogFormat = Literal["json", "console"]
LLMProviderName = Literal["extractive", "anthropic", "openai"]
AuthMode = Literal["none", "required"]
SearchMode = Literal["hybrid", "keyword", "vector"]
IndexChoice = Literal["auto", "embedded", "postgres"]
QueueChoice = Literal["auto", "local", "redis"]
GrantedRole = Literal["viewer", "editor", "admin"]  # `pam.access.Role`, spelled here (no import upward)
_PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cors_origin(raw: str) -> str:
    """`scheme://host[:port]`, as browsers send it in `Origin`; anything else is a configuration error."""
    parts = urlsplit(raw.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise ValueError(f"PAM_CORS_ORIGINS: {raw!r} is not an origin such as https://app.example.com")
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class OidcProviderSettings(BaseModel):
    """One OpenID Connect provider of `PAM_OIDC_PROVIDERS` (a JSON list of these objects).

    Who may sign in: a user linked to this provider before, a user an admin created with the same
    (verified) email (an invitation), or anyone whose email domain is in `allowed_domains`, who is
    then created with `default_roles`. `group_roles` maps values of the `groups_claim` to roles:
    the projects it names are managed by the provider (set at every sign-in, removed when no
    group grants one); other projects are left to the admins.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="in URLs and `pam users`: lower-case letters, digits, - and _")
    issuer: str = Field(
        description="the issuer URL; discovery reads <issuer>/.well-known/openid-configuration"
    )
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: SecretStr
    label: str = Field(default="", max_length=100, description="the login button says 'Sign in with <label>'")
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    allowed_domains: list[str] = Field(default_factory=list)
    default_roles: dict[str, GrantedRole] = Field(default_factory=dict)
    groups_claim: str = "groups"
    group_roles: dict[str, dict[str, GrantedRole]] = Field(default_factory=dict)
    # Without a verified email anyone could claim a colleague's address at a lax provider.
    require_verified_email: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _PROVIDER_NAME.match(value):
            raise ValueError("a provider name has 1-40 lower-case letters, digits, - or _")
        return value

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and parts.hostname is not None and is_loopback_host(parts.hostname)
        )
        if not secure or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("an issuer is an https:// URL (http:// only on loopback) without query")
        return value.strip()

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        if "openid" not in value or any(not s or " " in s for s in value):
            raise ValueError("scopes are single words and include 'openid'")
        return value

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        domains = [d.strip().lower().removeprefix("@") for d in value]
        if any(not d or "@" in d or " " in d for d in domains):
            raise ValueError("allowed_domains holds domains such as example.com")
        return domains

    @property
    def display_name(self) -> str:
        return self.label or self.name


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

    # Remote sources (Git, GitHub, Google Drive, websites)
    credentials_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s) encrypting source credentials, comma separated (first encrypts); "
        "default: generated into the data dir",
    )
    scheduler: bool = Field(default=True, description="start scheduled source syncs from this process")
    scheduler_tick_s: float = Field(default=5.0, ge=0.05, le=300)
    schedule_min_interval_s: int = Field(
        default=60,
        ge=1,
        description="the least time between two scheduled syncs of a source (a faster schedule is slowed to it)",
    )
    connector_attempts: int = Field(default=6, ge=1, le=50, description="tries of a remote request on 5xx")
    connector_backoff_s: float = Field(
        default=1.0, ge=0, le=60, description="first back-off; doubled per try"
    )
    connector_timeout_s: float = Field(default=30.0, gt=0, le=600)

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
    # Passages searched before the first model call and given to the model with the question.
    agent_prefetch: int = Field(default=5, ge=1, le=20)
    llm_max_tokens: int = Field(default=1_500, ge=64, le=32_000)
    # An LLM answer that fails the grounding check: shown as it is, flagged with the extractive
    # answer beside it, or replaced by the extractive answer (held back until checked).
    ungrounded: Literal["show", "flag", "replace"] = "flag"

    # Access
    auth: AuthMode = "none"
    auth_allow_open: bool = False
    jwt_secret: SecretStr | None = None
    access_token_minutes: int = Field(default=30, ge=1)
    # Rate limits per user (0 = unlimited). Login counts per client address and per email, before hashing.
    rate_limit_login: int = Field(default=10, ge=0)
    rate_limit_login_window_s: float = Field(default=300.0, gt=0)
    # Sign-ins started through an OpenID provider per client address, in the same window.
    rate_limit_sso: int = Field(default=60, ge=0)
    rate_limit_chat_per_minute: int = Field(default=30, ge=0)
    rate_limit_search_per_minute: int = Field(default=120, ge=0)
    rate_limit_ingest_per_minute: int = Field(default=30, ge=0)
    # Sign-in: OpenID Connect providers as a JSON list (see `OidcProviderSettings`), and whether the
    # email + password login stays open beside them.
    oidc_providers: list[OidcProviderSettings] = Field(default_factory=list)
    password_login: bool = True
    # The address people reach this server at (https://pam.example.com): the base of the OIDC
    # redirect URI registered with each provider. Unset: taken from each request.
    public_url: str | None = None
    # Origins of a UI or tool on another origin allowed to call the API from a browser (comma-separated,
    # or "*"). Credentials (cookies) are never allowed cross-origin: the API authenticates by header.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # `pam mcp` (stdio): the API key it acts with under PAM_AUTH=required, and a running server to
    # forward to instead of opening the data directory itself.
    mcp_api_key: SecretStr | None = None
    mcp_url: str | None = None

    @field_validator("ingest_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: object) -> object:
        # PAM_INGEST_ROOTS=/srv/docs,/mnt/share reads more naturally than a JSON list.
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # PAM_CORS_ORIGINS=https://a.example,https://b.example, like PAM_INGEST_ROOTS.
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        if "*" in value and len(value) > 1:
            raise ValueError("PAM_CORS_ORIGINS is either * or a list of origins, not both")
        return value if value == ["*"] else [cors_origin(v) for v in value]

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("PAM_PUBLIC_URL is the server's base address, such as https://pam.example.com")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _unique_provider_names(self) -> Settings:
        names = [p.name for p in self.oidc_providers]
        if len(names) != len(set(names)):
            raise ValueError("PAM_OIDC_PROVIDERS: each provider needs its own name")
        return self

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
            elif name == "oidc_providers":
                # JSON mode writes each client secret as "**********".
                shown[name] = [p.model_dump(mode="json") for p in self.oidc_providers]
            elif isinstance(value, list):
                shown[name] = [str(v) for v in value]
            else:
                shown[name] = value
        shown["database_url"] = make_url(self.resolved_database_url).render_as_string(hide_password=True)
        shown["llm_provider"] = self.effective_llm_provider
        return shown
