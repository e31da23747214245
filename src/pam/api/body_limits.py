"""Request body limits per route, enforced before a body is parsed and named in the OpenAPI document.

Every body is read whole before it is parsed, so without a limit a 50 MB JSON body is received and
parsed in full just to be refused. `BodyLimitMiddleware` answers 413 `payload_too_large` at once when
the declared Content-Length is over the route's limit, and stops reading a body (chunked, or one that
lies about its length) the moment it goes over. JSON routes get `JSON_BODY_LIMIT` (the largest
legitimate JSON body, a chat message of 8,000 characters with its filters, is a few KiB); the upload
route gets PAM_MAX_UPLOAD_BYTES plus room for the multipart framing. Each operation with a body says
its limit in the document as `x-max-body-bytes`.

(FastAPI's own `max_body_size` would do the counting, but Starlette then answers with a plain-text
413 instead of the API's error body.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pam.api.errors import error_body
from pam.api.route_table import template_of

JSON_BODY_LIMIT = 1024 * 1024
# A whole conversation sent back with each question (`/v1/chat/completions`).
CONVERSATION_BODY_LIMIT = 8 * 1024 * 1024
# Boundaries, part headers and the form fields beside the files.
MULTIPART_OVERHEAD = 1024 * 1024
LIMIT_EXTENSION = "x-max-body-bytes"


def upload_body_limit(max_upload_bytes: int) -> int:
    return max_upload_bytes + MULTIPART_OVERHEAD


def too_large(limit: int) -> HTTPException:
    # An HTTPException, not a PamError: FastAPI turns any other error raised while it reads a body
    # into "There was an error parsing the body" (400).
    return HTTPException(413, f"the request body is larger than this route's limit of {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, default: int, per_route: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.per_route = dict(per_route)

    def limit_for(self, scope: Scope) -> int:
        return self.per_route.get(template_of(scope["app"], scope["path"], scope["method"]), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            # Refused before a byte of the body is read (outside the routes: answered here).
            refusal = too_large(limit)
            body = error_body("payload_too_large", str(refusal.detail))
            await JSONResponse(body, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, counted, send)


def document_body_limits(app: FastAPI, default: int, per_route: Mapping[str, int]) -> None:
    """Name each operation's body limit (`x-max-body-bytes`) beside its request body."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        for route in iter_route_contexts(app.routes):
            template = route.path_format or ""
            for method in route.methods or ():
                operation = document["paths"].get(template, {}).get(method.lower())
                if operation is not None and "requestBody" in operation:
                    operation[LIMIT_EXTENSION] = per_route.get(template, default)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
