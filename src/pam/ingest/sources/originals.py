"""A document's original bytes, read back from its source for "open original" (folder and upload sources).

The same connectors that ingested the file read it again, so the same rules hold: only under the
ingestion roots (symlinks resolved at read time), only up to the size limit. Remote sources have no
bytes here: their documents link to the original URL instead.
"""

from __future__ import annotations

from pathlib import Path

from pam.errors import NotFound, PamError, ParseError
from pam.ingest.roots import resolve_under_roots
from pam.ingest.sources.base import SourceItem
from pam.ingest.sources.folder import FolderSource
from pam.ingest.sources.upload import UploadSource

LOCAL_SOURCES = frozenset({"folder", "upload"})


def read_original(
    source_type: str,
    source_key: str,
    source_id: str,
    uploads_dir: Path,
    ingest_roots: list[Path],
    *,
    max_file_bytes: int,
) -> bytes:
    """The bytes of item `source_id` of a folder (at `source_key`) or of a project's uploads folder."""
    if source_type not in LOCAL_SOURCES:
        raise NotFound("this document's original is not a file on the server; open its link instead")
    item = SourceItem(source_id, Path(source_id).name, 0, None)
    try:
        if source_type == "upload":
            return UploadSource(uploads_dir, [source_id]).read(item)
        folder, root = resolve_under_roots(source_key, ingest_roots)
        return FolderSource(folder, root, only=[source_id], max_file_bytes=max_file_bytes).read(item)
    except ParseError as exc:
        raise NotFound("the original file is no longer available") from exc
    except PamError as exc:  # the folder left the allowed roots, or is gone
        raise NotFound("the original file is no longer available") from exc
