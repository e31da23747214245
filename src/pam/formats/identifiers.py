"""Safe SQL identifiers for tables and columns: lower-case ASCII letters, digits and underscores."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_NAME_CHARS = 63
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def sanitize(text: str, *, fallback: str = "t", max_chars: int = MAX_NAME_CHARS) -> str:
    """``"Tracking plan (2026)"`` -> ``"tracking_plan"``; never empty, never starting with a digit."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = _BRACKETED.sub(" ", ascii_text.lower())
    name = _NOT_WORD.sub("_", base).strip("_")
    if not name:
        name = _NOT_WORD.sub("_", ascii_text.lower()).strip("_") or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    return name[:max_chars].rstrip("_") or fallback


def unique(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name_2``, ``name_3``, ... when it is taken (compared case-insensitively)."""
    used = {t.lower() for t in taken}
    if name.lower() not in used:
        return name
    n = 2
    while f"{name[: MAX_NAME_CHARS - 4]}_{n}".lower() in used:
        n += 1
    return f"{name[: MAX_NAME_CHARS - 4]}_{n}"


def column_names(headers: Iterable[str]) -> list[str]:
    """Sanitized, unique column names; a blank header becomes ``column_<n>``."""
    out: list[str] = []
    for index, header in enumerate(headers, start=1):
        base = sanitize(header, fallback="c") if header.strip() else f"column_{index}"
        out.append(unique(base, out))
    return out


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
