"""What a search may be restricted to, and what an engine indexes per segment.

Both embedded engines (keyword and vector) take the same ``SearchFilters`` and must agree on what it
means, so the semantics live here:

- every set-valued field is "match any"; ``None`` means no restriction, an empty set matches nothing;
- ``path_prefix`` is a plain string prefix of the segment's path/uri (``"docs/"`` matches ``"docs/a.md"``,
  ``"docs/gu"`` matches ``"docs/guide.md"``); ``None`` or ``""`` means no restriction;
- ``updated_after``/``updated_before`` are inclusive bounds; naive datetimes are taken as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def epoch_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch; naive datetimes count as UTC so both engines agree."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True, slots=True)
class SearchFilters:
    project_ids: frozenset[str] | None = None
    source_types: frozenset[str] | None = None
    source_ids: frozenset[str] | None = None
    path_prefix: str | None = None
    tags: frozenset[str] | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None

    def matches_nothing(self) -> bool:
        """True when some restriction is an empty set or the date range is empty: no engine work needed."""
        for allowed in (self.project_ids, self.source_types, self.source_ids, self.tags):
            if allowed is not None and not allowed:
                return True
        if self.updated_after is not None and self.updated_before is not None:
            return epoch_micros(self.updated_after) > epoch_micros(self.updated_before)
        return False


@dataclass(frozen=True, slots=True)
class SegmentMeta:
    """The filterable attributes of one segment (what the vector engine keeps per row)."""

    document_id: str
    project_id: str
    source_type: str
    source_id: str
    path: str
    tags: tuple[str, ...]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class IndexedSegment:
    """Everything an engine indexes for one segment. ``path`` is the document's uri or file path."""

    segment_id: str
    document_id: str
    project_id: str
    source_type: str
    source_id: str
    path: str
    tags: tuple[str, ...]
    updated_at: datetime
    title: str
    section_path: str
    content: str

    @property
    def meta(self) -> SegmentMeta:
        return SegmentMeta(
            document_id=self.document_id,
            project_id=self.project_id,
            source_type=self.source_type,
            source_id=self.source_id,
            path=self.path,
            tags=self.tags,
            updated_at=self.updated_at,
        )
