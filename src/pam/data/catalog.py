"""The per-project table catalog: one persistent DuckDB file per project in the data dir.

``<data_dir>/tables/<project_id>.duckdb`` holds the project's tables and ``_pam_tables``, the registry
(source document, origin, row count, columns with types and sample values). A document's tables are
replaced in one transaction when it is re-ingested and dropped when it is deleted. Queries never run
here: ``pam.data.query`` attaches these files read-only in a locked-down connection.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb

from pam.data.loaders import LoadedTable, load_file
from pam.data.models import ColumnInfo, LoadLimits, QueryLimits, QueryResult, TableInfo, VisibleTable
from pam.data.query import attached_tables, open_readonly, run_select
from pam.data.registry import REGISTRY, REGISTRY_DDL, columns_json
from pam.data.rwlock import ReadWriteLock
from pam.errors import ParseError, Unavailable
from pam.formats.identifiers import quote_ident, unique


class DataCatalog:
    def __init__(
        self,
        root: Path,
        *,
        load_limits: LoadLimits | None = None,
        query_limits: QueryLimits | None = None,
    ) -> None:
        self.root = root
        self.load_limits = load_limits or LoadLimits()
        self.query_limits = query_limits or QueryLimits()
        self._locks: dict[uuid.UUID, ReadWriteLock] = {}
        self._guard = threading.Lock()

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> DataCatalog:
        return cls(data_dir / "tables")

    def path_of(self, project_id: uuid.UUID) -> Path:
        return self.root / f"{project_id}.duckdb"

    # -- writes ------------------------------------------------------------------------------------

    def replace_document(
        self, project_id: uuid.UUID, document_id: str, filename: str, data: bytes
    ) -> list[TableInfo]:
        """Load ``data``'s tables in place of the document's old ones. A file that cannot be read as
        a table raises ``ParseError`` and leaves the document with no tables."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock(project_id).writing(), self._connect(project_id) as con:
            con.execute("BEGIN")
            try:
                self._drop(con, document_id)
                taken = [row[0] for row in con.execute(f"SELECT name FROM {REGISTRY}").fetchall()]

                def grant(wish: str) -> str:
                    name = unique(wish, [*taken, REGISTRY])
                    taken.append(name)
                    return name

                loaded = load_file(con, filename, data, grant, self.load_limits)
                infos = [self._register(con, table, document_id, filename) for table in loaded]
                con.execute("COMMIT")
                return infos
            except BaseException:
                con.execute("ROLLBACK")
                self._drop(con, document_id)
                raise

    def drop_document(self, project_id: uuid.UUID, document_id: str) -> int:
        if not self.path_of(project_id).exists():
            return 0
        with self._lock(project_id).writing(), self._connect(project_id) as con:
            return self._drop(con, document_id)

    # -- reads -------------------------------------------------------------------------------------

    def visible_tables(self, project_ids: Sequence[uuid.UUID]) -> list[VisibleTable]:
        """The tables of these projects under the names a query uses (see ``registry.visible_names``)."""
        with self._reading(project_ids) as projects:
            if not projects:
                return []
            con = open_readonly(projects, self.query_limits)
            try:
                return attached_tables(con, projects)
            finally:
                con.close()

    def text_values(
        self, project_ids: Sequence[uuid.UUID], *, max_distinct: int = 200, max_rows: int = 1_000_000
    ) -> list[tuple[VisibleTable, dict[str, tuple[str, ...]]]]:
        """Each visible table with the distinct values of its text columns that have at most
        ``max_distinct`` of them (categories such as metric names or quarters, not free text)."""
        with self._reading(project_ids) as projects:
            if not projects:
                return []
            con = open_readonly(projects, self.query_limits)
            try:
                index_of = {pid: index for index, (pid, _) in enumerate(projects)}
                out = []
                for v in attached_tables(con, projects):
                    values: dict[str, tuple[str, ...]] = {}
                    source = f"s{index_of[v.project_id]}.main.{quote_ident(v.table.name)}"
                    for column in v.table.columns if v.table.row_count <= max_rows else ():
                        if column.type != "VARCHAR":
                            continue
                        col = quote_ident(column.name)
                        found = con.execute(
                            f"SELECT DISTINCT {col} FROM {source} WHERE {col} IS NOT NULL LIMIT ?",
                            [max_distinct + 1],
                        ).fetchall()
                        if len(found) <= max_distinct:
                            values[column.name] = tuple(str(r[0]) for r in found)
                    out.append((v, values))
                return out
            finally:
                con.close()

    def query(
        self, sql: str, project_ids: Sequence[uuid.UUID], limits: QueryLimits | None = None
    ) -> QueryResult:
        """Run one read-only SELECT over the tables of ``project_ids`` (the caller's readable projects)."""
        with self._reading(project_ids) as projects:
            return run_select(sql, projects, limits or self.query_limits, redact=str(self.root.resolve()))

    @contextmanager
    def _reading(self, project_ids: Sequence[uuid.UUID]) -> Iterator[list[tuple[uuid.UUID, Path]]]:
        # Sorted, so two readers of overlapping projects take their locks in the same order.
        ordered = sorted({pid for pid in project_ids if self.path_of(pid).exists()})
        with ExitStack() as stack:
            for pid in ordered:
                stack.enter_context(self._lock(pid).reading())
            yield [(pid, self.path_of(pid)) for pid in ordered if self.path_of(pid).exists()]

    # -- internals ---------------------------------------------------------------------------------

    def _lock(self, project_id: uuid.UUID) -> ReadWriteLock:
        with self._guard:
            return self._locks.setdefault(project_id, ReadWriteLock())

    @contextmanager
    def _connect(
        self, project_id: uuid.UUID, *, read_only: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            con = duckdb.connect(
                str(self.path_of(project_id)),
                read_only=read_only,
                config={"threads": 2, "autoinstall_known_extensions": False},
            )
        except duckdb.IOException as exc:
            # Another process (e.g. `pam sql` beside a running server) holds the file.
            raise Unavailable("the project's tables are being updated; try again shortly") from exc
        try:
            if not read_only:
                con.execute(REGISTRY_DDL)
            yield con
        finally:
            con.close()

    def _drop(self, con: duckdb.DuckDBPyConnection, document_id: str) -> int:
        names = [
            r[0]
            for r in con.execute(
                f"SELECT name FROM {REGISTRY} WHERE document_id = ?", [document_id]
            ).fetchall()
        ]
        for name in names:
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
        con.execute(f"DELETE FROM {REGISTRY} WHERE document_id = ?", [document_id])
        return len(names)

    def _register(
        self, con: duckdb.DuckDBPyConnection, table: LoadedTable, document_id: str, filename: str
    ) -> TableInfo:
        ident = quote_ident(table.name)
        described = con.execute(f"DESCRIBE {ident}").fetchall()
        if not described:
            raise ParseError("the file has no columns", code="empty")
        row = con.execute(f"SELECT count(*) FROM {ident}").fetchone()
        row_count = int(row[0]) if row else 0
        columns = tuple(
            ColumnInfo(str(col[0]), str(col[1]), self._samples(con, ident, str(col[0])))
            for col in described[: self.load_limits.max_columns]
        )
        payload = columns_json(columns)
        con.execute(
            f"INSERT INTO {REGISTRY} (name, document_id, source_name, origin, row_count, columns) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [table.name, document_id, filename, table.origin, row_count, payload],
        )
        return TableInfo(table.name, document_id, filename, table.origin, row_count, columns)

    def _samples(self, con: duckdb.DuckDBPyConnection, ident: str, column: str) -> tuple[str, ...]:
        col = quote_ident(column)
        limit = self.load_limits.samples_per_column
        rows = con.execute(
            f"SELECT DISTINCT CAST({col} AS VARCHAR) AS v FROM (SELECT {col} FROM {ident} LIMIT 10000) "
            f"WHERE {col} IS NOT NULL ORDER BY v LIMIT {int(limit)}"
        ).fetchall()
        cap = self.load_limits.max_sample_chars
        return tuple(str(r[0])[:cap] for r in rows)
