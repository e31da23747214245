"""Scoring answers against a question set: the one implementation behind ``pam eval answers`` and the
answer benchmark.

Per question:
- **cited expected document**: at least one citation is of an expected document (its path, a path
  suffix, or its title, compared case-insensitively);
- **expected value**: every expected value is in the answer (case-insensitive, thousands separators
  and repeated spaces ignored, so ``111,000`` matches ``111000``);
- **declined**: the answer cites nothing, or it opens by saying the knowledge base does not have it.

An answerable question that was declined scores neither of the first two. An unanswerable question
scores only whether it was declined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pam.evaluation.answer_cases import AnswerCase
from pam.evaluation.metrics import percentile

# How answers say "not here": the extractive answerer's sentence and an LLM's usual phrasings.
_DECLINE = re.compile(
    r"(could ?n[o']t find|can ?n[o']t find|not (?:in|covered by|found in) the knowledge base|"
    r"no (?:information|passages?|documents?) (?:about|on|for|in)|does ?n[o']t (?:contain|say|mention))",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"(?<=\d)[,\u202f\u00a0'](?=\d{3}\b)")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CitedDocument:
    uri: str
    title: str


@dataclass(frozen=True, slots=True)
class AnswerRun:
    """What the answerer did with one question (the last one, for a follow-up)."""

    answer: str
    cited: tuple[CitedDocument, ...] = ()
    ttft_ms: float | None = None
    total_ms: float = 0.0
    error: str | None = None
    # The cited passages' text, for an LLM judge.
    passages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseScore:
    case: AnswerCase
    run: AnswerRun
    declined: bool
    cited_expected: bool
    holds_expected: bool
    # Filled by an LLM judge when one ran: 0..1 each.
    faithfulness: float | None = None
    completeness: float | None = None

    @property
    def correct(self) -> bool:
        if self.run.error is not None:
            return False
        if self.case.unanswerable:
            return self.declined
        return self.cited_expected and self.holds_expected


def normalized(text: str) -> str:
    return _SPACE.sub(" ", _SEPARATORS.sub("", text)).strip().casefold()


def is_decline(answer: str, cited: int) -> bool:
    if cited == 0:
        return True
    first = re.split(r"(?<=[.!?])\s", answer.strip(), maxsplit=1)[0]
    return bool(_DECLINE.search(first))


def cites_expected(case: AnswerCase, cited: Sequence[CitedDocument]) -> bool:
    wanted = [e.casefold().strip("/") for e in case.expected_documents]
    for doc in cited:
        uri, title = doc.uri.casefold(), doc.title.casefold()
        for expected in wanted:
            if uri == expected or uri.endswith("/" + expected) or title == expected:
                return True
    return False


def score_case(case: AnswerCase, run: AnswerRun) -> CaseScore:
    declined = run.error is None and is_decline(run.answer, len(run.cited))
    if case.unanswerable or run.error is not None or declined:
        return CaseScore(case, run, declined, False, False)
    answer = normalized(run.answer)
    holds = all(normalized(v) in answer for v in case.expected_values)
    cited = cites_expected(case, run.cited) if case.expected_documents else True
    return CaseScore(case, run, declined, cited, holds)


@dataclass(frozen=True, slots=True)
class Rates:
    """Shares over one group of questions (None where the group has no such question)."""

    n: int
    cited_expected: float | None = None
    expected_value: float | None = None
    declined: float | None = None
    ttft_p50_ms: float | None = None
    ttft_p95_ms: float | None = None


@dataclass(frozen=True, slots=True)
class AnswerReport:
    scores: tuple[CaseScore, ...]
    groups: dict[str, Rates] = field(default_factory=dict)
    errors: int = 0
    faithfulness: float | None = None
    completeness: float | None = None

    @property
    def answerable(self) -> Rates:
        return self.groups["answerable"]

    def headline(self) -> float:
        """The share of questions handled right (answered with the expected document and values, or
        declined when unanswerable): what ``--fail-under`` compares."""
        if not self.scores:
            return 0.0
        return sum(s.correct for s in self.scores) / len(self.scores)


def summarize(scores: Sequence[CaseScore]) -> AnswerReport:
    answerable = [s for s in scores if not s.case.unanswerable]
    groups = {
        "answerable": _rates(answerable),
        "text": _rates([s for s in answerable if s.case.kind == "text"]),
        "table": _rates([s for s in answerable if s.case.kind == "table"]),
        "follow_up": _rates([s for s in answerable if s.case.is_follow_up]),
        "unanswerable": _decline_rates([s for s in scores if s.case.unanswerable]),
        "all": _timing(scores),
    }
    judged = [s for s in answerable if s.faithfulness is not None]
    return AnswerReport(
        scores=tuple(scores),
        groups={k: v for k, v in groups.items() if v.n},
        errors=sum(s.run.error is not None for s in scores),
        faithfulness=_mean([s.faithfulness for s in judged]),
        completeness=_mean([s.completeness for s in judged]),
    )


def _rates(scores: Sequence[CaseScore]) -> Rates:
    if not scores:
        return Rates(0)
    timing = _timing(scores)
    return Rates(
        n=len(scores),
        cited_expected=_share([s.cited_expected for s in scores]),
        expected_value=_share([s.holds_expected for s in scores]),
        declined=_share([s.declined for s in scores]),
        ttft_p50_ms=timing.ttft_p50_ms,
        ttft_p95_ms=timing.ttft_p95_ms,
    )


def _decline_rates(scores: Sequence[CaseScore]) -> Rates:
    if not scores:
        return Rates(0)
    timing = _timing(scores)
    return Rates(
        len(scores),
        declined=_share([s.declined for s in scores]),
        ttft_p50_ms=timing.ttft_p50_ms,
        ttft_p95_ms=timing.ttft_p95_ms,
    )


def _timing(scores: Sequence[CaseScore]) -> Rates:
    ttfts = [s.run.ttft_ms for s in scores if s.run.ttft_ms is not None]
    if not ttfts:
        return Rates(len(scores))
    return Rates(
        len(scores),
        ttft_p50_ms=round(percentile(ttfts, 0.5), 1),
        ttft_p95_ms=round(percentile(ttfts, 0.95), 1),
    )


def _share(flags: Sequence[bool]) -> float:
    return round(sum(flags) / len(flags), 3) if flags else 0.0


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 3) if present else None
