"""The Drive API through Google's own client (`google-api-python-client` + `google-auth`).

`open_drive` builds the v3 service from the bundled discovery document (no discovery request),
authorised by a service account key or an OAuth refresh token; the token endpoint is the
credentials' own `token_uri`. `DriveCalls.run` executes a request with our retry rules instead of
the library's: 5xx and network errors are retried a bounded number of times, rate limits (429, or
403 `rateLimitExceeded` / `userRateLimitExceeded`) are waited out for as long as it takes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httplib2
from google.auth.exceptions import GoogleAuthError, RefreshError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from pam.connectors.credentials import Secrets
from pam.connectors.patience import Patience
from pam.ingest.sources.base import FetchError

SCOPES = ["https://www.googleapis.com/auth/drive.readonly"]
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (an endpoint, not a secret)
RATE_WAIT_S = 10.0  # when a rate limit gives no Retry-After
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded"}


def open_drive(secrets: Secrets, *, api_url: str | None, timeout_s: float) -> tuple[Any, Callable[[], Any]]:
    """The Drive service, and a maker of authorised HTTP clients (httplib2 is not thread-safe: one
    client per thread)."""
    creds: Any
    if secrets.get("service_account_json"):
        try:
            info = json.loads(secrets.get("service_account_json") or "")
            creds = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
        except (ValueError, KeyError, TypeError) as exc:
            raise FetchError("the service account key is not a valid JSON key file") from exc
    else:
        creds = user_credentials.Credentials(  # type: ignore[no-untyped-call]
            token=None,
            refresh_token=secrets.get("refresh_token"),
            client_id=secrets.get("client_id"),
            client_secret=secrets.get("client_secret"),
            token_uri=secrets.get("token_uri") or GOOGLE_TOKEN_URI,
            scopes=SCOPES,
        )

    def authorised() -> Any:
        return AuthorizedHttp(creds, http=httplib2.Http(timeout=timeout_s))

    options = {"api_endpoint": api_url} if api_url else None
    service = build(
        "drive", "v3", http=authorised(), static_discovery=True, cache_discovery=False, client_options=options
    )
    return service, authorised


class DriveCalls:
    def __init__(self, patience: Patience, authorised: Callable[[], Any]) -> None:
        self.patience = patience
        self.requests = 0
        self._authorised = authorised
        self._local = threading.local()
        self._clients: list[Any] = []

    def _http(self) -> Any:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = self._authorised()
            self._clients.append(http)
        return http

    def close(self) -> None:
        for http in self._clients:
            http.close()

    def run(self, request: Any, what: str) -> Any:
        attempt = 0
        while True:
            self.requests += 1
            try:
                return request.execute(http=self._http(), num_retries=0)
            except HttpError as exc:
                status = int(exc.resp.status)
                wait = _rate_limit_wait(exc, status)
                if wait is not None:
                    self.patience.rate_limited(wait, where=what)
                    continue
                if status >= 500 or status == 408:
                    attempt = self._retry(attempt, what, f"HTTP {status}")
                    continue
                if status in (401, 403):
                    raise FetchError(f"Google Drive refused access to {what} (HTTP {status})") from None
                if status == 404:
                    raise FetchError(
                        f"Google Drive has no {what} (or the credentials cannot see it)"
                    ) from None
                raise FetchError(f"Google Drive answered HTTP {status} for {what}") from None
            except RefreshError:
                # The token endpoint refused the key or refresh token (its message may quote them: not kept).
                raise FetchError(
                    "Google refused the credentials (the token could not be refreshed)"
                ) from None
            except GoogleAuthError:
                raise FetchError("the Google credentials could not be used") from None
            except (TimeoutError, OSError, httplib2.HttpLib2Error) as exc:
                attempt = self._retry(attempt, what, type(exc).__name__)

    def _retry(self, attempt: int, what: str, reason: str) -> int:
        if attempt + 1 >= self.patience.policy.attempts:
            raise FetchError(f"{what} kept failing ({reason}) after {attempt + 1} tries")
        self.patience.sleep(self.patience.policy.backoff(attempt))
        return attempt + 1


def _rate_limit_wait(exc: HttpError, status: int) -> float | None:
    if status not in (403, 429):
        return None
    reasons = set()
    try:
        body = json.loads(exc.content or b"{}")
        reasons = {e.get("reason") for e in body.get("error", {}).get("errors", []) if isinstance(e, dict)}
    except (ValueError, AttributeError):
        pass
    if status == 403 and not reasons & _RATE_REASONS:
        return None
    after = exc.resp.get("retry-after")
    if after is not None and str(after).isdigit():
        return float(after)
    return RATE_WAIT_S
