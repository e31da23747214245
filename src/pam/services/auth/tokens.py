"""JWT access tokens: HS256 only, short-lived, bound to a user id and the user's token version.

The token alone never grants access: every request also loads the user row, so a disabled
user is refused at once, and a token whose `ver` is not the user's current `token_version`
is refused too. Raising the version (disable, enable, new password, role change, "sign out
everywhere") therefore ends every token issued before, on the very next request.
"""

from __future__ import annotations

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

    def issue(self, user_id: uuid.UUID, version: int) -> AccessToken:
        now = int(self.clock())
        lifetime = self.minutes * 60
        claims = {
            "iss": ISSUER,
            "sub": str(user_id),
            "uid": str(user_id),
            "typ": TOKEN_TYPE,
            "ver": str(version),
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
