"""CSV and TSV: `table` blocks of row groups, each repeating the header row so it stands alone.

The delimiter is guessed from how consistently each candidate splits the first lines (a linear
count; `csv.Sniffer`'s regexes can backtrack badly on hostile input). At most
`ParseLimits.max_table_rows` rows become text; the metadata says when the rest was left out.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from types import MappingProxyType

from pam.errors import ParseError
from pam.formats.encoding import decode_text
from pam.formats.limits import Deadline, ParseLimits, check_input
from pam.formats.titles import file_extension, filename_stem
from pam.ingest.parsers.base import Block, ParsedDocument
from pam.ingest.parsers.table_text import render_row, row_groups

_CANDIDATES = (",", "\t", ";", "|")
_DELIMITER_NAMES = MappingProxyType({",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"})
_SAMPLE_LINES = 50


def guess_delimiter(text: str) -> str:
    """The candidate that splits the most sample lines into the same number of fields."""
    lines = [line for line in text[:65_536].split("\n")[:_SAMPLE_LINES] if line.strip()]
    best, best_score = ",", 0
    for delimiter in _CANDIDATES:
        counts = Counter(line.count(delimiter) for line in lines)
        count, lines_agreeing = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=(0, 0))
        score = lines_agreeing if count > 0 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _BoundedRows:
    """Data rows after the header, cut at `max_rows` (noting it) and at `max_cols` columns."""

    def __init__(self, reader: Iterator[list[str]], limits: ParseLimits, deadline: Deadline) -> None:
        self._reader = reader
        self._limits = limits
        self._deadline = deadline
        self.count = 0
        self.truncated = False

    def __iter__(self) -> Iterator[list[str]]:
        for row in self._reader:
            if self.count >= self._limits.max_table_rows:
                self.truncated = True
                return
            self.count += 1
            if self.count % 1024 == 0:
                self._deadline.check()
            yield row[: self._limits.max_table_columns]


class CsvParser:
    extensions: tuple[str, ...] = (".csv", ".tsv")
    mime_type: str = "text/csv"
    mime_types: tuple[str, ...] = (mime_type, "text/tab-separated-values")

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self._limits = limits or ParseLimits()

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        check_input(data, self._limits)
        deadline = Deadline(self._limits.max_seconds)
        text = decode_text(data)
        is_tsv = file_extension(filename) == ".tsv"
        delimiter = "\t" if is_tsv else guess_delimiter(text)
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows = _BoundedRows(reader, self._limits, deadline)
        try:
            header = next((row for row in reader if any(cell.strip() for cell in row)), None)
            if header is None:
                raise ParseError("file has no rows", code="empty")
            header = header[: self._limits.max_table_columns]
            groups = row_groups(
                header, rows, max_rows=self._limits.rows_per_group, max_chars=self._limits.group_chars
            )
            blocks = [Block("table", group) for group in groups]
        except csv.Error as exc:
            raise ParseError("malformed CSV (a field is too large or badly quoted)", code="corrupt") from exc
        if not blocks:  # a header row alone is still worth finding
            blocks = [Block("table", render_row(header))]
        metadata = {
            "delimiter": _DELIMITER_NAMES[delimiter],
            "columns": str(len(header)),
            "rows": str(rows.count),
            "truncated": "true" if rows.truncated else "false",
        }
        return ParsedDocument(
            title=filename_stem(filename),
            blocks=blocks,
            mime_type="text/tab-separated-values" if is_tsv else self.mime_type,
            metadata=metadata,
        )
