"""`RemoteHttp`: GET with retries on server errors, rate limits waited out, and a request pace.

- 5xx, 408 and transport errors: retried with exponential back-off (`Retry-After` when the server
  gives one); after `RetryPolicy.attempts` tries the request raises `FetchError`.
- 429, or 403 with `x-ratelimit-remaining: 0` or a `Retry-After` (GitHub's primary and secondary
  limits): the request waits until `x-ratelimit-reset` / `Retry-After` and is sent again, as often
  as it takes. A rate limit never fails a sync and never skips an item.
- Anything else is returned to the caller, who decides (304 Not Modified, 404 gone, 401 refused).

Log lines and errors carry the request's path, never its headers or query (where tokens live).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx2

from pam.connectors.patience import Patience
from pam.ingest.sources.base import FetchError

USER_AGENT = "pam-context-connector"
DEFAULT_RATE_WAIT_S = 60.0


class RemoteHttp:
    def __init__(
        self,
        patience: Patience,
        *,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 30.0,
        follow_redirects: bool = False,
    ) -> None:
        self.patience = patience
        self.client = httpx2.Client(
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=timeout_s,
            follow_redirects=follow_redirects,
            trust_env=False,
        )
        self.requests = 0  # sent, retries included (the benchmark reports it)

    def get(
        self, url: str, *, params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> httpx2.Response:
        where = urlsplit(url).path or "/"
        attempt = 0
        while True:
            self.patience.pace()
            self.requests += 1
            try:
                response = self.client.get(url, params=params, headers=headers)
            except httpx2.TransportError as exc:
                attempt = self._retry_or_fail(attempt, None, where, type(exc).__name__)
                continue
            if (wait := rate_limit_wait(response)) is not None:
                self.patience.rate_limited(wait, where=where)
                continue
            if response.status_code >= 500 or response.status_code == 408:
                attempt = self._retry_or_fail(attempt, response, where, f"HTTP {response.status_code}")
                continue
            return response

    def _retry_or_fail(self, attempt: int, response: httpx2.Response | None, where: str, what: str) -> int:
        if attempt + 1 >= self.patience.policy.attempts:
            raise FetchError(f"{where} kept failing ({what}) after {attempt + 1} tries")
        delay = self.patience.policy.backoff(attempt)
        if response is not None and (after := _retry_after(response)) is not None:
            delay = min(max(after, 0.0), self.patience.policy.cap_s)
        self.patience.sleep(delay)
        return attempt + 1

    def close(self) -> None:
        self.client.close()


def rate_limit_wait(response: httpx2.Response) -> float | None:
    """Seconds to wait when the response is a rate limit, else None."""
    if response.status_code not in (403, 429):
        return None
    after = _retry_after(response)
    if after is not None:
        return after
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset")
        if reset is not None and reset.isdigit():
            return max(0.0, int(reset) - time.time()) + 1.0
        return DEFAULT_RATE_WAIT_S
    return DEFAULT_RATE_WAIT_S if response.status_code == 429 else None


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
