"""Files without an extension (README, LICENSE, CHANGELOG, notes): plain text when they are text.

A wiki or a repository holds such files beside its Markdown. Their bytes decide: text is read as
plain text; anything else (an executable, an image saved without a name suffix) is `unsupported`,
which ingestion reports as skipped, not failed.
"""

from __future__ import annotations

import codecs

from pam.errors import ParseError
from pam.formats.limits import ParseLimits
from pam.ingest.parsers.base import ParsedDocument
from pam.ingest.parsers.text import TextParser

SNIFF_BYTES = 8192
# Text has next to no C0 control bytes besides tab, newlines, form feed and escape; binary formats
# have them everywhere. Legacy single-byte text is mostly ASCII, binary data is half high bytes.
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x1b")
_MAX_CONTROL_SHARE = 0.01
_MAX_HIGH_SHARE_LEGACY = 0.3


def looks_like_text(data: bytes) -> bool:
    """Whether the first bytes of `data` read as text (UTF-8/16/32 with a BOM, UTF-8, or mostly ASCII)."""
    sample = data[:SNIFF_BYTES]
    if sample.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True  # the text parser decodes (or rejects) it by its BOM
    if not sample or b"\x00" in sample:
        return False
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in _TEXT_CONTROLS)
    if controls > len(sample) * _MAX_CONTROL_SHARE:
        return False
    try:
        # Not final: the sample may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return True
    except UnicodeDecodeError:
        high = sum(1 for byte in sample if byte >= 0x80)
        return high <= len(sample) * _MAX_HIGH_SHARE_LEGACY


class ExtensionlessParser:
    """Plain text for files with no extension; `ParseError(code="unsupported")` for non-text."""

    extensions: tuple[str, ...] = ()
    mime_type: str = "text/plain"
    mime_types: tuple[str, ...] = (mime_type,)

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self._text = TextParser(limits)

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        if data.strip() and not looks_like_text(data):
            raise ParseError("a file without an extension that is not text", code="unsupported")
        return self._text.parse(data, filename)
