"""`GET /metrics`: Prometheus' text format, for administrators (any admin's API key when PAM_AUTH=required)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from pam.api.deps import ScopeDep, ServicesDep

router = APIRouter(tags=["monitoring"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
            "description": "Every metric in Prometheus' text exposition format (docs/deploy.md lists them)",
        }
    },
)
async def metrics(services: ServicesDep, scope: ScopeDep) -> Response:
    return Response(await services.metrics.render(scope), media_type=CONTENT_TYPE_LATEST)
