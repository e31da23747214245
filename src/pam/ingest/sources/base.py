"""The `SourceConnector` protocol: list what a source has (or what changed), read one item's bytes.

Every connector (folder, upload, and the remote ones in `pam.connectors`) passes one contract suite
(`tests/connectors/contract.py`): stable ids and versions, content, incremental changes,
deletions, and errors that cost one item, never the listing.

    listing(cursor) -> Listing      what to look at, which ids are gone, where the next run starts
    read(item)      -> bytes        the item's content (FetchError: this item could not be fetched)
    uri(item)       -> str          where a citation points (a URL for remote sources)
    covers(id)      -> bool         whether a vanished document with this id is this listing's to delete
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from pam.errors import PamError

RevisionAction = Literal["created", "updated", "deleted"]


@dataclass(frozen=True, slots=True)
class Revision:
    """One change of an item at its source (a Git commit that touched a file)."""

    revision: str  # the source's id for it: a commit sha
    author: str
    at: datetime
    message: str
    action: RevisionAction = "updated"


@dataclass(frozen=True, slots=True)
class SourceItem:
    source_id: str  # stable id within the source: a relative POSIX path, an issue number, a Drive file id
    name: str  # file name, for picking a parser and a fallback title
    size: int
    modified_at: datetime | None
    # Set when listing already found the item unusable (an escaping symlink, an oversized file).
    error_code: str | None = None
    error: str | None = None
    # The source's own version of the item (a blob sha, an `updated_at`, a Drive `version`): an item
    # whose version equals the stored one is skipped without being read. None: compare content hashes.
    version: str | None = None
    title: str | None = None  # the item's title at the source; else the parsed one
    revisions: tuple[Revision, ...] = ()  # newest first; what `get_change_history` returns for it


@dataclass(frozen=True, slots=True)
class Listing:
    """One listing of a source.

    `items` are what this run looks at: everything on a full listing, or what changed since the
    cursor on an incremental one. Documents this listing covers are deleted when their id is in
    `deleted`, or, when `present` is known, missing from it. `cursor` is saved once the run has
    completed without a fetch failure, and the next listing starts from it.
    """

    items: list[SourceItem]
    present: frozenset[str] | None = None
    deleted: frozenset[str] = field(default_factory=frozenset)
    cursor: str | None = None

    @classmethod
    def full(cls, items: Iterable[SourceItem], cursor: str | None = None) -> Listing:
        listed = list(items)
        return cls(listed, present=frozenset(i.source_id for i in listed), cursor=cursor)


class FetchError(PamError):
    """A remote source did not give this item (or the listing) after retries: worth trying again later.

    The message is written by the connector from status codes, never from a response body or URL
    with credentials in it.
    """

    code = "fetch_failed"
    status = 502


class SourceConnector(Protocol):
    type: str
    # A mirroring source removes documents whose items vanished; an upload adds only.
    mirrors: bool

    def listing(self, cursor: str | None) -> Listing:
        """Items to look at since `cursor` (None: a full listing). May raise `FetchError`."""
        ...

    def covers(self, source_id: str) -> bool:
        """Whether `source_id` is within what `listing` looks at (a vanished item there is deleted)."""
        ...

    def read(self, item: SourceItem) -> bytes:
        """The item's bytes; `ParseError` or `FetchError` costs this item only."""
        ...

    def uri(self, item: SourceItem) -> str:
        """What a citation shows as the document's location (never an absolute server path)."""
        ...

    def close(self) -> None:
        """Release what the connector holds (HTTP clients, temporary files)."""
        ...
