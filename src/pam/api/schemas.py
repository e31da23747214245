"""Response and request models shared by several routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


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
