"""Many appliers, concurrent writers: every outbox row is applied exactly once, and none is skipped."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from tests.search.pg.conftest import PgEnv

from pam.search import pg_apply, pg_outbox
from pam.search.postgres_index import PostgresIndex
from pam.store.db import create_engine, create_session_factory


async def _latest_seq(pg_env: PgEnv) -> int:
    async with pg_env.sessions() as s:
        return int(await s.scalar(text("SELECT coalesce(max(seq), 0) FROM index_outbox")) or 0)


async def _assert_statistics_exact(pg_env: PgEnv) -> None:
    async with pg_env.sessions() as s:
        stored: dict[str, int] = dict((await s.execute(text("SELECT term, df FROM search_terms"))).all())
        recomputed: dict[str, int] = dict(
            (
                await s.execute(
                    text(
                        "SELECT lexeme, count(*) FROM search_segments, "
                        "unnest(tsvector_to_array(tsv)) AS lexeme GROUP BY lexeme"
                    )
                )
            ).all()
        )
        state = (await s.execute(text("SELECT segments, total_length FROM search_state"))).one()
        actual = (
            await s.execute(text("SELECT count(*), coalesce(sum(length), 0) FROM search_segments"))
        ).one()
        active = await s.scalar(
            text(
                "SELECT count(*) FROM segments s JOIN documents d ON d.id = s.document_id "
                "WHERE d.status = 'active'"
            )
        )
    assert stored == recomputed
    assert tuple(state) == tuple(actual)
    assert actual[0] == active


async def test_two_indexes_syncing_concurrently_apply_each_outbox_row_once(
    pg_env: PgEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: Counter[uuid.UUID] = Counter()
    real_apply = pg_apply.apply_documents

    async def counting_apply(
        session: AsyncSession, document_ids: Sequence[uuid.UUID], model: str, dim: int
    ) -> None:
        await real_apply(session, document_ids, model, dim)
        applied.update(document_ids)

    monkeypatch.setattr(pg_apply, "apply_documents", counting_apply)
    # Two processes' worth: separate engines, so separate connections and no shared Python state.
    engines = [create_engine(pg_env.url) for _ in range(2)]
    indexes = [PostgresIndex(create_session_factory(e), 384) for e in engines]
    try:
        for index in indexes:
            await index.start()
        written: list[uuid.UUID] = []
        done = asyncio.Event()

        async def writer(worker: int) -> None:
            for i in range(15):
                doc = await pg_env.add(
                    "alpha", f"w{worker}-{i}.md", [f"walrus census {worker} {i}", f"second line {i}"]
                )
                written.append(doc)

        async def follower(index: PostgresIndex) -> None:
            while not done.is_set():
                await index.sync()
                await asyncio.sleep(0)

        followers = [asyncio.create_task(follower(i)) for i in indexes]
        await asyncio.gather(*(writer(w) for w in range(3)))
        done.set()
        await asyncio.gather(*followers)
        latest = await _latest_seq(pg_env)
        for _ in range(50):
            generations = [await index.sync() for index in indexes]
            if generations == [latest, latest]:
                break
            await asyncio.sleep(0.1)
        assert [index.generation for index in indexes] == [latest, latest]
        assert sorted(applied) == sorted(written) and set(applied.values()) == {1}
        await _assert_statistics_exact(pg_env)
        hits = await indexes[0].keyword("walrus census", pg_env.scope("alpha"), 100)
        assert len(hits) == 45
    finally:
        for e in engines:
            await e.dispose()


async def test_a_change_still_committing_is_waited_for_not_skipped(pg_env: PgEnv) -> None:
    index = await pg_env.open_index()
    before = index.generation
    async with pg_env.sessions() as slow:
        await slow.begin()
        # Takes its outbox seq now, commits last: seq order and commit order differ.
        await pg_env.write(slow, "alpha", "slow.md", ["The narwhal migration report."])
        await pg_env.add("alpha", "fast.md", ["The axolotl tank report."])
        assert await index.sync() == before
        assert await index.keyword("axolotl", pg_env.scope("alpha"), 5) == []
        await slow.commit()
    assert await index.sync() == await _latest_seq(pg_env)
    assert await index.keyword("narwhal", pg_env.scope("alpha"), 5)
    assert await index.keyword("axolotl", pg_env.scope("alpha"), 5)


async def test_a_rolled_back_change_leaves_a_gap_that_is_passed_once_settled(
    pg_env: PgEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_outbox, "GAP_GRACE_S", 0.0)
    index = await pg_env.open_index()
    async with pg_env.sessions() as failed:
        await failed.begin()
        await pg_env.write(failed, "alpha", "failed.md", ["The okapi document that never was."])
        await pg_env.add("alpha", "kept.md", ["The pangolin document."])
        await failed.rollback()
    await index.sync()  # sees the gap for the first time: waits
    assert await index.sync() == await _latest_seq(pg_env)
    assert await index.keyword("pangolin", pg_env.scope("alpha"), 5)
    assert await index.keyword("okapi", pg_env.scope("alpha"), 5) == []
    await _assert_statistics_exact(pg_env)


async def test_a_writer_holding_its_seq_blocks_settling_only_briefly(
    pg_env: PgEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_outbox, "GAP_GRACE_S", 0.0)
    index = await pg_env.open_index()
    before = index.generation
    async with pg_env.sessions() as slow:
        await slow.begin()
        await pg_env.write(slow, "alpha", "slow.md", ["The tapir report."])
        await pg_env.add("alpha", "fast.md", ["The gecko report."])
        await index.sync()
        # Overdue now: the settling lock times out behind the open writer instead of skipping its seq.
        assert await index.sync() == before
        await slow.commit()
    assert await index.sync() == await _latest_seq(pg_env)
    assert await index.keyword("tapir", pg_env.scope("alpha"), 5)
