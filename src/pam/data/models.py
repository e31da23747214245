"""What the data catalog hands across module borders: tables, columns, query results, limits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pam.formats.result_text import Cell as Cell

# Spreadsheet region detection (in the parsers) builds these; the catalog loads them.
from pam.formats.sheet_tables import LoadLimits as LoadLimits
from pam.formats.sheet_tables import TableData as TableData


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    name: str
    type: str
    # A few distinct non-null values, as text, so a model can write correct filters.
    samples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableInfo:
    """One table of a project's catalog, as registered when its document was loaded."""

    name: str
    document_id: str
    source_name: str
    # Where in the file it came from: "file", or "sheet <name> <range>" for a spreadsheet region.
    origin: str
    row_count: int
    columns: tuple[ColumnInfo, ...]


@dataclass(frozen=True, slots=True)
class VisibleTable:
    """A table as one caller sees it: ``name`` is what their SQL uses (unique across their projects)."""

    name: str
    project_id: uuid.UUID
    table: TableInfo


@dataclass(frozen=True, slots=True)
class QueryResult:
    sql: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    truncated: bool
    elapsed_ms: float
    # The visible tables the statement reads, in order of first mention.
    tables: tuple[VisibleTable, ...] = ()

    @property
    def row_count(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_rows: int = 500
    timeout_s: float = 5.0
    memory_limit: str = "256MB"
    max_sql_chars: int = 20_000
    max_cell_chars: int = 1_000
