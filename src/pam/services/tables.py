"""Data tables as a use case: list a caller's tables and run one read-only query over them.

One implementation for every door: `/api/data/*`, `pam sql`, the agent's `list_tables`/`query_data`
tools (through `ScopedTables`, which implements `answer.TableTools`) and MCP. The catalog only
ever sees the project ids of the caller's scope.
"""

from __future__ import annotations

import asyncio
import uuid

from pam.access import AccessScope
from pam.answer.sources import Passage, TableColumn, TableRows, TableSummary
from pam.answer.strategy import DirectAnswer
from pam.answer.table_tools import table_passage
from pam.data.catalog import DataCatalog
from pam.data.models import QueryResult, VisibleTable
from pam.data.table_answer import TableAnswerer
from pam.errors import NotFound


class TableService:
    def __init__(self, catalog: DataCatalog) -> None:
        self.catalog = catalog

    async def list_tables(self, scope: AccessScope, project: str | None = None) -> list[TableSummary]:
        """The caller's tables; a named project the caller cannot read is 404, like one that does not exist."""
        readable = _narrow(scope, project, strict=True)
        tables = await asyncio.to_thread(self.catalog.visible_tables, sorted(readable.ids()))
        names = readable.names()
        return [_summary(v, names) for v in tables]

    async def query(self, scope: AccessScope, sql: str, project: str | None = None) -> TableRows:
        readable = _narrow(scope, project, strict=True)
        result = await asyncio.to_thread(self.catalog.query, sql, sorted(readable.ids()))
        return _rows(result, readable.names())

    def for_scope(self, scope: AccessScope) -> ScopedTables:
        return ScopedTables(self, scope)

    def direct_answer(self, scope: AccessScope) -> DirectAnswer | None:
        """The extractive answerer's table lookup over the caller's tables (None without any project)."""
        if not scope.projects:
            return None
        answerer = TableAnswerer(self.catalog, sorted(scope.ids()))
        names = scope.names()

        async def direct(question: str) -> tuple[str, Passage] | None:
            found = await answerer.answer(question)
            if found is None:
                return None
            return found.text, table_passage(_summary(found.table, names), found.sql)

        return direct


class ScopedTables:
    """`answer.TableTools` for one caller: the model may narrow to a project, never widen."""

    def __init__(self, service: TableService, scope: AccessScope) -> None:
        self._service = service
        self._scope = scope

    async def list_tables(self, project: str | None) -> list[TableSummary]:
        readable = _narrow(self._scope, project, strict=False)
        return await self._service.list_tables(readable) if readable.projects else []

    async def query(self, sql: str, project: str | None) -> TableRows:
        return await self._service.query(_narrow(self._scope, project, strict=False), sql)


def _narrow(scope: AccessScope, project: str | None, *, strict: bool) -> AccessScope:
    if not project:
        return scope
    narrowed = scope.narrowed([project])
    if strict and not narrowed.projects:
        raise NotFound("project not found")
    return narrowed


def _summary(v: VisibleTable, names: dict[uuid.UUID, str]) -> TableSummary:
    t = v.table
    return TableSummary(
        name=v.name,
        project_id=str(v.project_id),
        project=names.get(v.project_id, str(v.project_id)),
        document_id=t.document_id,
        source_name=t.source_name,
        origin=t.origin,
        row_count=t.row_count,
        columns=tuple(TableColumn(c.name, c.type, c.samples) for c in t.columns),
    )


def _rows(result: QueryResult, names: dict[uuid.UUID, str]) -> TableRows:
    return TableRows(
        sql=result.sql,
        columns=result.columns,
        rows=result.rows,
        truncated=result.truncated,
        elapsed_ms=result.elapsed_ms,
        tables=tuple(_summary(v, names) for v in result.tables),
    )
