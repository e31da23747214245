"""The knowledge tools: search_knowledge, get_document, lookup_term, get_change_history.

Each tool is a ``ToolDefinition`` (name, description, input model) plus one function that asks the
caller-bound ``KnowledgeTools`` (which enforces access) within the user's ``ToolFilters`` (which the
model can narrow but not override). The agent's loop renders the result as numbered passages for its
model (``knowledge_tools``); the MCP server returns the same result structured (``pam.mcp``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, model_validator

from pam.answer.sources import ChangeEntry, DocumentRef, DocumentText, KnowledgeTools, Passage, ToolFilters
from pam.answer.tools import Tool, ToolContext, ToolDefinition

MAX_SEARCH_RESULTS = 20


def _as_utc(moment: datetime) -> datetime:
    """Models often send bare dates or naive times; read them as UTC so comparisons never mix kinds."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class SearchFiltersInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project: str | None = Field(None, max_length=200, description="Project name or id")
    source_type: str | None = Field(None, max_length=50, description="e.g. folder, upload")
    path_prefix: str | None = Field(None, max_length=500, description="Only documents whose path starts so")
    tags: list[str] = Field(default_factory=list, max_length=20)
    updated_after: UtcDatetime | None = None
    updated_before: UtcDatetime | None = None

    def to_filters(self) -> ToolFilters:
        return ToolFilters(
            project=self.project,
            source_type=self.source_type,
            path_prefix=self.path_prefix,
            tags=tuple(self.tags),
            updated_after=self.updated_after,
            updated_before=self.updated_before,
        )


class SearchKnowledgeInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=1_000, description="What to look for, in plain words")
    filters: SearchFiltersInput | None = None
    # `k` everywhere else (the REST search, the wording); models were first offered `max_results`.
    k: int | None = Field(
        None,
        ge=1,
        le=MAX_SEARCH_RESULTS,
        validation_alias=AliasChoices("k", "max_results"),
        description="How many passages (default: a handful)",
    )


class GetDocumentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: str | None = Field(None, min_length=1, max_length=200)
    title: str | None = Field(None, min_length=1, max_length=500, description="The exact title")
    uri: str | None = Field(None, min_length=1, max_length=2_000, description="The document's uri or path")
    start: int = Field(
        0, ge=0, le=2**62, description="Position of the first passage to read (a result's next_start)"
    )
    limit: int | None = Field(None, ge=1, le=500, description="At most this many passages from start")

    @model_validator(mode="after")
    def _one_of(self) -> GetDocumentInput:
        if sum(v is not None for v in (self.document_id, self.title, self.uri)) != 1:
            raise ValueError("give exactly one of document_id, title or uri")
        return self

    def ref(self) -> DocumentRef:
        return DocumentRef(document_id=self.document_id, title=self.title, uri=self.uri)


class LookupTermInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: str = Field(min_length=1, max_length=200, description="A term, acronym or alias, e.g. DAU")


class ChangeHistoryInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: str | None = Field(None, max_length=500, description="Document id or title; omit for all")
    since: UtcDatetime | None = Field(
        None, description="ISO 8601 date-time; omit for the most recent changes"
    )
    limit: int = Field(20, ge=1, le=100)


SEARCH_KNOWLEDGE = ToolDefinition(
    name="search_knowledge",
    description=(
        "Search the knowledge base (runbooks, metric definitions, specs, ADRs, data files). "
        "Returns the best-matching passages with their document, section and page, to cite. "
        "Search again with other words if results miss."
    ),
    input_model=SearchKnowledgeInput,
)
GET_DOCUMENT = ToolDefinition(
    name="get_document",
    description=(
        "Read one document in order, by document_id, exact title or uri: its passages from `start` "
        "(0 = the beginning), at most `limit` of them and bounded in length; a result that stops early "
        "gives the next_start to read on."
    ),
    input_model=GetDocumentInput,
)
LOOKUP_TERM = ToolDefinition(
    name="lookup_term",
    description=(
        "Look up a term, acronym or alias in the team's glossary: its definition and other names "
        "(e.g. DAU = daily active users). Use it when a question uses jargon."
    ),
    input_model=LookupTermInput,
)
GET_CHANGE_HISTORY = ToolDefinition(
    name="get_change_history",
    description="Recent changes to documents (created/updated/deleted), newest first.",
    input_model=ChangeHistoryInput,
)


