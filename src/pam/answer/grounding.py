"""The grounding check: is a finished answer backed by the passages its model was shown?

Cheap and deterministic (term sets, no model call), so it runs on every answer. The rules, in order;
the first one an answer breaks is its ``reason``:

1. ``empty``: there is no answer text.
2. ``invalid_citation``: a marker named a passage the model was never shown (the marker was removed
   from the text; the claim it was meant to back has no source).
3. ``no_citations``: the answer cites no passage it was shown.
4. ``wrong_language``: the answer is not in the question's language (``pam.answer.language``).
5. ``unsupported``: a cited claim shares too few content words with what its sources said. The
   words of the question do not count as support (an invented definition of "DAU" still says
   "DAU"): of the claim's other content terms, at least ``min_support`` must appear in the evidence
   of the passages it cites (their text, or a query's result rows). Words are compared, so a claim
   written in another language than its sources (a French answer from English runbooks) is
   reported unsupported: a known limit of a check this cheap.

Uncited sentences are not judged one by one: an answer may have a lead-in or a closing line of its own.

A decline (the strategy found nothing that answers and said so, citing nothing: ``RunState.declined``)
passes: it claims nothing the sources would have to back. Only a strategy's own decision counts; a
model's text saying "I could not find this" is checked like any other answer (its words cannot be told
from claims this cheaply, and the extractive answer offered beside it may find what the model missed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pam.answer.citations import CitedClaim
from pam.answer.events import UngroundedReason
from pam.answer.language import answers_in_another_language
from pam.answer.source_book import SourceBook
from pam.answer.text_terms import TermAnalyzer

# "1,234" and "1234" are the same number: thousands separators go before terms are compared.
_THOUSANDS = re.compile(r"(?<=\d)[,\u202f\u00a0'](?=\d{3}\b)")


@dataclass(frozen=True, slots=True)
class GroundingConfig:
    # Share of a claim's own content terms (not in the question) that its sources must contain.
    min_support: float = 0.34


@dataclass(frozen=True, slots=True)
class Verdict:
    grounded: bool
    reason: UngroundedReason | None = None
    supported_claims: int = 0
    unsupported_claims: int = 0


class GroundingCheck:
    def __init__(self, analyzer: TermAnalyzer, config: GroundingConfig | None = None) -> None:
        self._analyzer = analyzer
        self._config = config or GroundingConfig()

    def verdict(
        self,
        question: str,
        text: str,
        claims: Sequence[CitedClaim],
        book: SourceBook,
        *,
        check_language: bool = True,
        declined: bool = False,
    ) -> Verdict:
        if not text.strip():
            return Verdict(False, "empty")
        if declined and not any(claim.numbers or claim.invalid for claim in claims):
            return Verdict(True)
        if any(claim.invalid for claim in claims):
            return Verdict(False, "invalid_citation")
        cited = [claim for claim in claims if claim.numbers]
        if not cited:
            return Verdict(False, "no_citations")
        if check_language and answers_in_another_language(question, text):
            return Verdict(False, "wrong_language")
        asked = self._terms(question)
        evidence: dict[int, frozenset[str]] = {}
        supported = 0
        for claim in cited:
            for number in claim.numbers:
                if number not in evidence:
                    evidence[number] = self._terms(book.evidence(number))
            shown = frozenset().union(*(evidence[n] for n in claim.numbers))
            supported += self._supports(self._terms(claim.text), asked, shown)
        unsupported = len(cited) - supported
        if unsupported:
            return Verdict(False, "unsupported", supported, unsupported)
        return Verdict(True, None, supported, unsupported)

    def _terms(self, text: str) -> frozenset[str]:
        return self._analyzer.term_set(_THOUSANDS.sub("", text))

    def _supports(self, claim: frozenset[str], asked: frozenset[str], shown: frozenset[str]) -> bool:
        own = claim - asked
        if not own:
            # The claim only restates the question: its source must at least be about it.
            return not claim or bool(claim & shown)
        return len(own & shown) / len(own) >= self._config.min_support
