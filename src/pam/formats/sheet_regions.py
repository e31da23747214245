"""Spreadsheet regions: one sheet may hold several tables and free-text notes.

A sheet is cut into blocks of non-empty cells (neighbours, diagonals included, belong together), so a
blank row or a blank column is a boundary. Each block is then read as:

- a **table**: optional caption lines (rows with one cell, e.g. "Common properties"), a header row
  (at least two cells, all text; a header cell merged across columns over a second text row makes a
  two-level header, "Q1" over "target" -> ``q1_target``), then data rows;
- **notes**: anything else (one column of sentences, a title block, a lone cell).

Tables are named ``<sheet>_<caption or first header cell>``; the names are made unique by the catalog.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from pam.errors import ParseError
from pam.formats.cell_values import cell_text
from pam.formats.identifiers import column_names, sanitize
from pam.formats.limits import ParseLimits
from pam.formats.sheet_tables import LoadLimits, TableData
from pam.formats.zip_guard import check_office_container

MAX_LABEL_WORDS = 4


@dataclass(frozen=True, slots=True)
class NotesRegion:
    sheet: str
    ref: str
    text: str


@dataclass(slots=True)
class SheetLayout:
    tables: list[TableData] = field(default_factory=list)
    notes: list[NotesRegion] = field(default_factory=list)


@dataclass(slots=True)
class _Grid:
    values: list[list[object]]
    # Cells that only repeat a merged range's top-left value (they count once for "how many cells").
    copies: set[tuple[int, int]]
    # Cells of ranges merged across several columns (group headers).
    spanning: set[tuple[int, int]]

    def filled(self, r: int, c: int) -> bool:
        value = self.values[r][c]
        return value is not None and not (isinstance(value, str) and not value.strip())


def workbook_regions(data: bytes, limits: LoadLimits | None = None) -> dict[str, SheetLayout]:
    """Every sheet's tables and notes, by sheet title. Raises ``ParseError`` for unreadable files."""
    limits = limits or LoadLimits()
    check_office_container(data, ParseLimits(max_bytes=limits.max_bytes), kind="XLSX")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Not read-only: merged cell ranges are only known to a fully loaded sheet.
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise ParseError("the workbook could not be read", code="corrupt") from exc
    try:
        return {str(ws.title): sheet_regions(ws, limits) for ws in book.worksheets}
    finally:
        book.close()


def sheet_regions(ws: Any, limits: LoadLimits | None = None) -> SheetLayout:
    limits = limits or LoadLimits()
    grid = _read_grid(ws, limits)
    layout = SheetLayout()
    sheet = str(ws.title)
    for top, left, bottom, right in _blocks(grid):
        _classify(grid, sheet, (top, left, bottom, right), layout)
    if len(layout.tables) == 1:
        # A sheet holding one table is simply that table.
        only = layout.tables[0]
        layout.tables[0] = TableData(
            sanitize(sheet, fallback="sheet"), only.origin, only.columns, only.rows, only.headers
        )
    return layout


