"""Domain errors.

Every error a client can see is a ``PamError`` with a stable ``code`` and an HTTP ``status``.
One handler in ``pam.api.errors`` turns them into ``{"error": {"code", "message"}}``; anything
else becomes a generic 500 with no internals (paths, SQL, tracebacks) in the body.

    PamError
    ├── InvalidInput        400 invalid_input
    ├── Unauthorized        401 unauthorized
    ├── Forbidden           403 forbidden
    ├── NotFound            404 not_found
    ├── Conflict            409 conflict
    ├── PayloadTooLarge     413 payload_too_large
    ├── RateLimited         429 rate_limited
    ├── Unavailable         503 unavailable
    ├── StorageFull         507 storage_full (the data dir's file system is full)
    └── ParseError          422 (per-file ingestion errors; code names the reason)
"""

from __future__ import annotations


class PamError(Exception):
    code: str = "error"
    status: int = 500
    # Seconds a client should wait before retrying (sent as `Retry-After`), when waiting helps.
    retry_after: int | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if retry_after is not None:
            self.retry_after = retry_after


class InvalidInput(PamError):
    code = "invalid_input"
    status = 400


class Unauthorized(PamError):
    code = "unauthorized"
    status = 401


class Forbidden(PamError):
    code = "forbidden"
    status = 403


class NotFound(PamError):
    code = "not_found"
    status = 404


class Conflict(PamError):
    code = "conflict"
    status = 409


class PayloadTooLarge(PamError):
    code = "payload_too_large"
    status = 413


class RateLimited(PamError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, retry_after=retry_after)


class Unavailable(PamError):
    code = "unavailable"
    status = 503


class StorageFull(PamError):
    """The data dir's file system has no space left: nothing was half-written, retry once there is."""

    code = "storage_full"
    status = 507
    retry_after = 60


class ParseError(PamError):
    """A file that cannot be read; it becomes that file's error, never a failed task.

    ``code`` names the reason: ``empty``, ``unsupported``, ``encrypted``, ``corrupt``,
    ``too_large``, ``timeout``, ``bomb``.
    """

    code = "corrupt"
    status = 422
