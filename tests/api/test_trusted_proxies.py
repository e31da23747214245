"""Login limits count per real client behind a trusted proxy, and forwarded headers are ignored otherwise.

A real `pam serve` process: the forwarded-header handling is uvicorn's, switched on by PAM_TRUSTED_PROXIES.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.served import served as served_process

LIMIT = 3


@contextmanager
def served(tmp_path: Path, **extra: str) -> Iterator[str]:
    with served_process(tmp_path, PAM_AUTH="required", PAM_RATE_LIMIT_LOGIN=str(LIMIT), **extra) as base:
        yield base


def failed_logins(base: str, forwarded_for: str, count: int) -> list[int]:
    codes = []
    for i in range(count):
        r = httpx.post(
            f"{base}/api/auth/login",
            # A new email each time: only the per-address limit can trip.
            json={"email": f"nobody{i}-{forwarded_for}@example.com", "password": "wrong password"},
            headers={"X-Forwarded-For": forwarded_for},
            timeout=10,
        )
        codes.append(r.status_code)
    return codes


@pytest.mark.timeout(180)
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_login_limit(tmp_path: Path) -> None:
    with served(tmp_path, PAM_TRUSTED_PROXIES="127.0.0.1") as base:
        assert failed_logins(base, "203.0.113.7", LIMIT + 1) == [401] * LIMIT + [429]
        assert failed_logins(base, "198.51.100.9", 1) == [401]


@pytest.mark.timeout(180)
def test_without_trusted_proxies_a_forged_forwarded_header_does_not_escape_the_limit(tmp_path: Path) -> None:
    with served(tmp_path) as base:
        assert failed_logins(base, "203.0.113.7", LIMIT) == [401] * LIMIT
        assert failed_logins(base, "198.51.100.9", 1) == [429]
