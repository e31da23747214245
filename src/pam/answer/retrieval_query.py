"""What the agent searches for before its first model call.

A follow-up ("And for enterprise?", "Who owns it?") means little on its own to a search engine, so
it is searched together with the previous question. The conversation itself reaches the model as
messages; this only decides the search. One function on purpose: a model-written standalone query
can replace it without touching the agent loop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pam.answer.strategy import HistoryTurn

# A question this short, or one that opens or leans on the previous turn, is a follow-up.
FOLLOW_UP_MAX_WORDS = 6
_WORD = re.compile(r"\w+")
_OPENERS = ("and ", "what about", "how about", "also ", "then ", "so ", "but ", "same ")
_POINTERS = frozenset({"it", "its", "they", "them", "those", "these", "he", "she", "his", "her"})


def retrieval_query(question: str, history: Sequence[HistoryTurn]) -> str:
    previous = next((turn.text for turn in reversed(history) if turn.role == "user"), None)
    if previous is None or not is_follow_up(question):
        return question
    return f"{previous.strip()} {question}"


def is_follow_up(question: str) -> bool:
    words = _WORD.findall(question.lower())
    if len(words) <= FOLLOW_UP_MAX_WORDS:
        return True
    lowered = question.strip().lower()
    return lowered.startswith(_OPENERS) or any(word in _POINTERS for word in words)
