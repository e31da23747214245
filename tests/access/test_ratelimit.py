"""Rate limits: an exact sliding window in process, and login brute force answered with 429."""

from __future__ import annotations

import pytest

from pam.access import Caller
from pam.api.deps import ScopeDep, rate_limited
from pam.errors import RateLimited
from pam.services.auth.memory_ratelimit import SlidingWindowLimiter
from pam.services.auth.ratelimit import Limit, RateLimiter, default_limits, limits_from
from pam.settings import Settings
from tests.access.conftest import PASSWORD, Harness


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_sliding_window_counts_exactly_and_reports_retry_after() -> None:
    clock = FakeClock()
    limiter: RateLimiter = SlidingWindowLimiter({"search": Limit(3, 60.0)}, clock=clock)
    for _ in range(3):
        await limiter.hit("search", "u1")
        clock.now += 10
    with pytest.raises(RateLimited) as info:
        await limiter.hit("search", "u1")
    assert info.value.retry_after == 30  # the first event (t=1000) leaves the window at t=1060; now is 1030
    await limiter.hit("search", "u2")  # other keys are independent
    clock.now += 29.5
    with pytest.raises(RateLimited):
        await limiter.hit("search", "u1")  # refused hits are not counted, but the window has not moved yet
    clock.now += 0.5
    await limiter.hit("search", "u1")


async def test_actions_are_independent_and_unknown_actions_unlimited() -> None:
    limiter = SlidingWindowLimiter({"login": Limit(1, 60.0)}, clock=FakeClock())
    await limiter.hit("login", "k")
    await limiter.hit("chat", "k")
    await limiter.hit("chat", "k")
    with pytest.raises(RateLimited):
        await limiter.hit("login", "k")
    await limiter.reset("login", "k")
    await limiter.hit("login", "k")


async def test_memory_is_bounded_by_max_keys() -> None:
    limiter = SlidingWindowLimiter({"login": Limit(5, 60.0)}, clock=FakeClock(), max_keys=100)
    for i in range(1000):
        await limiter.hit("login", f"ip:{i}")
    assert limiter.tracked_keys() == 100


async def test_login_brute_force_gets_429_with_retry_after(harness: Harness) -> None:
    await harness.add_user("target@example.com")
    limit = harness.auth.limits["login"].events
    statuses = []
    for i in range(limit + 2):
        response = await harness.client.post(
            "/api/auth/login", json={"email": "target@example.com", "password": f"guess-{i}"}
        )
        statuses.append(response.status_code)
    assert statuses[:limit] == [401] * limit
    assert statuses[limit:] == [429, 429]
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= 300
    # Even the right password is refused while the limit holds: guessing cannot continue.
    right = await harness.client.post(
        "/api/auth/login", json={"email": "target@example.com", "password": PASSWORD}
    )
    assert right.status_code == 429


async def test_login_limit_per_email_holds_across_addresses(harness: Harness) -> None:
    await harness.add_user("victim@example.com")
    limit = harness.auth.limits["login"].events
    for i in range(limit):
        async with harness.client_from(f"10.0.1.{i}") as c:
            response = await c.post(
                "/api/auth/login", json={"email": "victim@example.com", "password": f"g{i}"}
            )
            assert response.status_code == 401
    async with harness.client_from("10.0.2.1") as c:
        response = await c.post(
            "/api/auth/login", json={"email": "Victim@Example.com ", "password": PASSWORD}
        )
    assert response.status_code == 429


async def test_login_limit_per_address_holds_across_emails(harness: Harness) -> None:
    limit = harness.auth.limits["login"].events
    async with harness.client_from("10.9.9.9") as c:
        for i in range(limit):
            response = await c.post(
                "/api/auth/login", json={"email": f"u{i}@example.com", "password": "pw-guess"}
            )
            assert response.status_code == 401
        response = await c.post(
            "/api/auth/login", json={"email": "fresh@example.com", "password": "pw-guess"}
        )
        assert response.status_code == 429
    async with harness.client_from("10.9.9.10") as other:
        response = await other.post(
            "/api/auth/login", json={"email": "fresh@example.com", "password": "pw-guess"}
        )
        assert response.status_code == 401


async def test_per_user_limits_apply_when_auth_is_required(harness: Harness) -> None:
    alice = Caller(user_id=None, email="x", is_admin=False)
    limit = harness.auth.limits["chat"].events
    for _ in range(limit):
        await harness.auth.limit("chat", alice, client="10.0.0.1")
    with pytest.raises(RateLimited):
        await harness.auth.limit("chat", alice, client="10.0.0.1")
    await harness.auth.limit("chat", alice, client="10.0.0.2")


async def test_no_limits_for_the_local_admin_with_auth_none(open_harness: Harness) -> None:
    from pam.access import LOCAL_ADMIN

    for _ in range(open_harness.auth.limits["chat"].events + 5):
        await open_harness.auth.limit("chat", LOCAL_ADMIN, client="127.0.0.1")
    response = await open_harness.client.post(
        "/api/auth/login", json={"email": "a@b.co", "password": "whatever"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "auth_disabled"


def test_limits_come_from_settings_when_present(settings: Settings) -> None:
    assert limits_from(settings) == default_limits()
    tuned = settings.model_copy(update={"rate_limit_chat_per_minute": 5, "rate_limit_login_window_s": 60})
    limits = limits_from(tuned)
    assert limits["chat"] == Limit(5, 60.0) and limits["login"] == Limit(
        default_limits()["login"].events, 60.0
    )


def _add_limited_route(h: Harness) -> None:
    async def probe(scope: ScopeDep) -> dict[str, str]:
        return {"email": scope.caller.email}

    h.app.add_api_route(
        "/api/probe",
        probe,
        methods=["POST"],
        dependencies=[rate_limited("search")],
        response_model=dict[str, str],
    )
    h.auth.limiter = SlidingWindowLimiter({"search": Limit(2, 60.0)})


async def test_route_dependency_limits_each_user_separately(harness: Harness) -> None:
    _add_limited_route(harness)
    await harness.add_user("a@example.com")
    await harness.add_user("b@example.com")
    a, b = await harness.headers_for("a@example.com"), await harness.headers_for("b@example.com")
    assert [(await harness.client.post("/api/probe", headers=a)).status_code for _ in range(2)] == [200, 200]
    refused = await harness.client.post("/api/probe", headers=a)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert (await harness.client.post("/api/probe", headers=b)).status_code == 200
    assert (await harness.client.post("/api/probe")).status_code == 401  # no credential: 401 before counting


async def test_route_dependency_does_not_limit_the_local_admin(open_harness: Harness) -> None:
    _add_limited_route(open_harness)
    statuses = {(await open_harness.client.post("/api/probe")).status_code for _ in range(5)}
    assert statuses == {200}
