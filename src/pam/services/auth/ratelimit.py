"""Rate limits per user (or client address) and action.

`RateLimiter` is the seam: the in-process `SlidingWindowLimiter` serves one process; a Redis
implementation (one sorted set per key, same contract) serves several replicas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pam.settings import Settings

# `sso`: sign-ins started through an OpenID provider, per client address (each writes a row).
Action = Literal["login", "sso", "chat", "search", "ingest"]


@dataclass(frozen=True, slots=True)
class Limit:
    events: int  # at most this many ...
    window_s: float  # ... in any window of this many seconds


def default_limits() -> dict[Action, Limit]:
    """Generous for people, tight for scripts guessing passwords. A limit of 0 events means unlimited."""
    return {
        "login": Limit(events=10, window_s=300.0),
        "sso": Limit(events=60, window_s=300.0),
        "chat": Limit(events=30, window_s=60.0),
        "search": Limit(events=120, window_s=60.0),
        "ingest": Limit(events=30, window_s=60.0),
    }


def limits_from(settings: Settings) -> dict[Action, Limit]:
    """The limits the settings ask for (PAM_RATE_LIMIT_*); 0 events means unlimited."""
    return {
        "login": Limit(events=settings.rate_limit_login, window_s=settings.rate_limit_login_window_s),
        "sso": Limit(events=settings.rate_limit_sso, window_s=settings.rate_limit_login_window_s),
        "chat": Limit(events=settings.rate_limit_chat_per_minute, window_s=60.0),
        "search": Limit(events=settings.rate_limit_search_per_minute, window_s=60.0),
        "ingest": Limit(events=settings.rate_limit_ingest_per_minute, window_s=60.0),
    }


class RateLimiter(Protocol):
    async def hit(self, action: Action, key: str) -> None:
        """Count one event for (action, key); raise `pam.errors.RateLimited(retry_after=...)` when over.

        A refused event is not counted, so a client that waits `retry_after` seconds gets through.
        """
        ...

    async def reset(self, action: Action, key: str) -> None:
        """Forget the events of (action, key)."""
        ...
