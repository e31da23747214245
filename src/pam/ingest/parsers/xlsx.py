"""XLSX via openpyxl in read-only mode: per sheet a heading, then `table` blocks of row groups that
each repeat the sheet's header row (its first non-empty row). Formulas show their cached values.
The zip container is checked for bombs before openpyxl inflates anything; at most
`ParseLimits.max_table_rows` rows per workbook become text (metadata says when some were left out).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from typing import Any

import openpyxl

from pam.errors import ParseError
from pam.formats.cell_values import cell_text
from pam.formats.limits import Deadline, ParseLimits, check_input
from pam.formats.sheet_regions import SheetLayout, workbook_regions
from pam.formats.sheet_tables import LoadLimits
from pam.formats.titles import clean_title, filename_stem
from pam.formats.zip_guard import check_office_container
from pam.ingest.parsers.base import Block, ParsedDocument
from pam.ingest.parsers.table_text import render_row, row_groups, trim_trailing_blanks


class _SheetReader:
    """Rows of one sheet as text, sharing a workbook-wide row budget."""

    def __init__(self, limits: ParseLimits, deadline: Deadline) -> None:
        self._limits = limits
        self._deadline = deadline
        self.rows_read = 0
        self.truncated = False

    def rows(self, sheet: Any) -> Iterator[list[str]]:
        width = sheet.max_column if isinstance(sheet.max_column, int) else self._limits.max_table_columns
        width = max(1, min(width, self._limits.max_table_columns))
        scanned = 0
        for values in sheet.iter_rows(max_col=width, values_only=True):
            scanned += 1
            if scanned % 1024 == 0:
                self._deadline.check()
            if values.count(None) == len(values):
                # openpyxl fills every gap before a far row (<row r="1048576">) with empty rows: skip
                # them at C speed, not 512 cells at a time.
                continue
            cells = trim_trailing_blanks([cell_text(v) for v in values])
            if not cells:
                continue
            if self.rows_read >= self._limits.max_table_rows:
                self.truncated = True
                return
            self.rows_read += 1
            yield cells

    def blocks(self, sheet: Any) -> list[Block]:
        rows = self.rows(sheet)
        header = next(rows, None)
        if header is None:
            return []
        name = clean_title(str(sheet.title)) or "Sheet"
        tables = [
            Block("table", group)
            for group in row_groups(
                header, rows, max_rows=self._limits.rows_per_group, max_chars=self._limits.group_chars
            )
        ]
        return [Block("heading", name, level=1), *(tables or [Block("table", render_row(header))])]


# Up to this size a workbook is read whole, so its sheets can be split into tables and notes
# (merged cells are only known to a fully loaded sheet); bigger ones are streamed row by row.
REGIONS_MAX_BYTES = 5 * 1024 * 1024


def _region_blocks(layouts: dict[str, SheetLayout], limits: ParseLimits) -> tuple[list[Block], int, bool]:
    """Each sheet's tables (with their headers) and its notes as separate, searchable blocks.

    Returns the blocks, the table rows rendered and whether rows were left out (`max_table_rows`).
    """
    blocks: list[Block] = []
    budget = limits.max_table_rows
    truncated = False
    for sheet, layout in layouts.items():
        if not layout.tables and not layout.notes:
            continue
        blocks.append(Block("heading", clean_title(sheet) or "Sheet", level=1))
        for table in layout.tables:
            if len(layout.tables) > 1:
                blocks.append(Block("heading", table.label, level=2))
            rows = table.rows[: max(budget, 0)]
            truncated = truncated or len(rows) < len(table.rows)
            budget -= len(rows)
            cells = (trim_trailing_blanks([cell_text(v) for v in row]) for row in rows)
            groups = row_groups(
                list(table.headers or table.columns),
                cells,
                max_rows=limits.rows_per_group,
                max_chars=limits.group_chars,
            )
            blocks.extend(Block("table", g) for g in groups)
        for note in layout.notes:
            blocks.append(Block("heading", "Notes", level=2))
            blocks.append(Block("text", note.text))
    return blocks, limits.max_table_rows - max(budget, 0), truncated


class XlsxParser:
    extensions: tuple[str, ...] = (".xlsx", ".xlsm")
    mime_type: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    mime_types: tuple[str, ...] = (mime_type,)

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self._limits = limits or ParseLimits()

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        check_input(data, self._limits)
        deadline = Deadline(self._limits.max_seconds)
        check_office_container(data, self._limits, kind="XLSX")
        reader = _SheetReader(self._limits, deadline)
        blocks: list[Block] = []
        if len(data) <= REGIONS_MAX_BYTES:
            try:
                layouts = workbook_regions(data, LoadLimits(max_bytes=self._limits.max_bytes))
            except ParseError as exc:
                if exc.code != "too_large":
                    raise
                layouts = {}  # too costly to load whole (huge merged ranges): streamed below instead
            blocks, rows, truncated = _region_blocks(layouts, self._limits)
            if blocks:
                metadata = {
                    "sheets": str(len(layouts)),
                    "rows": str(rows),
                    "truncated": str(truncated).lower(),
                }
                return ParsedDocument(
                    title=filename_stem(filename), blocks=blocks, mime_type=self.mime_type, metadata=metadata
                )
        try:
            # openpyxl warns about harmless oddities (unknown extensions, missing default styles).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                try:
                    sheets = list(workbook.worksheets)
                    for sheet in sheets:
                        blocks.extend(reader.blocks(sheet))
                        if len(blocks) > self._limits.max_blocks:
                            raise ParseError(f"more than {self._limits.max_blocks} blocks", code="too_large")
                finally:
                    workbook.close()
        except ParseError:
            raise
        except Exception as exc:  # openpyxl/zipfile/XML errors on malformed input come in many types
            raise ParseError("not a readable XLSX file", code="corrupt") from exc
        if not blocks:
            raise ParseError("workbook has no cells with values", code="empty")
        metadata = {
            "sheets": str(len(sheets)),
            "rows": str(reader.rows_read),
            "truncated": "true" if reader.truncated else "false",
        }
        return ParsedDocument(
            title=filename_stem(filename), blocks=blocks, mime_type=self.mime_type, metadata=metadata
        )
