"""`UploadSource`: files uploaded through the API, kept in the data dir so they can be re-indexed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pam.errors import InvalidInput, ParseError
from pam.ingest.sources.base import Listing, SourceItem


def safe_filename(name: str) -> str:
    """A file name with no directories, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".")
    if not name:
        raise InvalidInput("the file name is empty")
    return name[:200]


class UploadSource:
    type = "upload"
    mirrors = False

    def __init__(self, folder: Path, names: Sequence[str]) -> None:
        self.folder = folder
        self.names = list(names)

    def covers(self, source_id: str) -> bool:
        return source_id in self.names

    def listing(self, cursor: str | None) -> Listing:
        return Listing(list(self.list_items()))

    def close(self) -> None:
        pass

    def list_items(self) -> Iterator[SourceItem]:
        for name in self.names:
            path = self.folder / name
            try:
                stat = path.stat()
            except OSError:
                yield SourceItem(name, name, 0, None, "unreadable", "the uploaded file is gone")
                continue
            yield SourceItem(name, name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, tz=UTC))

    def read(self, item: SourceItem) -> bytes:
        try:
            return (self.folder / item.source_id).read_bytes()
        except OSError as exc:
            raise ParseError("the uploaded file cannot be read", code="unreadable") from exc

    def uri(self, item: SourceItem) -> str:
        return f"upload://{item.source_id}"
