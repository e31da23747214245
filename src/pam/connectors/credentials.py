"""Credentials of remote sources, encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256, from `cryptography`).

The key is `PAM_CREDENTIALS_KEY` when set, else a key generated into the data dir on first use
(`credentials.key`, mode 0600) and shared by every process that shares the data dir. Rotation:
set `PAM_CREDENTIALS_KEY="NEW,OLD"` (the first key encrypts, every key decrypts), run
`pam sources rotate-key` (re-encrypts every stored credential with the first key), then drop OLD.

A decrypted credential lives only in memory, inside the connector that uses it. It is never
returned by a route, written to a log, an error message or a task record.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from pam.errors import PamError
from pam.settings import Settings

KEY_FILE = "credentials.key"
log = structlog.get_logger("pam.credentials")


class CredentialKeyError(PamError):
    code = "credentials_key"
    status = 500


@dataclass(frozen=True, slots=True)
class Secrets:
    """A source's decrypted credentials: names to values. Its repr shows the names, never a value."""

    values: dict[str, str]

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value or None

    def __repr__(self) -> str:
        return f"Secrets({sorted(self.values)})"

    __str__ = __repr__


NO_SECRETS = Secrets({})


class CredentialBox:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise CredentialKeyError("no credentials key")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError as exc:
            raise CredentialKeyError(
                "PAM_CREDENTIALS_KEY must be Fernet keys (32 url-safe base64 bytes), comma separated; "
                "make one with `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
            ) from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialBox:
        configured = settings.credentials_key.get_secret_value() if settings.credentials_key else ""
        keys = [k.strip().encode() for k in configured.split(",") if k.strip()]
        if not keys:
            keys = [_generated_key(settings.data_dir / KEY_FILE)]
        return cls(keys)

    def seal(self, secrets_: dict[str, str]) -> str | None:
        """One token for all of a source's credentials; None when there are none."""
        kept = {k: v for k, v in secrets_.items() if v}
        if not kept:
            return None
        return self._fernet.encrypt(json.dumps(kept).encode()).decode()

    def open(self, token: str | None) -> Secrets:
        if not token:
            return NO_SECRETS
        try:
            values = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise CredentialKeyError(
                "a source's credentials cannot be decrypted with PAM_CREDENTIALS_KEY (or the data dir's key): "
                "was the key changed without `pam sources rotate-key`?"
            ) from exc
        return Secrets({str(k): str(v) for k, v in values.items()})

    def rotate(self, token: str) -> str:
        """The same credentials encrypted with the first key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise CredentialKeyError(
                "a stored credential cannot be decrypted with any configured key"
            ) from exc


def _generated_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path)  # another process may have won the race: use its key
                log.info("credentials_key_generated", file=KEY_FILE)
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    if os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o600)
    return path.read_bytes().strip()
