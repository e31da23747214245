"""Cross-origin access for a UI or tool served from another origin (`PAM_CORS_ORIGINS`).

The API authenticates with the `Authorization` header, which a cross-origin fetch may send without
the credentials mode, so credentials (cookies) are never allowed: a wildcard can therefore never
be combined with them, and no listed origin can ride on a browser's cookies either. An origin not
listed gets no CORS header at all (its browser then withholds the response), and its preflight a 400.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from pam.api.middleware import REQUEST_ID_HEADER

ALLOWED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "Accept", "Last-Event-ID", REQUEST_ID_HEADER]
# What a cross-origin script may read besides the CORS-safelisted headers.
EXPOSED_HEADERS = [REQUEST_ID_HEADER, "Retry-After", "WWW-Authenticate"]
PREFLIGHT_CACHE_S = 600


def install_cors(app: FastAPI, origins: list[str]) -> None:
    """Add the CORS layer when origins are configured; call it last, so it wraps every response."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials=False,
        allow_methods=ALLOWED_METHODS,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=PREFLIGHT_CACHE_S,
    )
