"""Hypothesis strategies that damage real files the way disks, transfers and hostile authors do.

A case is a seed file put through one to six edits: bit flips, bytes overwritten or inserted
(random ones, or tokens that mean something to some format: quotes, brackets, BOMs, PDF and XML
keywords), ranges deleted or repeated, a truncation, a splice with another file, or a number in
the file made huge (a span, a count, a cell reference, a length).
Zip containers (DOCX, XLSX) are also damaged inside: one member's bytes are edited and the archive
is written again with valid checksums, so the damage reaches the XML parsers instead of stopping at
a CRC check. Every case stays under `MAX_CASE_BYTES`.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable

from hypothesis import strategies as st

MAX_CASE_BYTES = 256 * 1024

TOKENS = (
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",  # UTF-8 BOM
    b"\xff\xfe",  # UTF-16 BOM
    b"\xc3",  # a lone UTF-8 lead byte
    b"\r",
    b"\n\n",
    b'"',
    b"'",
    b"<",
    b">",
    b"</",
    b"<!--",
    b"]]>",
    b"&#x110000;",
    b"&",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b";",
    b"\t",
    b"---\n",
    b"```",
    b"|",
    b"#",
    b"\\",
    b"-1",
    b"0",
    b"NaN",
    b"1e999999",
    b"99999999999999999999999999",
    b"obj",
    b"endobj",
    b"stream\n",
    b"endstream",
    b"/Length 999999999",
    b"xref",
    b"trailer",
    b"%%EOF",
    b"<w:p>",
    b'<row r="1048577">',
    b'<c r="XFD1048576" t="s"><v>99999</v></c>',
    b"PAR1",
    b"PK\x03\x04",
)

Edit = Callable[[st.DrawFn, bytearray, tuple[bytes, ...]], bytearray]


def _position(draw: st.DrawFn, data: bytearray) -> int:
    return draw(st.integers(0, len(data)))


def flip(draw: st.DrawFn, data: bytearray, _others: tuple[bytes, ...]) -> bytearray:
    if data:
        at = draw(st.integers(0, len(data) - 1))
        data[at] ^= draw(st.integers(1, 255))
    return data


def overwrite(draw: st.DrawFn, data: bytearray, _others: tuple[bytes, ...]) -> bytearray:
    at = _position(draw, data)
    piece = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=16))
    data[at : at + len(piece)] = piece
    return data


def insert(draw: st.DrawFn, data: bytearray, _others: tuple[bytes, ...]) -> bytearray:
    at = _position(draw, data)
    data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=64))
    return data


def delete(draw: st.DrawFn, data: bytearray, _others: tuple[bytes, ...]) -> bytearray:
    at = _position(draw, data)
    del data[at : at + draw(st.integers(1, 512))]
    return data


def truncate(draw: st.DrawFn, data: bytearray, _others: tuple[bytes, ...]) -> bytearray:
    return data[: _position(draw, data)]


def repeat(draw: st.DrawFn, data: bytearray, _others: tuple[bytes, ...]) -> bytearray:
    """A range copied many times in place: deep nesting, long lines, many rows."""
    at = _position(draw, data)
    piece = bytes(data[at : at + draw(st.integers(1, 64))])
    data[at:at] = piece * draw(st.integers(2, 2000))
    return data


def splice(draw: st.DrawFn, data: bytearray, others: tuple[bytes, ...]) -> bytearray:
    """The head of this file joined to the tail of another (of any format)."""
    other = draw(st.sampled_from(others))
    return data[: _position(draw, data)] + bytearray(other[draw(st.integers(0, len(other))) :])


_DIGITS = re.compile(rb"\d+")
_CONTENT_PART = re.compile(r"(document|sheet\d*|sharedStrings)\.xml$")
HUGE_NUMBERS = (b"0", b"65536", b"1048576", b"16384", b"99999999", b"2147483648", b"18446744073709551617")


def inflate(draw: st.DrawFn, data: bytearray, _others: tuple[bytes, ...]) -> bytearray:
    """A number in the file made huge: sizes, counts, spans, cell references, offsets, lengths."""
    runs = [m.span() for m in _DIGITS.finditer(data)]
    if not runs:
        return data
    start, end = runs[draw(st.integers(0, len(runs) - 1))]
    data[start:end] = draw(st.sampled_from(HUGE_NUMBERS))
    return data


BYTE_EDITS: tuple[Edit, ...] = (flip, overwrite, insert, delete, truncate, repeat, splice, inflate)


def zip_member(draw: st.DrawFn, data: bytearray, others: tuple[bytes, ...]) -> bytearray:
    """One member of a zip container edited, the container rewritten with valid checksums."""
    try:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            members = [(info, archive.read(info)) for info in archive.infolist()]
    except Exception:  # already damaged past reading (bad CRC, bad deflate data, ...): edit the bytes
        return flip(draw, data, others)
    if not members:
        return data
    # Half the time one of the parts that hold the content (where spans, merges and cells live).
    content = [i for i, (info, _) in enumerate(members) if _CONTENT_PART.search(info.filename)]
    everyone = st.integers(0, len(members) - 1)
    target = draw(st.sampled_from(content) | everyone if content else everyone)
    info, body = members[target]
    members[target] = (info, bytes(draw(st.sampled_from(BYTE_EDITS))(draw, bytearray(body), others)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, content in members:
            archive.writestr(member.filename, content)
    return bytearray(out.getvalue())


class Case(bytes):
    """A damaged file whose repr stays short (a failing case is reported, and may be 256 KiB)."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes, sha256 {hashlib.sha256(self).hexdigest()[:16]}, starting {self[:48]!r}>"


@st.composite
def damaged(draw: st.DrawFn, seeds: tuple[bytes, ...], others: tuple[bytes, ...], *, zipped: bool) -> Case:
    """One seed with one to six edits (zip-aware edits too when `zipped`)."""
    data = bytearray(draw(st.sampled_from(seeds)))
    edits = BYTE_EDITS + ((zip_member, zip_member) if zipped else ())
    for _ in range(draw(st.integers(1, 6))):
        data = draw(st.sampled_from(edits))(draw, data, others)
        del data[MAX_CASE_BYTES:]
    return Case(data)
