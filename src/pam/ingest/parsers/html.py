"""HTML via selectolax (lexbor): h1–h6 headings, paragraphs, tables with their header row, <pre> as code.

script/style/nav (and other non-content elements) are dropped. The tree is walked iteratively, and
markup nested deeper than `ParseLimits.max_html_depth` is never handed to the tree builder (whose
cost grows with the square of the depth): it is read flat by `html_strip` instead.
"""

from __future__ import annotations

import html
import re
from types import MappingProxyType

from selectolax.lexbor import LexborHTMLParser, LexborNode

from pam.errors import ParseError
from pam.formats.encoding import decode_text
from pam.formats.limits import Deadline, ParseLimits, check_input
from pam.formats.titles import pick_title
from pam.ingest.parsers.base import Block, BlockKind, ParsedDocument
from pam.ingest.parsers.html_strip import SKIPPED_TAGS, nesting_depth, text_paragraphs
from pam.ingest.parsers.html_tree import TEXT_TAG, flat_text, table_rows, walk
from pam.ingest.parsers.table_text import render_table

_HEADINGS = MappingProxyType({f"h{i}": i for i in range(1, 7)})
_BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "header", "footer", "aside", "ul", "ol", "li", "dl", "dt",
     "dd", "blockquote", "form", "hr", "figure", "figcaption", "details", "summary", "address", "body"}
)  # fmt: skip
_LINE_SPACES = re.compile(r"[ \t\r\f\v]+")
_TITLE_TAG = re.compile(r"<title\b[^<>]*>([^<]*)<", re.IGNORECASE)


class _Collector:
    def __init__(self, limits: ParseLimits, deadline: Deadline) -> None:
        self._limits = limits
        self._deadline = deadline
        self._seen = 0
        self._inline: list[str] = []
        self.blocks: list[Block] = []
        self.first_h1: str | None = None

    def add(self, kind: BlockKind, text: str, level: int = 0) -> None:
        if not text.strip():
            return
        if len(self.blocks) >= self._limits.max_blocks:
            raise ParseError(f"more than {self._limits.max_blocks} blocks", code="too_large")
        self.blocks.append(Block(kind, text, level=level))

    def flush(self) -> None:
        if not self._inline:
            return
        lines = (
            _LINE_SPACES.sub(" ", line.replace("\n", " ")).strip()
            for line in "".join(self._inline).split("\x00")
        )
        self._inline = []
        self.add("text", "\n".join(line for line in lines if line))

    def enter(self, node: LexborNode) -> bool:
        self._seen += 1
        if self._seen % 4096 == 0:
            self._deadline.check()
        tag = node.tag or ""
        if tag == TEXT_TAG:
            self._inline.append(node.text_content or "")
            return False
        if node.is_comment_node or tag in SKIPPED_TAGS:
            return False
        if tag == "br":
            self._inline.append("\x00")  # a line break that survives whitespace collapsing
            return False
        if tag in _HEADINGS:
            self.flush()
            text = flat_text(node)
            if tag == "h1" and self.first_h1 is None and text:
                self.first_h1 = text
            self.add("heading", text, level=_HEADINGS[tag])
            return False
        if tag == "table":
            self.flush()
            self.add("table", render_table(table_rows(node)))
            return False
        if tag == "pre":
            self.flush()
            self.add("code", node.text(deep=True).strip("\n"))
            return False
        if tag in _BLOCK_TAGS:
            self.flush()
            if tag == "li":
                self._inline.append("- ")
        return True

    def leave(self, node: LexborNode) -> None:
        if (node.tag or "") in _BLOCK_TAGS:
            self.flush()


class HtmlParser:
    extensions: tuple[str, ...] = (".html", ".htm", ".xhtml")
    mime_type: str = "text/html"
    mime_types: tuple[str, ...] = (mime_type,)

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self._limits = limits or ParseLimits()

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        check_input(data, self._limits)
        deadline = Deadline(self._limits.max_seconds)
        markup = decode_text(data)
        if nesting_depth(markup, self._limits.max_html_depth) >= self._limits.max_html_depth:
            return self._parse_flat(markup, filename)
        tree = LexborHTMLParser(markup)
        deadline.check()
        collector = _Collector(self._limits, deadline)
        if tree.body is not None:
            walk(tree.body, collector.enter, collector.leave)
            collector.flush()
        if not collector.blocks:
            raise ParseError("page has no text", code="empty")
        title_node = tree.css_first("title")
        title = flat_text(title_node) if title_node is not None else None
        return ParsedDocument(
            title=pick_title(title, collector.first_h1, filename=filename),
            blocks=collector.blocks,
            mime_type=self.mime_type,
        )

    def _parse_flat(self, markup: str, filename: str) -> ParsedDocument:
        blocks = [Block("text", para) for para in text_paragraphs(markup)]
        if not blocks:
            raise ParseError("page has no text", code="empty")
        if len(blocks) > self._limits.max_blocks:
            raise ParseError(f"more than {self._limits.max_blocks} blocks", code="too_large")
        match = _TITLE_TAG.search(markup)
        return ParsedDocument(
            title=pick_title(html.unescape(match.group(1)) if match else None, filename=filename),
            blocks=blocks,
            mime_type=self.mime_type,
            metadata={"structure": "flattened: nesting too deep"},
        )
