"""`/api/auth/providers` and `/api/auth/oidc/*`: single sign-on through OpenID Connect providers.

`login` and `callback` are browser navigations: they answer with redirects, and a refusal is a
small HTML page (for a browser) or the usual JSON error (for anything else) with the same status.
`exchange` is the web UI's fetch that trades the hand-off code for a token (see `services.auth.sso`).
"""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from pam.api.deps import ServicesDep, client_address
from pam.api.routes.auth_schemas import ProviderOut, ProvidersOut, SignedInOut, SsoExchange
from pam.api.schemas import ErrorResponse
from pam.errors import PamError

router = APIRouter(prefix="/auth", tags=["auth"])

COOKIE = "pam_sso"
COOKIE_PATH = "/api/auth/oidc"
COOKIE_MAX_AGE_S = 600
ProviderName = Annotated[str, Path(max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
# A browser (Accept: text/html) is refused with a page, anything else with the JSON error; same status.
_REFUSED_STATUSES = (400, 401, 403, 404, 409, 429, 503)
_REDIRECT: dict[int | str, dict[str, Any]] = {
    302: {"description": "a redirect (to the provider, or back to the web UI)"},
    **{
        status: {
            "model": ErrorResponse,
            "content": {"text/html": {"schema": {"type": "string"}}},
            "description": "refused: a page for a browser (Accept: text/html), the JSON error otherwise",
        }
        for status in _REFUSED_STATUSES
    },
}
# The pages below carry nothing but text: no script, no style sheet, no frame may load.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def _base_url(request: Request, services: ServicesDep) -> str:
    # PAM_PUBLIC_URL when set (behind a proxy, and for the exact URI registered at the provider).
    return services.settings.public_url or str(request.base_url).rstrip("/")


def _login_url(name: str) -> str:
    return f"/api/auth/oidc/{name}/login"


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _refusal(request: Request, exc: PamError) -> Response:
    """The error as a page a person can read, for a browser; the JSON error for everyone else."""
    if not _wants_html(request):
        raise exc
    message = html.escape(exc.message)
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign-in failed</title>"
        "<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>"
        f'</head><body><main><h1>Sign-in failed</h1><p role="alert">{message}</p>'
        '<p><a href="/">Back to sign in</a></p></main></body></html>'
    )
    headers = dict(_PAGE_HEADERS)
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return HTMLResponse(page, status_code=exc.status, headers=headers)


@router.get("/providers", response_model=ProvidersOut)
async def providers(services: ServicesDep) -> ProvidersOut:
    """How people sign in here: the providers for the login page's buttons (never their secrets)."""
    return ProvidersOut(
        auth_mode=services.settings.auth,
        password_login=services.settings.password_login,
        providers=[
            ProviderOut(name=p.name, label=p.label, login_url=_login_url(p.name))
            for p in services.auth.sso.providers()
        ],
    )


@router.get("/oidc/{provider}/login", response_class=RedirectResponse, status_code=302, responses=_REDIRECT)
async def sso_login(
    provider: ProviderName,
    request: Request,
    services: ServicesDep,
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Start signing in with `provider`: sets the browser-binding cookie and redirects to the provider."""
    redirect_uri = f"{_base_url(request, services)}/api/auth/oidc/{provider}/callback"
    try:
        started = await services.auth.sso.start(
            provider,
            redirect_uri=redirect_uri,
            next_path=next,
            browser=request.cookies.get(COOKIE),
            client=client_address(request),
        )
    except PamError as exc:
        return _refusal(request, exc)
    response = RedirectResponse(started.provider_url, status_code=302, headers=_PAGE_HEADERS)
    response.set_cookie(
        COOKIE,
        started.browser,
        max_age=COOKIE_MAX_AGE_S,
        path=COOKIE_PATH,
        secure=redirect_uri.startswith("https://"),
        httponly=True,
        # Lax: sent on the provider's top-level redirect back to the callback, never on cross-site fetches.
        samesite="lax",
    )
    return response


@router.get(
    "/oidc/{provider}/callback", response_class=RedirectResponse, status_code=302, responses=_REDIRECT
)
async def sso_callback(
    provider: ProviderName,
    request: Request,
    services: ServicesDep,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=500)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Where the provider sends the browser back: verifies everything, then hands off to the web UI."""
    try:
        handoff = await services.auth.sso.finish(
            provider, code=code, state=state, error=error, browser=request.cookies.get(COOKIE)
        )
    except PamError as exc:
        return _refusal(request, exc)
    # The fragment never reaches a server (ours, a proxy's logs, a Referer): only the web UI reads it.
    return RedirectResponse(
        f"{services.settings.public_url or ''}/sso#code={handoff}", status_code=302, headers=_PAGE_HEADERS
    )


@router.post("/oidc/exchange", response_model=SignedInOut)
async def sso_exchange(
    body: SsoExchange, request: Request, response: Response, services: ServicesDep
) -> SignedInOut:
    """The web UI trades its one-time hand-off code (and the browser's cookie) for an access token."""
    signed_in = await services.auth.sso.exchange(body.code, browser=request.cookies.get(COOKIE))
    response.headers["Cache-Control"] = "no-store"
    return SignedInOut(
        access_token=signed_in.token.token, expires_in=signed_in.token.expires_in, next=signed_in.next_path
    )
