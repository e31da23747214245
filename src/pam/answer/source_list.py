"""An answer as plain text for clients that show only text: its ``[n]`` markers and a Sources list.

Chat apps on the OpenAI-compatible API render the message as it is, so the citations a person needs
to follow an answer are written under it, one line per ``[n]``. ``strip_sources`` takes the list off
again when such a message comes back as history (the structured citations travel separately).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pam.answer.events import Citation

SOURCES_HEADING = "Sources:"
_SOURCE_LINE = re.compile(r"^\[\d{1,4}\] .*$")


def source_line(citation: Citation) -> str:
    """``[n] Title — Section (page p) — uri``; parts that are empty are left out."""
    parts = [citation.title or "Untitled"]
    section = citation.section_path
    if section and section != citation.title:
        # The section path usually starts with the title (its top heading): say it once.
        prefix = f"{citation.title} > "
        parts.append(section[len(prefix) :] if section.startswith(prefix) else section)
    if citation.page is not None:
        parts[-1] += f" (page {citation.page})"
    if citation.uri:
        parts.append(citation.uri)
    return f"[{citation.number}] " + " — ".join(" ".join(p.split()) for p in parts)


def append_sources(text: str, citations: Sequence[Citation]) -> str:
    """``text`` followed by a blank line and the Sources list (unchanged when nothing is cited)."""
    return text + sources_block(citations)


def sources_block(citations: Sequence[Citation]) -> str:
    """What ``append_sources`` adds: empty when nothing is cited."""
    if not citations:
        return ""
    return "\n\n" + "\n".join([SOURCES_HEADING, *(source_line(c) for c in citations)])


def strip_sources(text: str) -> str:
    """``text`` without a trailing Sources list written by ``append_sources``; other text is kept."""
    head, sep, tail = text.rpartition("\n\n" + SOURCES_HEADING + "\n")
    if not sep or not all(_SOURCE_LINE.match(line) for line in tail.strip().splitlines()):
        return text
    return head
