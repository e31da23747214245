"""Passwords never reach a log line or a response, whatever happens to the request."""

from __future__ import annotations

import io

from tests.access.conftest import Harness

SENTINEL = "Sentinel-Pa55word-7f3a9c"


async def test_passwords_stay_out_of_logs_and_responses(harness: Harness, log_stream: io.StringIO) -> None:
    await harness.add_user("root@example.com", is_admin=True)
    admin = await harness.headers_for("root@example.com")
    texts: list[str] = []

    async def call(method: str, url: str, **kwargs: object) -> None:
        response = await harness.client.request(method, url, **kwargs)  # type: ignore[arg-type]
        texts.append(response.text + str(dict(response.headers)))

    await call(
        "POST", "/api/admin/users", json={"email": "s@example.com", "password": SENTINEL}, headers=admin
    )
    await call(
        "POST", "/api/admin/users", json={"email": "s@example.com", "password": SENTINEL}, headers=admin
    )  # 409
    await call("POST", "/api/admin/users", json={"email": "bad", "password": SENTINEL}, headers=admin)  # 400
    await call(
        "POST", "/api/admin/users", json={"email": "t@example.com", "password": SENTINEL * 100}, headers=admin
    )
    await call("POST", "/api/auth/login", json={"email": "s@example.com", "password": SENTINEL})  # ok
    await call("POST", "/api/auth/login", json={"email": "s@example.com", "password": SENTINEL + "x"})  # 401
    await call("POST", "/api/auth/login", json={"email": "s@example.com", "password": SENTINEL * 100})  # 422
    await call("POST", "/api/auth/login", json={"email": SENTINEL, "password": 5})  # 422, wrong type
    await call(
        "POST", "/api/auth/login", content=f'{{"email": "s@example.com", "password": "{SENTINEL}"'.encode()
    )
    await call("GET", "/api/admin/users", headers=admin)
    await call("GET", "/api/auth/me", headers={"Authorization": f"Bearer {SENTINEL}"})

    logged = log_stream.getvalue()
    assert "login" in logged and "/api/admin/users" in logged  # the capture did see these requests
    assert SENTINEL not in logged
    for text in texts:
        assert SENTINEL not in text
        assert "argon2" not in text and "password_hash" not in text


def test_request_models_hide_passwords_in_repr() -> None:
    from pam.api.routes.auth_schemas import LoginRequest, UserCreate

    for model in (
        LoginRequest(email="a@b.co", password=SENTINEL),
        UserCreate(email="a@b.co", password=SENTINEL),
    ):
        assert (
            SENTINEL not in repr(model)
            and SENTINEL not in str(model)
            and SENTINEL not in model.model_dump_json()
        )
