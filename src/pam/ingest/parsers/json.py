"""JSON and JSON Lines as path-aware text: `text` blocks of `key.sub[0]: value` lines, each block
holding whole top-level entries (records) where they fit in `ParseLimits.group_chars`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from pam.errors import ParseError
from pam.formats.encoding import decode_text
from pam.formats.limits import Deadline, ParseLimits, check_input
from pam.formats.titles import file_extension, pick_title
from pam.ingest.parsers.base import Block, ParsedDocument
from pam.ingest.parsers.json_paths import path_lines, top_level_groups

_LINES_EXTENSIONS = (".jsonl", ".ndjson")


def _loads(text: str) -> object:
    try:
        return json.loads(text)
    except RecursionError as exc:  # the C decoder recurses once per nesting level
        raise ParseError("JSON is nested too deeply", code="corrupt") from exc


def _parse_lines(text: str) -> list[object] | None:
    records: list[object] = []
    for line in text.split("\n"):
        if line.strip():
            try:
                records.append(_loads(line))
            except ValueError:
                return None
    return records


def load_json(text: str, *, lines_first: bool) -> tuple[object, bool]:
    """(value, is_json_lines). JSON Lines come back as a list of records."""
    if not lines_first:
        try:
            return _loads(text), False
        except ValueError:
            pass
    records = _parse_lines(text)
    if records is not None and (lines_first or len(records) > 1):
        return records, True
    try:
        return _loads(text), False
    except ValueError as exc:
        raise ParseError("not valid JSON or JSON Lines", code="corrupt") from exc


class JsonParser:
    extensions: tuple[str, ...] = (".json", ".jsonl", ".ndjson")
    mime_type: str = "application/json"
    mime_types: tuple[str, ...] = (mime_type, "application/x-ndjson")

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self._limits = limits or ParseLimits()

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        check_input(data, self._limits)
        deadline = Deadline(self._limits.max_seconds)
        value, is_lines = load_json(
            decode_text(data), lines_first=file_extension(filename) in _LINES_EXTENSIONS
        )
        if value in ({}, [], None, ""):
            raise ParseError("JSON document holds no values", code="empty")
        counter = _LineBudget(self._limits.max_json_lines)
        blocks = [Block("text", text) for text in self._pack(value, counter, deadline)]
        if len(blocks) > self._limits.max_blocks:
            raise ParseError(f"more than {self._limits.max_blocks} blocks", code="too_large")
        title = value.get("title") if isinstance(value, dict) else None
        return ParsedDocument(
            title=pick_title(title if isinstance(title, str) else None, filename=filename),
            blocks=blocks,
            mime_type="application/x-ndjson" if is_lines else self.mime_type,
            metadata={"format": "jsonl" if is_lines else "json", "truncated": str(counter.truncated).lower()},
        )

    def _pack(self, value: object, budget: _LineBudget, deadline: Deadline) -> Iterator[str]:
        """Whole top-level entries per block while they fit; an entry too big alone is split at lines."""
        limit = self._limits.group_chars
        current: list[str] = []
        size = 0
        for path, item in top_level_groups(value):
            deadline.check()
            lines = budget.take(path_lines(item, path, self._limits.max_json_depth - 1))
            group_size = sum(len(line) + 1 for line in lines)
            if current and size + group_size > limit:
                yield "\n".join(current)
                current, size = [], 0
            for line in lines:
                if current and size + len(line) + 1 > limit:
                    yield "\n".join(current)
                    current, size = [], 0
                current.append(line)
                size += len(line) + 1
            if budget.truncated:
                break
        if current:
            yield "\n".join(current)


class _LineBudget:
    def __init__(self, max_lines: int) -> None:
        self._left = max_lines
        self.truncated = False

    def take(self, lines: Iterator[str]) -> list[str]:
        taken: list[str] = []
        for line in lines:
            if self._left <= 0:
                self.truncated = True
                break
            self._left -= 1
            taken.append(line)
        return taken
