"""Names a question depends on: numbers and codes ("2027", "2026-Q3", "v15"), acronyms ("NPS") and
capitalised names after the first word ("Tableau"). An answer about something else is no answer, so
the extractive answerer declines when the knowledge base never mentions one of them, and a table row
that lacks the question's code is a sibling row, not support.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pam.answer.sources import Passage

_ANCHOR = re.compile(
    r"\b(?:\w*\d\w*|[A-Z]{2,}\w*|[A-Z][a-z]+[A-Z]\w*|[A-Z][a-z]*-[A-Z][a-z]*)\b"
    r"|(?<![.?!:]\s)(?<=\s)[A-Z][a-z]{2,}(?:-[A-Za-z]+)?\b"
)
_DIGIT = re.compile(r"\d")
_COMMON_CAPITALS = frozenset({"I", "OK", "FAQ", "ID", "IDS"})


def anchors(question: str) -> list[str]:
    return [
        a
        for a in dict.fromkeys(_ANCHOR.findall(question))
        if len(a) >= 2 and a.upper() not in _COMMON_CAPITALS
    ]


def keys(question: str) -> list[str]:
    """The numbers and codes a question names (anchors with a digit)."""
    return [a for a in anchors(question) if _DIGIT.search(a)]


def missing_anchors(question: str, passages: Sequence[Passage]) -> list[str]:
    """Names in the question that none of the passages mentions."""
    text = " ".join(f"{p.title} {p.section_path} {p.content}" for p in passages)
    return [a for a in anchors(question) if not mentions(text, a)]


def mentions(text: str, anchor: str) -> bool:
    folded = text.casefold()
    name = anchor.casefold()
    return name in folded or (len(name) > 3 and name.rstrip("s") in folded)
