"""What kind of answer a question wants, read from its wording: the extractive answerer leads with a
sentence of that kind.

- ``definition``: "what is X", "what does X mean / stand for", "how is X defined", "define X";
- ``value``: "how many / how much / how long / how often / when / who / which / what time / what
  percentage ...", "what is the default ..." (a number, a date, a duration, a name);
- ``procedure``: "how do I / how can I / how to / what are the steps / what should I do";
- ``reason``: "why ...";
- ``other``: everything else (yes/no questions, open questions).

The ``want`` of a value question says which kind of value fits (``number``, ``time``, ``person``,
``duration`` (an amount of time), ``frequency`` (how often), ``any``); the ``subject`` of a definition question is the phrase being defined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["definition", "value", "procedure", "reason", "other"]
Want = Literal["number", "time", "duration", "frequency", "person", "version", "items", "any"]

_DEFINITION = re.compile(
    r"^\s*(?:what|who)\s+(?:is|are)\s+(?:an?\s+|the\s+)?(?P<s1>.+?)(?:\s+(?:about|for))?\s*\??$"
    r"|^\s*what\s+(?:does|do)\s+(?P<s2>.+?)\s+(?:mean|stand\s+for|refer\s+to)\s*\??$"
    r"|^\s*how\s+(?:is|are|do\s+we|do\s+you)\s+(?P<s3>.+?)\s+(?:defined|define[d]?|counted|calculated|computed|measured)\b.*$"
    r"|^\s*how\s+(?:do|does|did)\s+(?:we|you|they|one|it)\s+(?:count|define|calculate|compute|measure)\s+(?P<s6>.+?)\s*\??$"
    r"|^\s*(?:define|explain)\s+(?P<s4>.+?)\s*\??$"
    r"|^\s*what\s+(?:is|are)\s+the\s+(?:definition|meaning)\s+of\s+(?P<s5>.+?)\s*\??$",
    re.IGNORECASE,
)
_PROCEDURE = re.compile(
    r"\bhow\s+(?:do|can|should|would|could)\s+(?:i|we|you|one)\b|\bhow\s+to\b|\bwhat\s+(?:are\s+the\s+)?steps\b"
    r"|\bwhat\s+(?:should|do)\s+(?:i|we)\s+do\b|\bsteps\s+to\b",
    re.IGNORECASE,
)
_VALUE_WORDS: list[tuple[re.Pattern[str], Want]] = [
    (re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?version\b", re.IGNORECASE), "version"),
    (re.compile(r"\bhow\s+(?:many|much|big|large|small|high|low|far)\b|\bwhat\s+(?:percentage|share|number|amount|size|rate)\b|\bby\s+how\s+much\b", re.IGNORECASE), "number"),
    (re.compile(r"\bhow\s+(?:often|frequently)\b|\bwhat\s+(?:interval|frequency|schedule)\b", re.IGNORECASE), "frequency"),
    (re.compile(r"\bhow\s+(?:long|soon|late)\b|\bwhat\s+(?:window|period|time\s*frame|timeframe)\b", re.IGNORECASE), "duration"),
    (re.compile(r"\bwhen\s+(?:is|are|was|were|does|do|did|can|could|will|would|should|has|have|must)\b|\bwhat\s+(?:time|date|day|year|month)\b|\bwhich\s+(?:day|date|year|month|time)\b|\bdeadline\b", re.IGNORECASE), "time"),
    (re.compile(r"^\s*who\b|\bwho\s+(?:owns|approves|maintains|runs|decides|is\s+responsible)\b|\bwhich\s+(?:person|team|owner)\b", re.IGNORECASE), "person"),
    (re.compile(r"^\s*(?:which|what)\s+(?:\w+\s+)?\w{3,}s\s+(?:are|were|do|does|did|make|count|have|has|can|must|should)\b|^\s*what\s+are\s+the\b|^\s*list\b", re.IGNORECASE), "items"),
    (re.compile(r"\bwhat\s+is\s+the\s+default\b|\bdefault\s+(?:value|setting)\b|\bwhat\s+(?:is|was|are)\s+the\b|^\s*(?:which|what)\b", re.IGNORECASE), "any"),
]  # fmt: skip
_REASON = re.compile(r"^\s*why\b|\bwhat\s+(?:is|was)\s+the\s+reason\b|\bwhat\s+caused\b", re.IGNORECASE)
# A subject that is itself a question about values is not something to define ("what is the deadline").
_NOT_SUBJECT = re.compile(
    r"\b(?:default|deadline|difference|threshold|target|limit|maximum|minimum|number|value|owner|reason|"
    r"cause|status|date|time|size|cost|price|share|percentage|version|password|policy|score)s?\b"
    r"|\b(?:for|in|on|at|during|from|since|by)\s",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class QuestionKind:
    kind: Kind
    want: Want = "any"
    subject: str = ""
    # The question asks about what is not, or is left out ("which events do not count?").
    negated: bool = False


def question_parts(question: str) -> list[str]:
    """The questions inside one, at most three: "When did X change, and what was the old rule?" -> two.
    Statements before the first question ("The job is late. How do I rerun it?") stay with it."""
    text = " ".join(question.split())
    sentences = re.split(r"(?<=[?.!])\s+", text)
    merged: list[str] = []
    context = ""
    for sentence in sentences:
        if not sentence.rstrip().endswith("?") and not merged:
            context = f"{context} {sentence}".strip()
            continue
        merged.append(f"{context} {sentence}".strip() if context and not merged else sentence)
    if context and not merged:
        merged = [context]
    parts: list[str] = []
    for sentence in merged:
        pieces = re.split(
            r",?\s+and\s+(?:(?:for|in|by|at|over|within|on|of|to|from|with|about|since|until)\s+)?"
            r"(?=(?:what|why|how|who|when|which|where)\b)",
            sentence,
        )
        parts.extend(p.strip(" ?,") for p in pieces if len(p.strip(" ?,").split()) >= 2)
    return parts[:3] or [text]


_NEGATED = re.compile(
    r"\b(?:not|never|no|none|except|excluded?|left\s+out|without|isn't|aren't|doesn't|don't)\b", re.IGNORECASE
)


def classify(question: str) -> QuestionKind:
    kind = _classify(question)
    if _NEGATED.search(question):
        return QuestionKind(kind.kind, kind.want, kind.subject, negated=True)
    return kind


def _classify(question: str) -> QuestionKind:
    # Several questions in one ("What's the deadline and how do I rerun it?"): the first decides.
    text = " ".join(
        question.replace("’", "'").replace("What's", "What is").replace("what's", "what is").split()
    )
    first = re.split(r"(?<=\?)\s+", text, maxsplit=1)[0]
    if _REASON.search(first):
        return QuestionKind("reason")
    match = _DEFINITION.match(first)
    if match is not None:
        subject = re.split(
            r"\s+(?:and|or)\s+(?:why|how|what|when|who|which)\b", next(g for g in match.groups() if g)
        )[0]
        if not _NOT_SUBJECT.search(subject) and len(subject.split()) <= 6:
            return QuestionKind("definition", subject=subject.strip(" ?'\""))
    for pattern, want in _VALUE_WORDS[:-1]:
        if pattern.search(first):
            return QuestionKind("value", want)
    if _PROCEDURE.search(first):
        return QuestionKind("procedure")
    if _VALUE_WORDS[-1][0].search(first):
        return QuestionKind("value", "any")
    return QuestionKind("other")
