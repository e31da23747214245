"""Request count, 5xx count and latency per route template, recorded into the app's own `Metrics`.

Outermost, so it sees the status of every answer, the request-id middleware's 500s included, and the
time to the end of a streamed body. The label is the route's template (`/api/documents/{document_id}`),
never the raw path: ids and random paths must not create series.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pam.api.route_table import template_of


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        services = getattr(scope["app"].state, "services", None) if scope["type"] == "http" else None
        if services is None:  # not HTTP, or before the lifespan built the registry
            await self.app(scope, receive, send)
            return
        status = 500
        began = time.perf_counter()

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            metrics = services.metrics.instruments
            method = scope["method"]
            route = template_of(scope["app"], scope["path"], method)
            metrics.http_requests.labels(method=method, route=route, status=str(status)).inc()
            if status >= 500:
                metrics.http_errors.labels(method=method, route=route).inc()
            metrics.http_latency.labels(method=method, route=route).observe(time.perf_counter() - began)
