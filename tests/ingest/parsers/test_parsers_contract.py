"""Every registered parser keeps the same contract, whatever the format."""

from __future__ import annotations

import random

import pytest

from pam.errors import ParseError
from pam.ingest.parsers import ParsedDocument, ParseLimits, default_parsers

REGISTRY = default_parsers()
EXTENSIONS = REGISTRY.supported_extensions()
ERROR_CODES = {"empty", "unsupported", "encrypted", "corrupt", "too_large", "bomb", "timeout"}


def _garbage(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


GARBAGE = [
    _garbage(1, 64),
    _garbage(2, 4096),
    b"\x00\x01\x02\x03" * 100,
    b"PK\x03\x04" + _garbage(3, 500),  # a zip signature with nothing behind it
    b"%PDF-1.7\n" + _garbage(4, 500),
    b"{[<<<<" * 50,
    "ünïcödé ☃ \u202e".encode(),
    b"\xff\xfe" + _garbage(5, 101),  # a UTF-16 BOM followed by an odd number of bytes
]


def test_every_extension_has_a_sample(samples: dict[str, bytes]) -> None:
    assert set(EXTENSIONS) == set(samples)


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_empty_bytes_are_empty(extension: str) -> None:
    parser = REGISTRY.for_filename("file" + extension)
    assert parser is not None
    with pytest.raises(ParseError) as info:
        parser.parse(b"", "file" + extension)
    assert info.value.code == "empty"


@pytest.mark.parametrize("extension", EXTENSIONS)
@pytest.mark.parametrize("index", range(len(GARBAGE)))
def test_garbage_is_a_parse_error_or_a_document(extension: str, index: int) -> None:
    parser = REGISTRY.for_filename("garbage" + extension)
    assert parser is not None
    try:
        document = parser.parse(GARBAGE[index], "garbage" + extension)
    except ParseError as exc:
        assert exc.code in ERROR_CODES
        assert "garbage" not in exc.message  # messages never echo the file name or path
    else:
        assert isinstance(document, ParsedDocument)
        assert all(block.text.strip() for block in document.blocks)


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_valid_sample_gives_blocks_with_text(extension: str, samples: dict[str, bytes]) -> None:
    parser = REGISTRY.for_filename("/srv/data/reports/sample" + extension)
    assert parser is not None
    document = parser.parse(samples[extension], "/srv/data/reports/sample" + extension)
    assert document.blocks
    assert all(block.text.strip() for block in document.blocks)
    assert all(block.kind in ("heading", "text", "table", "code") for block in document.blocks)
    assert all(block.level >= 1 for block in document.blocks if block.kind == "heading")
    assert document.title
    assert "/" not in document.title and "\\" not in document.title
    assert document.mime_type in parser.mime_types and parser.mime_type == parser.mime_types[0]


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_title_from_a_windows_path_has_no_separators(extension: str, samples: dict[str, bytes]) -> None:
    # Titles may come from the file name; no format may leak the directory into them.
    parser = REGISTRY.for_filename("x" + extension)
    assert parser is not None
    sample = samples[extension]
    document = parser.parse(sample, "C:\\Users\\ada\\secret\\sample" + extension)
    assert "\\" not in document.title and "/" not in document.title
    assert "Users" not in document.title


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_oversized_input_is_too_large(extension: str, samples: dict[str, bytes]) -> None:
    registry = default_parsers(ParseLimits(max_bytes=16))
    parser = registry.for_filename("big" + extension)
    assert parser is not None
    with pytest.raises(ParseError) as info:
        parser.parse(samples[extension], "big" + extension)
    assert info.value.code == "too_large"
