"""The JWT secret: weak ones refused, a generated one kept in the data dir with 0600 permissions."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from pam.api.app import create_app
from pam.services.auth.secret import SECRET_FILE, WeakSecret, load_jwt_secret, weakness
from tests.access.conftest import build_app
from tests.conftest import make_settings, running_app

STRONG = "Zq3v8Lr1xP0mKe7TnY2sWb5HcJ9gFd4A6uQi"


@pytest.mark.parametrize(
    "secret",
    [
        "secret",
        "changeme",
        "short-but-random-Xy7",
        "a" * 64,
        "0123456789" * 2,
        "my-super-secret-jwt-token-with-at-least-32-characters-long",
        "CHANGE_ME_CHANGE_ME_CHANGE_ME_CHANGE_ME",
        "your-256-bit-secret-please-replace-it-now!!",
        "please-replace-me-with-something-long-enough",
    ],
)
def test_weak_secrets_are_refused_with_a_clear_error(tmp_path: Path, secret: str) -> None:
    assert weakness(secret) is not None
    settings = make_settings(tmp_path / "data", jwt_secret=SecretStr(secret))
    with pytest.raises(WeakSecret) as info:
        load_jwt_secret(settings)
    assert "PAM_JWT_SECRET" in info.value.message
    assert secret not in info.value.message  # the error names the problem, never the value


def test_a_strong_configured_secret_is_used_as_is_and_nothing_is_written(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", jwt_secret=SecretStr(STRONG))
    assert load_jwt_secret(settings) == STRONG.encode()
    assert not (tmp_path / "data" / SECRET_FILE).exists()


async def test_the_app_does_not_start_with_a_weak_secret(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", auth="required", jwt_secret=SecretStr("changeme"))
    with pytest.raises(WeakSecret):
        async with running_app(build_app(settings)):
            pass


def test_generated_secret_is_private_and_persists(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    first = load_jwt_secret(settings)
    path = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32 and weakness(first.decode()) is None
    assert load_jwt_secret(make_settings(tmp_path / "data")) == first
    assert load_jwt_secret(make_settings(tmp_path / "other")) != first
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_loose_permissions_are_tightened(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    first = load_jwt_secret(settings)
    path = tmp_path / "data" / SECRET_FILE
    os.chmod(path, 0o644)
    assert load_jwt_secret(settings) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_weak_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / SECRET_FILE
    path.write_text("secret\n")
    os.chmod(path, 0o600)
    with pytest.raises(WeakSecret):
        load_jwt_secret(make_settings(tmp_path / "data"))


def test_concurrent_first_starts_agree_on_one_secret(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        results.append(load_jwt_secret(settings))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1


async def test_tokens_survive_a_restart_with_the_generated_secret(tmp_path: Path) -> None:
    from tests.access.conftest import harness_for

    settings = make_settings(tmp_path / "data", auth="required")
    async with harness_for(settings) as h:
        await h.add_user("kim@example.com")
        token = await h.login("kim@example.com")
        assert stat.S_IMODE((tmp_path / "data" / SECRET_FILE).stat().st_mode) == 0o600
    async with harness_for(make_settings(tmp_path / "data", auth="required")) as h:
        response = await h.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.json()["email"] == "kim@example.com"


def test_create_app_alone_does_not_touch_the_secret(tmp_path: Path) -> None:
    create_app(make_settings(tmp_path / "data"))
    assert not (tmp_path / "data" / SECRET_FILE).exists()
