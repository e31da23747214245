"""Response and request models shared by several routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

# Where documents come from: the filters of search, chat and the document list, and the sources' types.
SourceType = Literal["folder", "upload", "git", "github", "google_drive", "website"]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ComponentHealth(BaseModel):
    status: Literal["ok", "degraded", "down", "disabled"]
    latency_ms: float | None = None
    detail: str | None = None
    required: bool = True


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded", "down"]
    version: str
    components: dict[str, ComponentHealth]