def _read_grid(ws: Any, limits: LoadLimits) -> _Grid:
    width = max(1, min(int(ws.max_column or 1), limits.max_columns))
    height = max(1, min(int(ws.max_row or 1), limits.max_sheet_cells // width))
    values = [list(row) for row in ws.iter_rows(max_row=height, max_col=width, values_only=True)]
    copies: set[tuple[int, int]] = set()
    spanning: set[tuple[int, int]] = set()
    for merged in ws.merged_cells.ranges:
        r0, c0 = merged.min_row - 1, merged.min_col - 1
        if r0 >= height or c0 >= width:
            continue
        origin = values[r0][c0]
        for r in range(r0, min(merged.max_row, height)):
            for c in range(c0, min(merged.max_col, width)):
                if (r, c) != (r0, c0):
                    values[r][c] = origin
                    copies.add((r, c))
                if merged.max_col > merged.min_col:
                    spanning.add((r, c))
    return _Grid(values, copies, spanning)


def _blocks(grid: _Grid) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (inclusive, 0-based) of 8-connected non-empty cells, overlapping boxes merged."""
    height = len(grid.values)
    width = len(grid.values[0]) if height else 0
    seen = [[False] * width for _ in range(height)]
    boxes: list[list[int]] = []
    for r in range(height):
        for c in range(width):
            if seen[r][c] or not grid.filled(r, c):
                continue
            box = [r, c, r, c]
            stack = [(r, c)]
            seen[r][c] = True
            while stack:
                y, x = stack.pop()
                box = [min(box[0], y), min(box[1], x), max(box[2], y), max(box[3], x)]
                for ny, nx in _around(y, x, height, width):
                    if not seen[ny][nx] and grid.filled(ny, nx):
                        seen[ny][nx] = True
                        stack.append((ny, nx))
            boxes.append(box)
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return sorted((b[0], b[1], b[2], b[3]) for b in boxes)


def _around(y: int, x: int, height: int, width: int) -> Iterator[tuple[int, int]]:
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            ny, nx = y + dy, x + dx
            if (dy or dx) and 0 <= ny < height and 0 <= nx < width:
                yield ny, nx


def _classify(grid: _Grid, sheet: str, box: tuple[int, int, int, int], layout: SheetLayout) -> None:
    top, left, bottom, right = box
    cols = range(left, right + 1)

    def cells(r: int) -> list[int]:
        return [c for c in cols if grid.filled(r, c) and (r, c) not in grid.copies]

    captions: list[str] = []
    r = top
    while r <= bottom and len(cells(r)) == 1 and right > left:
        captions.append(cell_text(grid.values[r][cells(r)[0]]).strip())
        r += 1
    header_row = r
    is_header = (
        header_row < bottom
        and len(cells(header_row)) >= 2
        and all(isinstance(grid.values[header_row][c], str) for c in cells(header_row))
    )
    if not is_header:
        layout.notes.append(NotesRegion(sheet, _ref(box), _render(grid, box)))
        return
    headers = [cell_text(grid.values[header_row][c]).strip() for c in cols]
    first_data = header_row + 1
    if any((header_row, c) in grid.spanning for c in cols) and first_data < bottom:
        below = [grid.values[first_data][c] for c in cols]
        if all(v is None or isinstance(v, str) for v in below) and any(below):
            headers = [
                " ".join(p for p in (h, cell_text(v).strip()) if p)
                for h, v in zip(headers, below, strict=True)
            ]
            first_data += 1
    keep = [
        i
        for i, c in enumerate(cols)
        if headers[i] or any(grid.filled(y, c) for y in range(first_data, bottom + 1))
    ]
    names = column_names([headers[i] for i in keep])
    rows = [
        tuple(grid.values[y][left + i] for i in keep)
        for y in range(first_data, bottom + 1)
        if any(grid.filled(y, left + i) for i in keep)
    ]
    label = sanitize(captions[0] if captions else headers[keep[0]], fallback="table")
    label = "_".join(label.split("_")[:MAX_LABEL_WORDS])
    layout.tables.append(
        TableData(
            label=f"{sanitize(sheet, fallback='sheet')}_{label}",
            origin=f"sheet {sheet} {_ref((header_row, left, bottom, right))}",
            columns=tuple(names),
            rows=rows,
            headers=tuple(headers[i] or names[n] for n, i in enumerate(keep)),
        )
    )
    if len(captions) > 1:
        layout.notes.append(NotesRegion(sheet, _ref((top, left, header_row - 1, right)), "\n".join(captions)))


def _ref(box: tuple[int, int, int, int]) -> str:
    top, left, bottom, right = box
    return f"{get_column_letter(left + 1)}{top + 1}:{get_column_letter(right + 1)}{bottom + 1}"


def _render(grid: _Grid, box: tuple[int, int, int, int]) -> str:
    top, left, bottom, right = box
    lines = []
    for r in range(top, bottom + 1):
        parts = [
            cell_text(grid.values[r][c]).strip()
            for c in range(left, right + 1)
            if grid.filled(r, c) and (r, c) not in grid.copies
        ]
        if parts:
            lines.append(" | ".join(parts))
    return "\n".join(lines)
