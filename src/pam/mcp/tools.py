"""The MCP tools: the agent's own tool definitions and services, with structured results.

`search_knowledge`, `get_document`, `lookup_term`, `get_change_history`, `list_tables` and `query_data` are the
agent's tools (same `ToolDefinition`: name, description, input schema; same functions over the same
caller-bound `ScopedKnowledge`/`ScopedTables`), so a client's model and our own agent see one tool.
`get_segment`, `list_projects` and `ask` exist only here: our agent has no use for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic

import mcp_types as types
from pydantic import BaseModel, ConfigDict, Field

from pam.access import AccessScope
from pam.answer.knowledge_tools import (
    GET_CHANGE_HISTORY,
    GET_DOCUMENT,
    LOOKUP_TERM,
    SEARCH_KNOWLEDGE,
    ChangeHistoryInput,
    GetDocumentInput,
    LookupTermInput,
    SearchKnowledgeInput,
    find_passages,
    list_changes,
    read_document,
)
from pam.answer.sources import ToolFilters
from pam.answer.table_tools import LIST_TABLES, QUERY_DATA, ListTablesInput, QueryDataInput, run_query
from pam.answer.tools import InputT, ToolDefinition
from pam.errors import InvalidInput, NotFound
from pam.mcp.resources import StoredSegment, table_uri
from pam.mcp.results import (
    AnswerOut,
    ChangeHistory,
    ChangeOut,
    CitationOut,
    DocumentPassages,
    GlossaryTerms,
    PassageOut,
    ProjectList,
    ProjectOut,
    QueryOut,
    SearchResults,
    SegmentInDocument,
    SegmentOut,
    TableList,
    TableOut,
    TermOut,
)
from pam.services.auth.ratelimit import Action
from pam.services.chat import ChatFilters
from pam.services.container import Services
from pam.services.knowledge import ScopedKnowledge

SEARCH_K = 10
# What one get_document call returns at most; `next_start` reads on.
DOCUMENT_CHARS = 24_000


@dataclass(frozen=True, slots=True)
class McpCall:
    """Who is calling (their access scope) and from where (rate limits count per user, else per address)."""

    scope: AccessScope
    client: str


@dataclass(frozen=True, slots=True)
class McpTool(Generic[InputT]):
    definition: ToolDefinition[InputT]
    output_model: type[BaseModel]
    run: Callable[[InputT, McpCall], Awaitable[BaseModel]]
    # The rate limit a call counts against, as the same use case does on /api.
    limit: Action | None = None

    def listing(self) -> types.Tool:
        return types.Tool(
            name=self.definition.name,
            description=self.definition.description,
            input_schema=self.definition.input_model.model_json_schema(),
            output_schema=self.output_model.model_json_schema(),
            annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
        )


class GetSegmentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment_id: str = Field(min_length=1, max_length=100, description="A segment id from a search result")
    around: int = Field(1, ge=0, le=5, description="How many neighbouring passages to add on each side")


class ListProjectsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=8_000)
    projects: list[str] | None = Field(
        None, max_length=50, description="Only these projects (names or ids); omit for all you can read"
    )
    conversation_id: str | None = Field(
        None, max_length=100, description="A previous answer's conversation_id, to ask a follow-up"
    )


GET_SEGMENT = ToolDefinition(
    name="get_segment",
    description="One passage by its segment_id (from a search result), with the passages around it.",
    input_model=GetSegmentInput,
)
LIST_PROJECTS = ToolDefinition(
    name="list_projects",
    description="The projects you can read (knowledge is grouped by project), with your role in each.",
    input_model=ListProjectsInput,
)
ASK = ToolDefinition(
    name="ask",
    description=(
        "Ask the knowledge base a question and get a written answer that cites its sources as [n], "
        "with the citations (document, section, page, quote). Slower than search_knowledge; use it "
        "when you want PAM's own answer rather than passages to read."
    ),
    input_model=AskInput,
)


def mcp_tools(services: Services) -> list[McpTool[Any]]:
    def knowledge(call: McpCall) -> ScopedKnowledge:
        return ScopedKnowledge(services.search, services.sessions, call.scope)

    async def search(args: SearchKnowledgeInput, call: McpCall) -> SearchResults:
        passages = await find_passages(args, knowledge(call), ToolFilters(), SEARCH_K)
        return SearchResults(query=args.query, results=[PassageOut.of(p, call.scope) for p in passages])

    async def get_document(args: GetDocumentInput, call: McpCall) -> DocumentPassages:
        return DocumentPassages.of(await read_document(args, knowledge(call), DOCUMENT_CHARS), call.scope)

    async def get_segment(args: GetSegmentInput, call: McpCall) -> SegmentInDocument:
        try:
            segment_id = uuid.UUID(args.segment_id)
        except ValueError as exc:
            raise InvalidInput("segment_id must be a segment's id (a UUID)") from exc
        found = await services.documents.segment(call.scope, segment_id, around=args.around)
        doc = found.document
        return SegmentInDocument(
            **_segment(found.segment).model_dump(),
            document_id=str(doc.id),
            title=doc.title,
            uri=doc.uri,
            project=call.scope.names().get(doc.project_id, str(doc.project_id)),
            previous=[_segment(s) for s in found.before],
            next=[_segment(s) for s in found.after],
        )

    async def change_history(args: ChangeHistoryInput, call: McpCall) -> ChangeHistory:
        entries = await list_changes(args, knowledge(call))
        return ChangeHistory(changes=[ChangeOut.of(e) for e in entries])

    async def lookup_term(args: LookupTermInput, call: McpCall) -> GlossaryTerms:
        names = call.scope.names()
        terms = await knowledge(call).lookup_term(args.term)
        return GlossaryTerms(
            term=args.term,
            matches=[
                TermOut(
                    term=t.term,
                    definition=t.definition,
                    aliases=list(t.aliases),
                    project=names.get(uuid.UUID(t.project_id), t.project_id),
                )
                for t in terms
            ],
        )

    async def list_projects(args: ListProjectsInput, call: McpCall) -> ProjectList:
        return ProjectList(
            projects=[
                ProjectOut(id=str(p.id), name=p.name, description=p.description, role=p.role)
                for p in call.scope.projects
            ]
        )

    async def list_tables(args: ListTablesInput, call: McpCall) -> TableList:
        tables = await services.tables.for_scope(call.scope).list_tables(args.project)
        return TableList(tables=[TableOut.of(t, table_uri(t.project, t.name)) for t in tables])

    async def query_data(args: QueryDataInput, call: McpCall) -> QueryOut:
        return QueryOut.of(await run_query(args, services.tables.for_scope(call.scope), ToolFilters()))

    async def ask(args: AskInput, call: McpCall) -> AnswerOut:
        conversation = _conversation_id(args.conversation_id)
        answer = await services.chat.ask(call.scope, args.question, conversation, ChatFilters(args.projects))
        return AnswerOut(
            answer=answer.text,
            citations=[CitationOut.of(c) for c in answer.citations],
            grounded=answer.grounded,
            conversation_id=str(answer.conversation_id),
            provider=answer.done.provider,
            model=answer.done.model,
            latency_ms=answer.done.latency_ms,
        )

    return [
        McpTool(SEARCH_KNOWLEDGE, SearchResults, search, limit="search"),
        McpTool(GET_DOCUMENT, DocumentPassages, get_document),
        McpTool(GET_SEGMENT, SegmentInDocument, get_segment),
        McpTool(LOOKUP_TERM, GlossaryTerms, lookup_term),
        McpTool(GET_CHANGE_HISTORY, ChangeHistory, change_history),
        McpTool(LIST_PROJECTS, ProjectList, list_projects),
        McpTool(LIST_TABLES, TableList, list_tables),
        McpTool(QUERY_DATA, QueryOut, query_data),
        McpTool(ASK, AnswerOut, ask, limit="chat"),
    ]


def _segment(segment: StoredSegment) -> SegmentOut:
    return SegmentOut(
        segment_id=str(segment.id),
        position=segment.position,
        section_path=segment.section_path,
        page=segment.page,
        segment_type=segment.segment_type,
        quote=segment.content,
    )


def _conversation_id(raw: str | None) -> uuid.UUID | None:
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        # Like an id that does not exist: the caller learns nothing either way.
        raise NotFound("conversation not found") from exc
