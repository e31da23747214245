from __future__ import annotations

import pytest

from pam.errors import ParseError
from pam.ingest.parsers import (
    ExtensionlessParser,
    MarkdownParser,
    ParseLimits,
    ParserRegistry,
    PdfParser,
    TextParser,
    XlsxParser,
    default_parsers,
)


def test_lookup_by_extension() -> None:
    registry = default_parsers()
    assert isinstance(registry.for_filename("/a/b/Report.PDF"), PdfParser)
    assert isinstance(registry.for_filename("C:\\x\\notes.Markdown"), MarkdownParser)
    assert isinstance(registry.for_filename("book.xlsm"), XlsxParser)
    assert registry.for_filename("archive.zip") is None
    # No extension: read as text when it is text.
    assert isinstance(registry.for_filename("README"), ExtensionlessParser)
    assert isinstance(registry.for_filename(".md"), ExtensionlessParser)  # a file named ".md" has none


def test_supported_extensions() -> None:
    extensions = default_parsers().supported_extensions()
    assert extensions == tuple(sorted(extensions))
    for ext in (".md", ".txt", ".html", ".pdf", ".docx", ".csv", ".tsv", ".xlsx", ".json", ".jsonl"):
        assert ext in extensions


def test_parse_unknown_type_is_unsupported() -> None:
    with pytest.raises(ParseError) as info:
        default_parsers().parse(b"data", "/srv/private/image.png")
    assert info.value.code == "unsupported"
    assert info.value.message == "PAM does not read .png files"


def test_two_parsers_cannot_claim_one_extension() -> None:
    with pytest.raises(ValueError, match=r"\.txt"):
        ParserRegistry([TextParser(), TextParser()])


def test_registries_with_different_limits_coexist() -> None:
    small, large = default_parsers(ParseLimits(max_bytes=10)), default_parsers()
    data = b"a sentence longer than ten bytes"
    assert large.parse(data, "a.txt").blocks
    with pytest.raises(ParseError) as info:
        small.parse(data, "a.txt")
    assert info.value.code == "too_large"


@pytest.mark.parametrize(
    "data",
    [
        b"Owners: the platform team.\n",
        "Café opening hours: nine to five, crème brûlée on Fridays.\n".encode("cp1252"),
        "Notes with a byte order mark.\n".encode("utf-16"),
    ],
    ids=["utf-8", "cp1252", "utf-16-bom"],
)
def test_a_text_file_without_an_extension_is_read_as_text(data: bytes) -> None:
    document = default_parsers().parse(data, "NOTES")
    assert document.mime_type == "text/plain" and document.title == "NOTES"
    assert document.blocks and document.blocks[0].text.strip()


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01\x00" + bytes(64),  # an executable
        b"\x89PNG\r\n\x1a\n" + bytes(32),  # an image saved without its suffix
        bytes(range(1, 32)) * 20,  # control bytes and no NUL
        bytes(range(128, 256)) * 8,  # high bytes only: not text in any code page
    ],
    ids=["elf", "png", "controls", "high-bytes"],
)
def test_a_binary_file_without_an_extension_is_unsupported(data: bytes) -> None:
    with pytest.raises(ParseError) as info:
        default_parsers().parse(data, "blob")
    assert info.value.code == "unsupported" and "not text" in info.value.message
