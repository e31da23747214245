"""The OpenAPI document of a server that needs no sign-in (PAM_AUTH=none) is derived from the one that
does: the same operations and shapes, less what only exists with sign-in.

With PAM_AUTH=none every request is the local admin. Its document therefore declares no security
scheme and no 401 answers, and leaves out the operations that only exist with sign-in (logging in with
a password or a provider, signing out everywhere, the caller's own API keys), which answer 400
`auth_disabled` on such a server. `web/openapi.json` is the
sign-in document; `without_sign_in(it)` is the other, so one snapshot pins both.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from pam.settings import AuthMode

# Operations that need sign-in; with PAM_AUTH=none they answer 400 `auth_disabled`.
SIGN_IN_ONLY = (
    "/api/auth/login",
    "/api/auth/sign-out-everywhere",
    "/api/auth/keys",
    "/api/auth/keys/{key_id}",
    "/api/auth/oidc/{provider}/login",
    "/api/auth/oidc/{provider}/callback",
    "/api/auth/oidc/exchange",
)


def without_sign_in(document: dict[str, Any]) -> dict[str, Any]:
    """`document` as a server with PAM_AUTH=none serves it."""
    derived = copy.deepcopy(document)
    derived.get("components", {}).pop("securitySchemes", None)
    for path in SIGN_IN_ONLY:
        derived["paths"].pop(path, None)
    for operations in derived["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.pop("security", None)
                operation.get("responses", {}).pop("401", None)
    return derived


def document_auth_mode(app: FastAPI, mode: AuthMode) -> None:
    if mode == "required":
        return
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = without_sign_in(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
