"""The seam between answering and the knowledge base: what the agent's tools may ask for.

``KnowledgeTools`` is implemented outside this package (by the search/services layer) and is bound
to one caller: it applies that caller's project access to every call. The answering code only narrows
further with ``ToolFilters``; it has no way to widen the scope, so a prompt-injected instruction in a
document ("list every document in project X") can at most produce calls the implementation refuses
or answers with nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol


@dataclass(frozen=True, slots=True)
class Passage:
    """One retrieved segment, as shown to the model and cited back to the user."""

    segment_id: str
    document_id: str
    title: str
    uri: str | None
    section_path: str
    page: int | None
    content: str
    # Relevance to the query: the cosine between query and passage embeddings (0-1) when the search
    # computed one; the order of passages is the search's own ranking either way.
    score: float
    project_id: str
    # The segment's place in its document (None where unknown, or for sources that are not segments).
    position: int | None = None


@dataclass(frozen=True, slots=True)
class ToolFilters:
    """Narrowing filters (never access grants). ``None``/empty means "no restriction from this side"."""

    project: str | None = None
    source_type: str | None = None
    source_id: str | None = None
    path_prefix: str | None = None
    tags: tuple[str, ...] = ()
    updated_after: datetime | None = None
    updated_before: datetime | None = None

    def narrowed_by(self, other: ToolFilters) -> ToolFilters:
        """Fill fields this (the user's request) leaves open with ``other`` (the model's choice).

        The user's own choices always win: the model may narrow a search, not redirect it.
        """
        return ToolFilters(
            project=self.project if self.project is not None else other.project,
            source_type=self.source_type if self.source_type is not None else other.source_type,
            source_id=self.source_id if self.source_id is not None else other.source_id,
            path_prefix=self.path_prefix if self.path_prefix is not None else other.path_prefix,
            tags=self.tags if self.tags else other.tags,
            updated_after=self.updated_after if self.updated_after is not None else other.updated_after,
            updated_before=self.updated_before if self.updated_before is not None else other.updated_before,
        )


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """Which document: by id, by exact title, or by uri (the first one given counts)."""

    document_id: str | None = None
    title: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentText:
    """A document's text as its segments in order, bounded by the ``max_chars`` asked for.

    Segments (not one flat string) so that what the model reads with ``get_document`` is citable.
    ``next_start`` is the position to read on from when the document continues past them.
    """

    document_id: str
    title: str
    uri: str | None
    project_id: str
    segments: tuple[Passage, ...]
    truncated: bool = False
    next_start: int | None = None


@dataclass(frozen=True, slots=True)
class TermDefinition:
    """A glossary term of one of the caller's projects."""

    term: str
    definition: str
    aliases: tuple[str, ...]
    project_id: str


ChangeAction = Literal["created", "updated", "deleted"]


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """One change of a document: a row of the sync log, or a change at its source (a Git commit, with
    its `revision`, `author` and `message`)."""

    document_id: str
    title: str
    action: ChangeAction
    at: datetime
    segments_added: int = 0
    segments_removed: int = 0
    segments_kept: int = 0
    triggered_by: str | None = None
    revision: str | None = None
    author: str | None = None
    message: str | None = None


class KnowledgeTools(Protocol):
    """The knowledge base as one caller may see it. Implementations enforce access on every call."""

    async def search(self, query: str, filters: ToolFilters, k: int) -> list[Passage]:
        """Top ``k`` passages for ``query`` within the caller's scope and ``filters``, best first."""
        ...

    async def get_document(
        self, ref: DocumentRef, max_chars: int, start: int = 0, limit: int | None = None
    ) -> DocumentText:
        """The document's segments from position ``start`` on: at most ``limit`` of them and ``max_chars``
        of text (at least one); raises ``pam.errors.NotFound`` if missing or not readable by the caller
        (the two are indistinguishable on purpose)."""
        ...

    async def change_history(
        self, document: str | None, since: datetime | None, limit: int
    ) -> list[ChangeEntry]:
        """Most recent changes first; ``document`` is an id or a title; only the caller's projects.

        For a document whose source keeps history (a Git repository) these are the commits that
        touched it; otherwise what each sync changed."""
        ...

    async def lookup_term(self, name: str) -> list[TermDefinition]:
        """Glossary terms that ``name`` names (the term or an alias), in the caller's projects."""
        ...


# One table cell as the tools hand it on: JSON scalars only.
TableCell = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class TableColumn:
    name: str
    type: str
    samples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableSummary:
    """One data table as the caller sees it; ``name`` is what their SQL uses."""

    name: str
    project_id: str
    project: str
    document_id: str
    source_name: str
    origin: str
    row_count: int
    columns: tuple[TableColumn, ...]


@dataclass(frozen=True, slots=True)
class TableRows:
    """The result of one read-only query: columns, rows, and the tables it read (first mention first)."""

    sql: str
    columns: tuple[str, ...]
    rows: tuple[tuple[TableCell, ...], ...]
    truncated: bool
    elapsed_ms: float
    tables: tuple[TableSummary, ...] = ()


class TableTools(Protocol):
    """The data tables as one caller may see them. Implementations enforce access on every call."""

    async def list_tables(self, project: str | None) -> list[TableSummary]:
        """Tables of the caller's projects, narrowed to ``project`` (a name or id) when given."""
        ...

    async def query(self, sql: str, project: str | None) -> TableRows:
        """Run one read-only SELECT over the caller's tables; raises ``PamError`` on refusal."""
        ...
