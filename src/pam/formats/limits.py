"""Bounds on the work one file may cost a parser, passed in explicitly (never read from globals).

`Deadline` is cooperative: parsers check it between units of work (pages, rows, nodes). A single
library call that hangs (one pathological PDF page) cannot be interrupted in-process; callers that
need a hard limit run parsing in a worker process and kill it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pam.errors import ParseError

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ParseLimits:
    max_bytes: int = 100 * _MIB  # input file size
    max_seconds: float = 60.0  # cooperative per-file deadline
    max_blocks: int = 200_000  # blocks in one document
    max_pdf_pages: int = 5_000
    # Zip containers (DOCX, XLSX): judged on the central directory before anything is inflated.
    max_zip_uncompressed: int = 256 * _MIB
    max_zip_entries: int = 10_000
    max_zip_ratio: int = 200  # uncompressed/compressed, for members bigger than `zip_ratio_min_size`
    zip_ratio_min_size: int = 1 * _MIB
    # Tables (CSV, XLSX): rows are grouped so each group, header included, fits one chunk.
    max_table_rows: int = 100_000  # per document; the rest is left out of the text (metadata says so)
    max_table_columns: int = 512
    rows_per_group: int = 40
    group_chars: int = 1_000
    # HTML nested deeper than this is read with a flat tag stripper: tree building is quadratic in depth.
    max_html_depth: int = 1_000
    # JSON
    max_json_depth: int = 24  # path components; deeper values are shown as compact JSON text
    max_json_lines: int = 200_000  # path lines per document


class Deadline:
    """Raises `ParseError(code="timeout")` once `seconds` have passed since it was made."""

    __slots__ = ("_end",)

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise ParseError("parsing took too long", code="timeout")


def check_input(data: bytes, limits: ParseLimits) -> None:
    """The checks every parser makes first: size, then emptiness (whitespace only counts as empty)."""
    if len(data) > limits.max_bytes:
        raise ParseError(f"file is larger than {limits.max_bytes} bytes", code="too_large")
    if not data.strip():
        raise ParseError("file is empty", code="empty")
