"""First start: ingest the sample knowledge base (PAM_SEED_DIR) into the default project, once."""

from __future__ import annotations

import structlog
from sqlalchemy import func, select

from pam.access import LOCAL_ADMIN
from pam.errors import PamError
from pam.services.container import Services
from pam.store.models import IngestionTask

log = structlog.get_logger("pam.seed")


async def seed_sample_documents(services: Services) -> None:
    seed_dir = services.settings.seed_dir
    if seed_dir is None:
        return
    async with services.sessions() as s:
        if await s.scalar(select(func.count()).select_from(IngestionTask)):
            return  # not the first start
    try:
        task = await services.ingestion.start_folder(
            await services.auth.scope_of(LOCAL_ADMIN), None, str(seed_dir)
        )
    except PamError as exc:
        log.warning("seed_skipped", reason=exc.message)
        return
    log.info("seed_started", task_id=str(task.id))
