"""Request id, access log and the last-resort error answer, as plain ASGI middleware.

Plain ASGI (not BaseHTTPMiddleware) so streaming responses pass through untouched and the
request id contextvar is visible to every line logged while the request runs.

An exception no handler took is answered here, not by an app-level `Exception` handler: Starlette
runs that one in its outermost middleware, outside this one, so its 500 would carry no
`X-Request-ID` and its log line no request id.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
# A client-supplied id is echoed and logged, so only a safe shape is honoured.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

ErrorAnswer = Callable[[Request, Exception], Awaitable[Response]]


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, on_error: ErrorAnswer) -> None:
        self.app = app
        self.on_error = on_error
        self.log = structlog.get_logger("pam.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = False
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = int(message["status"]), True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                if started:
                    # Mid-response: the status line is gone. Logged with the request id, then passed
                    # on: the server closes the connection (and outer layers see their own signals).
                    self.log.error("response_failed", error_type=type(exc).__name__)
                    raise
                answer = await self.on_error(Request(scope, receive), exc)
                await answer(scope, receive, send_with_id)
            finally:
                self.log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - began) * 1000, 2),
                )
