"""The knowledge tools offered to the model: search_knowledge, get_document, get_change_history.

Each handler goes through the caller-bound ``KnowledgeTools`` (which enforces access) and the user's
``ToolFilters`` (which the model can narrow but not override). Every passage the model reads is
numbered in the turn's ``SourceBook``, so it can be cited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from pam.answer.sources import ToolFilters
from pam.answer.tools import Tool, ToolContext


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
    max_results: int | None = Field(None, ge=1, le=20)


class GetDocumentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: str | None = Field(None, min_length=1, max_length=200)
    title: str | None = Field(None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_of(self) -> GetDocumentInput:
        if (self.document_id is None) == (self.title is None):
            raise ValueError("give exactly one of document_id or title")
        return self


class ChangeHistoryInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: str | None = Field(None, max_length=500, description="Document id or title; omit for all")
    since: UtcDatetime | None = Field(
        None, description="ISO 8601 date-time; omit for the most recent changes"
    )
    limit: int = Field(20, ge=1, le=100)


def knowledge_tools(*, search_k: int, document_max_chars: int) -> list[Tool[Any]]:
    async def search(args: SearchKnowledgeInput, ctx: ToolContext) -> str:
        requested = args.filters.to_filters() if args.filters is not None else ToolFilters()
        passages = await ctx.knowledge.search(
            args.query, ctx.filters.narrowed_by(requested), args.max_results or search_k
        )
        if not passages:
            return "No passages matched. Try other words, or fewer filters."
        lines = [f"{len(passages)} passages (cite them by their [n]):"]
        lines.extend(ctx.sources.render(passage) for passage in passages)
        return "\n\n".join(lines)

    async def get_document(args: GetDocumentInput, ctx: ToolContext) -> str:
        document = await ctx.knowledge.get_document(args.document_id, args.title, document_max_chars)
        lines = [f"Document {document.title!r} (id {document.document_id}), passages in order:"]
        lines.extend(ctx.sources.render(segment) for segment in document.segments)
        if document.truncated:
            lines.append("[The document continues; only its beginning is shown.]")
        return "\n\n".join(lines)

    async def change_history(args: ChangeHistoryInput, ctx: ToolContext) -> str:
        entries = await ctx.knowledge.change_history(args.document, args.since, args.limit)
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

    return [
        Tool(
            name="search_knowledge",
            description=(
                "Search the knowledge base (runbooks, metric definitions, specs, ADRs, data files). "
                "Returns numbered passages [n] to cite. Search again with other words if results miss."
            ),
            input_model=SearchKnowledgeInput,
            handler=search,
            describe=lambda args: f"Searching for {args.query!r}",
        ),
        Tool(
            name="get_document",
            description=(
                "Read one document in order (its beginning, bounded), by document_id or exact title. "
                "Its passages are numbered [n] to cite."
            ),
            input_model=GetDocumentInput,
            handler=get_document,
            describe=lambda args: f"Reading {args.title or args.document_id!r}",
        ),
        Tool(
            name="get_change_history",
            description="Recent changes to documents (created/updated/deleted), newest first.",
            input_model=ChangeHistoryInput,
            handler=change_history,
            describe=lambda args: (
                "Checking what changed" + (f" in {args.document!r}" if args.document else "")
            ),
        ),
    ]
