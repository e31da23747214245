"""`GET /api/data/tables` and `POST /api/data/query`: the caller's data tables and read-only SQL over them."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from pam.api.deps import CallerDep, ServicesDep, SessionDep
from pam.data.catalog import DataCatalog
from pam.data.models import Cell
from pam.data.scope import readable_projects
from pam.errors import NotFound, Unavailable
from pam.services.container import Services

router = APIRouter(prefix="/data", tags=["data"])
MAX_SQL_CHARS = 20_000


class ColumnOut(BaseModel):
    name: str
    type: str
    samples: list[str]


class TableOut(BaseModel):
    name: str = Field(description="the name to use in SQL")
    project_id: uuid.UUID
    project: str
    document_id: str
    source_name: str
    origin: str
    row_count: int
    columns: list[ColumnOut]


class TableList(BaseModel):
    tables: list[TableOut]


class QueryIn(BaseModel):
    sql: str = Field(min_length=1, max_length=MAX_SQL_CHARS, description="one SELECT statement (DuckDB SQL)")
    project: str | None = Field(default=None, max_length=200, description="a project name or id to narrow to")


class QueryOut(BaseModel):
    sql: str
    columns: list[str]
    rows: list[list[Cell]]
    row_count: int
    truncated: bool = Field(description="more rows matched than were returned")
    elapsed_ms: float
    tables: list[str] = Field(description="the tables the query read")


def _catalog(services: Services) -> DataCatalog:
    # getattr until `Services` carries `data` everywhere: without it, say so rather than fail oddly.
    catalog: DataCatalog | None = getattr(services, "data", None)
    if catalog is None:
        raise Unavailable("the data catalog is not configured")
    return catalog


@router.get("/tables", response_model=TableList)
async def list_tables(
    services: ServicesDep,
    session: SessionDep,
    caller: CallerDep,
    project: str | None = Query(default=None, max_length=200),
) -> TableList:
    catalog = _catalog(services)
    projects = await readable_projects(session, caller, project)
    if project and not projects:
        raise NotFound("project not found")
    tables = await asyncio.to_thread(catalog.visible_tables, list(projects))
    return TableList(
        tables=[
            TableOut(
                name=v.name,
                project_id=v.project_id,
                project=projects.get(v.project_id, ""),
                document_id=v.table.document_id,
                source_name=v.table.source_name,
                origin=v.table.origin,
                row_count=v.table.row_count,
                columns=[
                    ColumnOut(name=c.name, type=c.type, samples=list(c.samples)) for c in v.table.columns
                ],
            )
            for v in tables
        ]
    )


@router.post("/query", response_model=QueryOut)
async def query(body: QueryIn, services: ServicesDep, session: SessionDep, caller: CallerDep) -> QueryOut:
    catalog = _catalog(services)
    projects = await readable_projects(session, caller, body.project)
    if body.project and not projects:
        raise NotFound("project not found")
    result = await asyncio.to_thread(catalog.query, body.sql, list(projects))
    return QueryOut(
        sql=result.sql,
        columns=list(result.columns),
        rows=[list(row) for row in result.rows],
        row_count=result.row_count,
        truncated=result.truncated,
        elapsed_ms=result.elapsed_ms,
        tables=[t.name for t in result.tables],
    )
