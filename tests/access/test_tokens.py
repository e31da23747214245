"""JWTs: only HS256 with our secret, unexpired, well-formed and for a live user is accepted."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest

from pam.errors import Unauthorized
from pam.services.auth.tokens import TokenCodec
from tests.access.conftest import Harness, bearer

SECRET = b"k" * 16 + b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
OTHER_SECRET = b"another-secret-of-enough-length-0123456789-and-more-bytes-for-hs512"


def _claims(
    user_id: uuid.UUID, version: str, *, now: int | None = None, lifetime: int = 600
) -> dict[str, object]:
    now = int(time.time()) if now is None else now
    return {
        "iss": "pam",
        "sub": str(user_id),
        "uid": str(user_id),
        "typ": "access",
        "ver": version,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_issue_then_decode_round_trips() -> None:
    codec = TokenCodec(SECRET, minutes=5)
    uid = uuid.uuid4()
    issued = codec.issue(uid, 3)
    assert issued.expires_in == 300
    claims = codec.decode(issued.token)
    # The user's token version, nothing derived from the password hash.
    assert claims.user_id == uid and claims.version == "3"


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda c: {**c, "exp": int(time.time()) - 60}, id="expired"),
        pytest.param(
            lambda c: {**c, "iat": int(time.time()) + 3600, "nbf": int(time.time())}, id="issued-in-future"
        ),
        pytest.param(lambda c: {**c, "nbf": int(time.time()) + 3600}, id="not-yet-valid"),
        pytest.param(lambda c: {**c, "iss": "someone-else"}, id="wrong-issuer"),
        pytest.param(lambda c: {**c, "typ": "refresh"}, id="wrong-type"),
        pytest.param(lambda c: {k: v for k, v in c.items() if k != "exp"}, id="no-expiry"),
        pytest.param(lambda c: {k: v for k, v in c.items() if k != "ver"}, id="no-version"),
        pytest.param(lambda c: {**c, "uid": "not-a-uuid", "sub": "not-a-uuid"}, id="bad-uid"),
        pytest.param(lambda c: {**c, "sub": str(uuid.uuid4())}, id="sub-uid-mismatch"),
        pytest.param(lambda c: {**c, "ver": 7}, id="non-string-version"),
    ],
)
def test_defective_claims_are_refused(mutate: object) -> None:
    codec = TokenCodec(SECRET, minutes=5)
    claims = mutate(_claims(uuid.uuid4(), "v1"))  # type: ignore[operator]
    with pytest.raises(Unauthorized):
        codec.decode(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_wrong_algorithms_and_secrets_are_refused() -> None:
    codec = TokenCodec(SECRET, minutes=5)
    claims = _claims(uuid.uuid4(), "v1")
    unsigned = (
        _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        + "."
        + _b64(json.dumps(claims).encode())
        + "."
    )
    for token in (
        unsigned,
        unsigned.replace('"none"', '"None"'),
        jwt.encode(claims, SECRET, algorithm="HS512"),
        jwt.encode(claims, SECRET, algorithm="HS384"),
        jwt.encode(claims, OTHER_SECRET, algorithm="HS256"),
        "",
        "a.b.c",
        "x" * 5000,
    ):
        with pytest.raises(Unauthorized):
            codec.decode(token)


def test_tampered_payload_is_refused() -> None:
    codec = TokenCodec(SECRET, minutes=5)
    header, payload, signature = codec.issue(uuid.uuid4(), "v1").token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["uid"] = forged["sub"] = str(uuid.uuid4())
    with pytest.raises(Unauthorized):
        codec.decode(f"{header}.{_b64(json.dumps(forged).encode())}.{signature}")


async def _assert_401(h: Harness, headers: dict[str, str] | dict[str, bytes]) -> None:
    response = await h.client.get("/api/auth/me", headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_http_refuses_expired_tampered_wrong_alg_and_wrong_secret_tokens(harness: Harness) -> None:
    uid = await harness.add_user("ana@example.com")
    good = await harness.login("ana@example.com")
    assert (await harness.client.get("/api/auth/me", headers=bearer(good))).status_code == 200

    secret = harness.auth.tokens.secret
    async with harness.services.sessions() as s:
        from pam.store.models import User

        user = await s.get(User, uid)
        assert user is not None
        version = str(user.token_version)
    expired = jwt.encode(
        _claims(uid, version, now=int(time.time()) - 3600, lifetime=60), secret, algorithm="HS256"
    )
    wrong_secret = jwt.encode(_claims(uid, version), OTHER_SECRET, algorithm="HS256")
    wrong_alg = jwt.encode(_claims(uid, version), secret, algorithm="HS512")
    alg_none = (
        _b64(b'{"alg":"none","typ":"JWT"}') + "." + _b64(json.dumps(_claims(uid, version)).encode()) + "."
    )
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    # Control: the same claims with the right secret and algorithm work.
    fine = jwt.encode(_claims(uid, version), secret, algorithm="HS256")
    assert (await harness.client.get("/api/auth/me", headers=bearer(fine))).status_code == 200

    for token in (expired, wrong_secret, wrong_alg, alg_none, tampered):
        await _assert_401(harness, bearer(token))


async def test_http_refuses_missing_and_malformed_authorization(harness: Harness) -> None:
    for headers in (
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer a b"},
        {"Authorization": "Bearer " + "x" * 10000},
        {"Authorization": "Bearer pam_notakey"},
        {"Authorization": "Bearer pam_abcdefgh_" + "A" * 43},
        {"Authorization": "Bearer \u00e9\u00e9".encode()},  # type: ignore[dict-item]
    ):
        await _assert_401(harness, headers)


async def test_token_of_a_deleted_user_is_refused(harness: Harness) -> None:
    uid = await harness.add_user("gone@example.com")
    token = await harness.login("gone@example.com")
    async with harness.services.sessions.begin() as s:
        from pam.store.models import User

        user = await s.get(User, uid)
        await s.delete(user)
    await _assert_401(harness, bearer(token))


async def test_a_new_password_ends_old_tokens(harness: Harness) -> None:
    await harness.add_user("root@example.com", is_admin=True)
    uid = await harness.add_user("pat@example.com")
    admin = await harness.headers_for("root@example.com")
    old = await harness.login("pat@example.com")
    response = await harness.client.patch(
        f"/api/admin/users/{uid}", json={"password": "a brand new passphrase"}, headers=admin
    )
    assert response.status_code == 200
    await _assert_401(harness, bearer(old))
    assert (
        await harness.client.get(
            "/api/auth/me", headers=await harness.headers_for("pat@example.com", "a brand new passphrase")
        )
    ).status_code == 200
