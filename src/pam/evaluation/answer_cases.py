"""A team's own answer-quality question set: one JSON object per line (``pam eval answers``, the benchmark).

Fields of a line::

    {"id": "q01",                                    # optional; defaults to the line number
     "question": "How do we count daily active users?",
     "expected_documents": ["metrics/dau.md"],       # any one cited counts (path, path suffix or title)
     "expected_answer_contains": ["board_viewed"],   # every one must be in the answer (also "expected_values")
     "kind": "text",                                 # or "table": answered from a data file
     "unanswerable": false,                          # true: the right answer is to decline
     "history": ["an earlier question"]}             # asked first, in the same conversation

An unanswerable question has no expected documents or values. A question with ``history`` is a
follow-up: the earlier questions are asked (and answered) first in one conversation, and only the last
answer is scored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pam.errors import InvalidInput

Kind = Literal["text", "table"]
MAX_CASES = 5_000
MAX_TEXT = 2_000
_KNOWN = {
    "id",
    "question",
    "expected_documents",
    "expected_answer_contains",
    "expected_values",
    "kind",
    "unanswerable",
    "history",
}


@dataclass(frozen=True, slots=True)
class AnswerCase:
    id: str
    question: str
    expected_documents: tuple[str, ...] = ()
    expected_values: tuple[str, ...] = ()
    kind: Kind = "text"
    unanswerable: bool = False
    history: tuple[str, ...] = ()

    @property
    def is_follow_up(self) -> bool:
        return bool(self.history)


def load_cases(path: Path) -> list[AnswerCase]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the question file {path.name}") from exc
    return parse_cases(text)


def parse_cases(text: str) -> list[AnswerCase]:
    cases: list[AnswerCase] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"line {number}: not valid JSON ({exc.msg})") from exc
        cases.append(_case(raw, number))
        if len(cases) > MAX_CASES:
            raise InvalidInput(f"more than {MAX_CASES} questions")
    if not cases:
        raise InvalidInput("the question file has no questions")
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise InvalidInput("question ids must be unique")
    return cases


def _case(raw: Any, number: int) -> AnswerCase:
    where = f"line {number}"
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: expected a JSON object")
    unknown = set(raw) - _KNOWN
    if unknown:
        raise InvalidInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    question = _text(raw.get("question"), f"{where}: question")
    documents = _texts(raw.get("expected_documents", []), f"{where}: expected_documents")
    values = _texts(
        raw.get("expected_answer_contains", raw.get("expected_values", [])), f"{where}: expected values"
    )
    kind = raw.get("kind", "text")
    if kind not in ("text", "table"):
        raise InvalidInput(f"{where}: kind must be text or table")
    unanswerable = raw.get("unanswerable", False)
    if not isinstance(unanswerable, bool):
        raise InvalidInput(f"{where}: unanswerable must be true or false")
    if unanswerable and (documents or values):
        raise InvalidInput(f"{where}: an unanswerable question has no expected documents or values")
    if not unanswerable and not (documents or values):
        raise InvalidInput(f"{where}: give expected_documents or expected values (or mark it unanswerable)")
    history = _texts(raw.get("history", []), f"{where}: history")
    case_id = raw.get("id", f"line{number}")
    if not isinstance(case_id, str | int) or isinstance(case_id, bool):
        raise InvalidInput(f"{where}: id must be a string")
    return AnswerCase(str(case_id), question, documents, values, kind, unanswerable, history)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise InvalidInput(f"{what} must be a non-empty string of at most {MAX_TEXT} characters")
    return value.strip()


def _texts(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 50:
        raise InvalidInput(f"{what} must be a list of at most 50 strings")
    return tuple(_text(v, what) for v in value)
