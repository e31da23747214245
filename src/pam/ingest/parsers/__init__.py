"""File parsers: bytes of one file in, a `ParsedDocument` of structured blocks out."""

from pam.formats.encoding import decode_text
from pam.formats.limits import ParseLimits
from pam.ingest.parsers.base import Block, BlockKind, ParsedDocument, Parser
from pam.ingest.parsers.csv import CsvParser
from pam.ingest.parsers.docx import DocxParser
from pam.ingest.parsers.extensionless import ExtensionlessParser
from pam.ingest.parsers.html import HtmlParser
from pam.ingest.parsers.json import JsonParser
from pam.ingest.parsers.markdown import MarkdownParser
from pam.ingest.parsers.pdf import PdfParser
from pam.ingest.parsers.registry import ParserRegistry, default_parsers
from pam.ingest.parsers.text import TextParser
from pam.ingest.parsers.xlsx import XlsxParser

__all__ = [
    "Block",
    "BlockKind",
    "CsvParser",
    "DocxParser",
    "ExtensionlessParser",
    "HtmlParser",
    "JsonParser",
    "MarkdownParser",
    "ParseLimits",
    "ParsedDocument",
    "Parser",
    "ParserRegistry",
    "PdfParser",
    "TextParser",
    "XlsxParser",
    "decode_text",
    "default_parsers",
]
