"""Data files into DuckDB tables: CSV/TSV, XLSX (every sheet, split into regions), Parquet, JSON and
JSON Lines.

DuckDB's own readers only ever see a temporary file this module wrote (the bytes of the document), so
no path in a reader call comes from a user. Spreadsheet regions are typed here, column by column, and
handed to DuckDB as Arrow tables.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pam.data.models import LoadLimits, TableData
from pam.errors import ParseError
from pam.formats.cell_values import cell_text
from pam.formats.encoding import decode_text
from pam.formats.identifiers import quote_ident, sanitize
from pam.formats.sheet_regions import workbook_regions
from pam.formats.titles import file_extension, filename_stem

CSV_EXTENSIONS = (".csv", ".tsv")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
PARQUET_EXTENSIONS = (".parquet",)
JSON_EXTENSIONS = (".json", ".jsonl", ".ndjson")
DATA_EXTENSIONS = CSV_EXTENSIONS + XLSX_EXTENSIONS + PARQUET_EXTENSIONS + JSON_EXTENSIONS


@dataclass(frozen=True, slots=True)
class LoadedTable:
    name: str
    origin: str


# Given a wished-for name, the name the catalog grants (unique in the project).
NameGranter = Callable[[str], str]


def is_data_file(filename: str) -> bool:
    return file_extension(filename) in DATA_EXTENSIONS


def load_file(
    con: duckdb.DuckDBPyConnection, filename: str, data: bytes, grant: NameGranter, limits: LoadLimits
) -> list[LoadedTable]:
    """Create the tables of one file in ``con`` (inside the caller's transaction)."""
    if len(data) > limits.max_bytes:
        raise ParseError("the file is too large to load as a table", code="too_large")
    if not data.strip():
        raise ParseError("the file is empty", code="empty")
    ext = file_extension(filename)
    stem = sanitize(filename_stem(filename), fallback="table")
    try:
        if ext in XLSX_EXTENSIONS:
            return _load_workbook(con, data, grant, limits)
        if ext in CSV_EXTENSIONS:
            # DuckDB reads UTF-8 only; the ingest decoder already knows BOMs and legacy encodings.
            text = decode_text(data).encode("utf-8")
            delim = "\t" if ext == ".tsv" else None
            with _temp_file(text, ".csv") as path:
                options = f", delim = {_literal(delim)}" if delim else ""
                reader = f"read_csv({_literal(str(path))}, header = true, sample_size = -1{options})"
                return [_create_from(con, grant(stem), reader, "file")]
        if ext in PARQUET_EXTENSIONS:
            with _temp_file(data, ".parquet") as path:
                return [_create_from(con, grant(stem), f"read_parquet({_literal(str(path))})", "file")]
        if ext in JSON_EXTENSIONS:
            fmt = "newline_delimited" if ext != ".json" else "auto"
            with _temp_file(data, ext) as path:
                reader = f"read_json({_literal(str(path))}, format = {_literal(fmt)})"
                return [_create_from(con, grant(stem), reader, "file")]
    except duckdb.Error as exc:
        raise ParseError("the file could not be read as a table", code="corrupt") from exc
    raise ParseError("this file type holds no tables", code="unsupported")


def _load_workbook(
    con: duckdb.DuckDBPyConnection, data: bytes, grant: NameGranter, limits: LoadLimits
) -> list[LoadedTable]:
    loaded: list[LoadedTable] = []
    for layout in workbook_regions(data, limits).values():
        for table in layout.tables:
            if len(loaded) >= limits.max_tables_per_document:
                return loaded
            loaded.append(_create_from_rows(con, grant(table.label), table))
    return loaded


def _create_from(con: duckdb.DuckDBPyConnection, name: str, reader: str, origin: str) -> LoadedTable:
    con.execute(f"CREATE TABLE {quote_ident(name)} AS SELECT * FROM {reader}")
    return LoadedTable(name, origin)


def _create_from_rows(con: duckdb.DuckDBPyConnection, name: str, table: TableData) -> LoadedTable:
    arrays = [_column_array([row[i] for row in table.rows]) for i in range(len(table.columns))]
    arrow = pa.Table.from_arrays(arrays, names=list(table.columns))
    view = f"_pam_rows_{os.getpid()}"
    con.register(view, arrow)
    try:
        con.execute(f"CREATE TABLE {quote_ident(name)} AS SELECT * FROM {quote_ident(view)}")
    finally:
        con.unregister(view)
    return LoadedTable(name, table.origin)


def _column_array(values: list[object]) -> Any:
    """The narrowest type every non-blank value fits: BOOLEAN, BIGINT, DOUBLE, DATE, TIMESTAMP, VARCHAR."""
    present = [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]
    clean = [None if v is None or (isinstance(v, str) and not v.strip()) else v for v in values]
    if present and all(isinstance(v, bool) for v in present):
        return pa.array(clean, type=pa.bool_())
    ints = [v for v in present if isinstance(v, int) and not isinstance(v, bool)]
    if present and len(ints) == len(present) and all(-(2**63) <= v < 2**63 for v in ints):
        return pa.array(clean, type=pa.int64())
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in clean], type=pa.float64())  # type: ignore[arg-type]
    if present and all(isinstance(v, dt.datetime) for v in present):
        return pa.array(clean, type=pa.timestamp("us"))
    if present and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in present):
        return pa.array(clean, type=pa.date32())
    return pa.array([None if v is None else cell_text(v) for v in clean], type=pa.string())


@contextmanager
def _temp_file(data: bytes, suffix: str) -> Iterator[Path]:
    handle, name = tempfile.mkstemp(prefix="pam-data-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
