"""The safe query runner: one checked SELECT in a fresh, locked-down, in-memory DuckDB.

The caller's project files are attached READ_ONLY (as ``s0``, ``s1``, ...), their tables exposed as
views under their visible names, and only then is the connection locked: external access off (no
files, no network, no ATTACH/COPY/INSTALL), extension auto-loading off, configuration locked,
one thread, a memory limit. Rows are fetched up to the limit (plus one, for the truncation flag) and
a timer interrupts the query when it runs out of time. Other projects' files are never attached,
so their tables do not exist for the query.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import duckdb

from pam.data.models import Cell, QueryLimits, QueryResult, VisibleTable
from pam.data.registry import read_registry, visible_names
from pam.data.sql_guard import check_select
from pam.errors import InvalidInput, Unavailable
from pam.formats.identifiers import quote_ident

# A writer holds a project file for one document's tables at a time: short waits usually get through.
ATTACH_RETRY_S: tuple[float | None, ...] = (0.05, 0.1, 0.2, 0.4, None)
_LOCKDOWN = (
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


def open_readonly(
    projects: Sequence[tuple[uuid.UUID, Path]], limits: QueryLimits
) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory connection with the projects' files attached READ_ONLY as ``s0``, ``s1``, ..."""
    con = duckdb.connect(
        ":memory:",
        config={
            "threads": 1,
            "memory_limit": limits.memory_limit,
            "autoload_known_extensions": False,
            "autoinstall_known_extensions": False,
            "allow_community_extensions": False,
            # Nothing spills to disk: a query that needs more memory than allowed fails instead.
            "max_temp_directory_size": "0B",
        },
    )
    try:
        for index, (_, path) in enumerate(projects):
            _attach(con, path, f"s{index}")
    except BaseException:
        con.close()
        raise
    return con


def _attach(con: duckdb.DuckDBPyConnection, path: Path, alias: str) -> None:
    """ATTACH read-only, waiting briefly while another process (a worker loading tables) holds the file."""
    for delay in ATTACH_RETRY_S:
        try:
            con.execute(f"ATTACH {_literal(str(path))} AS {alias} (READ_ONLY)")
            return
        except duckdb.IOException as exc:
            if delay is None:
                raise Unavailable("the project's tables are being updated; try again shortly") from exc
            time.sleep(delay)


def attached_tables(
    con: duckdb.DuckDBPyConnection, projects: Sequence[tuple[uuid.UUID, Path]]
) -> list[VisibleTable]:
    found = [
        (pid, table) for index, (pid, _) in enumerate(projects) for table in read_registry(con, f"s{index}")
    ]
    return visible_names(found)


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """No files, network, ATTACH, COPY or extension loading from here on, and no setting can change."""
    for statement in _LOCKDOWN:
        con.execute(statement)


def run_select(
    sql: str, projects: Sequence[tuple[uuid.UUID, Path]], limits: QueryLimits, *, redact: str
) -> QueryResult:
    """``projects`` are the caller's readable projects that have a catalog file, in a fixed order."""
    started = time.perf_counter()
    con = open_readonly(projects, limits)
    try:
        visible = attached_tables(con, projects)
        by_name = {v.name: v for v in visible}
        checked = check_select(sql, by_name, max_chars=limits.max_sql_chars, parser=con)
        index_of = {pid: index for index, (pid, _) in enumerate(projects)}
        for v in visible:
            con.execute(
                f"CREATE VIEW main.{quote_ident(v.name)} AS "
                f"SELECT * FROM s{index_of[v.project_id]}.main.{quote_ident(v.table.name)}"
            )
        lock_down(con)
        columns, rows, truncated = _execute(con, checked.sql, limits, redact)
    finally:
        con.close()
    elapsed = (time.perf_counter() - started) * 1000
    used = tuple(by_name[name] for name in checked.tables)
    return QueryResult(checked.sql, columns, rows, truncated, round(elapsed, 2), used)


def _execute(
    con: duckdb.DuckDBPyConnection, sql: str, limits: QueryLimits, redact: str
) -> tuple[tuple[str, ...], tuple[tuple[Cell, ...], ...], bool]:
    timer = threading.Timer(limits.timeout_s, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        cursor = con.execute(sql)
        columns = tuple(str(d[0]) for d in (cursor.description or []))
        fetched = cursor.fetchmany(limits.max_rows + 1)
    except duckdb.InterruptException as exc:
        raise InvalidInput(
            f"the query ran longer than {limits.timeout_s:g} s and was stopped", code="query_timeout"
        ) from exc
    except duckdb.OutOfMemoryException as exc:
        raise InvalidInput("the query needed more memory than allowed", code="query_too_large") from exc
    except duckdb.PermissionException as exc:
        raise InvalidInput(
            "queries cannot read files, use the network or change settings", code="query_refused"
        ) from exc
    except duckdb.Error as exc:
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else "error"
        raise InvalidInput(
            f"the query failed: {message.replace(redact, '<data>')}", code="query_failed"
        ) from exc
    finally:
        timer.cancel()
    truncated = len(fetched) > limits.max_rows
    rows = tuple(tuple(_cell(v, limits.max_cell_chars) for v in row) for row in fetched[: limits.max_rows])
    return columns, rows, truncated


def _cell(value: object, max_chars: int) -> Cell:
    if value is None or isinstance(value, bool | int | str):
        return value[:max_chars] if isinstance(value, str) else value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)[:max_chars]).decode("ascii")
    return json.dumps(value, default=str, ensure_ascii=False)[:max_chars]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
