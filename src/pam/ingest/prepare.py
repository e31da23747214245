"""Turn one source item into chunks ready to embed: read, hash, parse, chunk.

Runs in a worker thread (it is CPU and I/O bound). Every failure is a `ParseError` with a
reason code. Two codes mean "not a file we read", and the pipeline records them as skipped with
that reason: `unsupported` (an image, a binary, an extension no parser claims, a file without an
extension that is not text) and `empty` (no bytes, or no text in them). Any other code is a file
we tried to read and could not: a failure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pam.errors import ParseError
from pam.ingest.chunker import Chunk, Chunker
from pam.ingest.glossary_convention import extract_glossary
from pam.ingest.parsers.registry import ParserRegistry, unsupported_type
from pam.ingest.sources.base import SourceConnector, SourceItem
from pam.store.glossary import GlossaryDraft

SKIP_CODES = frozenset({"unsupported", "empty"})


def is_skip(error: ParseError) -> bool:
    """Whether `error` says the file is not one we read (skipped), rather than one we could not read."""
    return error.code in SKIP_CODES


@dataclass(slots=True)
class PreparedDocument:
    item: SourceItem
    content_hash: str
    size: int
    title: str
    mime_type: str
    chunks: list[Chunk]
    # content_hash -> float32 bytes, for every chunk: reused from the database or newly embedded.
    vectors: dict[str, bytes] = field(default_factory=dict)
    embedding_model: str = ""  # the stored model id every vector in `vectors` belongs to
    embedded: int = 0
    # The file's bytes, kept only for data files (they also become queryable tables).
    data: bytes | None = None
    # Glossary entries the document defines (docs/glossary.md), written with its segments.
    glossary: list[GlossaryDraft] = field(default_factory=list)

    def missing_vectors(self) -> list[Chunk]:
        seen: set[str] = set()
        missing = []
        for chunk in self.chunks:
            if chunk.content_hash not in self.vectors and chunk.content_hash not in seen:
                seen.add(chunk.content_hash)
                missing.append(chunk)
        return missing


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_item(connector: SourceConnector, item: SourceItem) -> tuple[bytes, str]:
    if item.error_code:
        raise ParseError(item.error or "the file cannot be ingested", code=item.error_code)
    data = connector.read(item)
    return data, sha256(data)


def parse_and_chunk(
    item: SourceItem,
    data: bytes,
    content_hash: str,
    parsers: ParserRegistry,
    chunker: Chunker,
    *,
    keep_bytes: bool = False,
) -> PreparedDocument:
    if not data or data.isspace():
        raise ParseError("the file is empty", code="empty")
    parser = parsers.for_filename(item.name)
    if parser is None:
        raise ParseError(unsupported_type(item.name), code="unsupported")
    parsed = parser.parse(data, item.name)
    chunks = chunker.chunk(parsed)
    if not chunks:
        raise ParseError("no text could be extracted from the file", code="empty")
    return PreparedDocument(
        data=data if keep_bytes else None,
        item=item,
        content_hash=content_hash,
        size=len(data),
        title=item.title or parsed.title or item.name,
        mime_type=parsed.mime_type,
        chunks=chunks,
        glossary=extract_glossary(parsed),
    )
