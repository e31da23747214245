"""What the MCP tools return: structured results a client's model can cite from.

Every tool declares one of these as its output schema and returns it as `structuredContent` (and,
as the specification recommends, the same JSON as text). Passages carry what a citation needs:
segment and document ids, title, uri, section path, page and the quoted text.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from pam.access import AccessScope
from pam.answer.events import Citation
from pam.answer.sources import ChangeEntry, DocumentText, Passage, TableRows, TableSummary
from pam.formats.result_text import Cell


class PassageOut(BaseModel):
    segment_id: str
    document_id: str
    title: str
    uri: str | None
    section_path: str
    page: int | None
    project: str
    quote: str = Field(description="the passage's text")
    score: float | None = Field(default=None, description="relevance to the query (0-1), for searches")
    position: int | None = Field(default=None, description="the passage's place in its document")

    @classmethod
    def of(cls, passage: Passage, scope: AccessScope, *, scored: bool = True) -> PassageOut:
        return cls(
            segment_id=passage.segment_id,
            document_id=passage.document_id,
            title=passage.title,
            uri=passage.uri,
            section_path=passage.section_path,
            page=passage.page,
            project=_project_name(scope, passage.project_id),
            quote=passage.content,
            score=round(passage.score, 4) if scored else None,
            position=passage.position,
        )


class SearchResults(BaseModel):
    query: str
    results: list[PassageOut]


class DocumentPassages(BaseModel):
    document_id: str
    title: str
    uri: str | None
    project: str
    passages: list[PassageOut]
    next_start: int | None = Field(
        description="where the document goes on (get_document's start); null at its end"
    )

    @classmethod
    def of(cls, document: DocumentText, scope: AccessScope) -> DocumentPassages:
        return cls(
            document_id=document.document_id,
            title=document.title,
            uri=document.uri,
            project=_project_name(scope, document.project_id),
            passages=[PassageOut.of(p, scope, scored=False) for p in document.segments],
            next_start=document.next_start,
        )


class SegmentOut(BaseModel):
    segment_id: str
    position: int
    section_path: str
    page: int | None
    segment_type: str
    quote: str


class SegmentInDocument(SegmentOut):
    document_id: str
    title: str
    uri: str | None
    project: str
    previous: list[SegmentOut] = Field(description="the passages just before, in order")
    next: list[SegmentOut] = Field(description="the passages just after, in order")


class ChangeOut(BaseModel):
    document_id: str
    title: str
    action: str
    at: datetime
    segments_added: int
    segments_removed: int
    segments_kept: int
    triggered_by: str | None

    @classmethod
    def of(cls, entry: ChangeEntry) -> ChangeOut:
        return cls(
            document_id=entry.document_id,
            title=entry.title,
            action=entry.action,
            at=entry.at,
            segments_added=entry.segments_added,
            segments_removed=entry.segments_removed,
            segments_kept=entry.segments_kept,
            triggered_by=entry.triggered_by,
        )


class ChangeHistory(BaseModel):
    changes: list[ChangeOut]


class TermOut(BaseModel):
    term: str
    definition: str
    aliases: list[str]
    project: str


class GlossaryTerms(BaseModel):
    term: str = Field(description="what was looked up")
    matches: list[TermOut]


class ProjectOut(BaseModel):
    id: str
    name: str
    description: str
    role: str


class ProjectList(BaseModel):
    projects: list[ProjectOut]


class ColumnOut(BaseModel):
    name: str
    type: str
    samples: list[str]


class TableOut(BaseModel):
    name: str = Field(description="the name to use in query_data's SQL")
    project: str
    row_count: int
    source_name: str
    origin: str
    document_id: str
    uri: str = Field(description="the table as a resource: schema and a sample")
    columns: list[ColumnOut]

    @classmethod
    def of(cls, table: TableSummary, uri: str) -> TableOut:
        return cls(
            name=table.name,
            project=table.project,
            row_count=table.row_count,
            source_name=table.source_name,
            origin=table.origin,
            document_id=table.document_id,
            uri=uri,
            columns=[ColumnOut(name=c.name, type=c.type, samples=list(c.samples)) for c in table.columns],
        )


class TableList(BaseModel):
    tables: list[TableOut]


class QueryOut(BaseModel):
    sql: str
    columns: list[str]
    rows: list[list[Cell]]
    row_count: int
    truncated: bool = Field(description="more rows matched than were returned")
    tables: list[str] = Field(description="the tables the query read")

    @classmethod
    def of(cls, result: TableRows) -> QueryOut:
        return cls(
            sql=result.sql,
            columns=list(result.columns),
            rows=[list(row) for row in result.rows],
            row_count=len(result.rows),
            truncated=result.truncated,
            tables=[t.name for t in result.tables],
        )


class CitationOut(BaseModel):
    number: int = Field(description="the [n] in the answer's text")
    segment_id: str
    document_id: str
    title: str
    section_path: str
    page: int | None
    uri: str | None
    quote: str

    @classmethod
    def of(cls, citation: Citation) -> CitationOut:
        return cls(
            number=citation.number,
            segment_id=citation.segment_id,
            document_id=citation.document_id,
            title=citation.title,
            section_path=citation.section_path,
            page=citation.page,
            uri=citation.uri,
            quote=citation.quote,
        )


class AnswerOut(BaseModel):
    answer: str = Field(description="the answer, citing its sources as [n]")
    citations: list[CitationOut]
    grounded: bool | None = Field(
        description="whether the answer passed the grounding check (null when no check ran)"
    )
    conversation_id: str = Field(description="pass it back to ask a follow-up in the same conversation")
    provider: str
    model: str | None
    latency_ms: int


def _project_name(scope: AccessScope, project_id: str) -> str:
    return next((p.name for p in scope.projects if str(p.id) == project_id), project_id)
