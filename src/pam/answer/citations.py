"""Resolves ``[n]`` markers in streamed answer text into citations, incrementally.

Choice: markers are **renumbered**. The model cites with the numbers it was shown (global across the
turn, e.g. ``[4]`` and ``[9]``); the user sees ``[1]``, ``[2]``, … in order of first use, in the text
and in the citations alike, so chip ``[2]`` is always the second entry of the list.

- Accepted forms: ``[3]``, ``[1][3]``, ``[1, 3]``, ``[1; 3]``, ``[1-3]`` (ranges of at most 20).
  A marker with several references is written back as adjacent markers: ``[1, 3]`` -> ``[1][2]``.
- A reference to no source is dropped and counted in ``invalid_count``; a marker with no valid
  reference left is removed together with the spaces before it ("days [7]." -> "days.").
- Streaming: a possible marker that is not closed yet (``"... [1"``) and trailing spaces are held
  back until the next chunk decides them; ``finish()`` releases what is left.
- A ``CitationEvent`` is emitted when a source is cited for the first time, just *before* the
  ``Token`` carrying its marker.
- Every marker is also kept as a ``CitedClaim`` (the text it follows and the sources it names, valid
  or not), for the grounding check once the answer is complete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pam.answer.events import Citation, CitationEvent, Token
from pam.answer.source_book import SourceBook
from pam.answer.sources import Passage
from pam.answer.text_terms import TermAnalyzer, sentence_spans

_MARKER = re.compile(r"\[\s*\d{1,4}(?:\s*[,;\-–]\s*\d{1,4})*\s*\]")
_PARTIAL = re.compile(r"\[[\d\s,;\-–]*")
_ITEM = re.compile(r"(\d+)(?:\s*[-–]\s*(\d+))?")
MAX_PENDING_MARKER = 40
MAX_RANGE = 20
MAX_QUOTE_CHARS = 600
# How much recent answer text is kept to find the sentence a marker cites.
RECENT_CHARS = 1_000

StreamEvent = Token | CitationEvent


@dataclass(frozen=True, slots=True)
class CitedClaim:
    """One ``[n]`` marker: the claim it follows, the shown sources it names, and how many of its
    references pointed at no source (those were removed from the text)."""

    text: str
    numbers: tuple[int, ...]
    invalid: int


class CitationStream:
    def __init__(self, book: SourceBook, analyzer: TermAnalyzer) -> None:
        self._book = book
        self._analyzer = analyzer
        self._pending = ""
        self._display_of: dict[int, int] = {}
        self._citations: list[Citation] = []
        self._invalid = 0
        self._recent = ""
        self._since_marker = ""
        self._text: list[str] = []
        self._claims: list[CitedClaim] = []

    @property
    def claims(self) -> list[CitedClaim]:
        return list(self._claims)

    @property
    def citations(self) -> list[Citation]:
        return list(self._citations)

    @property
    def invalid_count(self) -> int:
        return self._invalid

    @property
    def text(self) -> str:
        """The rewritten text emitted so far."""
        return "".join(self._text)

    def feed(self, chunk: str) -> list[StreamEvent]:
        buf = self._pending + chunk
        self._pending = ""
        events: list[StreamEvent] = []
        plain: list[str] = []
        i = 0
        while i < len(buf):
            if buf[i] != "[":
                plain.append(buf[i])
                i += 1
                continue
            marker = _MARKER.match(buf, i)
            if marker is not None:
                self._resolve(marker.group(0), plain, events)
                i = marker.end()
                continue
            rest = buf[i:]
            if len(rest) <= MAX_PENDING_MARKER and _PARTIAL.fullmatch(rest):
                self._pending = rest
                break
            plain.append("[")
            i += 1
        out = "".join(plain)
        # Trailing spaces wait for what follows: they go if a removed marker comes next.
        stripped = out.rstrip(" \t")
        self._pending = out[len(stripped) :] + self._pending
        self._emit_text(stripped, events)
        return events

    def finish(self) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        self._emit_text(self._pending, events)
        self._pending = ""
        return events

    def _resolve(self, marker: str, plain: list[str], events: list[StreamEvent]) -> None:
        invalid_before = self._invalid
        numbers = self._parse(marker)
        citing = self._citing_text("".join(plain))
        displays: list[int] = []
        valid: list[int] = []
        new: list[Citation] = []
        for number in numbers:
            passage = self._book.get(number)
            if passage is None:
                self._invalid += 1
                continue
            valid.append(number)
            display = self._display_of.get(number)
            if display is None:
                display = len(self._citations) + len(new) + 1
                self._display_of[number] = display
                new.append(self._citation(display, passage, citing))
            if display not in displays:
                displays.append(display)
        self._claims.append(CitedClaim(citing, tuple(dict.fromkeys(valid)), self._invalid - invalid_before))
        before = "".join(plain)
        plain.clear()
        if not displays:
            self._emit_text(before.rstrip(" \t"), events)
            return
        self._emit_text(before, events)
        self._citations.extend(new)
        events.extend(CitationEvent(citation) for citation in new)
        rendered = "".join(f"[{display}]" for display in displays)
        events.append(Token(rendered))
        self._text.append(rendered)
        self._since_marker = ""

    def _parse(self, marker: str) -> list[int]:
        numbers: list[int] = []
        for item in _ITEM.finditer(marker):
            low = int(item.group(1))
            high = int(item.group(2)) if item.group(2) is not None else low
            if high < low or high - low >= MAX_RANGE:
                self._invalid += 1
                continue
            numbers.extend(range(low, high + 1))
        return numbers

    def _emit_text(self, text: str, events: list[StreamEvent]) -> None:
        if not text:
            return
        events.append(Token(text))
        self._text.append(text)
        self._recent = (self._recent + text)[-RECENT_CHARS:]
        self._since_marker = (self._since_marker + text)[-RECENT_CHARS:]

    def _citing_text(self, unflushed: str) -> str:
        """The claim a marker supports: the text since the previous marker in this sentence, or the
        whole last sentence when that is too short to mean anything."""
        since = self._since_marker + unflushed
        spans = sentence_spans(since)
        if spans:
            start, end = spans[-1]
            if len(self._analyzer.terms(since[start:end])) >= 2:
                return since[start:end]
        recent = self._recent + unflushed
        spans = sentence_spans(recent)
        if not spans:
            return ""
        start, end = spans[-1]
        return recent[start:end]

    def _citation(self, display: int, passage: Passage, citing: str) -> Citation:
        start, end = best_quote_span(self._analyzer, passage.content, citing)
        return Citation(
            number=display,
            segment_id=passage.segment_id,
            document_id=passage.document_id,
            title=passage.title,
            section_path=passage.section_path,
            page=passage.page,
            uri=passage.uri,
            quote=passage.content[start:end],
            quote_start=start,
            quote_end=end,
        )


def best_quote_span(analyzer: TermAnalyzer, content: str, citing: str) -> tuple[int, int]:
    """The sentence of ``content`` sharing most content terms with ``citing``; the passage's start
    (bounded) when none shares any."""
    wanted = analyzer.term_set(citing)
    best: tuple[int, int] | None = None
    best_score = 0
    for start, end in sentence_spans(content):
        score = len(wanted & analyzer.term_set(content[start:end]))
        if score > best_score:
            best, best_score = (start, min(end, start + MAX_QUOTE_CHARS)), score
    if best is not None:
        return best
    spans = sentence_spans(content)
    start = spans[0][0] if spans else 0
    end = min(len(content), start + MAX_QUOTE_CHARS)
    return start, max(start, len(content[:end].rstrip()))


def resolve_citations(text: str, book: SourceBook, analyzer: TermAnalyzer) -> tuple[str, list[Citation], int]:
    """Non-streaming form: the rewritten text, citations in order, and the invalid-reference count."""
    stream = CitationStream(book, analyzer)
    stream.feed(text)
    stream.finish()
    return stream.text, stream.citations, stream.invalid_count
