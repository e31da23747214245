"""`GET /api/data/tables` and `POST /api/data/query`: the caller's data tables and read-only SQL over them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from pam.api.deps import ScopeDep, ServicesDep
from pam.formats.result_text import Cell

router = APIRouter(prefix="/data", tags=["data"])
MAX_SQL_CHARS = 20_000


class ColumnOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    type: str
    samples: list[str]


class TableOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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


@router.get("/tables", response_model=TableList)
async def list_tables(
    services: ServicesDep, scope: ScopeDep, project: str | None = Query(default=None, max_length=200)
) -> TableList:
    tables = await services.tables.list_tables(scope, project)
    return TableList(tables=[TableOut.model_validate(t) for t in tables])


@router.post("/query", response_model=QueryOut)
async def query(body: QueryIn, services: ServicesDep, scope: ScopeDep) -> QueryOut:
    result = await services.tables.query(scope, body.sql, body.project)
    return QueryOut(
        sql=result.sql,
        columns=list(result.columns),
        rows=[list(row) for row in result.rows],
        row_count=len(result.rows),
        truncated=result.truncated,
        elapsed_ms=result.elapsed_ms,
        tables=[t.name for t in result.tables],
    )
