"""Tables found in spreadsheets, as plain data: what region detection builds and the data catalog loads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class LoadLimits:
    max_bytes: int = 100 * 1024 * 1024
    max_tables_per_document: int = 50
    max_columns: int = 512
    # Spreadsheet cells scanned per sheet (rows x used columns); bigger sheets are cut.
    max_sheet_cells: int = 5_000_000
    # Cells inside merged ranges per workbook: openpyxl makes an object for each one when it loads.
    max_merged_cells: int = 100_000
    samples_per_column: int = 5
    max_sample_chars: int = 80


@dataclass(frozen=True, slots=True)
class TableData:
    """A table built in Python (spreadsheet regions): column names and typed row values."""

    label: str
    origin: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]] = field(default_factory=list)
    # The header cells as written (columns are their SQL-safe names): what search text shows.
    headers: tuple[str, ...] = ()
