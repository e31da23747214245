"""MCP resources: documents as `pam://documents/{id}` and tables as `pam://tables/{project}/{name}`.

A document reads as Markdown: its title, where it comes from, then its passages in order under the
headings of their section paths (and page marks for PDFs), so a client sees its structure. A table
reads as JSON: its columns with types and sample values, and its first rows. Listing pages through
the caller's documents (tables first, on the first page); every read goes through the same use cases
and access scope as `/api`, and anything the caller cannot read is "not found", like what does not exist.
"""

from __future__ import annotations

import json
import uuid
from typing import Protocol
from urllib.parse import quote, unquote

import mcp_types as types

from pam.access import AccessScope
from pam.answer.sources import TableSummary
from pam.errors import NotFound
from pam.services.container import Services
from pam.services.documents import DocumentQuery

SCHEME = "pam://"
DOCUMENT_TEMPLATE = "pam://documents/{document_id}"
TABLE_TEMPLATE = "pam://tables/{project}/{name}"
PAGE_SIZE = 100
SEGMENTS_PER_READ = 500
# A resource is read whole; past this much text it ends with a note (get_document reads on by position).
MAX_DOCUMENT_CHARS = 1_000_000
SAMPLE_ROWS = 20
MARKDOWN = "text/markdown"
JSON = "application/json"


class StoredSegment(Protocol):
    """What the MCP door reads of a stored segment (the services hand back the rows they read)."""

    id: uuid.UUID
    position: int
    section_path: str
    page: int | None
    segment_type: str
    content: str


def document_uri(document_id: uuid.UUID | str) -> str:
    return f"{SCHEME}documents/{document_id}"


def table_uri(project: str, name: str) -> str:
    return f"{SCHEME}tables/{quote(project, safe='')}/{quote(name, safe='')}"


class ResourceCatalog:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def page(self, scope: AccessScope, cursor: str | None) -> types.ListResourcesResult:
        """Tables first (on the first page), then the caller's active documents, newest first."""
        found: list[types.Resource] = []
        if cursor is None:
            found.extend(_table_resource(t) for t in await self._services.tables.list_tables(scope))
        page = await self._services.documents.page(scope, DocumentQuery(limit=PAGE_SIZE, cursor=cursor))
        names = scope.names()
        for doc in page.items:
            found.append(
                types.Resource(
                    uri=document_uri(doc.id),
                    name=doc.title or str(doc.id),
                    title=doc.title or None,
                    description=f"{doc.uri} (project {names.get(doc.project_id, '')}, {doc.segment_count} passages)",
                    mime_type=MARKDOWN,
                )
            )
        return types.ListResourcesResult(resources=found, next_cursor=page.next_cursor)

    @staticmethod
    def templates() -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    uri_template=DOCUMENT_TEMPLATE,
                    name="document",
                    description="A document's text with its section structure, by document id",
                    mime_type=MARKDOWN,
                ),
                types.ResourceTemplate(
                    uri_template=TABLE_TEMPLATE,
                    name="table",
                    description="A data table's schema and a sample of its rows, by project and table name",
                    mime_type=JSON,
                ),
            ]
        )

    async def read(self, scope: AccessScope, uri: str) -> types.ReadResourceResult:
        """The resource at `uri`; one "resource not found" for whatever the caller cannot read."""
        try:
            return await self._read(scope, uri)
        except NotFound as exc:
            raise NotFound("resource not found") from exc

    async def _read(self, scope: AccessScope, uri: str) -> types.ReadResourceResult:
        kind, _, rest = uri.removeprefix(SCHEME).partition("/") if uri.startswith(SCHEME) else ("", "", "")
        if kind == "documents":
            text = await self._document(scope, rest)
            return types.ReadResourceResult(
                contents=[types.TextResourceContents(uri=uri, text=text, mime_type=MARKDOWN)]
            )
        if kind == "tables":
            project, _, name = rest.partition("/")
            text = await self._table(scope, unquote(project), unquote(name))
            return types.ReadResourceResult(
                contents=[types.TextResourceContents(uri=uri, text=text, mime_type=JSON)]
            )
        raise NotFound("resource not found")

    async def _document(self, scope: AccessScope, raw_id: str) -> str:
        try:
            document_id = uuid.UUID(raw_id)
        except ValueError as exc:
            raise NotFound("resource not found") from exc
        documents = self._services.documents
        found = await documents.get(scope, document_id, segments_after=-1, segments_limit=SEGMENTS_PER_READ)
        doc = found.document
        if doc.status != "active":
            raise NotFound("resource not found")
        project = scope.names().get(doc.project_id, "")
        writer = _MarkdownDocument(doc.title, f"Source: {doc.uri} · project {project}")
        while True:
            for segment in found.segments:
                if not writer.add(segment):
                    return writer.text(complete=False)
            if found.next_segment_cursor is None:
                return writer.text(complete=True)
            found = await documents.get(
                scope, document_id, segments_after=found.next_segment_cursor, segments_limit=SEGMENTS_PER_READ
            )

    async def _table(self, scope: AccessScope, project: str, name: str) -> str:
        tables = self._services.tables
        listed = [t for t in await tables.list_tables(scope, project) if t.name == name]
        if not listed or not project or not name:
            raise NotFound("resource not found")
        table = listed[0]
        escaped = name.replace('"', '""')
        sample = await tables.query(scope, f'SELECT * FROM "{escaped}" LIMIT {SAMPLE_ROWS}', project)
        body = {
            "name": table.name,
            "project": table.project,
            "row_count": table.row_count,
            "source_name": table.source_name,
            "origin": table.origin,
            "document_id": table.document_id,
            "columns": [{"name": c.name, "type": c.type, "samples": list(c.samples)} for c in table.columns],
            "sample": {"columns": list(sample.columns), "rows": [list(r) for r in sample.rows]},
        }
        return json.dumps(body, ensure_ascii=False, default=str)


def _table_resource(table: TableSummary) -> types.Resource:
    return types.Resource(
        uri=table_uri(table.project, table.name),
        name=table.name,
        title=f"Table {table.name}",
        description=f"{table.row_count} rows from {table.source_name} (project {table.project})",
        mime_type=JSON,
    )


class _MarkdownDocument:
    """A document's passages as Markdown: a heading wherever the section path changes, page marks."""

    def __init__(self, title: str, byline: str) -> None:
        self._title = title
        self._parts: list[str] = [f"# {title}", byline]
        self._path: list[str] = [title]
        self._page: int | None = None
        self._size = sum(len(p) for p in self._parts)

    def add(self, segment: StoredSegment) -> bool:
        """Add one passage; False when the document is already as long as a resource may be."""
        if self._size > MAX_DOCUMENT_CHARS:
            return False
        path = [p.strip() for p in segment.section_path.split(">") if p.strip()]
        if path and path[0] == self._title:
            path = path[1:]
        path = [self._title, *path]
        same = 0
        while same < min(len(path), len(self._path)) and path[same] == self._path[same]:
            same += 1
        for depth in range(same, len(path)):
            self._append("#" * min(depth + 1, 6) + " " + path[depth])
        self._path = path
        if segment.page is not None and segment.page != self._page:
            self._page = segment.page
            self._append(f"[page {segment.page}]")
        self._append(segment.content.strip())
        return True

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text) + 2

    def text(self, *, complete: bool) -> str:
        if not complete:
            self._parts.append(
                "[The document continues: read it on with the get_document tool from its next position.]"
            )
        return "\n\n".join(self._parts) + "\n"
