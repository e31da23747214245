"""An in-memory ``KnowledgeTools`` for tests, scoped to a set of projects like the real one.

Search is plain word overlap (lowercased words, ties kept in corpus order), which keeps the ranking
obvious in each test. Every call is recorded. Documents whose title starts with "Boom" make
``get_document`` raise a non-domain error, to test how the agent survives a crashing tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from pam.answer.sources import ChangeEntry, DocumentRef, DocumentText, Passage, TermDefinition, ToolFilters
from pam.errors import NotFound

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Doc:
    document_id: str
    project_id: str
    title: str
    sections: tuple[tuple[str, str], ...]  # (section_path, content) per segment
    uri: str | None = None

    def passages(self) -> list[Passage]:
        return [
            Passage(
                segment_id=f"{self.document_id}-s{i}",
                document_id=self.document_id,
                title=self.title,
                uri=self.uri or f"docs/{self.document_id}.md",
                section_path=section,
                page=None,
                content=content,
                score=0.0,
                project_id=self.project_id,
            )
            for i, (section, content) in enumerate(self.sections)
        ]


@dataclass
class MemoryKnowledge:
    docs: list[Doc]
    # The caller's projects: the access scope enforced on every call.
    scope: frozenset[str]
    changes: list[ChangeEntry] = field(default_factory=list)
    calls: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)
    search_error: Exception | None = None
    terms: list[TermDefinition] = field(default_factory=list)

    def _visible(self, filters: ToolFilters | None = None) -> list[Doc]:
        docs = [d for d in self.docs if d.project_id in self.scope]
        if filters is not None and filters.project is not None:
            docs = [d for d in docs if d.project_id == filters.project]
        if filters is not None and filters.path_prefix:
            prefix = filters.path_prefix
            docs = [d for d in docs if (d.uri or f"docs/{d.document_id}.md").startswith(prefix)]
        return docs

    async def search(self, query: str, filters: ToolFilters, k: int) -> list[Passage]:
        self.calls.append(("search", (query, filters, k)))
        if self.search_error is not None:
            raise self.search_error
        wanted = set(_WORD.findall(query.lower()))
        scored: list[tuple[int, int, Passage]] = []
        for doc in self._visible(filters):
            for passage in doc.passages():
                overlap = len(wanted & set(_WORD.findall(passage.content.lower())))
                if overlap:
                    scored.append((-overlap, len(scored), passage))
        scored.sort(key=lambda item: (item[0], item[1]))
        # Like a cosine: the share of the question's content words the passage holds (0-1).
        content = {w for w in wanted if len(w) > 3} or wanted
        return [
            replace(p, score=len(content & set(_WORD.findall(p.content.lower()))) / len(content))
            for _, _, p in scored[:k]
        ]

    async def get_document(
        self, ref: DocumentRef, max_chars: int, start: int = 0, limit: int | None = None
    ) -> DocumentText:
        self.calls.append(("get_document", (ref.document_id, ref.title)))
        for doc in self._visible():
            if doc.document_id == ref.document_id or (ref.title is not None and doc.title == ref.title):
                if doc.title.startswith("Boom"):
                    raise RuntimeError("disk on fire at /var/lib/secret/path")
                segments: list[Passage] = []
                used = 0
                for position, passage in enumerate(doc.passages()):
                    if position < start:
                        continue
                    full = limit is not None and len(segments) >= limit
                    if full or (used + len(passage.content) > max_chars and segments):
                        return DocumentText(
                            doc.document_id,
                            doc.title,
                            doc.uri,
                            doc.project_id,
                            tuple(segments),
                            True,
                            position,
                        )
                    segments.append(passage)
                    used += len(passage.content)
                return DocumentText(doc.document_id, doc.title, doc.uri, doc.project_id, tuple(segments))
        raise NotFound("Document not found.")

    async def change_history(
        self, document: str | None, since: datetime | None, limit: int
    ) -> list[ChangeEntry]:
        self.calls.append(("change_history", (document, since, limit)))
        visible = {d.document_id for d in self._visible()}
        entries = [c for c in self.changes if c.document_id in visible]
        if document is not None:
            entries = [c for c in entries if document in (c.document_id, c.title)]
        if since is not None:
            entries = [c for c in entries if c.at >= since]
        return sorted(entries, key=lambda c: c.at, reverse=True)[:limit]

    async def lookup_term(self, name: str) -> list[TermDefinition]:
        self.calls.append(("lookup_term", (name,)))
        wanted = name.casefold().strip()
        return [
            t
            for t in self.terms
            if t.project_id in self.scope and wanted in {n.casefold() for n in (t.term, *t.aliases)}
        ]
