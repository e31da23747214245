"""Scale-out fixtures: settings sharing one migrated PostgreSQL database, Redis and data dir."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pam.settings import Settings
from pam.store import migrate
from tests.conftest import make_settings
from tests.deployments import TEST_HEARTBEAT_S


@pytest.fixture
async def scaleout_settings(pg_database: str, redis_url: str, tmp_path: Path) -> Callable[..., Settings]:
    """Settings for one process of a scale-out deployment: every process shares the database, Redis and data dir."""
    await asyncio.to_thread(migrate.upgrade, pg_database)
    data_dir = tmp_path / "shared"

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": pg_database,
            "redis_url": redis_url,
            "worker_heartbeat_s": TEST_HEARTBEAT_S,
            **overrides,
        }
        return make_settings(data_dir, **values)

    return build
