"""A scriptable OpenID provider on loopback whose next ID token the test may forge.

It speaks the real protocol (discovery, JWKS, the authorization endpoint, the token endpoint with
client authentication and a PKCE S256 check, single-use codes), so an honest sign-in through it
succeeds; `forge` then breaks exactly one thing in the ID token the token endpoint returns:

- ``wrong_nonce``: a nonce other than the one the client sent
- ``other_key``: signed with a key the JWKS does not hold, under the JWKS key's own `kid`
- ``unknown_kid``: signed with another key under a `kid` the JWKS does not list
- ``wrong_audience``: issued to another client
- ``wrong_audience_our_azp``: issued to another client, naming ours as the authorized party (`azp`)
- ``wrong_issuer``: claims another issuer
- ``expired``: expired an hour ago
- ``alg_none``: unsigned (`alg: none`), although discovery advertises `none` among its algorithms

The oidc-provider-mock package plays the honest provider of the other tests; this one exists
because no honest provider can be asked to sign a bad token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

FORGERIES = (
    "wrong_nonce",
    "other_key",
    "unknown_kid",
    "wrong_audience",
    "wrong_audience_our_azp",
    "wrong_issuer",
    "expired",
    "alg_none",
)


@dataclass
class Person:
    subject: str
    email: str
    email_verified: bool = True
    name: str = ""
    groups: list[str] = field(default_factory=list)


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str
    person: Person


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class ScriptedProvider:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = ""  # set once served: the loopback address the test serves it at
        self.key = RSAKey.generate_key(2048, parameters={"kid": "signing-key"})
        self.other = RSAKey.generate_key(2048, parameters={"kid": "signing-key"})
        self.person = Person("subject-1", "ada@corp.example", name="Ada")
        self.forge: str | None = None
        self.token_requests = 0
        self._grants: dict[str, _Grant] = {}
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/jwks", self._jwks),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
            ]
        )

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                # Advertising `none` is the trap: a client must still refuse an unsigned token.
                "id_token_signing_alg_values_supported": ["RS256", "none"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        )

    async def _jwks(self, request: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def _authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return JSONResponse({"error": "unauthorized_client"}, status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request", "error_description": "PKCE required"}, 400)
        code = secrets.token_urlsafe(24)
        self._grants[code] = _Grant(
            self.client_id, q["redirect_uri"], q.get("nonce"), q["code_challenge"], self.person
        )
        # The person consents at once: a test drives the redirect, not a form.
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    async def _token(self, request: Request) -> Response:
        self.token_requests += 1
        form = await request.form()
        client_id, secret = self._client_credentials(request, dict(form))
        if client_id != self.client_id or secret != self.client_secret:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self._grants.pop(str(form.get("code", "")), None)  # single use
        if grant is None or form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant.challenge:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE mismatch"}, 400)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self._id_token(grant),
            }
        )

    def _client_credentials(self, request: Request, form: dict[str, Any]) -> tuple[str, str]:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            return unquote_plus(user), unquote_plus(password)
        return str(form.get("client_id", "")), str(form.get("client_secret", ""))

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        person = grant.person
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "email": person.email,
            "email_verified": person.email_verified,
            "name": person.name,
            "groups": person.groups,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        key = self.key
        header = {"alg": "RS256", "kid": "signing-key"}
        match self.forge:
            case "wrong_nonce":
                claims["nonce"] = "a-nonce-from-another-sign-in"
            case "other_key":
                key = self.other
            case "unknown_kid":
                key, header = self.other, {"alg": "RS256", "kid": "never-published"}
            case "wrong_audience":
                claims["aud"] = "another-client"
            case "wrong_audience_our_azp":
                claims["aud"], claims["azp"] = ["another-client"], grant.client_id
            case "wrong_issuer":
                claims["iss"] = "https://idp.attacker.example"
            case "expired":
                claims["iat"], claims["exp"] = now - 7200, now - 3600
            case "alg_none":
                unsigned = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
                return f"{unsigned}.{_b64(json.dumps(claims).encode())}."
        return jwt.encode(header, claims, key)
