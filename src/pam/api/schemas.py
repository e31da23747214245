"""Response and request models shared by several routes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator

# RFC 3339 `date-time`, which the schema promises: a date, a time and an offset. Pydantic alone would
# also take a number (seconds since 1970), a bare date or a time without its offset.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339_text(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("expected an RFC 3339 date-time such as 2024-05-01T00:00:00Z")
    return value


DateTimeIn = Annotated[datetime, BeforeValidator(_rfc3339_text)]

# Where documents come from: the filters of search, chat and the document list, and the sources' types.
SourceType = Literal["folder", "upload", "git", "github", "google_drive", "website"]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ComponentHealth(BaseModel):
    status: Literal["ok", "degraded", "down", "disabled", "catching_up"]
    latency_ms: float | None = None
    detail: str | None = None
    required: bool = True


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded", "down", "catching_up"]
    version: str
    components: dict[str, ComponentHealth]
