"""Structure-aware chunker: a `ParsedDocument`'s blocks in, `Chunk`s that fit the embedder out.

Rules (SPEC section 4):
- Headings build `section_path` and start a new chunk; heading text itself is not chunk content.
- Text is packed up to `target_tokens` from whole sentences, preferring to end chunks at paragraph
  ends and to make the chunks of a section even; a sentence longer than `max_tokens` is split at
  word boundaries.
- Consecutive text chunks of one section overlap by up to `overlap_tokens` (whole trailing
  sentences, or trailing words when no sentence fits).
- A table or code block stays whole when it fits `max_tokens`; otherwise it is split between rows or
  lines, and each later table part repeats the header row(s).
- No chunk ever exceeds `max_tokens` of the given counter: every chunk is counted once more at the end.

Offsets: `char_start`/`char_end` index `extracted_text(blocks)` (the block texts joined by a blank
line). `content == text[char_start:char_end]` for every chunk except table parts after the first,
whose content is the repeated header, a newline, then exactly that span.

The output depends only on the input, so an unchanged section gives identical chunks and hashes.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol, runtime_checkable

from pam.embed.base import Embedder
from pam.ingest.parsers.base import Block, ParsedDocument

SegmentType = Literal["text", "table", "code"]
SECTION_SEPARATOR = " > "
BLOCK_SEPARATOR = "\n\n"
_MIN_WORD_OVERLAP = 8  # fewer overlap tokens than this carry no useful context
_MAX_SPANS_PER_PART = 512  # bounds the packing search when spans count (almost) no tokens
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
# Whitespace as tokenizers see it. Python's \s also matches control characters (VT, FF, \x1c-\x1f,
# NEL) that BERT's normaliser deletes: a cut there would join two pieces into one word, and the
# counts would not add up.
_DELETED_SPACE = r"\x0b\x0c\x1c-\x1f\x85"
_WS = rf"[^\S{_DELETED_SPACE}]"
# A sentence ends at . ! ? (plus closing quotes/brackets) and whitespace, at CJK full stops, or at a
# line break that starts a list item. A lower-case letter next means an abbreviation ("e.g. the").
_SENTENCE_END = re.compile(
    rf"[.!?\u2026]+[\"')\]\u201d\u2019]*{_WS}+|[\u3002\uff01\uff1f]+{_WS}*|\n(?=[ \t]*(?:[-*+\u2022]|\d{{1,3}}[.)])\s)"
)
_WORD = re.compile(rf"(?:\S|[{_DELETED_SPACE}])+")
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True, slots=True)
class Chunk:
    """One segment to embed and index.

    `page` is the page of the chunk's first character (overlap included); `token_count` is in the
    embedder's tokens without special tokens; `content_hash` is `chunk_hash(content, section_path)`.
    The same passage under another heading hashes differently, and identical passages in one
    document hash the same (the ingest diff must treat hashes as a multiset).
    """

    content: str
    section_path: str
    segment_type: SegmentType
    page: int | None
    char_start: int
    char_end: int
    token_count: int
    content_hash: str


class Chunker(Protocol):
    def chunk(self, document: ParsedDocument) -> list[Chunk]: ...


@runtime_checkable
class BatchTokenCounter(Protocol):
    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]: ...


def extracted_text(blocks: Sequence[Block]) -> str:
    """The document text that chunk offsets point into."""
    return BLOCK_SEPARATOR.join(b.text for b in blocks)


def block_starts(blocks: Sequence[Block]) -> list[int]:
    """Offset of each block's text in `extracted_text(blocks)`."""
    starts, pos = [], 0
    for block in blocks:
        starts.append(pos)
        pos += len(block.text) + len(BLOCK_SEPARATOR)
    return starts


