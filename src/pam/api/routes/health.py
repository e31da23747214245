"""`GET /api/health`: each component's status and latency; 200 when the required ones are up."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Response

from pam import __version__
from pam.api.deps import ServicesDep
from pam.api.schemas import ComponentHealth, HealthResponse

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
async def health(services: ServicesDep, response: Response) -> HealthResponse:
    components = {name: ComponentHealth(**asdict(c)) for name, c in (await services.health()).items()}
    required_down = any(c.status == "down" and c.required for c in components.values())
    catching_up = any(c.status == "catching_up" for c in components.values())
    any_degraded = any(c.status in ("down", "degraded") for c in components.values())
    status = (
        "down" if required_down else "catching_up" if catching_up else "degraded" if any_degraded else "ok"
    )
    if required_down or catching_up:
        # 503 either way: a proxy's health check takes this server out of rotation until it is ready.
        response.status_code = 503
    return HealthResponse(status=status, version=__version__, components=components)
