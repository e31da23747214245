"""`UploadSource`: files uploaded through the API, kept in the data dir so they can be re-indexed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pam.errors import InvalidInput, ParseError
from pam.ingest.sources.base import Listing, SourceItem

# File systems allow 255 bytes per name (ext4, xfs, btrfs, tmpfs), counted in the encoded name.
MAX_NAME_BYTES = 255


def safe_filename(name: str) -> str:
    """A file name with no directories, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".")
    if not name:
        raise InvalidInput("the file name is empty")
    return fit_name(name, MAX_NAME_BYTES)


def fit_name(name: str, max_bytes: int) -> str:
    """`name` cut to `max_bytes` of UTF-8 between characters, keeping its extension when it is short."""
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, dot, ext = name.rpartition(".")
    suffix = f".{ext}" if dot and stem and len(ext.encode("utf-8")) <= 16 else ""
    head = name[: len(name) - len(suffix)]
    room = max_bytes - len(suffix.encode("utf-8"))
    cut = head.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip()
    return cut + suffix


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
