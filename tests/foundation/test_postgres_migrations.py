"""PostgreSQL-only guarantees: one upgrade at a time, online index builds, refusing an outdated schema."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from pam.services.container import Services
from pam.store import migrate
from pam.store.migrate import SchemaOutdated
from tests.conftest import make_settings
from tests.servers import PostgresServer


def _pam(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pam.cli.main", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_concurrent_upgrades_apply_the_schema_exactly_once(pg_database: str, tmp_path: Path) -> None:
    env = {"PAM_DATABASE_URL": pg_database, "PAM_DATA_DIR": str(tmp_path), "PAM_LOG_FORMAT": "console"}
    procs = [_pam(["db", "upgrade"], env) for _ in range(2)]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    combined = "\n".join(outputs)
    # Each migration ran in exactly one of the two processes.
    assert combined.count("Running upgrade  -> 0001") == 1
    assert combined.count("Running upgrade 0001 -> 0002") == 1
    assert all(f"schema at {migrate.head_revision()}" in out for out in outputs)


async def _connect(url: str) -> asyncpg.Connection:
    u = make_url(url)
    return await asyncpg.connect(user="postgres", database=u.database, host=u.query["host"])


async def test_index_migration_does_not_block_inserts(pg_database: str) -> None:
    await asyncio.to_thread(migrate.upgrade, pg_database, "0001")
    conn = await _connect(pg_database)
    try:
        await conn.execute(
            """
            INSERT INTO projects (id, name, description, created_at, updated_at)
              VALUES ('00000000-0000-0000-0000-000000000001', 'p', '', now(), now());
            INSERT INTO sources (id, project_id, type, name, key, config, created_at, updated_at)
              VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001',
                      'folder', 's', 'k', '{}', now(), now());
            INSERT INTO documents (id, project_id, registered_source_id, source_type, source_id, title, uri,
                                   mime_type, size_bytes, content_hash, status, tags, segment_count,
                                   created_at, updated_at)
              VALUES ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001',
                      '00000000-0000-0000-0000-000000000002', 'folder', 'd', 'd', 'd', 'text/plain', 0,
                      'h', 'active', '[]', 0, now(), now());
            INSERT INTO segments (id, document_id, project_id, position, content, content_hash, section_path,
                                  segment_type, char_start, char_end, token_count, metadata, created_at, updated_at)
              SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000003',
                     '00000000-0000-0000-0000-000000000001', g, 'segment ' || g, md5(g::text) || md5((g*7)::text),
                     '', 'text', 0, 0, 0, '{}', now(), now()
              FROM generate_series(1, 250000) AS g;
            """
        )
    finally:
        await conn.close()

    writer = await _connect(pg_database)
    stalls: list[float] = []
    done = asyncio.Event()

    async def insert_continuously() -> None:
        n = 0
        while not done.is_set():
            n += 1
            started = time.perf_counter()
            await writer.execute(
                "INSERT INTO segments (id, document_id, project_id, position, content, content_hash, section_path,"
                " segment_type, char_start, char_end, token_count, metadata, created_at, updated_at)"
                " VALUES (gen_random_uuid(), '00000000-0000-0000-0000-000000000003',"
                " '00000000-0000-0000-0000-000000000001', $1::int, 'live', md5($1::int::text), '', 'text', 0, 0, 0, '{}',"
                " now(), now())",
                1_000_000 + n,
            )
            stalls.append(time.perf_counter() - started)
            await asyncio.sleep(0.005)

    inserter = asyncio.create_task(insert_continuously())
    await asyncio.sleep(0.2)
    before = len(stalls)
    build_started = time.perf_counter()
    await asyncio.to_thread(migrate.upgrade, pg_database, "0002")
    build_s = time.perf_counter() - build_started
    during = stalls[before:]
    done.set()
    await inserter
    await writer.close()

    check = await _connect(pg_database)
    try:
        valid = await check.fetchval(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = 'ix_segments_content_hash'"
        )
    finally:
        await check.close()
    assert valid is True
    print(f"index build {build_s:.3f}s, inserts during build {len(during)}, longest stall {max(during):.4f}s")
    # A locking CREATE INDEX would hold every insert for the whole build.
    assert len(during) >= 5
    assert max(during) < build_s / 2


async def test_outdated_postgres_schema_refuses_to_start(pg_database: str, tmp_path: Path) -> None:
    await asyncio.to_thread(migrate.upgrade, pg_database, "0001")
    settings = make_settings(tmp_path, database_url=pg_database)
    with pytest.raises(SchemaOutdated, match="pam db upgrade"):
        await Services.start(settings)


def test_serve_on_an_outdated_postgres_schema_exits_with_instructions(
    pg_database: str, tmp_path: Path
) -> None:
    proc = _pam(["serve", "--port", "1"], {"PAM_DATABASE_URL": pg_database, "PAM_DATA_DIR": str(tmp_path)})
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 1
    assert "pam db upgrade" in out


def test_upgrade_without_the_right_to_enable_pgvector_says_what_to_do(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    role = f"app_{uuid.uuid4().hex[:8]}"
    database = pg_server.create_database()
    pg_server.psql(f'CREATE ROLE "{role}" LOGIN')
    pg_server.psql(f'ALTER DATABASE "{database}" OWNER TO "{role}"')
    url = pg_server.url(database).replace("postgres@", f"{role}@", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    env.update(PAM_DATABASE_URL=url, PAM_DATA_DIR=str(tmp_path / "data"))

    done = subprocess.run(
        [sys.executable, "-m", "pam.cli.main", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1, done.stderr
    assert "may not enable it" in done.stderr and "CREATE EXTENSION vector" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    pg_server.drop_database(database)
    pg_server.psql(f'DROP ROLE "{role}"')
