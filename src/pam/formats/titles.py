"""Document titles: taken from content or the file name, never carrying paths or control characters."""

from __future__ import annotations

import re
import unicodedata

MAX_TITLE_CHARS = 200
_SPACES = re.compile(r"\s+")
_FALLBACK = "untitled"


def _is_hidden(ch: str) -> bool:
    # Cc: control characters (terminal escapes, NUL); Cf: invisible format characters such as
    # bidi overrides, which can make a title display as something else.
    return unicodedata.category(ch) in ("Cc", "Cf")


def clean_title(raw: str) -> str:
    """Control and format characters become spaces, path separators become '-'; '' if nothing is left."""
    text = "".join(" " if _is_hidden(ch) else ch for ch in raw)
    text = text.replace("/", "-").replace("\\", "-")
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_TITLE_CHARS:
        text = text[:MAX_TITLE_CHARS].rstrip()
    return text


def filename_stem(filename: str) -> str:
    """The base name without directories or its last extension; 'untitled' if nothing usable is left."""
    base = re.split(r"[/\\]", filename)[-1]
    stem, dot, _ext = base.rpartition(".")
    if not dot or not stem.strip("."):
        stem = base
    return clean_title(stem) or _FALLBACK


def pick_title(*candidates: str | None, filename: str) -> str:
    """The first candidate that is non-empty once cleaned, else the file name's stem."""
    for candidate in candidates:
        if candidate:
            cleaned = clean_title(candidate)
            if cleaned:
                return cleaned
    return filename_stem(filename)


def file_extension(filename: str) -> str:
    """Lower-case last extension with its dot ('.md'), or '' when there is none."""
    base = re.split(r"[/\\]", filename)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem.strip(".") or not ext:
        return ""
    return "." + ext.lower()
