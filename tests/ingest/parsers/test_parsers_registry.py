from __future__ import annotations

import pytest

from pam.errors import ParseError
from pam.ingest.parsers import (
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
    assert registry.for_filename("README") is None
    assert registry.for_filename(".md") is None  # a hidden file named ".md" has no extension


def test_supported_extensions() -> None:
    extensions = default_parsers().supported_extensions()
    assert extensions == tuple(sorted(extensions))
    for ext in (".md", ".txt", ".html", ".pdf", ".docx", ".csv", ".tsv", ".xlsx", ".json", ".jsonl"):
        assert ext in extensions


def test_parse_unknown_type_is_unsupported() -> None:
    with pytest.raises(ParseError) as info:
        default_parsers().parse(b"data", "image.png")
    assert info.value.code == "unsupported"


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
