"""Component health, as the services see it; the API turns it into its response model."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

# "catching_up": a search replica loading its index (the server answers 503 until it is done).
HealthStatus = Literal["ok", "degraded", "down", "disabled", "catching_up"]


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    status: HealthStatus
    latency_ms: float | None = None
    detail: str | None = None
    required: bool = True


async def probe(check: Callable[[], Awaitable[object]], *, required: bool, failure: str) -> ComponentStatus:
    """Run `check`; its exception becomes `failure` (a fixed phrase: nothing internal is shown)."""
    started = time.perf_counter()
    try:
        await check()
    except Exception:
        return ComponentStatus(status="down", detail=failure, required=required)
    return ComponentStatus(
        status="ok", latency_ms=round((time.perf_counter() - started) * 1000, 2), required=required
    )
