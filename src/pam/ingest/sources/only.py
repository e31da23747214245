"""`OnlyItems`: a connector narrowed to a few of its items (re-indexing single documents of a remote source)."""

from __future__ import annotations

from collections.abc import Iterable

from pam.ingest.sources.base import Listing, SourceConnector, SourceItem


class OnlyItems:
    """Lists the source whole and keeps only `only`; a kept id missing from the source is deleted."""

    def __init__(self, connector: SourceConnector, only: Iterable[str]) -> None:
        self.inner = connector
        self.only = frozenset(only)
        self.type = connector.type
        self.mirrors = connector.mirrors

    def listing(self, cursor: str | None) -> Listing:
        # A full listing (the cursor is not advanced by a partial run): the ids asked for are found in it.
        full = self.inner.listing(None)
        items = [i for i in full.items if i.source_id in self.only]
        present = frozenset(i.source_id for i in items) if full.present is not None else None
        return Listing(items, present=present, deleted=full.deleted & self.only, cursor=None)

    def covers(self, source_id: str) -> bool:
        return source_id in self.only

    def read(self, item: SourceItem) -> bytes:
        return self.inner.read(item)

    def uri(self, item: SourceItem) -> str:
        return self.inner.uri(item)

    def close(self) -> None:
        self.inner.close()
