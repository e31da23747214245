"""Content terms and sentence spans, shared by the extractive answerer and citation quoting.

Terms are lowercased, Porter-stemmed (tantivy's stemmer, the one the keyword index uses) and
stripped of English stop words and question filler, so "What is our refund policy?" and "Refunds
follow the policy below" share the terms ``refund`` and ``polici``.
"""

from __future__ import annotations

import re

import tantivy

_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each either else etc ever every few for
from further get gets got had has have having he her here hers herself him himself his how i if in into
is it its itself just let me more most much must my myself need no nor not now of off on once only or
other our ours ourselves out over own per please same say says shall she should show so some such tell
than that the their theirs them themselves then there these they this those through to too under until
up upon us use used using very via want was way we were what whats when where whether which while who
whom whose why will with within without would yes yet you your yours yourself yourselves
explain describe know find give list mean means meant anyone someone something anything thing things
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# Sentence ends: terminal punctuation followed by whitespace, or a line break (lists, tables, headings).
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
_WORD = re.compile(r"\w+")
MAX_TOKEN_CHARS = 40


class TermAnalyzer:
    """Built once per answerer (it holds a native analyzer); cheap to call (~2 µs a sentence)."""

    def __init__(self) -> None:
        builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        builder = builder.filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS)).filter(
            tantivy.Filter.lowercase()
        )
        self._analyzer = builder.filter(tantivy.Filter.stemmer("english")).build()
        # Stop words are compared after stemming, so stem the list with the same analyzer.
        self._stop = {stem for word in STOP_WORDS for stem in self._analyzer.analyze(word)}

    def terms(self, text: str) -> list[str]:
        """Content terms of ``text`` in order (with repeats)."""
        safe = text.encode("utf-8", "replace").decode("utf-8")
        return [term for term in self._analyzer.analyze(safe) if len(term) > 1 and term not in self._stop]

    def term_set(self, text: str) -> frozenset[str]:
        return frozenset(self.terms(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence in ``text``, whitespace-trimmed, empty ones dropped."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        _append_trimmed(text, start, match.start(), spans)
        start = match.end()
    _append_trimmed(text, start, len(text), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
