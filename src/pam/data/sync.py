"""The ingestion seam: keep a document's tables in step with the document.

``sync_document_tables`` is called after a document commits (with its bytes) and when it is deleted
(with ``None``). It never raises: a data file that cannot be loaded as a table is logged and simply
has no tables, and any other file is ignored, so the pipeline can call it for every document.
"""

from __future__ import annotations

import asyncio
import uuid

import structlog

from pam.data.catalog import DataCatalog
from pam.data.loaders import is_data_file
from pam.data.models import TableInfo
from pam.errors import PamError


async def sync_document_tables(
    catalog: DataCatalog,
    project_id: uuid.UUID,
    document_id: uuid.UUID | str,
    name: str,
    data: bytes | None,
) -> list[TableInfo]:
    """(Re)load ``name``'s tables from ``data``, or drop the document's tables when ``data`` is None."""
    log = structlog.get_logger(__name__).bind(project_id=str(project_id), document_id=str(document_id))
    try:
        if data is None or not is_data_file(name):
            # A document renamed away from a data extension must not keep stale tables either.
            dropped = await asyncio.to_thread(catalog.drop_document, project_id, str(document_id))
            if dropped:
                log.info("data.tables_dropped", tables=dropped)
            return []
        tables = await asyncio.to_thread(catalog.replace_document, project_id, str(document_id), name, data)
        log.info("data.tables_loaded", tables=[t.name for t in tables], rows=sum(t.row_count for t in tables))
        return tables
    except PamError as exc:
        log.info("data.tables_not_loaded", code=exc.code, reason=exc.message)
    except Exception:
        log.exception("data.tables_failed")
    return []


class CatalogSink:
    """Implements `pam.ingest.table_sink.TableSink` over a `DataCatalog`."""

    def __init__(self, catalog: DataCatalog) -> None:
        self.catalog = catalog

    def wants(self, name: str) -> bool:
        return is_data_file(name)

    async def document_written(
        self, project_id: uuid.UUID, document_id: uuid.UUID, name: str, data: bytes
    ) -> None:
        await sync_document_tables(self.catalog, project_id, document_id, name, data)

    async def document_deleted(self, project_id: uuid.UUID, document_id: uuid.UUID, name: str) -> None:
        if is_data_file(name):
            await sync_document_tables(self.catalog, project_id, document_id, name, None)
