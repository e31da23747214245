"""JWT access tokens: HS256 only, short-lived, bound to a user id and a credential version.

The token alone never grants access: every request also loads the user row, so a disabled
user is refused at once, and a token whose `ver` no longer matches the user's (the password
changed) is refused too.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import jwt

from pam.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "pam"
TOKEN_TYPE = "access"  # noqa: S105 (a claim value, not a secret)
MAX_TOKEN_CHARS = 4096
# Clock drift tolerated between replicas; small, since tokens are checked against the user row anyway.
LEEWAY_S = 10


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int  # seconds


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    version: str
    issued_at: int


@dataclass(frozen=True)
class TokenCodec:
    secret: bytes = field(repr=False)
    minutes: int
    clock: Callable[[], float] = time.time

    def version_of(self, password_hash: str | None) -> str:
        """A short keyed fingerprint of what the user logs in with: a new password revokes old tokens.

        Keyed, so the token (whose payload anyone can read) says nothing about the hash.
        """
        return hmac.new(self.secret, (password_hash or "").encode(), hashlib.sha256).hexdigest()[:16]

    def issue(self, user_id: uuid.UUID, version: str) -> AccessToken:
        now = int(self.clock())
        lifetime = self.minutes * 60
        claims = {
            "iss": ISSUER,
            "sub": str(user_id),
            "uid": str(user_id),
            "typ": TOKEN_TYPE,
            "ver": version,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        return AccessToken(jwt.encode(claims, self.secret, algorithm=ALGORITHM), lifetime)

    def decode(self, token: str) -> TokenClaims:
        """The claims of a valid token; any defect (alg, signature, expiry, shape) is one 401."""
        if len(token) > MAX_TOKEN_CHARS:
            raise Unauthorized("invalid or expired credentials")
        try:
            # `algorithms` pins HS256: `none`, RS*/ES* and other HMAC sizes are refused before any check.
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "nbf", "iss", "sub", "uid", "typ", "ver"]},
            )
            if claims["typ"] != TOKEN_TYPE or claims["sub"] != claims["uid"]:
                raise jwt.InvalidTokenError("wrong token type")
            if int(claims["iat"]) > self.clock() + LEEWAY_S:
                raise jwt.InvalidTokenError("issued in the future")
            if not isinstance(claims["ver"], str):
                raise jwt.InvalidTokenError("bad version")
            return TokenClaims(uuid.UUID(str(claims["uid"])), claims["ver"], int(claims["iat"]))
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise Unauthorized("invalid or expired credentials") from exc
