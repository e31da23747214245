"""`FolderSource`: a local folder, recursive, with include/exclude globs, confined to its root."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pam.errors import ParseError
from pam.ingest.roots import is_within
from pam.ingest.sources.base import Listing, SourceItem

_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv"}


class FolderSource:
    type = "folder"
    mirrors = True

    def __init__(
        self,
        folder: Path,
        root: Path,
        *,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        only: Sequence[str] | None = None,
        max_file_bytes: int,
    ) -> None:
        self.folder = folder
        self.root = root
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self.max_file_bytes = max_file_bytes
        # Re-indexing single documents: exactly these relative paths, nothing else is listed or removed.
        self.only = set(only) if only is not None else None

    def covers(self, source_id: str) -> bool:
        """Whether a document with this id belongs to what this listing looks at (mirroring removes only those)."""
        if self.only is not None:
            return source_id in self.only
        return self._wanted(source_id)

    def _wanted(self, rel: str) -> bool:
        if self.include and not any(fnmatch.fnmatch(rel, g) for g in self.include):
            return False
        return not any(fnmatch.fnmatch(rel, g) for g in self.exclude)

    def listing(self, cursor: str | None) -> Listing:
        # A folder has no change feed: every run lists it whole and compares content hashes.
        return Listing.full(self.list_items())

    def close(self) -> None:
        pass

    def list_items(self) -> Iterator[SourceItem]:
        if self.only is not None:
            for rel in sorted(self.only):
                if (self.folder / rel).is_file() or (self.folder / rel).is_symlink():
                    yield self._item(self.folder / rel, rel)
            return
        for dirpath, dirnames, filenames in os.walk(self.folder, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = Path(dirpath) / name
                rel = path.relative_to(self.folder).as_posix()
                if self._wanted(rel):
                    yield self._item(path, rel)

    def _item(self, path: Path, rel: str) -> SourceItem:
        name = path.name
        real = path.resolve()
        if not is_within(real, self.root):
            return SourceItem(
                rel, name, 0, None, "outside_root", "a symlink that points outside the allowed roots"
            )
        try:
            stat = real.stat()
        except OSError:
            return SourceItem(rel, name, 0, None, "unreadable", "the file cannot be read")
        if not real.is_file():
            return SourceItem(rel, name, 0, None, "unsupported", "not a regular file")
        modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
        if stat.st_size > self.max_file_bytes:
            return SourceItem(
                rel,
                name,
                stat.st_size,
                modified,
                "too_large",
                f"the file is larger than the limit of {self.max_file_bytes // (1024 * 1024)} MiB",
            )
        return SourceItem(rel, name, stat.st_size, modified)

    def read(self, item: SourceItem) -> bytes:
        real = (self.folder / item.source_id).resolve()
        # Checked again at read time: the tree may have changed since it was listed.
        if not is_within(real, self.root):
            raise ParseError("a symlink that points outside the allowed roots", code="outside_root")
        try:
            with real.open("rb") as fh:
                data = fh.read(self.max_file_bytes + 1)
        except OSError as exc:
            raise ParseError("the file cannot be read", code="unreadable") from exc
        if len(data) > self.max_file_bytes:
            raise ParseError("the file is larger than the limit", code="too_large")
        return data

    def uri(self, item: SourceItem) -> str:
        return item.source_id
