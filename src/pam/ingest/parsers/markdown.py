"""Markdown (CommonMark + pipe tables) via markdown-it-py.

Headings keep their level; paragraphs become `text`; a whole list becomes one `text` block with
"- "/"1. " markers and indentation; fenced and indented code become `code`; pipe tables become
`table` with the header row first. Title: front matter `title`, else the first H1, else the file name.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from pam.errors import ParseError
from pam.formats.encoding import decode_text
from pam.formats.limits import Deadline, ParseLimits, check_input
from pam.formats.titles import pick_title
from pam.ingest.parsers.base import Block, BlockKind, ParsedDocument
from pam.ingest.parsers.front_matter import split_front_matter
from pam.ingest.parsers.html_strip import text_paragraphs
from pam.ingest.parsers.paragraphs import split_paragraphs
from pam.ingest.parsers.table_text import render_table

# markdown-it recurses a few Python frames per nested container; 40 levels (about 19 nested
# lists) is far beyond real documents and far below the interpreter's recursion limit.
_MAX_NESTING = 40
# Share of the file's time limit markdown-it may take before the file is read as plain paragraphs.
_STRUCTURE_SHARE = 0.5
# The clock is read once per this many rule calls (a power of two minus one: a mask).
_CLOCK_EVERY = 255


class _OutOfTime(Exception):
    """markdown-it ran past its budget (raised from inside its rule loop, caught by the parser)."""


class _Budget:
    """Stops markdown-it when its time is up. Some damaged files make it quadratic (">>" lines between
    plain ones: each blockquote rescans the rest of the file) and it has no deadline of its own, so a
    block rule and an inline rule that never match look at the clock as it works."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds
        self._calls = 0

    def install(self, md: MarkdownIt) -> MarkdownIt:
        first_block = md.block.ruler.get_all_rules()[0]
        # Also a terminator of every container, so long lazy-continuation scans are watched too.
        md.block.ruler.before(
            first_block, "pam_budget", self._block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
        )
        md.inline.ruler.before(md.inline.ruler.get_all_rules()[0], "pam_budget", self._inline)
        return md

    def _block(self, state: StateBlock, start: int, end: int, silent: bool) -> bool:
        self._tick()
        return False

    def _inline(self, state: StateInline, silent: bool) -> bool:
        self._tick()
        return False

    def _tick(self) -> None:
        self._calls += 1
        if not self._calls & _CLOCK_EVERY and time.monotonic() > self._end:
            raise _OutOfTime


def inline_text(token: Token) -> str:
    """Plain text of an inline token: markup dropped, image alt text kept."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(inline_text(child))
    return "".join(parts).strip()


class _BlockBuilder:
    """Turns markdown-it's flat token stream into blocks; nesting is tracked with counters, not recursion."""

    def __init__(self, limits: ParseLimits) -> None:
        self._limits = limits
        self.blocks: list[Block] = []
        self.first_h1: str | None = None
        self._list_markers: list[str] = []  # one entry per open list: its marker character
        self._item_prefix: str | None = None  # marker still to be printed before an item's first line
        self._list_lines: list[str] = []
        self._heading_level = 0
        self._rows: list[list[str]] | None = None

    def add(self, kind: BlockKind, text: str, level: int = 0) -> None:
        text = text.strip() if kind == "heading" else text.strip("\n")
        if not text.strip():
            return
        if len(self.blocks) >= self._limits.max_blocks:
            raise ParseError(f"more than {self._limits.max_blocks} blocks", code="too_large")
        self.blocks.append(Block(kind, text, level=level))

    def _flush_list(self) -> None:
        if self._list_lines:
            self.add("text", "\n".join(self._list_lines))
            self._list_lines = []

    def _list_line(self, text: str) -> None:
        indent = "  " * (len(self._list_markers) - 1)
        prefix = self._item_prefix if self._item_prefix is not None else "  "
        self._item_prefix = None
        for i, line in enumerate(text.split("\n")):
            self._list_lines.append(indent + (prefix if i == 0 else "  ") + line)

    def feed(self, token: Token) -> None:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            self._list_markers.append(token.markup)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self._list_markers.pop()
            if not self._list_markers:
                self._flush_list()
        elif kind == "list_item_open":
            self._item_prefix = f"{token.info}{token.markup} " if token.info else "- "
        elif kind == "heading_open":
            self._heading_level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
        elif kind == "heading_close":
            self._heading_level = 0
        elif kind == "tr_open" and self._rows is not None:
            self._rows.append([])
        elif kind == "table_open":
            self._flush_list()
            self._rows = []
        elif kind == "table_close":
            self.add("table", render_table(self._rows or []))
            self._rows = None
        elif kind == "inline":
            self._inline(token)
        elif kind in ("fence", "code_block"):
            self._flush_list()
            self.add("code", token.content.rstrip("\n"))
        elif kind == "html_block":
            self._flush_list()
            for para in text_paragraphs(token.content):
                self.add("text", para)

    def _inline(self, token: Token) -> None:
        text = inline_text(token)
        if self._rows is not None:
            if self._rows:
                self._rows[-1].append(text)
        elif self._list_markers:
            if text:
                self._list_line(text)
        elif self._heading_level:
            if self._heading_level == 1 and self.first_h1 is None and text:
                self.first_h1 = text
            self.add("heading", text, level=self._heading_level)
        else:
            self.add("text", text)


class MarkdownParser:
    extensions: tuple[str, ...] = (".md", ".markdown", ".mdown", ".mkd")
    mime_type: str = "text/markdown"
    mime_types: tuple[str, ...] = (mime_type,)

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self._limits = limits or ParseLimits()

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        check_input(data, self._limits)
        deadline = Deadline(self._limits.max_seconds)
        front = split_front_matter(decode_text(data))
        budget = _Budget(self._limits.max_seconds * _STRUCTURE_SHARE)
        md = budget.install(MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).enable("table"))
        try:
            tokens: Sequence[Token] = md.parse(front.body)
        except _OutOfTime:
            return self._parse_flat(front.body, front.values, filename, "flattened: too slow to structure")
        deadline.check()
        # At maxNesting markdown-it silently drops the rest of the innermost
        # container, which for a list is the rest of the document: read such input as plain text.
        if any(token.level >= md.options["maxNesting"] - 1 for token in tokens):
            return self._parse_flat(front.body, front.values, filename, "flattened: nesting too deep")
        builder = _BlockBuilder(self._limits)
        for i, token in enumerate(tokens):
            if i % 1024 == 0:
                deadline.check()
            builder.feed(token)
        if not builder.blocks:
            raise ParseError("document has no text", code="empty")
        title = pick_title(front.values.get("title"), builder.first_h1, filename=filename)
        return ParsedDocument(
            title=title, blocks=builder.blocks, mime_type=self.mime_type, metadata=front.values
        )

    def _parse_flat(self, body: str, values: dict[str, str], filename: str, why: str) -> ParsedDocument:
        blocks = [Block("text", para) for para in split_paragraphs(body)]
        if len(blocks) > self._limits.max_blocks:
            raise ParseError(f"more than {self._limits.max_blocks} blocks", code="too_large")
        if not blocks:
            raise ParseError("document has no text", code="empty")
        return ParsedDocument(
            title=pick_title(values.get("title"), filename=filename),
            blocks=blocks,
            mime_type=self.mime_type,
            metadata={**values, "structure": why},
        )
