"""Taking credentials out of text that may reach a log, an error message or a task record."""

from __future__ import annotations

import base64
from collections.abc import Iterable

MASK = "***"


def secret_forms(values: Iterable[str]) -> list[str]:
    """Each secret as written and as it may appear encoded (HTTP basic auth), longest first."""
    forms: set[str] = set()
    for value in values:
        if len(value) < 4:
            continue
        forms.add(value)
        for user in ("x-access-token", "oauth2", "git", ""):
            forms.add(base64.b64encode(f"{user}:{value}".encode()).decode())
        forms.add(base64.b64encode(value.encode()).decode())
        # Multi-line secrets (private keys) are matched line by line too.
        forms.update(line.strip() for line in value.splitlines() if len(line.strip()) >= 16)
    return sorted(forms, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for form in secret_forms(secrets):
        text = text.replace(form, MASK)
    return text
