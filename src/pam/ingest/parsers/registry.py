"""Which parser reads which file, chosen by extension. Build one with `default_parsers(limits)`.

A file with no extension goes to the registry's `extensionless` parser (plain text when the bytes
are text); a file with an extension no parser claims has no parser: ingestion skips it.
"""

from __future__ import annotations

from collections.abc import Iterable

from pam.errors import ParseError
from pam.formats.limits import ParseLimits
from pam.formats.titles import file_extension
from pam.ingest.parsers.base import ParsedDocument, Parser
from pam.ingest.parsers.csv import CsvParser
from pam.ingest.parsers.docx import DocxParser
from pam.ingest.parsers.extensionless import ExtensionlessParser
from pam.ingest.parsers.html import HtmlParser
from pam.ingest.parsers.json import JsonParser
from pam.ingest.parsers.markdown import MarkdownParser
from pam.ingest.parsers.parquet import ParquetParser
from pam.ingest.parsers.pdf import PdfParser
from pam.ingest.parsers.text import TextParser
from pam.ingest.parsers.xlsx import XlsxParser


class ParserRegistry:
    def __init__(self, parsers: Iterable[Parser], *, extensionless: Parser | None = None) -> None:
        self._parsers: tuple[Parser, ...] = tuple(parsers)
        self._extensionless = extensionless
        self._by_extension: dict[str, Parser] = {}
        for parser in self._parsers:
            for extension in parser.extensions:
                if extension in self._by_extension:
                    raise ValueError(f"two parsers claim {extension}")
                self._by_extension[extension] = parser

    def for_filename(self, name: str) -> Parser | None:
        """The parser for `name`'s extension (case-insensitive), the extensionless parser, or None."""
        extension = file_extension(name)
        if not extension:
            return self._extensionless
        return self._by_extension.get(extension)

    def supported_extensions(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_extension))

    def mime_types(self) -> tuple[str, ...]:
        """Every type a document read by these parsers may have, sorted."""
        return tuple(sorted({t for parser in self.parsers() for t in parser.mime_types}))

    def parsers(self) -> tuple[Parser, ...]:
        extra = (self._extensionless,) if self._extensionless is not None else ()
        return self._parsers + extra

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        """Parse with the matching parser; an unknown extension is `ParseError(code="unsupported")`."""
        parser = self.for_filename(filename)
        if parser is None:
            raise ParseError(unsupported_type(filename), code="unsupported")
        return parser.parse(data, filename)


def default_parsers(limits: ParseLimits | None = None) -> ParserRegistry:
    """Every built-in parser, sharing `limits`."""
    limits = limits or ParseLimits()
    return ParserRegistry(
        [
            MarkdownParser(limits),
            TextParser(limits),
            HtmlParser(limits),
            PdfParser(limits),
            DocxParser(limits),
            CsvParser(limits),
            XlsxParser(limits),
            JsonParser(limits),
            ParquetParser(limits),
        ],
        extensionless=ExtensionlessParser(limits),
    )


def unsupported_type(filename: str) -> str:
    """Why a file without a parser is not read (names the extension, never the path)."""
    extension = "".join(ch for ch in file_extension(filename) if ch.isprintable() and not ch.isspace())
    if not extension:
        return "PAM does not read files of this type"
    return f"PAM does not read {extension[:24]} files"
