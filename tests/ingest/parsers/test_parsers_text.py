from __future__ import annotations

import codecs

import pytest

from pam.errors import ParseError
from pam.ingest.parsers import TextParser, decode_text


def test_paragraphs_split_at_blank_lines() -> None:
    data = b"First line\nstill first.\n\n\n  \nSecond paragraph.   \n\nThird.\n"
    document = TextParser().parse(data, "notes.txt")
    assert [b.text for b in document.blocks] == ["First line\nstill first.", "Second paragraph.", "Third."]
    assert {b.kind for b in document.blocks} == {"text"}
    assert document.title == "notes"
    assert document.mime_type == "text/plain"


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_byte_order_marks_are_honoured(bom: bytes, encoding: str) -> None:
    text = "Umsatz in München: 5 €\r\n\r\n東京"
    assert decode_text(bom + text.encode(encoding)) == "Umsatz in München: 5 €\n\n東京"


def test_nul_bytes_without_bom_are_binary() -> None:
    with pytest.raises(ParseError) as info:
        TextParser().parse("plain words".encode("utf-16-le"), "x.txt")
    assert info.value.code == "unsupported"


def test_stray_control_characters_are_removed() -> None:
    document = TextParser().parse(b"ring\x07 the \x1b[1mbell\x7f\tnow", "x.txt")
    assert document.blocks[0].text == "ring the [1mbell\tnow"
