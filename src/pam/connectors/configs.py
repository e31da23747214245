"""What each kind of remote source is configured with (no secrets) and which credentials it takes.

The API and the CLI validate with these models; `sources.config` stores the config as JSON and the
credentials are sealed apart (`credentials.py`). Endpoints (`api_url`, `token_uri`) default to the
real services and are settable so the same client libraries can talk to another host.

Every rule is stated in the models' JSON Schema (patterns, `oneOf`), so the API's schema refuses
exactly what validation refuses; the validators only normalise, or check what the schema states.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictFloat,
    field_validator,
    model_validator,
)

from pam.json_types import IntIn
from pam.text_patterns import STORABLE, WHITESPACE, matches

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


def _anycase(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def _not_starting_with(words: tuple[str, ...], *, first: str, rest: str) -> str:
    """Strings whose first character is not in class `first` and whose others are not in class `rest`
    (each the inside of a character class), that start with none of `words` (letters in any case).
    `words` may hold only letters and `:`, `/`.
    JSON Schema patterns have no look-ahead, so this walks the words' common prefixes instead."""
    alternatives = []
    prefixes = sorted({w[:i] for w in words for i in range(len(w))})
    for prefix in prefixes:
        following = "".join(sorted({w[len(prefix)] for w in words if w.startswith(prefix)}))
        excluded = "".join(f"{c.upper()}{c.lower()}" if c.isalpha() else c for c in following)
        head = first if not prefix else rest
        if prefix:
            alternatives.append(_anycase(prefix))  # the string ends inside the prefix
        alternatives.append(f"{_anycase(prefix)}[^{head}{excluded}][^{rest}]*")
    return "|".join(alternatives)


_CONTROL = "\\x00-\\x1f\\x7f"
_REST = f"[^{WHITESPACE}{_CONTROL}]*"
# An http(s) URL of a named host (letters, digits, `.`, `_`, `-`) with an optional port, and no
# credentials, whitespace or control characters in it.
HTTP_URL = f"^{_anycase('http')}[Ss]?://[A-Za-z0-9._-]+(?::[0-9]{{1,5}})?(?:[/?#]{_REST})?$"
# Anything `git clone` takes (https, ssh, file, scp-like `git@host:path`, a path), that is not an
# option (`-...`), has no control characters and starts with no whitespace; an http(s) URL carries
# no credentials (no `@` before its path). Trailing whitespace is stripped.
_HTTP_WITHOUT_CREDENTIALS = f"{_anycase('http')}[Ss]?://[^/?#@{_CONTROL}]*(?:[/?#][^{_CONTROL}]*)?"
_NOT_HTTP = _not_starting_with(("http://", "https://"), first=WHITESPACE + _CONTROL + "\\-", rest=_CONTROL)
GIT_URL = f"^(?:{_HTTP_WITHOUT_CREDENTIALS}|{_NOT_HTTP})$"
BRANCH = "^[A-Za-z0-9._/+][A-Za-z0-9._/+-]*$"


def _matching(pattern: str, message: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not matches(pattern, value):
            raise ValueError(message)
        return value

    return check


# The schema states the pattern; the check says what is wrong in words (the pattern is long).
GitUrl = Annotated[
    str,
    Field(json_schema_extra={"pattern": GIT_URL}),
    AfterValidator(
        _matching(GIT_URL, "is not a repository URL, or it carries credentials (give them apart)")
    ),
]
HttpUrl = Annotated[
    str,
    Field(json_schema_extra={"pattern": HTTP_URL}),
    AfterValidator(_matching(HTTP_URL, "must be an http(s) URL of a host, without credentials")),
]


# Free text (globs, link templates): anything a store can keep.
Text = Annotated[str, Field(pattern=STORABLE)]


def _http_url(value: str) -> str:
    # HTTP_URL has been checked: this only normalises (the scheme in lower case).
    return urlunsplit(urlsplit(value))


def _exactly_one(*alternatives: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {"oneOf": list(alternatives)}


def _given(*names: str, others_null: tuple[str, ...] = ()) -> dict[str, JsonValue]:
    """`names` given as strings (not null), `others_null` absent or null."""
    properties: dict[str, JsonValue] = {n: {"type": "string"} for n in names}
    properties.update({n: {"type": "null"} for n in others_null})
    return {"required": list(names), "properties": properties}


class GitConfig(_Config):
    url: GitUrl = Field(
        min_length=1,
        max_length=2000,
        description="anything `git clone` takes: https, ssh, file; an https URL without credentials",
    )
    branch: str | None = Field(
        default=None, max_length=250, pattern=BRANCH, description="default: the remote's HEAD"
    )
    include: list[Text] = Field(default_factory=lambda: list(DOCUMENT_GLOBS), max_length=50)
    exclude: list[Text] = Field(default_factory=list, max_length=50)
    web_url: Text | None = Field(
        default=None,
        max_length=2000,
        description="link for citations, with {path} and {branch}; derived for GitHub/GitLab URLs",
    )

    @field_validator("url")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        # GIT_URL has been checked: no option, no credentials, no control characters.
        return value.rstrip()


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
    issues: StrictBool = True
    pull_requests: StrictBool = True
    api_url: HttpUrl = Field(default="https://api.github.com", max_length=2000)

    @field_validator("api_url")
    @classmethod
    def _api(cls, value: str) -> str:
        return _http_url(value).rstrip("/")


class GitHubCredentials(_Config):
    token: str | None = Field(default=None, max_length=4000)


_DRIVE_ID = r"^[A-Za-z0-9_-]+$"


class DriveConfig(_Config):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_exactly_one(
            _given("folder_id", others_null=("drive_id",)), _given("drive_id", others_null=("folder_id",))
        ),
    )

    folder_id: str | None = Field(default=None, max_length=200, pattern=_DRIVE_ID)
    drive_id: str | None = Field(default=None, max_length=200, pattern=_DRIVE_ID)
    api_url: HttpUrl | None = Field(default=None, max_length=2000, description="default: Google's")

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
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_exactly_one(
            _given("service_account_json", others_null=("refresh_token",)),
            {
                **_given(
                    "refresh_token", "client_id", "client_secret", others_null=("service_account_json",)
                ),
                "properties": {
                    "refresh_token": {"type": "string"},
                    "client_id": {"type": "string", "minLength": 1},
                    "client_secret": {"type": "string", "minLength": 1},
                    "service_account_json": {"type": "null"},
                },
            },
        ),
    )

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
    start_url: HttpUrl = Field(max_length=2000, description="the first page; only its host is crawled")
    sitemap_url: HttpUrl | None = Field(default=None, max_length=2000)
    include: list[Text] = Field(default_factory=list, max_length=50, description="URL path globs")
    exclude: list[Text] = Field(default_factory=list, max_length=50)
    max_pages: IntIn = Field(default=500, ge=1, le=20000)
    requests_per_second: StrictFloat = Field(default=2.0, gt=0, le=50)

    @field_validator("start_url", "sitemap_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)


class WebsiteCredentials(_Config):
    authorization: str | None = Field(
        default=None, max_length=4000, description="an Authorization header for an internal site"
    )


class FolderConfig(_Config):
    path: str = Field(
        min_length=1, max_length=4096, pattern="^[^\\x00]+$", description="a folder under PAM_INGEST_ROOTS"
    )
    include: list[Text] = Field(default_factory=list, max_length=50)
    exclude: list[Text] = Field(default_factory=list, max_length=50)


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
