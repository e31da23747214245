"""The JWT signing secret: configured (PAM_JWT_SECRET) or generated into the data dir on first start.

A configured secret that is short or a well-known placeholder is refused: anyone who guesses it
can mint an admin token. The generated file is created with 0600 permissions and reused.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from pathlib import Path

import structlog

from pam.errors import PamError
from pam.settings import Settings

SECRET_FILE = "jwt_secret"  # noqa: S105 (a file name, not a secret)
MIN_SECRET_BYTES = 32
# Placeholders copied from tutorials and templates, compared after dropping case and punctuation.
_KNOWN_WEAK = (
    "secret",
    "changeme",
    "changethis",
    "password",
    "yoursecret",
    "supersecret",
    "secretkey",
    "jwtsecret",
    "mysecret",
    "placeholder",
    "example",
    "notasecret",
    "insecure",
    "replaceme",
    "your256bitsecret",
)
_MIN_DISTINCT_CHARS = 10

log = structlog.get_logger("pam.auth")


class WeakSecret(PamError):
    code = "weak_secret"
    status = 500


def weakness(secret: str) -> str | None:
    """Why `secret` is unfit to sign tokens, or None when it is fine."""
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"it is shorter than {MIN_SECRET_BYTES} bytes"
    squashed = re.sub(r"[^a-z0-9]", "", secret.lower())
    for word in _KNOWN_WEAK:
        if word in squashed:
            return f"it contains the well-known placeholder {word!r}"
    if len(set(secret)) < _MIN_DISTINCT_CHARS:
        return "it repeats too few distinct characters"
    return None


def load_jwt_secret(settings: Settings) -> bytes:
    """The configured secret if strong, else the data dir's generated one (created on first call)."""
    if settings.jwt_secret is not None and settings.jwt_secret.get_secret_value():
        configured = settings.jwt_secret.get_secret_value()
        reason = weakness(configured)
        if reason is not None:
            raise WeakSecret(
                f"refusing PAM_JWT_SECRET: {reason}. Unset it to have a strong one generated in the data "
                f"dir, or set at least {MIN_SECRET_BYTES} random bytes (e.g. `openssl rand -base64 48`)."
            )
        return configured.encode()
    return _generated_secret(settings.data_dir / SECRET_FILE)


def _generated_secret(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fresh = secrets.token_urlsafe(48)
        while weakness(fresh) is not None:  # a random string may, very rarely, spell a placeholder
            fresh = secrets.token_urlsafe(48)
        _create_once(path, fresh)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # Readable by others means anyone on the machine could mint tokens: close it, say so.
        os.chmod(path, 0o600)
        log.warning("jwt_secret_permissions_fixed", previous_mode=oct(mode))
    value = path.read_text(encoding="utf-8").strip()
    reason = weakness(value)
    if reason is not None:
        raise WeakSecret(
            f"refusing the JWT secret file {SECRET_FILE} in the data dir: {reason}. "
            "Delete it to have a new one generated (every issued token becomes invalid)."
        )
    return value.encode()


def _create_once(path: Path, value: str) -> None:
    """Write to a private temp file, then link it into place: a concurrent starter never reads half a file."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(value + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won the race: use its secret
            os.link(tmp, path)
            log.info("jwt_secret_generated", file=SECRET_FILE)
    finally:
        tmp.unlink(missing_ok=True)
