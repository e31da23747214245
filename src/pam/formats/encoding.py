"""Bytes to text for the text-based formats: BOM first, then UTF-8, then charset-normalizer.

Binary data (NUL bytes outside a UTF-16/32 BOM, or nothing decodes it) is `unsupported`.
The result has `\\n` line ends and no control characters other than tab and newline.
"""

from __future__ import annotations

import codecs
import re
from types import MappingProxyType

from charset_normalizer import from_bytes

from pam.errors import ParseError

# UTF-32 first: its little-endian BOM starts with the UTF-16 one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_EXCLUDED_ENCODINGS = (
    *("utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"),
    *("cp037", "cp273", "cp424", "cp500", "cp875", "cp1026", "cp1140"),  # EBCDIC
)
_WINDOWS_SIBLING = MappingProxyType(
    {
        "mac_roman": "cp1252",
        "mac_iceland": "cp1252",
        "mac_latin2": "cp1250",
        "mac_cyrillic": "cp1251",
        "mac_greek": "cp1253",
        "mac_turkish": "cp1254",
    }
)
_CHAOS_TOLERANCE = 0.1
_COHERENCE_TOLERANCE = 0.01
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _unsupported() -> ParseError:
    return ParseError("file is binary or in an unknown text encoding", code="unsupported")


def detect_and_decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) exactly as decoded, line ends untouched."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(name), name
            except UnicodeDecodeError as exc:
                raise _unsupported() from exc
    if b"\x00" in data:
        raise _unsupported()
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    # charset-normalizer ranks similar single-byte pages by chance on short text (it may call French
    # cp1252 text Baltic, or Russian cp1251 text Mac Cyrillic). Most legacy business documents are in
    # Windows code pages, so cp1252 wins when it reads the bytes about as cleanly and coherently as the
    # best guess, and a Mac page loses to its Windows sibling. Without a BOM and with no NUL bytes,
    # UTF-16/32 and EBCDIC guesses are noise.
    matches = from_bytes(data, cp_exclusion=list(_EXCLUDED_ENCODINGS))
    best = matches.best()
    if best is None:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc:
            raise _unsupported() from exc
    preferred = ["cp1252"]
    if best.encoding in _WINDOWS_SIBLING:
        preferred.insert(0, _WINDOWS_SIBLING[best.encoding])
    for name in preferred:
        close = any(
            (match.encoding == name or name in match.could_be_from_charset)
            and match.chaos <= best.chaos + _CHAOS_TOLERANCE
            and match.coherence >= best.coherence - _COHERENCE_TOLERANCE
            for match in matches
        )
        sibling = name != "cp1252" and any(match.encoding == name for match in matches)
        if name in best.could_be_from_charset or close or sibling:
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                continue
    return str(best), best.encoding


def decode_text(data: bytes) -> str:
    """Decoded text with `\\n` line ends and stray control characters removed."""
    text, _encoding = detect_and_decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)
