"""Spreadsheet regions: one sheet may hold several tables and free-text notes.

A sheet is cut into blocks of non-empty cells (neighbours, diagonals included, belong together), so a
blank row or a blank column is a boundary. Each block is then read as:

- a **table**: optional caption lines (rows with one cell, e.g. "Common properties"), a header row
  (at least two cells, all text; a header cell merged across columns over a second text row makes a
  two-level header, "Q1" over "target" -> ``q1_target``), then data rows;
- **notes**: anything else (one column of sentences, a title block, a lone cell).

Tables are named ``<sheet>_<caption or first header cell>``; the names are made unique by the catalog.

The work is proportional to the cells a sheet holds, never to the area they span: a workbook of a
few KiB can name a cell at XFD1048576 or merge A1:XFD1048576. The grid is sparse (filled cells
only), and merged ranges are summed from the XML before openpyxl loads anything, because openpyxl
makes one object per merged cell (a workbook merging more than `LoadLimits.max_merged_cells` is
`too_large` here; the XLSX parser then streams it row by row instead).
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries

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
    # 0-based (row, column) -> value of every cell that holds one (None is no entry).
    values: dict[tuple[int, int], object]
    # Cells that only repeat a merged range's top-left value (they count once for "how many cells").
    copies: set[tuple[int, int]]
    # Cells of ranges merged across several columns (group headers).
    spanning: set[tuple[int, int]]
    # The filled (not blank) columns of each row, in order.
    by_row: dict[int, list[int]] = field(default_factory=dict)

    def value(self, r: int, c: int) -> object:
        return self.values.get((r, c))

    def filled(self, r: int, c: int) -> bool:
        return _is_filled(self.values.get((r, c)))

    def filled_cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r, columns in sorted(self.by_row.items()) for c in columns]

    def filled_in(self, r: int, left: int, right: int) -> list[int]:
        return [c for c in self.by_row.get(r, ()) if left <= c <= right]


def _is_filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


_MERGE_REF = re.compile(rb"<(?:[\w.-]+:)?mergeCell\b[^>]{0,1024}?\bref\s*=\s*[\"']([^\"']{1,64})[\"']")
_SHEET_COLUMNS, _SHEET_ROWS = 16_384, 1_048_576


def merged_cell_count(data: bytes) -> int:
    """Cells covered by the merged ranges every XML member of an XLSX declares (read before loading)."""
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.lower().endswith(".xml"):
                total += sum(_area(ref) for ref in _MERGE_REF.findall(archive.read(info)))
    return total


def _area(ref: bytes) -> int:
    try:
        left, top, right, bottom = range_boundaries(ref.decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError):
        return 0  # openpyxl cannot read it either
    left, right = int(left or 1), int(right or _SHEET_COLUMNS)  # a whole row or column
    top, bottom = int(top or 1), int(bottom or _SHEET_ROWS)
    return (abs(right - left) + 1) * (abs(bottom - top) + 1)


def workbook_regions(data: bytes, limits: LoadLimits | None = None) -> dict[str, SheetLayout]:
    """Every sheet's tables and notes, by sheet title. Raises ``ParseError`` for unreadable files."""
    limits = limits or LoadLimits()
    check_office_container(data, ParseLimits(max_bytes=limits.max_bytes), kind="XLSX")
    try:
        merged = merged_cell_count(data)
    except Exception as exc:  # zipfile/zlib errors on a member the central directory lied about
        raise ParseError("the workbook could not be read", code="corrupt") from exc
    if merged > limits.max_merged_cells:
        raise ParseError(
            f"merged cell ranges cover more than {limits.max_merged_cells} cells", code="too_large"
        )
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
    # The cells the sheet holds (ws._cells: iter_rows would create every cell of the area it covers).
    present = {(r - 1, c - 1): cell.value for (r, c), cell in ws._cells.items() if cell.value is not None}
    # The extent of the cells that hold something, merged ranges included, cut at the limits.
    corners = [key for key, value in present.items() if _is_filled(value)]
    corners += [
        (m.max_row - 1, m.max_col - 1)
        for m in ws.merged_cells.ranges
        if (m.min_row - 1, m.min_col - 1) in present
    ]
    width = max(1, min(max((c for _, c in corners), default=0) + 1, limits.max_columns))
    height = max(1, min(max((r for r, _ in corners), default=0) + 1, limits.max_sheet_cells // width))
    values = {(r, c): value for (r, c), value in present.items() if r < height and c < width}
    copies: set[tuple[int, int]] = set()
    spanning: set[tuple[int, int]] = set()
    for merged in ws.merged_cells.ranges:
        r0, c0 = merged.min_row - 1, merged.min_col - 1
        if r0 >= height or c0 >= width:
            continue
        origin = values.get((r0, c0))
        for r in range(r0, min(merged.max_row, height)):
            for c in range(c0, min(merged.max_col, width)):
                if (r, c) != (r0, c0):
                    values.pop((r, c), None)
                    if origin is not None:
                        values[r, c] = origin
                    copies.add((r, c))
                if merged.max_col > merged.min_col:
                    spanning.add((r, c))
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(key for key, value in values.items() if _is_filled(value)):
        by_row.setdefault(r, []).append(c)
    return _Grid(values, copies, spanning, by_row)


def _blocks(grid: _Grid) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (inclusive, 0-based) of 8-connected non-empty cells, overlapping boxes merged."""
    seen: set[tuple[int, int]] = set()
    boxes: list[list[int]] = []
    for r, c in grid.filled_cells():
        if (r, c) in seen:
            continue
        box = [r, c, r, c]
        stack = [(r, c)]
        seen.add((r, c))
        while stack:
            y, x = stack.pop()
            box = [min(box[0], y), min(box[1], x), max(box[2], y), max(box[3], x)]
            for near in _around(y, x):
                if near not in seen and grid.filled(*near):
                    seen.add(near)
                    stack.append(near)
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


def _around(y: int, x: int) -> Iterator[tuple[int, int]]:
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                yield y + dy, x + dx


def _classify(grid: _Grid, sheet: str, box: tuple[int, int, int, int], layout: SheetLayout) -> None:
    top, left, bottom, right = box
    cols = range(left, right + 1)

    def cells(r: int) -> list[int]:
        return [c for c in grid.filled_in(r, left, right) if (r, c) not in grid.copies]

    captions: list[str] = []
    r = top
    while r <= bottom and len(cells(r)) == 1 and right > left:
        captions.append(cell_text(grid.value(r, cells(r)[0])).strip())
        r += 1
    header_row = r
    is_header = (
        header_row < bottom
        and len(cells(header_row)) >= 2
        and all(isinstance(grid.value(header_row, c), str) for c in cells(header_row))
    )
    if not is_header:
        layout.notes.append(NotesRegion(sheet, _ref(box), _render(grid, box)))
        return
    headers = [cell_text(grid.value(header_row, c)).strip() for c in cols]
    first_data = header_row + 1
    if any((header_row, c) in grid.spanning for c in cols) and first_data < bottom:
        below = [grid.value(first_data, c) for c in cols]
        if all(v is None or isinstance(v, str) for v in below) and any(below):
            headers = [
                " ".join(p for p in (h, cell_text(v).strip()) if p)
                for h, v in zip(headers, below, strict=True)
            ]
            first_data += 1
    data_columns = {c for y in range(first_data, bottom + 1) for c in grid.filled_in(y, left, right)}
    keep = [i for i, c in enumerate(cols) if headers[i] or c in data_columns]
    kept = {left + i for i in keep}
    names = column_names([headers[i] for i in keep])
    rows = [
        tuple(grid.value(y, left + i) for i in keep)
        for y in range(first_data, bottom + 1)
        if any(c in kept for c in grid.filled_in(y, left, right))
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
            cell_text(grid.value(r, c)).strip()
            for c in grid.filled_in(r, left, right)
            if (r, c) not in grid.copies
        ]
        if parts:
            lines.append(" | ".join(parts))
    return "\n".join(lines)
