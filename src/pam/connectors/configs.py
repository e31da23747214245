"""What each kind of remote source is configured with (no secrets) and which credentials it takes.

The API and the CLI validate with these models; `sources.config` stores the config as JSON and the
credentials are sealed apart (`credentials.py`). Endpoints (`api_url`, `token_uri`) default to the
real services and are settable so the same client libraries can talk to another host.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Files a repository usually holds as documentation; code and images would only be per-file errors.
DOCUMENT_GLOBS = (
    "*.md",
    "*.markdown",
    "*.txt",
    "*.rst",
    "*.html",
    "*.htm",
    "*.pdf",
    "*.docx",
    "*.csv",
    "*.tsv",
    "*.xlsx",
)


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _http_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials: give them as credentials")
    return urlunsplit(parts)


class GitConfig(_Config):
    url: str = Field(
        min_length=1, max_length=2000, description="anything `git clone` takes: https, ssh, file"
    )
    branch: str | None = Field(default=None, max_length=250, description="default: the remote's HEAD")
    include: list[str] = Field(default_factory=lambda: list(DOCUMENT_GLOBS), max_length=50)
    exclude: list[str] = Field(default_factory=list, max_length=50)
    web_url: str | None = Field(
        default=None,
        max_length=2000,
        description="link for citations, with {path} and {branch}; derived for GitHub/GitLab URLs",
    )

    @field_validator("url")
    @classmethod
    def _no_option(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("-") or any(ch in value for ch in "\n\r\0"):
            raise ValueError("is not a repository URL")
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and (parts.username or parts.password):
            raise ValueError("must not carry credentials: give the token as credentials")
        return value

    @field_validator("branch")
    @classmethod
    def _branch(cls, value: str | None) -> str | None:
        if value is not None and (not re.fullmatch(r"[A-Za-z0-9._/+-]+", value) or value.startswith("-")):
            raise ValueError("is not a branch name")
        return value


class GitCredentials(_Config):
    token: str | None = Field(default=None, max_length=4000, description="https: a token or password")
    username: str | None = Field(
        default=None, max_length=200, description="https user (default x-access-token)"
    )
    ssh_key: str | None = Field(
        default=None, max_length=20000, description="ssh: a private key (PEM/OpenSSH)"
    )


class GitHubConfig(_Config):
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", description="owner/name")
    issues: bool = True
    pull_requests: bool = True
    api_url: str = Field(default="https://api.github.com", max_length=2000)

    @field_validator("api_url")
    @classmethod
    def _api(cls, value: str) -> str:
        return _http_url(value).rstrip("/")


class GitHubCredentials(_Config):
    token: str | None = Field(default=None, max_length=4000)


class DriveConfig(_Config):
    folder_id: str | None = Field(default=None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")
    drive_id: str | None = Field(default=None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")
    api_url: str | None = Field(default=None, max_length=2000, description="default: Google's")

    @field_validator("api_url")
    @classmethod
    def _api(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)

    @model_validator(mode="after")
    def _one_root(self) -> DriveConfig:
        if (self.folder_id is None) == (self.drive_id is None):
            raise ValueError("give exactly one of folder_id or drive_id")
        return self


class DriveCredentials(_Config):
    service_account_json: str | None = Field(default=None, max_length=20000)
    client_id: str | None = Field(default=None, max_length=500)
    client_secret: str | None = Field(default=None, max_length=500)
    refresh_token: str | None = Field(default=None, max_length=4000)
    token_uri: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _one_kind(self) -> DriveCredentials:
        oauth = self.refresh_token is not None
        if (self.service_account_json is None) == (not oauth):
            raise ValueError(
                "give either service_account_json or an OAuth refresh_token with client_id/secret"
            )
        if oauth and not (self.client_id and self.client_secret):
            raise ValueError("an OAuth refresh_token needs client_id and client_secret")
        return self


class WebsiteConfig(_Config):
    start_url: str = Field(max_length=2000, description="the first page; only its host is crawled")
    sitemap_url: str | None = Field(default=None, max_length=2000)
    include: list[str] = Field(default_factory=list, max_length=50, description="URL path globs")
    exclude: list[str] = Field(default_factory=list, max_length=50)
    max_pages: int = Field(default=500, ge=1, le=20000)
    requests_per_second: float = Field(default=2.0, gt=0, le=50)

    @field_validator("start_url", "sitemap_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)


class WebsiteCredentials(_Config):
    authorization: str | None = Field(
        default=None, max_length=4000, description="an Authorization header for an internal site"
    )


class FolderConfig(_Config):
    path: str = Field(min_length=1, max_length=4096, description="a folder under PAM_INGEST_ROOTS")
    include: list[str] = Field(default_factory=list, max_length=50)
    exclude: list[str] = Field(default_factory=list, max_length=50)


RemoteType = Literal["git", "github", "google_drive", "website"]
CONFIGS: dict[str, type[_Config]] = {
    "git": GitConfig,
    "github": GitHubConfig,
    "google_drive": DriveConfig,
    "website": WebsiteConfig,
    "folder": FolderConfig,
}
CREDENTIALS: dict[str, type[_Config]] = {
    "git": GitCredentials,
    "github": GitHubCredentials,
    "google_drive": DriveCredentials,
    "website": WebsiteCredentials,
}