async def find_passages(
    args: SearchKnowledgeInput, knowledge: KnowledgeTools, filters: ToolFilters, default_k: int
) -> list[Passage]:
    """``search_knowledge``: the user's filters narrowed (never widened) by the ones asked for."""
    requested = args.filters.to_filters() if args.filters is not None else ToolFilters()
    return await knowledge.search(args.query, filters.narrowed_by(requested), args.k or default_k)


async def read_document(args: GetDocumentInput, knowledge: KnowledgeTools, max_chars: int) -> DocumentText:
    return await knowledge.get_document(args.ref(), max_chars, args.start, args.limit)


async def list_changes(args: ChangeHistoryInput, knowledge: KnowledgeTools) -> list[ChangeEntry]:
    return await knowledge.change_history(args.document, args.since, args.limit)


def knowledge_tools(*, search_k: int, document_max_chars: int) -> list[Tool[Any]]:
    """The knowledge tools for the agent's model: results as passages numbered [n] to cite."""

    async def search(args: SearchKnowledgeInput, ctx: ToolContext) -> str:
        passages = await find_passages(args, ctx.knowledge, ctx.filters, search_k)
        if not passages:
            return "No passages matched. Try other words, or fewer filters."
        lines = [f"{len(passages)} passages (cite them by their [n]):"]
        lines.extend(ctx.sources.render(passage) for passage in passages)
        return "\n\n".join(lines)

    async def get_document(args: GetDocumentInput, ctx: ToolContext) -> str:
        document = await read_document(args, ctx.knowledge, document_max_chars)
        lines = [f"Document {document.title!r} (id {document.document_id}), passages in order:"]
        lines.extend(ctx.sources.render(segment) for segment in document.segments)
        if document.truncated:
            shown = "its beginning" if args.start == 0 else "part of it"
            more = f" Read on with start={document.next_start}." if document.next_start is not None else ""
            lines.append(f"[The document continues; only {shown} is shown.{more}]")
        return "\n\n".join(lines)

    async def change_history(args: ChangeHistoryInput, ctx: ToolContext) -> str:
        entries = await list_changes(args, ctx.knowledge)
        if not entries:
            return "No changes recorded for that."
        lines = []
        for entry in entries:
            if entry.revision is not None:
                by = f" by {entry.author}" if entry.author else ""
                lines.append(
                    f"{entry.at.isoformat()} commit {entry.revision[:12]}{by}: {entry.message or ''} "
                    f"({entry.action} {entry.title!r}, id {entry.document_id})"
                )
                continue
            counts = f"+{entry.segments_added} -{entry.segments_removed} ={entry.segments_kept} passages"
            who = f" by {entry.triggered_by}" if entry.triggered_by else ""
            what = f"{entry.action} {entry.title!r} (id {entry.document_id})"
            lines.append(f"{entry.at.isoformat()} {what} {counts}{who}")
        return "\n".join(lines)

    async def lookup_term(args: LookupTermInput, ctx: ToolContext) -> str:
        terms = await ctx.knowledge.lookup_term(args.term)
        if not terms:
            return f"The glossary has no entry for {args.term!r}. Search the knowledge base instead."
        lines = []
        for t in terms:
            also = f" (also: {', '.join(t.aliases)})" if t.aliases else ""
            lines.append(f"{t.term}{also}: {t.definition}")
        return "Glossary (to cite a definition, find it with search_knowledge):\n" + "\n".join(lines)

    return [
        Tool(SEARCH_KNOWLEDGE, search, describe=lambda args: f"Searching for {args.query!r}"),
        Tool(
            GET_DOCUMENT,
            get_document,
            describe=lambda args: f"Reading {args.title or args.uri or args.document_id!r}",
        ),
        Tool(
            LOOKUP_TERM,
            lookup_term,
            describe=lambda args: f"Looking up {args.term!r} in the glossary",
        ),
        Tool(
            GET_CHANGE_HISTORY,
            change_history,
            describe=lambda args: (
                "Checking what changed" + (f" in {args.document!r}" if args.document else "")
            ),
        ),
    ]
