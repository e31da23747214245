"""The `Parser` protocol: bytes of one file in, a structured `ParsedDocument` out.

Parsers keep structure (headings, tables, code blocks, PDF pages) as a flat list of
`Block`s; the chunker turns blocks into segments. A parser raises `ParseError` with a
reason code for a file it cannot read; it never raises anything else on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

BlockKind = Literal["heading", "text", "table", "code"]


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # heading level (1 = top); 0 for non-headings
    page: int | None = None  # 1-based PDF page, None elsewhere


@dataclass(slots=True)
class ParsedDocument:
    title: str
    blocks: list[Block]
    mime_type: str
    metadata: dict[str, str] = field(default_factory=dict)


class Parser(Protocol):
    """One file format. `extensions` are lower-case with the dot (".md")."""

    extensions: tuple[str, ...]
    mime_type: str  # what `parse` usually records
    mime_types: tuple[str, ...]  # every type `parse` may record (a document's original is served as it)

    def parse(self, data: bytes, filename: str) -> ParsedDocument: ...
