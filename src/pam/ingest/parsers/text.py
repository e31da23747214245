"""Plain text: one `text` block per paragraph (paragraphs are separated by blank lines)."""

from __future__ import annotations

from pam.errors import ParseError
from pam.formats.encoding import decode_text
from pam.formats.limits import ParseLimits, check_input
from pam.formats.titles import filename_stem
from pam.ingest.parsers.base import Block, ParsedDocument
from pam.ingest.parsers.paragraphs import split_paragraphs


class TextParser:
    extensions: tuple[str, ...] = (".txt", ".text", ".log")
    mime_type: str = "text/plain"
    mime_types: tuple[str, ...] = (mime_type,)

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self._limits = limits or ParseLimits()

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        check_input(data, self._limits)
        blocks: list[Block] = []
        for para in split_paragraphs(decode_text(data)):
            if len(blocks) >= self._limits.max_blocks:
                raise ParseError(f"more than {self._limits.max_blocks} paragraphs", code="too_large")
            blocks.append(Block("text", para))
        if not blocks:
            raise ParseError("file has no text", code="empty")
        return ParsedDocument(title=filename_stem(filename), blocks=blocks, mime_type=self.mime_type)
