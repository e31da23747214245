"""Request and response models of the sources routes. Credentials go in, never out."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic.json_schema import SkipJsonSchema

from pam.api.routes.ingest_schemas import TaskOut
from pam.api.schemas import SourceType
from pam.connectors.configs import (
    DriveConfig,
    DriveCredentials,
    FolderConfig,
    GitConfig,
    GitCredentials,
    GitHubConfig,
    GitHubCredentials,
    WebsiteConfig,
    WebsiteCredentials,
)
from pam.services.schedules import MAX_SCHEDULE_CHARS, SCHEDULE, SCHEDULE_HELP
from pam.services.sources import SourceView
from pam.text_patterns import STORABLE_NOT_BLANK

# The rules the service checks, stated in the schema: a name with more than whitespace and no NUL, a
# schedule in the grammar `parse_schedule` reads (blank for none).
SourceName = Annotated[str, Field(min_length=1, max_length=200, pattern=STORABLE_NOT_BLANK)]
Schedule = Annotated[str, Field(max_length=MAX_SCHEDULE_CHARS, pattern=SCHEDULE, description=SCHEDULE_HELP)]


class _SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SourceName
    project: str | None = Field(default=None, max_length=200, description="default project if omitted")
    schedule: Schedule | None = None
    paused: StrictBool = False
    sync: StrictBool = Field(default=False, description="start a first sync right away")


class GitSourceIn(_SourceIn):
    type: Literal["git"]
    config: GitConfig
    credentials: GitCredentials | None = None


class GitHubSourceIn(_SourceIn):
    type: Literal["github"]
    config: GitHubConfig
    credentials: GitHubCredentials | None = None


class DriveSourceIn(_SourceIn):
    type: Literal["google_drive"]
    config: DriveConfig
    credentials: DriveCredentials


class WebsiteSourceIn(_SourceIn):
    type: Literal["website"]
    config: WebsiteConfig
    credentials: WebsiteCredentials | None = None


class FolderSourceIn(_SourceIn):
    type: Literal["folder"]
    config: FolderConfig


SourceCreate = Annotated[
    GitSourceIn | GitHubSourceIn | DriveSourceIn | WebsiteSourceIn | FolderSourceIn,
    Field(discriminator="type"),
]


RemoteConfig = GitConfig | GitHubConfig | DriveConfig | WebsiteConfig
RemoteCredentials = GitCredentials | GitHubCredentials | DriveCredentials | WebsiteCredentials


class SourcePatch(BaseModel):
    """Only the fields sent change; `schedule: null` removes the schedule, `credentials: null` the credentials.

    A config or credentials of another kind of source than this one, a new place (URL, repository,
    folder) or settings of a folder or upload source are a conflict (409): add another source instead.
    """

    model_config = ConfigDict(extra="forbid")

    # Absent means unchanged; these have no null (SkipJsonSchema keeps it out of the schema, and
    # `_not_null` refuses one sent all the same).
    name: SourceName | SkipJsonSchema[None] = None
    schedule: Schedule | None = None
    paused: StrictBool | SkipJsonSchema[None] = None
    config: RemoteConfig | SkipJsonSchema[None] = Field(
        default=None, description="the whole config, of the source's own kind"
    )
    credentials: RemoteCredentials | None = Field(
        default=None, description="replaces the stored credentials (of the source's own kind)"
    )

    @field_validator("name", "paused", "config", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep it")
        return value


class LastSync(BaseModel):
    at: datetime | None
    status: str | None
    task_id: str | None = None
    total: int = 0
    succeeded: int = 0
    skipped: int = 0
    failed: int = 0
    deleted: int = 0
    segments_created: int = 0
    segments_embedded: int = 0
    error: str | None = None


class SourceOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project: str
    type: SourceType
    name: str
    config: dict[str, Any] = Field(description="the source's settings; never a secret or a server path")
    has_credentials: bool
    schedule: str | None
    next_sync_at: datetime | None
    paused: bool
    documents: int = Field(description="active documents from this source")
    last_sync: LastSync | None
    active_task: TaskOut | None = Field(description="the sync under way, if any")
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: SourceView, now: datetime) -> SourceOut:
        source = view.source
        config = {k: v for k, v in (source.config or {}).items() if k != "path"}
        summary = source.last_sync_summary or {}
        last = None
        if source.last_sync_at is not None:
            last = LastSync(at=source.last_sync_at, status=source.last_sync_status, **_known(summary))
        return cls(
            id=source.id,
            project_id=source.project_id,
            project=view.project,
            type=source.type,
            name=source.name,
            config=config,
            has_credentials=view.has_credentials,
            schedule=source.schedule,
            next_sync_at=source.next_sync_at,
            paused=source.paused,
            documents=view.documents,
            last_sync=last,
            active_task=TaskOut.of(view.active_task, now) if view.active_task is not None else None,
            created_by=source.created_by,
            created_at=source.created_at,
            updated_at=source.updated_at,
        )


def _known(summary: dict[str, Any]) -> dict[str, Any]:
    fields = LastSync.model_fields.keys() - {"at", "status"}
    return {k: v for k, v in summary.items() if k in fields}


class SourcePage(BaseModel):
    items: list[SourceOut]
    total: int
