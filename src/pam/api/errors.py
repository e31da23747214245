"""One place that turns errors into `{"error": {"code", "message"}}` with no internals.

Under `/v1` (the OpenAI-compatible API) the same body also carries OpenAI's `type` and `param`, so
the OpenAI SDKs and the chat apps built on them read our errors as they read OpenAI's.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from pam.api.route_table import methods_at
from pam.api.web import web_fallback
from pam.errors import PamError, StorageFull
from pam.store.outage import database_reachable, looks_like_full_disk, looks_like_outage

_HTTP_CODES = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


RETRY_AFTER_OUTAGE_S = 5
OPENAI_PREFIX = "/v1"


async def _database_down(request: Request, exc: Exception) -> bool:
    if looks_like_outage(exc):
        return True
    services = getattr(request.app.state, "services", None)
    return services is not None and not await database_reachable(services.engine)


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


# OpenAI's error `type` for a status (its SDKs pick the exception class from the status itself).
_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def openai_error_body(code: str, message: str, status: int) -> dict[str, dict[str, str | None]]:
    """Our error body with OpenAI's `type` and `param` beside our `code` and `message`."""
    kind = _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"code": code, "message": message, "type": kind, "param": None}}


def _body(request: Request, code: str, message: str, status: int) -> dict[str, Any]:
    path = request.url.path
    if path == OPENAI_PREFIX or path.startswith(OPENAI_PREFIX + "/"):
        return openai_error_body(code, message, status)
    return error_body(code, message)


def _validation_message(exc: RequestValidationError) -> str:
    # Field locations and pydantic's messages only: never the submitted values.
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    log = structlog.get_logger("pam.errors")

    @app.exception_handler(PamError)
    async def _pam_error(request: Request, exc: PamError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        if exc.status >= 500:
            log.warning("pam_error", code=exc.code, message=exc.message)
        body = _body(request, exc.code, exc.message, exc.status)
        return JSONResponse(body, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_body(request, "invalid_input", _validation_message(exc), 422), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and (page := web_fallback(request)) is not None:
            return page
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code < 500 else "request failed"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route whose path matched; a path served by
            # several routes (GET and POST, say) supports all of theirs.
            headers["Allow"] = ", ".join(methods_at(request.app, request.url.path))
        body = _body(request, code, message, exc.status_code)
        return JSONResponse(body, status_code=exc.status_code, headers=headers or None)


async def unexpected_error_response(request: Request, exc: Exception) -> JSONResponse:
    """The answer to an exception nothing else handled: 503 when the database is down, else a 500 that
    names no internals. Called by `RequestIdMiddleware`, so the response and the log line both carry the
    request id (an app-level `Exception` handler runs outside every middleware, and sees neither)."""
    log = structlog.get_logger("pam.errors")
    if looks_like_full_disk(exc):
        # Not a bug either: the write was refused whole (one transaction); it works once space is freed.
        log.error("storage_full", error_type=type(exc).__name__)
        full = StorageFull("the server's disk is full; nothing was stored. Retry once space is freed.")
        return JSONResponse(
            _body(request, full.code, full.message, full.status),
            status_code=full.status,
            headers={"Retry-After": str(full.retry_after)},
        )
    if await _database_down(request, exc):
        # Not a bug: the database is restarting or unreachable. Clients retry; nothing was half-done
        # (every write is one transaction).
        log.warning("database_unavailable", error_type=type(exc).__name__)
        return JSONResponse(
            _body(request, "unavailable", "The database is unavailable; retry in a few seconds.", 503),
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_OUTAGE_S)},
        )
    log.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
    message = "An internal error occurred. It has been logged."
    return JSONResponse(_body(request, "internal_error", message, 500), status_code=500)
