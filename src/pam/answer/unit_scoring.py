"""How well one unit (sentence, list, table row) answers a question, and whether anything does.

``relevance = semantic_weight * cosine(question, unit) + terms_weight * terms + fit_weight * fit
+ passage_weight * passage cosine + rank bonus``, where

- the unit's own cosine comes from embedding the unit (with its nearest heading) on its own, so a
  sentence is judged by its meaning and not only by its passage's;
- ``terms`` is the IDF-weighted share of the question's content terms in the unit (its heading counts
  half), IDF taken across the retrieved passages so the term that singles out the answer counts most;
- ``fit`` is how well the unit's form suits the question's kind (``question_kind``): a value of the
  wanted type, a definition of the subject, steps for "how do I", a cause for "why".

Some units are not answers on their own: a list heading without its list, navigation text, a bare
table header. They are scored down rather than dropped, so a passage made only of them still counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pam.answer.answer_units import Unit
from pam.answer.question_kind import QuestionKind

_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|thousand|million|billion|dozen|half|twice|double)\b",
    re.IGNORECASE,
)
_VERSION = re.compile(r"\b(?:v?\d+\.\d+(?:\.\d+)*|v\d+)\b", re.IGNORECASE)
_DURATION = re.compile(
    r"\b(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|thirty)\s*-?\s*"
    r"(?:ms|milliseconds?|s|sec|seconds?|min|minutes?|h|hours?|days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)
# How often: a period word or a schedule ("nightly", "every 15 minutes", "at 06:00 UTC"), or an amount of time.
_FREQUENCY = re.compile(
    r"\b(?:daily|hourly|weekly|monthly|quarterly|yearly|annually|nightly|every\s+\w+|once|twice|"
    r"per\s+(?:second|minute|hour|day|week|month|year))\b|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b\d{4}-\d{2}(?:-\d{2})?\b|\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b|"
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_PERSON = re.compile(r"\b[A-Z][a-zà-ÿ]+(?:\s+[A-Z][a-zà-ÿ]+)+\b")
# "Who" is answered by roles, teams, channels and kinds of people as often as by names ("page the
# harbour on-call engineer", "a user counts when..."): any of these is an answer of the wanted type.
_WHO = re.compile(
    r"\b(?:team|on-?call|engineers?|managers?|leads?|owners?|admins?|administrators?|directors?|officers?|"
    r"head of|department|desk|support|committee|board|ceo|cto|cfo|coo|vp|users?|customers?|people|"
    r"employees?|members?|staff|anyone|everyone|nobody)\b|(?<![\w])[#@][\w.-]+|\b[\w.+-]+@[\w-]+\.[\w.]+",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"\b(?:because|since|so that|due to|caused|cause|reason|in order to|therefore|to avoid|prevents?|"
    r"otherwise|which means|as a result)\b",
    re.IGNORECASE,
)
_HOW = re.compile(
    r"\b(?:use|run|set|add|create|open|check|restart|launch|enable|disable|call|request|specify|ask)\b",
    re.IGNORECASE,
)
_NAVIGATION = re.compile(r"\b(?:prev|next|home|up)\b.*\b(?:prev|next|home|up)\b", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]")
_NEGATION = re.compile(r"\b(?:not|never|no|none|except|excluded|without)\b|n't\b", re.IGNORECASE)
_ITEM_MARKERS = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-*•])\s")


@dataclass(frozen=True, slots=True)
class Weights:
    semantic: float = 0.45
    terms: float = 0.32
    fit: float = 0.18
    passage: float = 0.08


def form_fit(unit: Unit, kind: QuestionKind) -> float:
    """0..1: how well the unit's form suits the kind of question. An item under a negative lead-in
    ("Events that do not make a user active:") answers the opposite of an affirmative question."""
    fit = _form_fit(unit, kind)
    return fit * 0.25 if opposes(unit, kind) else fit


def opposes(unit: Unit, kind: QuestionKind) -> bool:
    """An item under a negative lead-in answers the opposite of an affirmative question."""
    return bool(unit.lead) and bool(_NEGATION.search(unit.lead)) and not kind.negated


def _form_fit(unit: Unit, kind: QuestionKind) -> float:
    text = _ITEM_MARKERS.sub(" ", unit.text)
    if kind.kind == "value" and kind.want == "items":
        return {"list": 1.0, "table": 1.0, "row": 0.6, "item": 0.6}.get(unit.kind, 0.3)
    if kind.kind == "value" and unit.kind in ("list", "table"):
        return 0.4
    if kind.kind == "value":
        if kind.want == "number":
            return 1.0 if _NUMBER.search(text) else 0.0
        if kind.want == "duration":
            return 1.0 if _DURATION.search(text) else 0.3 if _NUMBER.search(text) else 0.0
        if kind.want == "frequency":
            if _FREQUENCY.search(text) or _DURATION.search(text):
                return 1.0
            return 0.3 if _NUMBER.search(text) else 0.0
        if kind.want == "time":
            return (
                1.0
                if _TIME.search(text)
                else 0.7
                if _DURATION.search(text) or _FREQUENCY.search(text)
                else 0.0
            )
        if kind.want == "person":
            return 1.0 if _PERSON.search(text) else 0.0
        if kind.want == "version":
            return 1.0 if _VERSION.search(text) else 0.0
        return 0.5 if _NUMBER.search(text) or unit.kind == "row" else 0.3
    if kind.kind == "definition":
        return _defines(text, kind.subject)
    if kind.kind == "procedure":
        if unit.kind in ("list", "table") or unit.steps:
            return 1.0
        return 0.6 if _HOW.search(text) else 0.2
    if kind.kind == "reason":
        return 1.0 if _REASON.search(text) else 0.2
    return 0.5


def _defines(text: str, subject: str) -> float:
    if not subject:
        return 0.3
    head = text[: len(subject) + 40].casefold()
    name = subject.casefold()
    words = [w for w in re.findall(r"\w+", name) if len(w) > 2] or [name]
    if head.startswith(name) or head.startswith(("a " + name, "an " + name, "the " + name)):
        return 1.0
    initials = "".join(w[0] for w in words)
    if len(words) > 1 and re.match(rf"\(?{initials}\)?\s*(?:is|are|means|–|—|-|:)", head):
        return 1.0  # "DAU is ..." defines "daily active users"
    if re.search(r"\b(?:is|are|means|refers to|stands for)\b|[–—:(]", head) and all(w in head for w in words):
        return 0.8
    return 0.5 if all(w in text.casefold() for w in words) else 0.1


def holds_wanted_value(unit: Unit, kind: QuestionKind) -> bool:
    """Whether the unit holds a value of the type a value question asks for (any unit does for others)."""
    if kind.kind != "value" or kind.want in ("any", "items"):
        return True
    if kind.want == "person" and _WHO.search(unit.shown):
        return True
    return form_fit(Unit(unit.shown, unit.start, "sentence"), kind) >= 0.7


def penalty(unit: Unit) -> float:
    """How far from an answer the unit's form is (0: fine; up to 1: not an answer alone)."""
    text = unit.text
    if unit.kind == "sentence" and text.endswith(":"):
        return 0.6  # a list heading: the list unit carries it
    letters = len(_LETTERS.findall(text))
    if letters < 12 or letters < 0.45 * len(text):
        return 0.5
    if _NAVIGATION.search(text) and len(text) < 200:
        return 0.5
    if unit.kind != "row" and len(text.split()) <= 6 and not text.endswith((".", "!", "?")):
        return 0.8  # a heading or a label, not a statement
    if len(text.split()) < 4 and unit.kind == "sentence":
        return 0.4
    if unit.kind == "sentence" and text[:1].islower():
        return 0.3  # a fragment: the chunk starts mid-sentence
    return 0.0


def term_share(
    query: frozenset[str], idf: dict[str, float], unit_terms: frozenset[str], heading_terms: frozenset[str]
) -> float:
    total = sum(idf.values())
    if not total:
        return 0.0
    own = sum(idf[t] for t in query & unit_terms)
    context = sum(idf[t] for t in (query & heading_terms) - unit_terms)
    return min(1.0, (own + 0.5 * context) / total)


def passage_idf(query: frozenset[str], passages: Sequence[frozenset[str]]) -> dict[str, float]:
    import math

    n = max(1, len(passages))
    return {t: math.log(1 + n / (1 + sum(t in p for p in passages))) for t in query}