def chunk_hash(content: str, section_path: str) -> str:
    """sha256 hex of the content, a NUL separator, and the section path (NUL keeps the parts apart)."""
    return hashlib.sha256(f"{content}\x00{section_path}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(slots=True)
class Span:
    """A range of the extracted text and its token count (-1 until counted)."""

    start: int
    end: int
    page: int | None
    tokens: int = -1


@dataclass(slots=True)
class _Item:
    """One text run (consecutive text blocks of one section), table or code block, before packing."""

    kind: SegmentType
    section: str
    groups: list[list[Span]]  # text: paragraphs of sentences; table/code: one group of lines
    whole: Span | None = None  # table/code: the whole block


@dataclass(slots=True)
class _Draft:
    kind: SegmentType
    section: str
    spans: list[Span]
    overlap: list[Span] = field(default_factory=list)
    prefix: str = ""  # repeated table header
    prefix_tokens: int = 0

    def content(self, text: str) -> str:
        first = self.overlap[0] if self.overlap else self.spans[0]
        return self.prefix + text[first.start : self.spans[-1].end]

    def summed_tokens(self) -> int:
        return self.prefix_tokens + sum(s.tokens for s in self.overlap) + sum(s.tokens for s in self.spans)


class StructureChunker:
    """Implements `Chunker`. `count_tokens` must be the embedder's own counter (special tokens excluded)."""

    def __init__(
        self,
        count_tokens: Callable[[str], int],
        max_tokens: int,
        *,
        target_tokens: int = 200,
        overlap_tokens: int = 30,
        count_tokens_batch: Callable[[Sequence[str]], list[int]] | None = None,
        counts_add_up: bool = False,
    ) -> None:
        if max_tokens < 1 or target_tokens < 1 or overlap_tokens < 0:
            raise ValueError("max_tokens and target_tokens must be positive, overlap_tokens not negative")
        self.max_tokens = max_tokens
        self.target_tokens = min(target_tokens, max_tokens)
        self.overlap_tokens = min(overlap_tokens, self.target_tokens // 2)
        self._count = count_tokens
        # When the counter is additive over whitespace-separated pieces (WordPiece is: it never forms
        # a token across whitespace), a chunk's count is the sum of its pieces' counts and the final
        # recount, a second full tokenisation, can be skipped.
        self.counts_add_up = counts_add_up
        self._count_batch = count_tokens_batch or (lambda texts: [count_tokens(t) for t in texts])

    @classmethod
    def for_embedder(
        cls,
        embedder: Embedder,
        *,
        target_tokens: int = 200,
        overlap_tokens: int = 30,
        reserve_tokens: int = 0,
    ) -> StructureChunker:
        """Chunks sized for `embedder`, leaving `reserve_tokens` of its input for a header in front."""
        batch = embedder.count_tokens_batch if isinstance(embedder, BatchTokenCounter) else None
        return cls(
            embedder.count_tokens,
            embedder.max_tokens - reserve_tokens,
            target_tokens=target_tokens,
            overlap_tokens=overlap_tokens,
            count_tokens_batch=batch,
            counts_add_up=getattr(embedder, "token_counts_add_up", False) is True,
        )

    def chunk(self, document: ParsedDocument) -> list[Chunk]:
        text = extracted_text(document.blocks)
        items = _items(text, document.blocks)
        self._count_spans(text, items)
        drafts: list[_Draft] = []
        for item in items:
            drafts.extend(
                self._pack_text(text, item) if item.kind == "text" else self._pack_block(text, item)
            )
        return self._finish(text, drafts)

    # -- counting and splitting -------------------------------------------------------------------

    def _count_spans(self, text: str, items: list[_Item]) -> None:
        spans = [s for item in items for g in item.groups for s in g]
        spans += [item.whole for item in items if item.whole is not None]
        for span, n in zip(spans, self._count_batch([text[s.start : s.end] for s in spans]), strict=True):
            span.tokens = n
        for item in items:
            if item.whole is None or item.whole.tokens > self.max_tokens:
                item.groups = [self._fit_spans(text, g) for g in item.groups]

    def _fit_spans(self, text: str, spans: list[Span]) -> list[Span]:
        out: list[Span] = []
        for span in spans:
            out.extend([span] if span.tokens <= self.max_tokens else self._split_words(text, span))
        return out

    def _split_words(self, text: str, span: Span) -> list[Span]:
        """An over-long sentence or line: pieces of whole words, each exactly counted."""
        ws = words(text, span)
        for w, n in zip(ws, self._count_batch([text[w.start : w.end] for w in ws]), strict=True):
            w.tokens = n
        pieces: list[Span] = []
        for group in _greedy(ws, self.target_tokens):
            pieces.append(Span(group[0].start, group[-1].end, span.page))
        for piece, n in zip(pieces, self._count_batch([text[p.start : p.end] for p in pieces]), strict=True):
            piece.tokens = n
        out: list[Span] = []
        for piece in pieces:
            out.extend([piece] if piece.tokens <= self.max_tokens else self._split_chars(text, piece))
        return out

    def _split_chars(self, text: str, span: Span) -> list[Span]:
        """Last resort for a single 'word' over the limit: the longest prefixes that fit."""
        out: list[Span] = []
        start = span.start
        while start < span.end:
            if self._count(text[start : span.end]) <= self.max_tokens:
                end = span.end
            else:
                # Gallop, then bisect: probes stay near the answer, so a hostile megabyte-long word
                # costs O(n log n) counting, not O(n) per piece.
                lo, step = start + 1, 4 * self.max_tokens
                while lo + step < span.end and self._count(text[start : lo + step]) <= self.max_tokens:
                    lo, step = lo + step, step * 2
                hi = min(span.end - 1, lo + step - 1)
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if self._count(text[start:mid]) <= self.max_tokens:
                        lo = mid
                    else:
                        hi = mid - 1
                end = lo
            out.append(Span(start, end, span.page, self._count(text[start:end])))
            start = end
        return out

    # -- packing ----------------------------------------------------------------------------------

    def _pack_text(self, text: str, item: _Item) -> list[_Draft]:
        spans: list[Span] = []
        break_costs: list[int] = []
        # Ending a chunk inside a paragraph costs as much as leaving a third of the target unused.
        inside = (self.target_tokens // 3) ** 2
        for para in item.groups:
            spans += para
            break_costs += [inside] * (len(para) - 1) + [0]
        drafts = [_Draft("text", item.section, p) for p in _partition(spans, self.target_tokens, break_costs)]
        for prev, draft in itertools.pairwise(drafts):
            draft.overlap = self._overlap(text, prev.spans, sum(s.tokens for s in draft.spans))
        return drafts

    def _pack_block(self, text: str, item: _Item) -> list[_Draft]:
        assert item.whole is not None
        if item.whole.tokens <= self.max_tokens:
            return [_Draft(item.kind, item.section, [item.whole])]
        lines = item.groups[0]
        if item.kind == "code":
            return [_Draft("code", item.section, p) for p in _partition(lines, self.target_tokens)]
        head_n = _header_lines(text, lines)
        header, rows = lines[:head_n], lines[head_n:]
        head_size = sum(s.tokens for s in header)
        repeat = bool(rows) and head_size <= self.max_tokens // 2
        budget = self.target_tokens if head_size <= self.target_tokens // 2 else self.max_tokens
        budget = max(1, budget - head_size) if repeat else self.target_tokens
        parts = _partition(rows, budget) if rows else []
        if not parts:
            return [_Draft("table", item.section, header)]
        drafts = [_Draft("table", item.section, header + parts[0])]
        for part in parts[1:]:
            drafts.append(_Draft("table", item.section, part))
            if repeat:
                drafts[-1].prefix = text[header[0].start : header[-1].end] + "\n"
                drafts[-1].prefix_tokens = head_size
        return drafts

    def _overlap(self, text: str, prev: list[Span], next_size: int) -> list[Span]:
        budget = min(self.overlap_tokens, self.max_tokens - next_size)
        taken: list[Span] = []
        size = 0
        for span in reversed(prev[1:]):  # never the whole previous chunk
            if size + span.tokens > budget:
                break
            taken.insert(0, span)
            size += span.tokens
        if taken or budget < _MIN_WORD_OVERLAP:
            return taken
        last = prev[-1]
        ws = words(text, last)
        keep = min(len(ws) - 1, int(budget * len(ws) / max(1, last.tokens)))
        while keep > 0:
            tail = Span(ws[-keep].start, last.end, last.page)
            tail.tokens = self._count(text[tail.start : tail.end])
            if tail.tokens <= budget:
                return [tail]
            keep = min(keep - 1, keep * budget // tail.tokens)
        return []

    # -- final check ------------------------------------------------------------------------------

    def _finish(self, text: str, drafts: list[_Draft]) -> list[Chunk]:
        contents = [d.content(text) for d in drafts]
        counts = [d.summed_tokens() for d in drafts] if self.counts_add_up else self._count_batch(contents)
        chunks: list[Chunk] = []
        for draft, content, n in zip(drafts, contents, counts, strict=True):
            if n <= self.max_tokens:
                chunks.append(_make_chunk(draft, content, n))
            else:
                chunks.extend(self._refit(text, draft))
        return chunks

    def _refit(self, text: str, draft: _Draft) -> list[Chunk]:
        """A chunk over the limit (a counter not additive, or header + row too long): shed overlap,
        halve, then shed the repeated header, counting exactly at each step."""
        content = draft.content(text)
        n = self._count(content)
        if n <= self.max_tokens:
            return [_make_chunk(draft, content, n)]
        if draft.overlap:
            return self._refit(text, replace(draft, overlap=[]))
        if len(draft.spans) > 1:
            half = len(draft.spans) // 2
            left, right = replace(draft, spans=draft.spans[:half]), replace(draft, spans=draft.spans[half:])
            return self._refit(text, left) + self._refit(text, right)
        if draft.prefix:
            return self._refit(text, replace(draft, prefix="", prefix_tokens=0))
        # One span alone was counted within the limit; only a counter that is not monotonic gets here.
        return [_make_chunk(draft, content, n)]


def _make_chunk(draft: _Draft, content: str, tokens: int) -> Chunk:
    first = draft.overlap[0] if draft.overlap else draft.spans[0]
    return Chunk(
        content=content,
        section_path=draft.section,
        segment_type=draft.kind,
        page=first.page,
        char_start=first.start,
        char_end=draft.spans[-1].end,
        token_count=tokens,
        content_hash=chunk_hash(content, draft.section),
    )


def _partition(spans: list[Span], budget: int, break_costs: list[int] | None = None) -> list[list[Span]]:
    """Contiguous parts within `budget`, each as full as possible, ending where breaking is cheap.

    A part of `size` tokens costs (budget - size)^2 plus the cost of breaking after its last span;
    the dynamic program minimises the sum, so parts come out few and even (no scrap of a chunk at the
    end of a paragraph) and end at paragraph ends when that is not much worse. It only looks back
    over spans that fit one part, so it stays linear in practice. A span over the budget is a part
    of its own.
    """
    prefix = [0]
    for span in spans:
        prefix.append(prefix[-1] + span.tokens)
    # best[i]: (cost, start of the last part) for the first i spans.
    best: list[tuple[int, int]] = [(0, 0)]
    for i in range(1, len(spans) + 1):
        end_cost = break_costs[i - 1] if break_costs else 0
        choice = (-1, 0)
        for j in range(i - 1, max(-1, i - 1 - _MAX_SPANS_PER_PART), -1):
            size = prefix[i] - prefix[j]
            if size > budget and j < i - 1:
                break
            cost = best[j][0] + max(0, budget - size) ** 2 + end_cost
            if choice[0] < 0 or cost < choice[0]:
                choice = (cost, j)
        best.append(choice)
    out: list[list[Span]] = []
    end = len(spans)
    while end > 0:
        start = best[end][1]
        out.append(spans[start:end])
        end = start
    out.reverse()
    return out


def _greedy(spans: list[Span], budget: int) -> list[list[Span]]:
    parts: list[list[Span]] = []
    size = 0
    for span in spans:
        if parts and size + span.tokens <= budget:
            parts[-1].append(span)
            size += span.tokens
        else:
            parts.append([span])
            size = span.tokens
    return parts


def _header_lines(text: str, lines: list[Span]) -> int:
    """The first row, plus a Markdown delimiter row (|---|:--:|) right under it."""
    if len(lines) > 1 and set(text[lines[1].start : lines[1].end]) <= set("|-:+ \t"):
        return 2
    return 1


def _items(text: str, blocks: Sequence[Block]) -> list[_Item]:
    items: list[_Item] = []
    headings: list[tuple[int, str]] = []
    section = ""
    run: _Item | None = None
    for block, start in zip(blocks, block_starts(blocks), strict=True):
        end = start + len(block.text)
        if block.kind == "heading":
            title = " ".join(block.text.split())
            run = None
            if title:
                level = max(1, block.level)
                headings = [h for h in headings if h[0] < level] + [(level, title)]
                section = SECTION_SEPARATOR.join(h[1] for h in headings)
        elif block.kind == "text":
            paras = [sentences(text, p, block.page) for p in paragraphs(text, start, end)]
            paras = [p for p in paras if p]
            if paras and run is None:
                run = _Item("text", section, [])
                items.append(run)
            if run is not None:
                run.groups.extend(paras)
        else:
            run = None
            whole = strip_span(text, start, end, block.page, keep_indent=block.kind == "code")
            if whole is None:
                continue
            lines = code_lines(text, whole) if block.kind == "code" else table_lines(text, whole)
            items.append(_Item(block.kind, section, [lines], whole))
    return items


# -- spans of the extracted text --------------------------------------------------------------------


def strip_span(
    text: str, start: int, end: int, page: int | None, *, keep_indent: bool = False
) -> Span | None:
    """`text[start:end]` without surrounding whitespace (code keeps its first line's indent)."""
    a, b = start, end
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if a == b:
        return None
    if keep_indent:
        a = max(start, text.rfind("\n", start, a) + 1)
    return Span(a, b, page)


def paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for m in _PARAGRAPH_BREAK.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    return out


def sentences(text: str, bounds: tuple[int, int], page: int | None) -> list[Span]:
    start, end = bounds
    cuts = [start]
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.end() < end and not text[m.end()].islower():
            cuts.append(m.end())
    cuts.append(end)
    spans = (strip_span(text, a, b, page) for a, b in itertools.pairwise(cuts))
    return [s for s in spans if s is not None]


def words(text: str, span: Span) -> list[Span]:
    return [Span(m.start(), m.end(), span.page) for m in _WORD.finditer(text, span.start, span.end)]


def table_lines(text: str, whole: Span) -> list[Span]:
    spans = (
        strip_span(text, m.start(), m.end(), whole.page) for m in _LINE.finditer(text, whole.start, whole.end)
    )
    return [s for s in spans if s is not None]


def code_lines(text: str, whole: Span) -> list[Span]:
    spans = (
        strip_span(text, m.start(), m.end(), whole.page, keep_indent=True)
        for m in _LINE.finditer(text, whole.start, whole.end)
    )
    return [s for s in spans if s is not None]
