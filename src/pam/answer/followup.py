"""Follow-up questions: a question that leans on the conversation becomes a standalone search query.

"And for Q3?" after "What is the WAU target for 2026-Q1?" is searched as "What is the WAU target for
2026-Q3?"; "Who owns it?" after "When does the Company Pulse dashboard refresh?" is searched with the
earlier question's topic added ("Who owns it? Company Pulse dashboard refresh"), and with the names the
last answer gave (so "it" can be the orchestrator the last answer named).

A question leans on the conversation when it starts like a continuation ("and ...", "what about ..."),
refers back ("it", "that", "they", "the old ..."), or is too short to stand alone. Anything else is
returned unchanged: a new topic must not drag the old one into its search.

Used by the extractive answerer (its only search) and by LLM answering as pre-retrieval; both read
the history from the stored conversation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pam.answer.strategy import HistoryTurn

MAX_CONTEXT_WORDS = 10
ANSWER_NAMES = 3
_CONTINUATION = re.compile(
    r"^\s*(?:and|but|also|so|then|what\s+about|how\s+about|same\s+for|and\s+for|or)\b", re.IGNORECASE
)
_REFERS_BACK = re.compile(
    r"\b(?:it|its|it's|that|this|these|those|they|them|their|there|he|she|him|his|her|"
    r"the\s+(?:same|old|new|previous|former|latter|other|above|first|second|last)|one)\b",
    re.IGNORECASE,
)
_SUBSTITUTION = re.compile(
    r"^\s*(?:and|but|or|what|how)?\s*(?:about|for|in|on|with|at|of)?\s*(?:the\s+)?(?P<x>[^?]{1,40}?)\s*\??\s*$",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+(?:[\-./]\w+)*")
_MARKERS = re.compile(r"\s*\[\d+\]")
_QUESTION_TEXT = """
a an the what which who whom whose when where why how is are was were do does did can could should
would will shall may might must be been being of for to in on at by with from and or but about as it
its this that these those they them their there i we you our your my me us please tell show give
know find list also so then than more most much many any some not no yes if into over under per via
default
"""
_QUESTION_WORDS = frozenset(_QUESTION_TEXT.split())
_FILLER_TEXT = "and but or so then also what about how same for"
_FILLER = frozenset(_FILLER_TEXT.split())


def leans_on_context(question: str) -> bool:
    words = _WORD.findall(question)
    content = [w for w in words if w.lower() not in _QUESTION_WORDS]
    return bool(_CONTINUATION.search(question) or _REFERS_BACK.search(question) or len(content) <= 2)


def standalone_question(question: str, history: Sequence[HistoryTurn], *, depth: int = 3) -> str:
    """The question as a search query that stands on its own (unchanged if it already does).

    The last question is first made standalone itself (it may have been a follow-up too: "Who owns
    it?" after "And for Q2?" after "What is the target for 2026-Q1?" is about Q2)."""
    users = [i for i, t in enumerate(history) if t.role == "user" and t.text.strip()]
    if not users or not leans_on_context(question):
        return question
    index = users[-1]
    last = history[index].text
    if depth > 0:
        last = standalone_question(last, history[:index], depth=depth - 1)
    substituted = _substitute(question, last)
    if substituted is not None:
        return substituted
    context = _topic_words([last], _last_answer(history))
    asked = {w.lower() for w in _WORD.findall(question)}
    extra = [w for w in context if w.lower() not in asked][:MAX_CONTEXT_WORDS]
    if not extra:
        return question
    # The topic goes inside the question ("Who owns it (Company Pulse dashboard)?"), so the result
    # still reads, and splits, as one question.
    stem = question.rstrip().rstrip("?").rstrip()
    return f"{stem} ({' '.join(extra)})?"


def _substitute(question: str, last: str) -> str | None:
    """ "And for Q3?" -> the last question with its Q1 replaced; None if the question is more than a slot."""
    match = _SUBSTITUTION.match(question)
    if match is None or not _CONTINUATION.search(question):
        return None
    new = match.group("x").strip()
    if len(new.split()) > 3:
        return None
    new_shape = _shape(new)
    for token in sorted(set(_WORD.findall(last)), key=len, reverse=True):
        shape = _shape(token)
        if token.lower() == new.lower() or not new_shape:
            continue
        if shape == new_shape:
            return re.sub(rf"\b{re.escape(token)}\b", new, last, count=1)
        if shape.endswith(new_shape) and len(token) > len(new) and not token[-len(new) - 1].isalnum():
            # "2026-Q1" and "Q3": keep the prefix, change the part that has the same shape.
            return re.sub(rf"\b{re.escape(token)}\b", token[: -len(new)] + new, last, count=1)
    return None


def _shape(text: str) -> str:
    """Digits as 0, letters as a (runs kept): "2026-Q1" -> "0000-a0", "Q3" -> "a0"; "" for plain words."""
    if not any(c.isdigit() for c in text):
        return ""
    return "".join("0" if c.isdigit() else "a" if c.isalpha() else c for c in text.lower())


def _topic_words(questions: Sequence[str], answer: str) -> list[str]:
    words: list[str] = []
    for text in questions:
        for word in _WORD.findall(text):
            if word.lower() not in _QUESTION_WORDS and word.lower() not in _FILLER:
                words.append(word)
    # A few names the last answer led with (capitalised words after its first word): what "it" may be.
    first_sentence = re.split(r"(?<=[.!?;:])\s", answer.strip(), maxsplit=1)[0] if answer else ""
    names = [
        w
        for i, w in enumerate(_WORD.findall(first_sentence))
        if i > 0 and w[:1].isupper() and w.lower() not in _QUESTION_WORDS
    ]
    words.extend(names[:ANSWER_NAMES])
    return list(dict.fromkeys(words))


def _last_answer(history: Sequence[HistoryTurn]) -> str:
    for turn in reversed(history):
        if turn.role == "assistant" and turn.text.strip():
            return _MARKERS.sub("", turn.text)
    return ""
