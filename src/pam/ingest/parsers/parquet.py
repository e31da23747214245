"""Parquet: `table` blocks of row groups, each repeating the header (column names), read with DuckDB.

DuckDB reads a temporary copy of the bytes (never a path from elsewhere), in its own in-memory
connection with one thread. At most `ParseLimits.max_table_rows` rows become text; the metadata
says when the rest was left out (the full table is queryable through the data catalog).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

from pam.errors import ParseError
from pam.formats.cell_values import cell_text
from pam.formats.limits import Deadline, ParseLimits, check_input
from pam.formats.titles import filename_stem
from pam.ingest.parsers.base import Block, ParsedDocument
from pam.ingest.parsers.table_text import render_row, row_groups

_BATCH = 1024


class ParquetParser:
    extensions: tuple[str, ...] = (".parquet",)
    mime_type: str = "application/vnd.apache.parquet"
    mime_types: tuple[str, ...] = (mime_type,)

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self._limits = limits or ParseLimits()

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        check_input(data, self._limits)
        if not data.startswith(b"PAR1"):
            raise ParseError("not a Parquet file", code="corrupt")
        deadline = Deadline(self._limits.max_seconds)
        handle, name = tempfile.mkstemp(prefix="pam-parquet-", suffix=".parquet")
        con = duckdb.connect(":memory:", config={"threads": 1, "autoinstall_known_extensions": False})
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            literal = "'" + name.replace("'", "''") + "'"
            total_row = con.execute(f"SELECT count(*) FROM read_parquet({literal})").fetchone()
            total = int(total_row[0]) if total_row else 0
            limit = self._limits.max_table_rows
            cursor = con.execute(f"SELECT * FROM read_parquet({literal}) LIMIT {int(limit)}")
            header = [str(d[0]) for d in (cursor.description or [])][: self._limits.max_table_columns]
            rows: list[list[str]] = []
            while batch := cursor.fetchmany(_BATCH):
                deadline.check()
                rows.extend([cell_text(v) for v in row[: len(header)]] for row in batch)
        except duckdb.Error as exc:
            raise ParseError("the Parquet file could not be read", code="corrupt") from exc
        finally:
            con.close()
            Path(name).unlink(missing_ok=True)
        if not header:
            raise ParseError("the Parquet file has no columns", code="empty")
        groups = row_groups(
            header, rows, max_rows=self._limits.rows_per_group, max_chars=self._limits.group_chars
        )
        blocks = [Block("table", group) for group in groups] or [Block("table", render_row(header))]
        return ParsedDocument(
            title=filename_stem(filename),
            blocks=blocks,
            mime_type=self.mime_type,
            metadata={
                "columns": str(len(header)),
                "rows": str(total),
                "truncated": "true" if total > len(rows) else "false",
            },
        )
