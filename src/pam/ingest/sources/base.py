"""The `SourceConnector` protocol: list a source's items, read one item's bytes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SourceItem:
    source_id: str  # stable id within the source: a relative POSIX path for folders
    name: str  # file name, for picking a parser and a fallback title
    size: int
    modified_at: datetime | None
    # Set when listing already found the item unusable (an escaping symlink, an oversized file).
    error_code: str | None = None
    error: str | None = None


class SourceConnector(Protocol):
    type: str
    # A mirroring source removes documents whose items vanished; an upload adds only.
    mirrors: bool

    def list_items(self) -> Iterator[SourceItem]: ...

    def covers(self, source_id: str) -> bool:
        """Whether `source_id` is within what `list_items` looks at (a vanished item there is deleted)."""
        ...

    def read(self, item: SourceItem) -> bytes: ...

    def uri(self, item: SourceItem) -> str:
        """What a citation shows as the document's location (never an absolute server path)."""
        ...
