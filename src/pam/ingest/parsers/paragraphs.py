"""Splitting decoded text into paragraph blocks at blank lines."""

from __future__ import annotations

import re
from collections.abc import Iterator

_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


def split_paragraphs(text: str) -> Iterator[str]:
    """Non-empty paragraphs with trailing spaces trimmed from each line."""
    for part in _BLANK_LINES.split(text):
        para = "\n".join(line.rstrip() for line in part.strip("\n").split("\n")).strip()
        if para:
            yield para
