"""The seam through which ingestion keeps derived tables in step with documents.

Ingestion does not know about tables; the data layer implements this protocol and `Services`
hands it to the pipeline. It is called after the document's transaction commits (the database
stays authoritative) and must never raise.
"""

from __future__ import annotations

import uuid
from typing import Protocol


class TableSink(Protocol):
    def wants(self, name: str) -> bool:
        """Whether a file of this name becomes tables (its bytes are then kept until it is written)."""
        ...

    async def document_written(
        self, project_id: uuid.UUID, document_id: uuid.UUID, name: str, data: bytes
    ) -> None: ...

    async def document_deleted(self, project_id: uuid.UUID, document_id: uuid.UUID, name: str) -> None: ...
