"""Tables as plain text: one line per row, cells joined by ' | ', header row first.

Data files are cut into row groups that each repeat the header, so every group (and so every
chunk made from it) says what its columns mean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

_SPACES = re.compile(r"\s+")


def clean_cell(value: str) -> str:
    """One line per cell: whitespace collapsed, literal pipes escaped so columns stay readable."""
    return _SPACES.sub(" ", value).strip().replace("|", "\\|")


def render_row(cells: Sequence[str]) -> str:
    return " | ".join(clean_cell(c) for c in trim_trailing_blanks(cells)).strip()


def render_table(rows: Sequence[Sequence[str]]) -> str:
    """The first row is the header. Blank rows are dropped."""
    lines = [line for line in (render_row(r) for r in rows) if line.replace("|", "").strip()]
    return "\n".join(lines)


def trim_trailing_blanks(cells: Sequence[str]) -> list[str]:
    out = list(cells)
    while out and not out[-1].strip():
        out.pop()
    return out


def row_groups(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, max_rows: int, max_chars: int
) -> Iterator[str]:
    """Tables of at most `max_rows` data rows (and about `max_chars`), each starting with `header`."""
    head = render_row(header)
    lines: list[str] = []
    size = len(head)
    for row in rows:
        line = render_row(row)
        if not line.replace("|", "").strip():
            continue
        if lines and (len(lines) >= max_rows or size + len(line) + 1 > max_chars):
            yield "\n".join([head, *lines]) if head else "\n".join(lines)
            lines, size = [], len(head)
        lines.append(line)
        size += len(line) + 1
    if lines:
        yield "\n".join([head, *lines]) if head else "\n".join(lines)
